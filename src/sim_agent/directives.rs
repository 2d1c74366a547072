//! `sim: key=value ...` lines in a task shape what the sim does with it, so
//! tests and the demo can script crashes, hangs, files and commit counts.

use std::time::Duration;

const DEFAULT_SECS: f64 = 2.0;
/// A day: long enough for any demo, small enough for `Duration::from_secs_f64`.
const MAX_SECS: f64 = 86_400.0;
const MAX_COMMITS: u32 = 100;
const TITLE_CHARS: usize = 60;
const MAX_STREAM: u32 = 1_000;

#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    pub duration: Duration,
    /// Paths relative to the cwd; empty means "the default file".
    pub touches: Vec<String>,
    pub commits: u32,
    pub run_done: bool,
    pub exit_code: Option<i32>,
    pub hang: bool,
    pub says: Vec<String>,
    /// Lines of tool output per second while working, to load a monitor.
    pub stream: u32,
    /// Halfway through, ask "Do you want to <this>?" and wait for y/n.
    pub ask: Option<String>,
    /// Messages for directives that were not understood.
    pub problems: Vec<String>,
    /// A branch the text asks to bring in (`git merge <ref>` in backticks): merged before the
    /// work, conflicts resolved by keeping both sides.
    pub merge: Option<String>,
    /// Shell commands the text tells it to run (`sim-run: <command>` lines), in order, before
    /// the work: as an agent told "run this" would.
    pub runs: Vec<String>,
    /// A line the text told it to run (`run_line`): run instead of any work or `czar done`.
    pub run: Option<String>,
}

impl Default for Plan {
    fn default() -> Self {
        Self {
            duration: Duration::from_secs_f64(DEFAULT_SECS),
            touches: Vec::new(),
            commits: 1,
            run_done: true,
            exit_code: None,
            hang: false,
            says: Vec::new(),
            stream: 0,
            ask: None,
            problems: Vec::new(),
            merge: None,
            runs: Vec::new(),
            run: None,
        }
    }
}

fn lines(text: &str) -> impl Iterator<Item = &str> {
    text.split(['\n', '\r'])
}

fn directive_body(line: &str) -> Option<&str> {
    line.trim().strip_prefix("sim:")
}

pub fn parse_plan(text: &str) -> Plan {
    let mut plan = Plan::default();
    for body in lines(text).filter_map(directive_body) {
        // A whole line to run, read by `run_line`.
        if body.trim_start().starts_with("run=") {
            continue;
        }
        for word in body.split_whitespace() {
            apply(&mut plan, word);
        }
    }
    plan.merge = merge_asked(text);
    plan.runs = lines(text)
        .filter_map(|l| l.trim().strip_prefix(RUN))
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .map(str::to_string)
        .collect();
    plan
}

/// A line starting so gives a shell command to run.
const RUN: &str = "sim-run:";

/// The ref of the first `` `git merge <ref>` `` the text asks for, as a person reading the
/// instructions would run it.
pub fn merge_asked(text: &str) -> Option<String> {
    text.split('`').skip(1).step_by(2).find_map(|quoted| {
        let mut words = quoted.split_whitespace();
        match (words.next(), words.next(), words.next(), words.next()) {
            (Some("git"), Some("merge"), Some(r), None) if !r.starts_with('-') => {
                Some(r.to_string())
            }
            _ => None,
        }
    })
}

