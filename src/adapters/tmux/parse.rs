//! Pure parsers for what tmux prints, and the session-name sanitiser.

use super::error::TmuxError;

/// One pane as reported by `list-panes -a`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaneInfo {
    pub session: String,
    /// Server-unique pane id such as `%3`; a stable target for later commands.
    pub pane_id: String,
    pub pane_pid: u32,
    /// The pane's process has exited (kept because of `remain-on-exit`).
    pub dead: bool,
    /// Exit code of a dead pane; `None` while alive, when killed by a signal,
    /// and while tmux has not reaped the process yet (see [`PaneInfo::exit_pending`]).
    pub dead_status: Option<i32>,
    /// Signal that killed a dead pane's process (tmux ≥ 3.3; always `None` on 3.2).
    pub dead_signal: Option<i32>,
    pub current_command: String,
    pub title: String,
    /// `window_activity`: unix seconds of the window's last output.
    pub activity: i64,
    pub width: u16,
    pub height: u16,
    /// `session_attached`: tmux clients attached to the pane's session (someone is in it).
    pub attached: bool,
}

impl PaneInfo {
    /// Dead (its pty closed) but tmux has not collected the exit yet.
    pub fn exit_pending(&self) -> bool {
        self.dead && self.dead_status.is_none() && self.dead_signal.is_none()
    }
}

/// Unit separator. tmux strips control characters from pane titles and
/// escapes them in session names, so it never appears inside a field.
pub const FIELD_SEP: char = '\x1f';

const FIELDS: [&str; 12] = [
    "session_name",
    "pane_id",
    "pane_pid",
    "pane_dead",
    "pane_dead_status",
    "pane_dead_signal",
    "pane_current_command",
    "window_activity",
    "pane_width",
    "pane_height",
    "session_attached",
    // Last on purpose: parsing uses splitn, so even a separator in a title
    // (a future tmux that stops stripping it) cannot shift other fields.
    "pane_title",
];

/// The `-F` format matching [`parse_panes`].
pub fn pane_format() -> String {
    FIELDS
        .iter()
        .map(|f| format!("#{{{f}}}"))
        .collect::<Vec<_>>()
        .join(&FIELD_SEP.to_string())
}

/// Parse the output of `list-panes -a -F <pane_format()>`.
pub fn parse_panes(output: &str) -> Result<Vec<PaneInfo>, TmuxError> {
    output
        .lines()
        .filter(|line| !line.is_empty())
        .map(parse_pane_line)
        .collect()
}

fn parse_pane_line(line: &str) -> Result<PaneInfo, TmuxError> {
    let parts: Vec<&str> = line.splitn(FIELDS.len(), FIELD_SEP).collect();
    let bad = |detail: String| TmuxError::Parse {
        subcommand: "list-panes".to_string(),
        detail: format!("{detail} in line {line:?}"),
    };
    let [
        session,
        pane_id,
        pid,
        dead,
        dead_status,
        dead_signal,
        command,
        activity,
        width,
        height,
        attached,
        title,
    ] = parts[..]
    else {
        return Err(bad(format!(
            "expected {} fields, got {}",
            FIELDS.len(),
            parts.len()
        )));
    };
    let number = |name: &str, value: &str| bad(format!("{name} is not a number: {value:?}"));
    Ok(PaneInfo {
        session: session.to_string(),
        pane_id: pane_id.to_string(),
        pane_pid: pid.parse().map_err(|_| number("pane_pid", pid))?,
        dead: dead == "1",
        dead_status: optional_number(dead_status)
            .map_err(|_| number("pane_dead_status", dead_status))?,
        dead_signal: optional_number(dead_signal)
            .map_err(|_| number("pane_dead_signal", dead_signal))?,
        current_command: command.to_string(),
        title: title.to_string(),
        activity: activity
            .parse()
            .map_err(|_| number("window_activity", activity))?,
        width: width.parse().map_err(|_| number("pane_width", width))?,
        height: height.parse().map_err(|_| number("pane_height", height))?,
        attached: attached
            .parse::<u32>()
            .map_err(|_| number("session_attached", attached))?
            > 0,
    })
}

fn optional_number(s: &str) -> Result<Option<i32>, std::num::ParseIntError> {
    match s {
        "" => Ok(None),
        s => s.parse().map(Some),
    }
}

/// Make `raw` usable as a tmux session name that is also a safe target.
///
/// tmux rejects `.` and `:` (they separate window and pane in targets),
/// whitespace needs quoting everywhere, and a leading `$`, `%`, `@` or `=`
/// would be read as an id or a match flag. Everything except letters, digits,
/// `_` and `-` becomes `-`; runs of `-` collapse; leading and trailing `-` go.
/// Never returns an empty string.
pub fn sanitize_session_name(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    for c in raw.chars() {
        let c = if c.is_alphanumeric() || c == '_' {
            c
        } else {
            '-'
        };
        if c == '-' && (out.is_empty() || out.ends_with('-')) {
            continue;
        }
        out.push(c);
    }
    while out.ends_with('-') {
        out.pop();
    }
    if out.is_empty() {
        out.push_str("session");
    }
    out
}

