//! Writing a new task file for `czar task add`: never over an existing file, never a
//! half-written one.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::io::{ErrorKind, Write as _};
use std::path::{Path, PathBuf};

use super::parse::{parse_task, validate_id};
use super::text::check_body;
use super::{TaskError, TaskErrorKind, task_files};
use crate::core::model::TaskDef;

/// Lower-case ASCII letters and digits, other runs turned into one `-`, at most 60
/// characters; `task` when nothing is left (a title in another script, say).
pub fn slug(title: &str) -> String {
    let mut out = String::new();
    for c in title.chars() {
        if c.is_ascii_alphanumeric() {
            if out.len() >= 60 {
                break;
            }
            out.push(c.to_ascii_lowercase());
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    let out = out.trim_end_matches('-');
    if out.is_empty() {
        "task".to_string()
    } else {
        out.to_string()
    }
}

/// A TOML basic string on one line. Hand-rolled because a TOML writer may choose a
/// multi-line string, and a line `+++` inside it would end the front matter early.
fn quote(text: &str) -> String {
    let mut out = String::from("\"");
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04X}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// The id a new task asked for; `None` (an empty id) means one made from its title.
fn chosen(new: &TaskDef) -> Option<&String> {
    (!new.id.is_empty()).then_some(&new.id)
}

/// The file text for `new` under `id`: front matter with every field, then the body.
pub fn render_task(id: &str, new: &TaskDef) -> String {
    let mut out = String::from("+++\n");
    let _ = writeln!(out, "id = {}", quote(id));
    let _ = writeln!(out, "title = {}", quote(new.title.trim()));
    let _ = writeln!(out, "priority = {}", new.priority);
    let needs: Vec<String> = new.needs.iter().map(|n| quote(n)).collect();
    let _ = writeln!(out, "needs = [{}]", needs.join(", "));
    match new.agent.as_slice() {
        [] => {}
        [one] => {
            let _ = writeln!(out, "agent = {}", quote(one));
        }
        many => {
            let names: Vec<String> = many.iter().map(|a| quote(a)).collect();
            let _ = writeln!(out, "agent = [{}]", names.join(", "));
        }
    }
    if !new.tags.is_empty() {
        let tags: Vec<String> = new.tags.iter().map(|t| quote(t)).collect();
        let _ = writeln!(out, "tags = [{}]", tags.join(", "));
    }
    if !new.labels.is_empty() {
        let labels: Vec<String> = new.labels.iter().map(|l| quote(l)).collect();
        let _ = writeln!(out, "labels = [{}]", labels.join(", "));
    }
    if let Some(plan) = &new.plan {
        let _ = writeln!(out, "plan = {}", quote(plan));
    }
    if new.planner {
        out.push_str("kind = \"plan\"\n");
    }
    if let Some(verify) = &new.verify {
        let _ = writeln!(out, "verify = {}", quote(verify));
    }
    if new.no_changes {
        out.push_str("no_changes = true\n");
    }
    out.push_str("+++\n");
    out.push_str(&new.body);
    out
}

fn check(new: &TaskDef, dir: &Path, agents: &[&str]) -> Result<(), TaskError> {
    let invalid = |key: &str, reason| {
        let kind = TaskErrorKind::Invalid {
            key: key.into(),
            reason,
        };
        TaskError::new(dir, None, kind)
    };
    let title = new.title.trim();
    if title.is_empty() || title.contains(['\n', '\r']) {
        return Err(invalid("title", "must be one non-empty line"));
    }
    if new.verify.as_deref().is_some_and(|v| v.trim().is_empty()) {
        return Err(invalid("verify", "must not be empty"));
    }
    if let Some(name) = new
        .agent
        .iter()
        .find(|a| !agents.contains(&a.as_str()) || a.starts_with(super::TAG))
    {
        let kind = TaskErrorKind::UnknownAgent {
            name: name.to_string(),
            known: super::profile_names(agents),
        };
        return Err(TaskError::new(dir, None, kind));
    }
    // The reader refuses a list naming a profile twice: a file written so would not load.
    if let Some(i) = (1..new.agent.len()).find(|i| new.agent[..*i].contains(&new.agent[*i])) {
        return Err(invalid(
            &format!("agent[{i}]"),
            "repeats a profile listed before it",
        ));
    }
    for (i, tag) in new.tags.iter().enumerate() {
        if !agents.contains(&format!("{}{tag}", super::TAG).as_str()) {
            let kind = TaskErrorKind::UnknownTag {
                key: format!("tags[{i}]"),
                tag: tag.clone(),
            };
            return Err(TaskError::new(dir, None, kind));
        }
    }
    for (i, label) in new.labels.iter().enumerate() {
        if !agents.contains(&format!("{}{label}", super::LABEL).as_str()) {
            let kind = TaskErrorKind::UnknownLabel {
                key: format!("labels[{i}]"),
                label: label.clone(),
            };
            return Err(TaskError::new(dir, None, kind));
        }
    }
    check_body(Path::new("<task text>"), &new.body, 1)?;
    for (i, need) in new.needs.iter().enumerate() {
        if chosen(new) == Some(need) {
            return Err(invalid(&format!("needs[{i}]"), "names this task itself"));
        }
        if new.needs[..i].contains(need) {
            return Err(invalid(
                &format!("needs[{i}]"),
                "repeats an id listed before it",
            ));
        }
    }
    let ids = chosen(new).map(|id| ("id".to_string(), id));
    let needs = new
        .needs
        .iter()
        .enumerate()
        .map(|(i, n)| (format!("needs[{i}]"), n));
    for (key, value) in ids.into_iter().chain(needs) {
        validate_id(value).map_err(|reason| {
            let kind = TaskErrorKind::InvalidId {
                key,
                value: value.clone(),
                reason,
            };
            TaskError::new(dir, None, kind)
        })?;
    }
    Ok(())
}

/// Ids in use in `dir`: every task file's stem and every id its front matter declares.
fn taken_ids(dir: &Path, agents: &[&str]) -> Result<BTreeSet<String>, TaskError> {
    let (files, _) = task_files(dir).map_err(|source| {
        let kind = TaskErrorKind::Io {
            action: "read the tasks folder",
            source,
        };
        TaskError::new(dir, None, kind)
    })?;
    let mut ids = BTreeSet::new();
    for file in files {
        if let Some(stem) = file.file_stem() {
            ids.insert(stem.to_string_lossy().into_owned());
        }
        if let Ok(text) = std::fs::read_to_string(&file)
            && let Ok(spec) = parse_task(&file, &text, agents)
        {
            ids.insert(spec.id);
        }
    }
    Ok(ids)
}

/// Writes `new` as `<dir>/<id>.md` (creating `dir`), and returns that path; an empty id is
/// made from the title, unique in the folder. `agents` are the profile names its `agent` may
/// name; its text is checked as a task file's is.
pub fn write_task<S: AsRef<str>>(
    dir: &Path,
    new: &TaskDef,
    agents: &[S],
) -> Result<PathBuf, TaskError> {
    let agents: Vec<&str> = agents.iter().map(AsRef::as_ref).collect();
    check(new, dir, &agents)?;
    std::fs::create_dir_all(dir).map_err(|source| {
        let kind = TaskErrorKind::Io {
            action: "create the tasks folder",
            source,
        };
        TaskError::new(dir, None, kind)
    })?;
    let taken = taken_ids(dir, &agents)?;
    for need in &new.needs {
        if !taken.contains(need) {
            let kind = TaskErrorKind::UnknownNeed {
                task: chosen(new).cloned().unwrap_or_else(|| slug(&new.title)),
                need: need.clone(),
            };
            return Err(TaskError::new(dir, None, kind));
        }
    }
    let base = match chosen(new) {
        Some(id) if taken.contains(id) => {
            let kind = TaskErrorKind::IdTaken { id: id.clone() };
            return Err(TaskError::new(&dir.join(format!("{id}.md")), None, kind));
        }
        Some(id) => id.clone(),
        None => slug(&new.title),
    };
    let mut n = 1;
    loop {
        let id = if n == 1 {
            base.clone()
        } else {
            format!("{base}-{n}")
        };
        n += 1;
        if taken.contains(&id) {
            continue;
        }
        let path = dir.join(format!("{id}.md"));
        match publish(dir, &path, &render_task(&id, new)) {
            Ok(()) => return Ok(path),
            // Someone created it since the folder was read: an explicit id is refused,
            // a generated one moves on to the next suffix.
            Err(err) if matches!(err.kind, TaskErrorKind::Exists) && chosen(new).is_none() => {}
            Err(err) => return Err(err),
        }
    }
}

/// Writes a temp file, then links it into place: the link fails instead of replacing
/// an existing file, and readers never see a partial task.
fn publish(dir: &Path, path: &Path, text: &str) -> Result<(), TaskError> {
    let io = |action, source| TaskError::new(path, None, TaskErrorKind::Io { action, source });
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    let temp = dir.join(format!(".{name}.{}.{nanos}.tmp", std::process::id()));
    let written = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&temp)
        .and_then(|mut f| f.write_all(text.as_bytes()).and_then(|()| f.sync_all()));
    if let Err(source) = written {
        let _ = std::fs::remove_file(&temp);
        return Err(io("write a temporary file", source));
    }
    let linked = std::fs::hard_link(&temp, path);
    let result = match linked {
        Ok(()) => Ok(()),
        Err(err) if err.kind() == ErrorKind::AlreadyExists => {
            Err(TaskError::new(path, None, TaskErrorKind::Exists))
        }
        // Some filesystems refuse hard links; fall back to check-then-rename.
        Err(_) if path.exists() => Err(TaskError::new(path, None, TaskErrorKind::Exists)),
        Err(_) => {
            return std::fs::rename(&temp, path).map_err(|e| io("move the task into place", e));
        }
    };
    let _ = std::fs::remove_file(&temp);
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs() {
        assert_eq!(slug("Fix the README's  typo!"), "fix-the-readme-s-typo");
        assert_eq!(slug("  --Ünïcode café--  "), "n-code-caf");
        assert_eq!(slug("修复"), "task");
        let long = slug(&"ab ".repeat(40));
        assert!(long.len() <= 60 && !long.ends_with('-'), "{long}");
    }

    #[test]
    fn a_profile_listed_twice_is_refused_and_nothing_written() {
        let dir = tempfile::tempdir().unwrap();
        let def = TaskDef {
            title: "Twice".into(),
            agent: vec!["sim".into(), "claude".into(), "sim".into()],
            body: "Do it.\n".into(),
            ..TaskDef::default()
        };
        let err = write_task(dir.path(), &def, &["sim", "claude"]).unwrap_err();
        assert!(
            err.to_string()
                .contains("agent[2]: repeats a profile listed before it"),
            "{err}"
        );
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }

    #[test]
    fn quoting_stays_on_one_line() {
        assert_eq!(quote("a\"b\\c\nd\u{7}"), "\"a\\\"b\\\\c\\nd\\u0007\"");
    }
}

/// The task file's text with its front matter's `priority` set to `p` (the line replaced, or
/// added after the opening fence; a file without front matter gets one). Everything else stays
/// byte for byte: the body is what the agent is given.
pub fn with_priority(text: &str, p: i64) -> String {
    let line = format!("priority = {p}");
    let Some(rest) = text.strip_prefix("+++\n") else {
        return format!("+++\n{line}\n+++\n{text}");
    };
    let mut out = String::from("+++\n");
    let mut lines = rest.split_inclusive('\n');
    let mut replaced = false;
    for l in lines.by_ref() {
        if l.trim_end() == "+++" {
            if !replaced {
                out.push_str(&line);
                out.push('\n');
            }
            out.push_str(l);
            break;
        }
        let key = l.split('=').next().unwrap_or("").trim();
        if key == "priority" && !replaced {
            out.push_str(&line);
            out.push('\n');
            replaced = true;
        } else {
            out.push_str(l);
        }
    }
    for l in lines {
        out.push_str(l);
    }
    out
}

#[cfg(test)]
mod priority_tests {
    use super::with_priority;

    #[test]
    fn priority_is_replaced_or_added_and_the_body_kept() {
        let body = "Do it.\npriority = 9 stays in the body\n";
        let file = format!("+++\ntitle = \"x\"\npriority = 1\n+++\n{body}");
        assert_eq!(
            with_priority(&file, -3),
            format!("+++\ntitle = \"x\"\npriority = -3\n+++\n{body}")
        );
        let file = format!("+++\ntitle = \"x\"\n+++\n{body}");
        assert_eq!(
            with_priority(&file, 4),
            format!("+++\ntitle = \"x\"\npriority = 4\n+++\n{body}")
        );
        assert_eq!(
            with_priority(body, 2),
            format!("+++\npriority = 2\n+++\n{body}")
        );
    }
}
