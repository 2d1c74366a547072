//! Task files: one Markdown file per task in the tasks folder, with optional TOML front
//! matter between `+++` lines. A broken file is reported and skipped; the rest keep working.

mod graph;
mod parse;
mod write;

use std::fmt;
use std::path::{Path, PathBuf};

pub use parse::{parse_task, validate_id};
pub use write::{NewTask, render_task, slug, write_task};

/// The front-matter keys a task file may use.
pub const KNOWN_KEYS: &[&str] = &[
    "id",
    "title",
    "priority",
    "needs",
    "agent",
    "verify",
    "no_changes",
];

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskSpec {
    /// Also names the branch `czar/<id>`.
    pub id: String,
    pub title: String,
    /// Higher runs first.
    pub priority: i64,
    /// Ids of tasks that must finish first.
    pub needs: Vec<String>,
    /// Agent profile name; `None` means the project's default. Not checked against the
    /// profiles here (this module does not know them).
    pub agent: Option<String>,
    /// Command that must succeed in the worktree before the task counts as done.
    pub verify: Option<String>,
    /// The task legitimately changes nothing: it may be done without commits of its own.
    pub no_changes: bool,
    /// Everything after the closing `+++` line, byte for byte.
    pub body: String,
    pub file: PathBuf,
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
    #[error("not UTF-8 text")]
    NotUtf8,
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
    pub tasks: Vec<TaskSpec>,
    pub errors: Vec<TaskError>,
}

impl TaskSet {
    pub fn get(&self, id: &str) -> Option<&TaskSpec> {
        self.tasks.iter().find(|t| t.id == id)
    }
}

/// The `*.md` files directly in `dir` (names starting with `.` excluded: editor
/// swap files and czar's own temp files), sorted by name.
fn task_files(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if name.starts_with('.') || !name.ends_with(".md") || !entry.file_type()?.is_file() {
            continue;
        }
        files.push(entry.path());
    }
    files.sort();
    Ok(files)
}

/// Loads every task in `dir`. Broken files, duplicate ids, unknown `needs` and
/// dependency cycles are reported in `errors` and the tasks involved are left out, so
/// what remains is complete: every `needs` names a loaded task and there is no cycle.
pub fn load_dir(dir: &Path) -> TaskSet {
    let mut set = TaskSet::default();
    let files = match task_files(dir) {
        Ok(files) => files,
        Err(source) => {
            let kind = TaskErrorKind::Io {
                action: "read the tasks folder",
                source,
            };
            set.errors.push(TaskError::new(dir, None, kind));
            return set;
        }
    };
    let mut parsed = Vec::new();
    let mut broken = Vec::new();
    for file in files {
        match std::fs::read(&file) {
            Err(source) => {
                let kind = TaskErrorKind::Io {
                    action: "read it",
                    source,
                };
                set.errors.push(TaskError::new(&file, None, kind));
                broken.push(file);
            }
            Ok(bytes) => match String::from_utf8(bytes) {
                Err(_) => {
                    set.errors
                        .push(TaskError::new(&file, None, TaskErrorKind::NotUtf8));
                    broken.push(file);
                }
                Ok(text) => match parse::parse_entry(&file, &text) {
                    Ok(entry) => parsed.push(entry),
                    Err(err) => {
                        set.errors.push(err);
                        broken.push(file);
                    }
                },
            },
        }
    }
    set.tasks = graph::check(parsed, &broken, &mut set.errors);
    set
}