/// The last `n` lines of `text`, ignoring blank rows at the bottom (an idle
/// screen is mostly empty rows below the content).
pub fn last_lines(text: &str, n: usize) -> String {
    let lines: Vec<&str> = text.lines().collect();
    let end = lines
        .iter()
        .rposition(|l| !l.trim().is_empty())
        .map_or(0, |i| i + 1);
    let start = end.saturating_sub(n);
    let mut out = lines[start..end].join("\n");
    if !out.is_empty() {
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(fields: [&str; 12]) -> String {
        fields.join("\x1f")
    }

    #[test]
    fn format_lists_every_field_with_separator() {
        let f = pane_format();
        assert!(f.starts_with("#{session_name}\x1f#{pane_id}\x1f"));
        assert!(f.ends_with("\x1f#{pane_title}"));
        assert_eq!(f.matches('\x1f').count(), 11);
    }

    #[test]
    fn parses_live_and_dead_panes() {
        let out = format!(
            "{}\n{}\n",
            line([
                "proj-worker-1",
                "%0",
                "4242",
                "0",
                "",
                "",
                "claude",
                "1700000000",
                "120",
                "40",
                "0",
                "✳ Title with  spaces 日本"
            ]),
            line([
                "s2",
                "%7",
                "99",
                "1",
                "3",
                "",
                "sh",
                "1700000001",
                "80",
                "24",
                "2",
                ""
            ]),
        );
        let panes = parse_panes(&out).unwrap();
        assert_eq!(panes.len(), 2);
        assert_eq!(
            panes[0],
            PaneInfo {
                session: "proj-worker-1".into(),
                pane_id: "%0".into(),
                pane_pid: 4242,
                dead: false,
                dead_status: None,
                dead_signal: None,
                current_command: "claude".into(),
                title: "✳ Title with  spaces 日本".into(),
                activity: 1_700_000_000,
                width: 120,
                height: 40,
                attached: false,
            }
        );
        assert!(panes[1].dead);
        assert!(panes[1].attached, "two clients attached");
        assert_eq!(panes[1].dead_status, Some(3));
        assert!(!panes[1].exit_pending());
        assert_eq!(panes[1].title, "");
    }

    #[test]
    fn dead_signal_and_pending_exit() {
        let out = format!(
            "{}\n{}\n",
            line([
                "a", "%1", "1", "1", "", "11", "sh", "5", "80", "24", "0", "t"
            ]),
            line(["b", "%2", "2", "1", "", "", "sh", "5", "80", "24", "0", "t"]),
        );
        let panes = parse_panes(&out).unwrap();
        assert_eq!(panes[0].dead_signal, Some(11));
        assert!(!panes[0].exit_pending());
        assert!(panes[1].exit_pending());
    }

    #[test]
    fn separator_inside_title_stays_in_title() {
        let out = line([
            "s", "%1", "1", "0", "", "", "sh", "5", "80", "24", "0", "a\x1fb",
        ]);
        assert_eq!(parse_panes(&out).unwrap()[0].title, "a\x1fb");
    }

    #[test]
    fn empty_output_is_no_panes() {
        assert_eq!(parse_panes("").unwrap(), vec![]);
        assert_eq!(parse_panes("\n").unwrap(), vec![]);
    }

    #[test]
    fn malformed_lines_are_errors() {
        assert!(parse_panes("just text\n").is_err());
        let bad_pid = line(["s", "%1", "x", "0", "", "", "sh", "5", "80", "24", "0", "t"]);
        let err = parse_panes(&bad_pid).unwrap_err().to_string();
        assert!(err.contains("pane_pid"), "{err}");
    }

    #[test]
    fn sanitize_maps_forbidden_characters() {
        assert_eq!(
            sanitize_session_name("proj.v2:worker 1"),
            "proj-v2-worker-1"
        );
        assert_eq!(sanitize_session_name("a..::  b"), "a-b");
        assert_eq!(sanitize_session_name("  lead\ttrail\n"), "lead-trail");
        assert_eq!(sanitize_session_name("$id"), "id");
        assert_eq!(sanitize_session_name("=%@"), "session");
        assert_eq!(sanitize_session_name(""), "session");
        assert_eq!(sanitize_session_name("..."), "session");
        assert_eq!(sanitize_session_name("über_proj-1"), "über_proj-1");
        assert_eq!(sanitize_session_name("semi;colon"), "semi-colon");
    }

    #[test]
    fn sanitize_is_idempotent() {
        for raw in ["a.b", "x:y z", "--a--", "日本.語"] {
            let once = sanitize_session_name(raw);
            assert_eq!(sanitize_session_name(&once), once);
        }
    }

    #[test]
    fn last_lines_skips_blank_bottom_rows() {
        assert_eq!(last_lines("a\nb\nc\n\n\n", 2), "b\nc\n");
        assert_eq!(last_lines("a\nb\n", 5), "a\nb\n");
        assert_eq!(last_lines("\n\n", 3), "");
        assert_eq!(last_lines("a\n\nb\n", 2), "\nb\n");
        assert_eq!(last_lines("a\nb\n", 0), "");
    }
}
