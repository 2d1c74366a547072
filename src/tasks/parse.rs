//! One task file: `+++` front matter (TOML), then the body, kept byte for byte.

use std::path::{Path, PathBuf};

use toml::Spanned;
use toml::de::{DeTable, DeValue};

use super::{KNOWN_KEYS, TaskError, TaskErrorKind};
use crate::core::model::TaskDef;

/// A parsed task, its file, and the lines that later cross-file errors point at.
pub(super) struct Entry {
    pub def: TaskDef,
    pub file: PathBuf,
    pub id_line: Option<usize>,
    pub needs_line: Option<usize>,
}

/// Checks that `czar/<id>` is a branch name git accepts, with a margin of plainness.
pub fn validate_id(id: &str) -> Result<(), &'static str> {
    if id.is_empty() {
        return Err("it is empty");
    }
    if id.len() > 100 {
        return Err("it is longer than 100 characters");
    }
    if !id
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
    {
        return Err("use only letters, digits, `.`, `_` and `-`");
    }
    if id.starts_with(['.', '-']) {
        return Err("it must not start with `.` or `-`");
    }
    if id.contains("..") {
        return Err("it must not contain `..`");
    }
    if id.ends_with(".lock") || id.ends_with('.') {
        return Err("it must not end with `.lock` or `.`");
    }
    Ok(())
}

/// One task file's text; `agents` are the profile names its `agent` may name.
pub fn parse_task<S: AsRef<str>>(
    file: &Path,
    text: &str,
    agents: &[S],
) -> Result<TaskDef, TaskError> {
    let agents: Vec<&str> = agents.iter().map(AsRef::as_ref).collect();
    parse_entry(file, text, &agents).map(|e| e.def)
}

/// Splits off the front matter: `(front, body)`, or `None` when the file has none.
fn split(text: &str) -> Result<Option<(&str, &str)>, TaskErrorKind> {
    let is_fence = |line: &str| line.trim_end() == "+++";
    let Some(first_end) = text.find('\n') else {
        return if is_fence(text) {
            Err(TaskErrorKind::Unclosed)
        } else {
            Ok(None)
        };
    };
    if !is_fence(&text[..first_end]) {
        return Ok(None);
    }
    let front_start = first_end + 1;
    let mut pos = front_start;
    while pos < text.len() {
        let end = text[pos..].find('\n').map_or(text.len(), |i| pos + i);
        if is_fence(&text[pos..end]) {
            let body_start = (end + 1).min(text.len());
            return Ok(Some((&text[front_start..pos], &text[body_start..])));
        }
        pos = end + 1;
    }
    Err(TaskErrorKind::Unclosed)
}

pub(super) fn parse_entry(file: &Path, text: &str, agents: &[&str]) -> Result<Entry, TaskError> {
    // A BOM is an editor artefact, not task text; without stripping it the `+++` fence
    // would go unseen and the front matter would be sent to the agent.
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let (front, body) = match split(text) {
        Ok(Some(parts)) => parts,
        Ok(None) => ("", text),
        Err(kind) => return Err(TaskError::new(file, Some(1), kind)),
    };
    let front = Front {
        file,
        text: front,
        first_line: 2,
    };
    let doc = DeTable::parse(front.text).map_err(|err| {
        let line = err.span().map(|s| front.line_of(s.start));
        let kind = TaskErrorKind::Syntax(err.message().trim().to_string());
        TaskError::new(file, line, kind)
    })?;
    let table = doc.get_ref();
    for (key, _) in table.iter() {
        if !KNOWN_KEYS.contains(&key.get_ref().as_ref()) {
            let kind = TaskErrorKind::UnknownKey {
                key: key.get_ref().to_string(),
            };
            return Err(front.error(key.span().start, kind));
        }
    }

    let stem = file
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let (id, id_line) = match table.get("id") {
        Some(v) => (front.id(v, "id")?, Some(front.line_of(v.span().start))),
        None => {
            validate_id(&stem).map_err(|reason| {
                let key = "file name (set `id` to choose another)".to_string();
                let kind = TaskErrorKind::InvalidId {
                    key,
                    value: stem.clone(),
                    reason,
                };
                TaskError::new(file, None, kind)
            })?;
            (stem, None)
        }
    };
    let title = match table.get("title") {
        Some(v) => {
            let title = front.string(v, "title")?;
            let title = title.trim();
            if title.is_empty() || title.contains(['\n', '\r']) {
                let kind = TaskErrorKind::Invalid {
                    key: "title".into(),
                    reason: "must be one non-empty line",
                };
                return Err(front.error(v.span().start, kind));
            }
            title.to_string()
        }
        None => title_from_body(body).unwrap_or_else(|| id.clone()),
    };
    let priority = match table.get("priority") {
        Some(v) => front.integer(v, "priority")?,
        None => 0,
    };
    let (mut needs, mut needs_line) = (Vec::new(), None);
    if let Some(v) = table.get("needs") {
        needs_line = Some(front.line_of(v.span().start));
        let DeValue::Array(items) = v.get_ref() else {
            return Err(front.wrong_type(v, "needs", "an array of task ids"));
        };
        for (i, item) in items.iter().enumerate() {
            let key = format!("needs[{i}]");
            let need = front.id(item, &key)?;
            let reason = if need == id {
                "names this task itself, which would wait for ever"
            } else if needs.contains(&need) {
                "repeats an id listed before it"
            } else {
                needs.push(need);
                continue;
            };
            let kind = TaskErrorKind::Invalid { key, reason };
            return Err(front.error(item.span().start, kind));
        }
    }
    let agent = front.agents(table.get("agent"), agents)?;
    let tags = front.tags(table.get("tags"), agents)?;
    let labels = front.labels(table.get("labels"), agents)?;
    let plan = match table.get("plan") {
        Some(v) => Some(front.id(v, "plan")?),
        None => None,
    };
    let planner = match table.get("kind") {
        Some(v) => match front.string(v, "kind")?.as_str() {
            "plan" => true,
            "task" => false,
            _ => {
                let kind = TaskErrorKind::Invalid {
                    key: "kind".into(),
                    reason: "expected \"task\" or \"plan\"",
                };
                return Err(front.error(v.span().start, kind));
            }
        },
        None => false,
    };
    let verify = front.optional_text(table.get("verify"), "verify")?;
    let no_changes = match table.get("no_changes") {
        Some(v) => match v.get_ref() {
            DeValue::Boolean(b) => *b,
            _ => return Err(front.wrong_type(v, "no_changes", "true or false")),
        },
        None => false,
    };
    let body_line = 1 + text[..text.len() - body.len()].matches('\n').count();
    super::text::check_body(file, body, body_line)?;
    let def = TaskDef {
        id,
        title,
        priority,
        needs,
        agent,
        tags,
        labels,
        plan,
        planner,
        verify,
        no_changes,
        body: body.to_string(),
    };
    Ok(Entry {
        def,
        file: file.to_path_buf(),
        id_line,
        needs_line,
    })
}

