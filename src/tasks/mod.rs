//! Task files: one Markdown file per task in the tasks folder, with optional TOML front
//! matter between `+++` lines. A broken file is reported and skipped; the rest keep working.

mod edit;
mod graph;
mod parse;
mod route_keys;
mod text;
mod write;

use crate::core::model::TaskDef;
use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

pub use edit::{check_draft, with_error_note, without_error_note};
pub use parse::{parse_task, validate_id};
pub use text::{PASTE_END, check_body, decode};
pub use write::{render_task, slug, with_priority, write_task};

/// The front-matter keys a task file may use.
pub const KNOWN_KEYS: &[&str] = &[
    "id",
    "title",
    "priority",
    "needs",
    "agent",
    "verify",
    "no_changes",
    "tags",
    "labels",
    "plan",
    "kind",
];

/// In the list of names a task may use (profiles), a tag some profile declares is `#tag`.
pub const TAG: char = '#';

/// In the same list, a label some host declares is `@label`.
pub const LABEL: char = '@';

/// An agent profile as routing sees it: the tags it declares.
pub trait Tagged {
    fn tags(&self) -> &[String];
}

impl Tagged for crate::config::AgentProfile {
    fn tags(&self) -> &[String] {
        &self.tags
    }
}

/// The names a task may use: every profile's, `#tag` for every tag one declares, and `@label`
/// for every label a host declares.
pub fn known_names<P: Tagged>(
    profiles: &std::collections::BTreeMap<String, P>,
    hosts: &[crate::config::hosts::Host],
) -> Vec<String> {
    let mut names = Vec::new();
    let mut tags = Vec::new();
    for (name, p) in profiles {
        names.push(name.clone());
        tags.extend(p.tags().iter().map(|t| format!("{TAG}{t}")));
    }
    for h in hosts {
        tags.extend(h.labels.iter().map(|l| format!("{LABEL}{l}")));
    }
    tags.sort();
    tags.dedup();
    names.extend(tags);
    names
}

/// The profile names among `known` (without the tags), for error messages.
pub fn profile_names(known: &[&str]) -> String {
    let names: Vec<&str> = known
        .iter()
        .copied()
        .filter(|n| !n.starts_with([TAG, LABEL]))
        .collect();
    names.join(", ")
}

/// A task file problem, displayed as `tasks/foo.md:3: what`.
#[derive(Debug)]
pub struct TaskError {
    pub file: PathBuf,
    pub line: Option<usize>,
    pub kind: TaskErrorKind,
}

impl TaskError {
    fn new(file: &Path, line: Option<usize>, kind: TaskErrorKind) -> Self {
        Self {
            file: file.to_path_buf(),
            line,
            kind,
        }
    }
}

impl fmt::Display for TaskError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file.display())?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
        }
        write!(f, ": {}", self.kind)
    }
}

impl std::error::Error for TaskError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        std::error::Error::source(&self.kind)
    }
}

/// `id (file)`, the way other tasks are named inside messages.
fn named(id: &str, file: &Path) -> String {
    format!("\"{id}\" ({})", file.display())
}

fn list_files(files: &[PathBuf]) -> String {
    let names: Vec<String> = files.iter().map(|f| f.display().to_string()).collect();
    names.join(", ")
}

fn list_tasks(tasks: &[(String, PathBuf)]) -> String {
    let names: Vec<String> = tasks.iter().map(|(id, f)| named(id, f)).collect();
    names.join(" -> ")
}

#[derive(Debug, thiserror::Error)]
pub enum TaskErrorKind {
    #[error("cannot {action}: {source}")]
    Io {
        action: &'static str,
        source: std::io::Error,
    },
    #[error("not text: {what} (a task file is UTF-8 text, pasted to the agent as it is)")]
    NotText { what: &'static str },
    #[error("the task text is empty; write what the agent should do after the front matter")]
    EmptyBody,
    #[error(
        "the task text contains the bracketed-paste end marker ESC[201~, which would end the \
         paste early and reach the agent as typed keys; remove it"
    )]
    PasteEnd,
    #[error("agent: no agent profile named {name:?} (known profiles: {known})")]
    UnknownAgent { name: String, known: String },
    #[error(
        "{key}: no agent profile declares the tag {tag:?} (add it to `tags` in [agents.<name>])"
    )]
    UnknownTag { key: String, tag: String },
    #[error("{key}: no host declares the label {label:?} (add it to `labels` in [hosts.<name>])")]
    UnknownLabel { key: String, label: String },
    #[error("{0}; a symlinked task file must point to a regular file")]
    BadLink(String),
    #[error("front matter opened with `+++` is never closed by a `+++` line")]
    Unclosed,
    #[error("invalid TOML in front matter: {0}")]
    Syntax(String),
    #[error("unknown key {key:?} in front matter (known keys: {})", KNOWN_KEYS.join(", "))]
    UnknownKey { key: String },
    #[error("{key}: expected {expected}, found {found}")]
    WrongType {
        key: String,
        expected: &'static str,
        found: &'static str,
    },
    #[error("{key}: {value:?} is not a valid task id: {reason}")]
    InvalidId {
        key: String,
        value: String,
        reason: &'static str,
    },
    #[error("{key}: {reason}")]
    Invalid { key: String, reason: &'static str },
    #[error(
        "duplicate task id {id:?}, also defined in {}; every copy is skipped",
        list_files(others)
    )]
    Duplicate { id: String, others: Vec<PathBuf> },
    #[error("task {task:?} needs {need:?}, but no task has that id")]
    UnknownNeed { task: String, need: String },
    #[error(
        "task {task:?} needs {}, which is skipped because of its own error",
        named(need, need_file)
    )]
    NeedSkipped {
        task: String,
        need: String,
        need_file: PathBuf,
    },
    #[error("dependency cycle: {} -> {:?}{}; these tasks are skipped", list_tasks(path), path.first().map_or("", |p| p.0.as_str()), also(others))]
    Cycle {
        path: Vec<(String, PathBuf)>,
        others: Vec<(String, PathBuf)>,
    },
    #[error("task id {id:?} is already used in this folder")]
    IdTaken { id: String },
    #[error("already exists; refusing to overwrite it")]
    Exists,
}

