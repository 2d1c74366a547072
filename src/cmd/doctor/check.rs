//! What one check of `czar doctor` found: a status, what it saw, and for anything not ok how to
//! fix it. A check that looks at many things (every session, every worktree) gathers one
//! finding per thing and reports as its worst.

use serde::Serialize;

/// How a check came out. Ordered: the worst of several is their maximum.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Ok,
    /// Worth knowing, and czar works anyway.
    Warning,
    /// Something that keeps czar (or a worker) from working: `czar doctor` exits 1.
    Problem,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Ok => "ok",
            Status::Warning => "warning",
            Status::Problem => "problem",
        }
    }
}

/// One line of the report; the JSON output is a list of these.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Check {
    /// Stable, for scripts: `tmux`, `profile.claude`, `state_dir`, ...
    pub name: String,
    pub status: Status,
    /// What was found.
    pub detail: String,
    /// How to fix it; `None` exactly when the status is ok.
    pub fix: Option<String>,
}

impl Check {
    pub fn ok(name: impl Into<String>, detail: impl Into<String>) -> Check {
        Check {
            name: name.into(),
            status: Status::Ok,
            detail: detail.into(),
            fix: None,
        }
    }

    pub fn warning(
        name: impl Into<String>,
        detail: impl Into<String>,
        fix: impl Into<String>,
    ) -> Check {
        Check::not_ok(name, Status::Warning, detail, fix)
    }

    pub fn problem(
        name: impl Into<String>,
        detail: impl Into<String>,
        fix: impl Into<String>,
    ) -> Check {
        Check::not_ok(name, Status::Problem, detail, fix)
    }

    pub fn not_ok(
        name: impl Into<String>,
        status: Status,
        detail: impl Into<String>,
        fix: impl Into<String>,
    ) -> Check {
        Check {
            name: name.into(),
            status,
            detail: detail.into(),
            fix: Some(fix.into()),
        }
    }

    /// The check of many things: ok with `ok_detail` when nothing was found, else as its worst
    /// finding, every finding in the detail and every distinct fix, in order.
    pub fn of(name: &str, ok_detail: String, findings: Vec<Finding>) -> Check {
        let Some(status) = findings.iter().map(|f| f.status).max() else {
            return Check::ok(name, ok_detail);
        };
        let mut fixes: Vec<&str> = Vec::new();
        for f in &findings {
            if !fixes.contains(&f.fix.as_str()) {
                fixes.push(&f.fix);
            }
        }
        let whats: Vec<&str> = findings.iter().map(|f| f.what.as_str()).collect();
        Check::not_ok(name, status, whats.join("; "), fixes.join("; "))
    }
}

/// One thing a check of many found wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub status: Status,
    pub what: String,
    pub fix: String,
}

impl Finding {
    pub fn warning(what: impl Into<String>, fix: impl Into<String>) -> Finding {
        Finding {
            status: Status::Warning,
            what: what.into(),
            fix: fix.into(),
        }
    }
}

/// `1 worktree`, `3 worktrees`.
pub fn counted(n: usize, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}

/// Who a running czar is, briefly: its pid when the lock file says it.
pub fn running(h: &crate::adapters::lock::Holder) -> String {
    match h.pid {
        Some(pid) => format!("the running czar's (pid {pid})"),
        None => "the running czar's".into(),
    }
}

/// The exit code for a report: 1 when anything is a problem (warnings are fine).
pub fn exit_code(checks: &[Check]) -> i32 {
    i32::from(checks.iter().any(|c| c.status == Status::Problem))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn many_findings_report_as_the_worst_with_each_fix_once() {
        assert_eq!(
            Check::of("x", "all fine".into(), vec![]),
            Check::ok("x", "all fine")
        );
        let findings = vec![
            Finding::warning("a is gone", "prune"),
            Finding {
                status: Status::Problem,
                what: "b is broken".into(),
                fix: "mend b".into(),
            },
            Finding::warning("c is gone", "prune"),
        ];
        let c = Check::of("x", String::new(), findings);
        assert_eq!(c.status, Status::Problem);
        assert_eq!(c.detail, "a is gone; b is broken; c is gone");
        assert_eq!(c.fix.as_deref(), Some("prune; mend b"));
        assert_eq!(exit_code(std::slice::from_ref(&c)), 1);
        assert_eq!(exit_code(&[Check::warning("w", "d", "f")]), 0);
    }
}
