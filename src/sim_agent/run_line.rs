//! `sim: run=<command line>`: a line the sim runs when its text tells it to, as a person would
//! run a command the instructions give. The directive may sit in a quoted line (`> sim: run=..`),
//! as when the task is quoted inside another text; it is run only when that text asks, in
//! backticks, for a command beginning with the same two words, and each line only once per
//! sim, in the order given, so a list of them answers successive requests in turn.

use super::work::{Line, run_done_command};
use std::path::Path;

/// The `run=` lines of `text`, in order, quoted or not.
pub fn run_lines(text: &str) -> Vec<String> {
    text.split(['\n', '\r'])
        .filter_map(|l| {
            let l = l.trim_start().trim_start_matches(['>', ' ', '\t']);
            let body = l.strip_prefix("sim:")?.trim();
            body.strip_prefix("run=").map(|r| r.trim().to_string())
        })
        .filter(|r| !r.is_empty())
        .collect()
}

/// Whether `text` asks, in backticks, for a command beginning with `line`'s first two words
/// (the program by its name: a line may give its full path).
fn asked(text: &str, line: &str) -> bool {
    let head = |s: &str| -> Vec<String> {
        let mut w: Vec<String> = words(s).into_iter().take(2).collect();
        if let Some(first) = w.first_mut() {
            *first = first.rsplit('/').next().unwrap_or("").to_string();
        }
        w
    };
    let want = head(line);
    text.split('`')
        .skip(1)
        .step_by(2)
        .any(|quoted| !want.is_empty() && head(quoted) == want)
}

/// The next line to run for `text`: the first asked for and not run before.
pub fn next_line(text: &str, ran: &[String]) -> Option<String> {
    let mut seen = ran.to_vec();
    for line in run_lines(text) {
        // The same line listed twice is run twice: count what was run.
        if let Some(i) = seen.iter().position(|r| *r == line) {
            seen.remove(i);
            continue;
        }
        return asked(text, &line).then_some(line);
    }
    None
}

/// Words as a shell would split them, with double quotes grouping (no shell is run).
pub fn words(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut word = String::new();
    let (mut quoted, mut any) = (false, false);
    for c in line.chars() {
        match c {
            '"' => {
                quoted = !quoted;
                any = true;
            }
            c if c.is_whitespace() && !quoted => {
                if any || !word.is_empty() {
                    out.push(std::mem::take(&mut word));
                }
                any = false;
            }
            c => word.push(c),
        }
    }
    if any || !word.is_empty() {
        out.push(word);
    }
    out
}

/// Runs `line` (no shell) in `cwd`.
pub fn run(cwd: &Path, line: &str) -> Line {
    let argv = words(line);
    let mut shown = run_done_command(cwd, &argv);
    if let Line::Tool(t) = &mut shown {
        *t = t.replacen("done command", "command", 1);
    }
    shown
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_group_double_quotes() {
        assert_eq!(
            words(r#"czar review reject "add a test" --task a"#),
            vec!["czar", "review", "reject", "add a test", "--task", "a"]
        );
        assert_eq!(words(r#"x """#), vec!["x", ""]);
    }

    #[test]
    fn a_line_runs_only_when_asked_and_each_once_in_turn() {
        let task =
            "Do it\n> sim: run=/bin/czar review reject \"no\"\n> sim: run=czar review approve\n";
        // Not asked for: nothing runs (the author of the task reads the same directives).
        assert_eq!(next_line(task, &[]), None);
        let asking = format!("{task}\nAnswer with `czar review approve` or `czar review reject`.");
        let first = next_line(&asking, &[]).unwrap();
        assert_eq!(first, "/bin/czar review reject \"no\"");
        let second = next_line(&asking, std::slice::from_ref(&first)).unwrap();
        assert_eq!(second, "czar review approve");
        assert_eq!(next_line(&asking, &[first, second]), None);
    }
}
