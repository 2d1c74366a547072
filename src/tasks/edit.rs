//! Editing a task file by hand (`czar task edit`, the dashboard's `e`): the operator edits a
//! draft; a draft that does not check out is kept and shown again with the error on top (as
//! TOML comments in its front matter, which the check ignores), never dropped.

use super::parse::parse_task;
use crate::core::model::TaskDef;
use std::path::Path;

/// The first line of the error notes the draft carries.
const NOTE: &str = "# czar: this draft was not saved:";

/// The draft as the operator wrote it, checked as `file` (the task's own file name, so the id
/// it takes from its name stays the same); `id` is the id it must keep.
pub fn check_draft<S: AsRef<str>>(
    file: &Path,
    id: &str,
    text: &str,
    agents: &[S],
) -> Result<TaskDef, String> {
    let def = parse_task(file, text, agents).map_err(|e| e.to_string())?;
    if def.id != id {
        return Err(format!(
            "its id became {:?}; a task keeps its id (add a new task instead)",
            def.id
        ));
    }
    Ok(def)
}

/// The draft with earlier error notes removed and `error` put on top of its front matter.
pub fn with_error_note(text: &str, error: &str) -> String {
    let clean = without_error_note(text);
    let mut note = format!("{NOTE}\n");
    for line in error.lines() {
        note.push_str(&format!("# {line}\n"));
    }
    match clean.strip_prefix("+++\n") {
        Some(rest) => format!("+++\n{note}{rest}"),
        // No front matter to hold a comment: the error goes in one, which is then empty.
        None => format!("+++\n{note}+++\n{clean}"),
    }
}

/// The draft without the notes a failed check put in it.
pub fn without_error_note(text: &str) -> String {
    let Some(rest) = text.strip_prefix(&format!("+++\n{NOTE}\n")) else {
        return text.to_string();
    };
    let mut body = rest;
    while let Some(line_end) = body.find('\n') {
        if !body.starts_with("# ") {
            break;
        }
        body = &body[line_end + 1..];
    }
    format!("+++\n{body}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bad_draft_gets_its_error_on_top_and_loses_it_once_fixed() {
        let bad = "+++\ntitle = \"x\"\npriority = \"high\"\n+++\nDo it.\n";
        let file = Path::new("/t/fix.md");
        let err = check_draft(file, "fix", bad, &["sim"]).unwrap_err();
        let noted = with_error_note(bad, &err);
        assert!(noted.starts_with("+++\n# czar: this draft was not saved:\n# "));
        // The note does not break the check by itself, and a second note replaces the first.
        let again = with_error_note(&noted, "second");
        assert_eq!(again.matches(NOTE).count(), 1);
        assert_eq!(without_error_note(&noted), bad);
        let fixed = noted.replace("\"high\"", "3");
        let def = check_draft(file, "fix", &fixed, &["sim"]).unwrap();
        assert_eq!(def.priority, 3);
        assert_eq!(def.body, "Do it.\n");
        let renamed = "+++\nid = \"other\"\ntitle = \"x\"\n+++\nDo it.\n";
        assert!(check_draft(file, "fix", renamed, &["sim"]).is_err());
    }
}
