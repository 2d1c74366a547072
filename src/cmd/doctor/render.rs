//! The report: one line per check (status, name, what was found) with its fix under it, for
//! people; one JSON object for scripts. Found text quotes paths, session names, task files and
//! what programs printed, so the text report shows control characters escaped (`visible`).

use super::check::{Check, Status};
use crate::visible::one_line;
use serde_json::json;

/// `{"problems": n, "warnings": n, "checks": [{name, status, detail, fix}]}`.
pub fn json(checks: &[Check]) -> serde_json::Value {
    json!({
        "problems": count(checks, Status::Problem),
        "warnings": count(checks, Status::Warning),
        "checks": checks,
    })
}

fn count(checks: &[Check], status: Status) -> usize {
    checks.iter().filter(|c| c.status == status).count()
}

/// The report for a terminal or a pipe; with `color`, the statuses are coloured.
pub fn text(title: &str, checks: &[Check], color: bool) -> String {
    let width = checks
        .iter()
        .map(|c| c.name.chars().count())
        .max()
        .unwrap_or(0);
    let status_width = "warning".len();
    let indent = " ".repeat(status_width + 2 + width + 2);
    let mut out = format!("czar doctor: {}\n", one_line(title));
    for c in checks {
        let word = format!("{:status_width$}", c.status.as_str());
        let word = if color { paint(c.status, &word) } else { word };
        out.push_str(&format!(
            "{word}  {:width$}  {}\n",
            one_line(&c.name),
            one_line(&c.detail)
        ));
        if let Some(fix) = &c.fix {
            out.push_str(&format!("{indent}fix: {}\n", one_line(fix)));
        }
    }
    let (problems, warnings) = (
        count(checks, Status::Problem),
        count(checks, Status::Warning),
    );
    let plural = |n: usize, what: &str| match n {
        0 => format!("no {what}s"),
        1 => format!("1 {what}"),
        n => format!("{n} {what}s"),
    };
    out.push_str(&format!(
        "{}, {}{}\n",
        plural(problems, "problem"),
        plural(warnings, "warning"),
        if problems > 0 { " (exit status 1)" } else { "" }
    ));
    out
}

fn paint(status: Status, word: &str) -> String {
    let code = match status {
        Status::Ok => "32",
        Status::Warning => "33",
        Status::Problem => "1;31",
    };
    format!("\x1b[{code}m{word}\x1b[0m")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report() -> Vec<Check> {
        vec![
            Check::ok("tmux", "tmux 3.3a"),
            Check::warning("profile.codex", "`codex` is not on PATH", "install it"),
            Check::problem("state_dir", "loose \u{1b}[2J", "chmod -R go-rwx x"),
        ]
    }

    #[test]
    fn text_has_a_line_per_check_its_fix_and_no_raw_escapes_without_colour() {
        let out = text("/repo (project p)", &report(), false);
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines[0], "czar doctor: /repo (project p)");
        assert_eq!(lines[1], "ok       tmux           tmux 3.3a");
        assert_eq!(lines[2], "warning  profile.codex  `codex` is not on PATH");
        assert_eq!(lines[3], format!("{}fix: install it", " ".repeat(24)));
        assert!(lines[4].starts_with("problem  state_dir      loose \\u{1b}[2J"));
        assert_eq!(lines[6], "1 problem, 1 warning (exit status 1)");
        assert!(!out.contains('\u{1b}'), "{out}");
        let coloured = text("/repo", &report(), true);
        assert!(
            coloured.contains("\u{1b}[1;31mproblem\u{1b}[0m"),
            "{coloured}"
        );
    }

    #[test]
    fn json_names_every_check_with_its_status_and_fix() {
        let v = json(&report());
        assert_eq!(v["problems"], 1);
        assert_eq!(v["warnings"], 1);
        assert_eq!(v["checks"][0]["name"], "tmux");
        assert_eq!(v["checks"][0]["status"], "ok");
        assert!(v["checks"][0]["fix"].is_null());
        assert_eq!(v["checks"][2]["status"], "problem");
        assert_eq!(v["checks"][2]["detail"], "loose \u{1b}[2J");
        assert_eq!(v["checks"][2]["fix"], "chmod -R go-rwx x");
    }
}