fn also(others: &[(String, PathBuf)]) -> String {
    if others.is_empty() {
        return String::new();
    }
    let names: Vec<String> = others.iter().map(|(id, f)| named(id, f)).collect();
    format!(" (also caught in it: {})", names.join(", "))
}

/// Every task that loaded, and every problem found.
#[derive(Debug, Default)]
pub struct TaskSet {
    /// In file-name order.
    pub tasks: Vec<TaskDef>,
    /// The file each task was read from, by id.
    pub files: BTreeMap<String, PathBuf>,
    pub errors: Vec<TaskError>,
}

impl TaskSet {
    pub fn get(&self, id: &str) -> Option<&TaskDef> {
        self.tasks.iter().find(|t| t.id == id)
    }

    /// The file task `id` was read from.
    pub fn file_of(&self, id: &str) -> Option<&Path> {
        self.files.get(id).map(PathBuf::as_path)
    }

    /// The errors by file (one file can have two: its own, and a task it needs that broke),
    /// each as the operator reads it, one per line.
    pub fn errors_by_file(&self) -> std::collections::BTreeMap<String, String> {
        let mut out = std::collections::BTreeMap::new();
        for e in &self.errors {
            let all: &mut String = out.entry(e.file.display().to_string()).or_default();
            if !all.is_empty() {
                all.push('\n');
            }
            all.push_str(&e.to_string());
        }
        out
    }
}

/// The `*.md` files directly in `dir` (names starting with `.` excluded: editor swap files
/// and czar's own temp files), sorted by name, and a symlink's problem when it leads to no
/// regular file. A symlink is followed wherever it points; a FIFO or a device is not read (a
/// FIFO would block the czar).
fn task_files(dir: &Path) -> std::io::Result<(Vec<PathBuf>, Vec<TaskError>)> {
    let mut files = Vec::new();
    let mut errors = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if name.starts_with('.') || !name.ends_with(".md") {
            continue;
        }
        let kind = entry.file_type()?;
        let path = entry.path();
        if kind.is_file() {
            files.push(path);
        } else if kind.is_symlink() {
            match link_problem(&path) {
                None => files.push(path),
                Some(err) => errors.push(err),
            }
        }
    }
    files.sort();
    errors.sort_by(|a, b| a.file.cmp(&b.file));
    Ok((files, errors))
}

/// Why the symlink at `path` gives no task file, if it does not.
fn link_problem(path: &Path) -> Option<TaskError> {
    let target =
        std::fs::read_link(path).map_or_else(|_| "?".to_string(), |t| t.display().to_string());
    let why = match std::fs::metadata(path) {
        Ok(m) if m.is_file() => return None,
        Ok(m) if m.is_dir() => format!("is a symlink to {target}, a folder"),
        Ok(_) => format!("is a symlink to {target}, which is not a regular file"),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            format!("is a symlink to {target}, which does not exist")
        }
        Err(e) if e.raw_os_error() == Some(rustix::io::Errno::LOOP.raw_os_error()) => {
            format!("is a symlink loop (through {target})")
        }
        Err(e) => format!("is a symlink to {target}, which cannot be read: {e}"),
    };
    Some(TaskError::new(path, None, TaskErrorKind::BadLink(why)))
}

/// Loads every task in `dir`; `agents` are the profile names a task's `agent` may name.
/// Broken files, duplicate ids, unknown `needs` and dependency cycles are reported in
/// `errors` and the tasks involved are left out, so what remains is complete: every `needs`
/// names a loaded task and there is no cycle.
pub fn load_dir<S: AsRef<str>>(dir: &Path, agents: &[S]) -> TaskSet {
    let agents: Vec<&str> = agents.iter().map(AsRef::as_ref).collect();
    let mut set = TaskSet::default();
    let (files, link_errors) = match task_files(dir) {
        Ok(found) => found,
        Err(source) => {
            let kind = TaskErrorKind::Io {
                action: "read the tasks folder",
                source,
            };
            set.errors.push(TaskError::new(dir, None, kind));
            return set;
        }
    };
    let mut broken: Vec<PathBuf> = link_errors.iter().map(|e| e.file.clone()).collect();
    set.errors.extend(link_errors);
    let mut parsed = Vec::new();
    for file in files {
        let read = std::fs::read(&file).map_err(|source| {
            let kind = TaskErrorKind::Io {
                action: "read it",
                source,
            };
            TaskError::new(&file, None, kind)
        });
        let entry = read
            .and_then(|bytes| text::decode(&file, bytes))
            .and_then(|text| parse::parse_entry(&file, &text, &agents));
        match entry {
            Ok(entry) => parsed.push(entry),
            Err(err) => {
                set.errors.push(err);
                broken.push(file);
            }
        }
    }
    for (def, file) in graph::check(parsed, &broken, &mut set.errors) {
        set.files.insert(def.id.clone(), file);
        set.tasks.push(def);
    }
    set
}