/// The first non-empty body line with Markdown heading marks removed.
fn title_from_body(body: &str) -> Option<String> {
    body.lines()
        .map(|l| l.trim().trim_matches('#').trim())
        .find(|l| !l.is_empty())
        .map(str::to_string)
}

/// The front matter text and where it sits in the file, for line numbers.
pub(super) struct Front<'a> {
    file: &'a Path,
    text: &'a str,
    first_line: usize,
}

impl Front<'_> {
    fn line_of(&self, offset: usize) -> usize {
        let end = offset.min(self.text.len());
        self.first_line
            + self.text.as_bytes()[..end]
                .iter()
                .filter(|&&b| b == b'\n')
                .count()
    }

    pub(super) fn error(&self, offset: usize, kind: TaskErrorKind) -> TaskError {
        TaskError::new(self.file, Some(self.line_of(offset)), kind)
    }

    pub(super) fn wrong_type(
        &self,
        v: &Spanned<DeValue>,
        key: &str,
        expected: &'static str,
    ) -> TaskError {
        let found = crate::config::toml_kind_of(v.get_ref());
        let key = key.to_string();
        self.error(
            v.span().start,
            TaskErrorKind::WrongType {
                key,
                expected,
                found,
            },
        )
    }

    pub(super) fn string(&self, v: &Spanned<DeValue>, key: &str) -> Result<String, TaskError> {
        match v.get_ref() {
            DeValue::String(s) => Ok(s.to_string()),
            _ => Err(self.wrong_type(v, key, "a string")),
        }
    }

    fn id(&self, v: &Spanned<DeValue>, key: &str) -> Result<String, TaskError> {
        let value = self.string(v, key)?;
        match validate_id(&value) {
            Ok(()) => Ok(value),
            Err(reason) => {
                let key = key.to_string();
                let kind = TaskErrorKind::InvalidId { key, value, reason };
                Err(self.error(v.span().start, kind))
            }
        }
    }

    fn integer(&self, v: &Spanned<DeValue>, key: &str) -> Result<i64, TaskError> {
        let DeValue::Integer(int) = v.get_ref() else {
            return Err(self.wrong_type(v, key, "an integer"));
        };
        i64::from_str_radix(int.as_str(), int.radix()).map_err(|_| {
            let kind = TaskErrorKind::Invalid {
                key: key.to_string(),
                reason: "does not fit in a 64-bit integer",
            };
            self.error(v.span().start, kind)
        })
    }

    fn optional_text(
        &self,
        v: Option<&Spanned<DeValue>>,
        key: &str,
    ) -> Result<Option<String>, TaskError> {
        let Some(v) = v else { return Ok(None) };
        let text = self.string(v, key)?;
        if text.trim().is_empty() {
            let kind = TaskErrorKind::Invalid {
                key: key.to_string(),
                reason: "must not be empty (leave the key out instead)",
            };
            return Err(self.error(v.span().start, kind));
        }
        Ok(Some(text))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_finds_the_first_closing_fence() {
        assert_eq!(
            split("+++\na = 1\n+++\nbody\n+++\n").unwrap(),
            Some(("a = 1\n", "body\n+++\n"))
        );
        assert_eq!(split("+++\r\n+++\r\nx").unwrap(), Some(("", "x")));
        assert_eq!(split("+++\n+++").unwrap(), Some(("", "")));
        assert_eq!(split("no front\n+++\n").unwrap(), None);
        assert!(split("+++\na = 1\n").is_err());
        assert!(split("+++").is_err());
    }

    #[test]
    fn ids_follow_git_branch_rules() {
        for ok in ["a", "fix-1", "v1.2_x", "A.b-c"] {
            assert!(validate_id(ok).is_ok(), "{ok}");
        }
        let long = "x".repeat(101);
        for bad in [
            "",
            ".a",
            "-a",
            "a..b",
            "a.lock",
            "a.",
            "a b",
            "a/b",
            "é",
            long.as_str(),
        ] {
            assert!(validate_id(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn title_defaults_to_first_heading() {
        assert_eq!(
            title_from_body("\n\n## Fix it ##\nmore"),
            Some("Fix it".into())
        );
        assert_eq!(title_from_body("#\nreal"), Some("real".into()));
        assert_eq!(title_from_body("  \n"), None);
    }
}