fn apply(plan: &mut Plan, word: &str) {
    let Some((key, value)) = word.split_once('=') else {
        plan.problems.push(format!("unknown sim directive: {word}"));
        return;
    };
    let ok = match key {
        "duration" => value
            .parse::<f64>()
            .ok()
            .filter(|s| s.is_finite() && *s >= 0.0)
            .map(|s| plan.duration = Duration::from_secs_f64(s.min(MAX_SECS)))
            .is_some(),
        "touch" if value.is_empty() => false,
        "touch" => {
            plan.touches.push(value.to_string());
            true
        }
        "commits" => value
            .parse::<u32>()
            .ok()
            .map(|n| plan.commits = n.min(MAX_COMMITS))
            .is_some(),
        "done" => parse_bool(value).map(|b| plan.run_done = b).is_some(),
        "exit" => value
            .parse::<i32>()
            .ok()
            .map(|c| plan.exit_code = Some(c))
            .is_some(),
        "hang" => parse_bool(value).map(|b| plan.hang = b).is_some(),
        "stream" => value
            .parse::<u32>()
            .ok()
            .map(|n| plan.stream = n.min(MAX_STREAM))
            .is_some(),
        "say" => {
            plan.says.push(value.replace('_', " "));
            true
        }
        "ask" if value.is_empty() => false,
        "ask" => {
            plan.ask = Some(value.replace('_', " "));
            true
        }
        _ => {
            plan.problems.push(format!("unknown sim directive: {word}"));
            return;
        }
    };
    if !ok {
        plan.problems.push(format!("invalid sim directive: {word}"));
    }
}

fn parse_bool(value: &str) -> Option<bool> {
    match value {
        "yes" | "true" | "1" | "on" => Some(true),
        "no" | "false" | "0" | "off" => Some(false),
        _ => None,
    }
}

/// The task's title: its first line that is neither blank nor a directive,
/// trimmed and cut to 60 chars; used in the commit subject and default file.
pub fn task_title(text: &str) -> String {
    let line = lines(text)
        .map(str::trim)
        .find(|l| !l.is_empty() && directive_body(l).is_none())
        .unwrap_or("task");
    let cut: String = line
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(TITLE_CHARS)
        .collect();
    cut.trim_end().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_without_directives() {
        assert_eq!(parse_plan("just do it\n"), Plan::default());
    }

    #[test]
    fn parses_every_key_across_lines() {
        let p = parse_plan(
            "Title\n  sim: duration=0.5 touch=a.txt commits=2\r\nsim: touch=b/c.md done=no \
             say=hello_there exit=3 hang=yes stream=20 ask=delete_the_build\nsim: color=red bare\nsim: duration=-1 commits=x",
        );
        assert_eq!(p.stream, 20);
        assert_eq!(p.ask.as_deref(), Some("delete the build"));
        assert_eq!(p.duration, Duration::from_millis(500));
        assert_eq!(p.touches, vec!["a.txt", "b/c.md"]);
        assert_eq!(p.commits, 2);
        assert!(!p.run_done && p.hang);
        assert_eq!(p.exit_code, Some(3));
        assert_eq!(p.says, vec!["hello there"]);
        assert_eq!(
            p.problems,
            vec![
                "unknown sim directive: color=red",
                "unknown sim directive: bare",
                "invalid sim directive: duration=-1",
                "invalid sim directive: commits=x",
            ]
        );
    }

    #[test]
    fn run_lines_give_commands_in_order() {
        let p = parse_plan(
            "Plan it\n  sim-run: echo a | czar task add --title A\nsim-run:\nsim-run: true\n",
        );
        assert_eq!(p.runs, vec!["echo a | czar task add --title A", "true"]);
        assert!(p.problems.is_empty());
    }

    #[test]
    fn a_merge_is_asked_for_in_backticks_only() {
        assert_eq!(
            merge_asked("Bring it in: run `git merge main` here, then `czar done`."),
            Some("main".into())
        );
        assert_eq!(merge_asked("do not git merge main"), None);
        assert_eq!(merge_asked("`git merge --abort`"), None);
        assert_eq!(
            parse_plan("x\n`git merge trunk`\n").merge,
            Some("trunk".into())
        );
    }

    #[test]
    fn title_skips_blank_and_directive_lines_and_is_cut() {
        assert_eq!(
            task_title("\n sim: hang=yes\n  Fix the\tparser  \nmore"),
            "Fix the parser"
        );
        assert_eq!(task_title("sim: hang=yes"), "task");
        let long = "é".repeat(70);
        assert_eq!(task_title(&long).chars().count(), 60);
    }
}
