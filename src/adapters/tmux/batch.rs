//! Many screens from one tmux client run. Starting a `tmux` client costs far more than the
//! capture it carries (about 1.7 ms of CPU against 0.1 ms, measured here), so the monitor reads
//! every screen that changed in one run: for each pane a marker line from `display-message`
//! carrying its dead flag and title, then its `capture-pane`.

use tmux_interface::DisplayMessage;

use super::argv;
use super::parse::FIELD_SEP as SEP;

/// One pane's screen, read in a batch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaneScreen {
    pub dead: bool,
    pub title: String,
    pub text: String,
}

/// A marker no pane can print on purpose: it is different for every batch and unknown to the
/// programs in the panes.
pub fn new_marker() -> String {
    super::unique_name("czar-screen")
}

/// The argv: `display-message -p -t T "MARKER i DEAD ID SESSION TITLE" ; capture-pane -p -t T`
/// for each target, all in one invocation. tmux 3.3 does not stop at a target that is gone: it
/// prints to stderr and goes on, `display-message` even falling back to some other pane. So
/// each header names the pane it read, and [`parse`] keeps only sections naming their target.
pub fn argv(targets: &[String], marker: &str) -> Vec<String> {
    let mut out = Vec::new();
    for (i, t) in targets.iter().enumerate() {
        if i > 0 {
            out.push(";".to_string());
        }
        let line = format!(
            "{marker} {i} #{{pane_dead}} #{{pane_id}}{SEP}#{{session_name}}{SEP}#{{pane_title}}"
        );
        out.extend(argv::words(
            "display-message",
            DisplayMessage::new()
                .print()
                .target_pane(t.as_str())
                .message(line)
                .build(),
        ));
        out.push(";".to_string());
        out.extend(argv::capture(t, false));
    }
    out
}

/// Splits a batch's output into screens, by target index. A target whose section is missing or
/// names another pane (the target is gone) is `None`.
pub fn parse(output: &str, marker: &str, targets: &[String]) -> Vec<Option<PaneScreen>> {
    let count = targets.len();
    let mut screens: Vec<Option<PaneScreen>> = vec![None; count];
    let mut current: Option<(usize, PaneScreen)> = None;
    let prefix = format!("{marker} ");
    for line in output.split_inclusive('\n') {
        let header = line
            .strip_prefix(&prefix)
            .and_then(|rest| header(rest.trim_end_matches('\n')))
            .filter(|h| h.index < count);
        match header {
            Some(h) => {
                if let Some((j, s)) = current.take() {
                    screens[j] = Some(s);
                }
                if !h.is(&targets[h.index]) {
                    continue;
                }
                current = Some((
                    h.index,
                    PaneScreen {
                        dead: h.dead,
                        title: h.title,
                        text: String::new(),
                    },
                ));
            }
            None => {
                if let Some((_, s)) = current.as_mut() {
                    s.text.push_str(line);
                }
            }
        }
    }
    if let Some((j, s)) = current {
        screens[j] = Some(s);
    }
    screens
}

struct Header {
    index: usize,
    dead: bool,
    pane_id: String,
    session: String,
    title: String,
}

impl Header {
    /// Whether this section is the one asked for: by pane id, or by (exact) session name.
    fn is(&self, target: &str) -> bool {
        let session = target.trim_start_matches('=').trim_end_matches(':');
        target == self.pane_id || session == self.session
    }
}

fn header(rest: &str) -> Option<Header> {
    let (index, rest) = rest.split_once(' ')?;
    let (dead, rest) = rest.split_once(' ')?;
    let mut fields = rest.splitn(3, SEP);
    Some(Header {
        index: index.parse().ok()?,
        dead: dead == "1",
        pane_id: fields.next()?.to_string(),
        session: fields.next()?.to_string(),
        title: fields.next().unwrap_or("").to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_screens_by_marker_and_keeps_titles_and_dead_flags() {
        let m = "czar-screen-1-0-ff";
        let out = format!(
            "{m} 0 0 %1\x1fw-1\x1f⠹ claude busy\nline one\n\n{m} 1 1 %7\x1fw-2\x1f\ngone\n{m} 9 0 %1\x1fw-1\x1fout of range\nstill 1\n"
        );
        let s = parse(&out, m, &targets(&["=w-1:", "%7", "=w-3:"]));
        let first = s[0].as_ref().unwrap();
        assert_eq!(first.title, "⠹ claude busy");
        assert!(!first.dead);
        assert_eq!(first.text, "line one\n\n");
        let second = s[1].as_ref().unwrap();
        assert!(second.dead);
        assert_eq!(second.title, "");
        assert_eq!(
            second.text,
            format!("gone\n{m} 9 0 %1\x1fw-1\x1fout of range\nstill 1\n")
        );
        assert_eq!(s[2], None, "a target the run never reached has no screen");
    }

    #[test]
    fn a_pane_printing_a_marker_like_line_cannot_forge_a_section() {
        let s = parse(
            "czar-screen-x 0 0 %1\x1fa\x1ft\nczar-screen-y 1 0 %2\x1fb\x1fforged\n",
            "czar-screen-x",
            &targets(&["=a:", "=b:"]),
        );
        assert!(s[0].as_ref().unwrap().text.contains("forged"));
        assert_eq!(s[1], None);
    }

    #[test]
    fn a_section_naming_another_pane_is_dropped() {
        // tmux 3.3 reads some other pane when the target is gone.
        let s = parse(
            "M 0 0 %3\x1fother\x1ft\nnot mine\n",
            "M",
            &targets(&["=gone:"]),
        );
        assert_eq!(s[0], None);
    }

    fn targets(t: &[&str]) -> Vec<String> {
        t.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn the_argv_separates_commands_and_targets_each_pane() {
        let a = argv(&["=w-1:".into(), "=w-2:".into()], "M");
        let seps = a.iter().filter(|w| *w == ";").count();
        assert_eq!(seps, 3, "{a:?}");
        assert!(a.contains(&"display-message".to_string()));
        assert_eq!(a.iter().filter(|w| *w == "capture-pane").count(), 2);
        assert!(
            a.iter()
                .any(|w| w.starts_with("M 1 #{pane_dead} #{pane_id}"))
        );
    }

    #[test]
    fn markers_differ_between_batches() {
        assert_ne!(new_marker(), new_marker());
    }
}
