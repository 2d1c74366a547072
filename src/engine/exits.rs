//! What a dead agent printed since its start, from its output log: the cause an operator reads
//! when a profile fails to start (`czar pane-log: cannot run claude: No such file or
//! directory`, a stack trace, a login error). The log is appended to by every agent the worker
//! ever ran, so the engine notes where it ended when each start was asked for.

use crate::core::model::WorkerId;
use std::collections::HashMap;
use std::io::{Read, Seek, SeekFrom};
use std::path::Path;
use std::sync::Mutex;

/// Where each worker's output log ended when its latest start was asked for.
#[derive(Default)]
pub(crate) struct Marks(Mutex<HashMap<WorkerId, u64>>);

/// At most this much of the end of a log is read.
const TAIL_BYTES: u64 = 4096;
/// Lines longer than this are cut (a progress bar redrawn without a newline).
const LINE_CHARS: usize = 200;

impl Marks {
    /// Notes where `log` ends now: the next agent's output comes after.
    pub fn set(&self, worker: WorkerId, log: &Path) {
        let len = std::fs::metadata(log).map_or(0, |m| m.len());
        if let Ok(mut marks) = self.0.lock() {
            marks.insert(worker, len);
        }
    }

    /// The last `lines` non-empty lines `log` got since the mark (since its start when unmarked).
    pub fn tail(&self, worker: WorkerId, log: &Path, lines: usize) -> Vec<String> {
        let from = self
            .0
            .lock()
            .ok()
            .and_then(|m| m.get(&worker).copied())
            .unwrap_or(0);
        tail(log, from, lines).unwrap_or_default()
    }
}

fn tail(log: &Path, from: u64, lines: usize) -> std::io::Result<Vec<String>> {
    let mut file = std::fs::File::open(log)?;
    let len = file.metadata()?.len();
    let start = from.max(len.saturating_sub(TAIL_BYTES));
    if start >= len {
        return Ok(Vec::new());
    }
    file.seek(SeekFrom::Start(start))?;
    let mut bytes = Vec::new();
    file.take(len - start).read_to_end(&mut bytes)?;
    let text = plain(&bytes);
    let kept: Vec<String> = text
        .split(['\n', '\r'])
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(|l| l.chars().take(LINE_CHARS).collect())
        .collect();
    Ok(kept[kept.len().saturating_sub(lines)..].to_vec())
}

/// The text without terminal escape sequences (colours, cursor moves, titles) and other
/// control characters but line ends.
pub(super) fn plain(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(bytes);
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\x1b' => match chars.next() {
                // CSI: parameters, then one final byte in @..~.
                Some('[') => {
                    for c in chars.by_ref() {
                        if ('@'..='~').contains(&c) {
                            break;
                        }
                    }
                }
                // OSC and the like: up to BEL or ESC \.
                Some(']' | 'P' | '_' | '^') => {
                    while let Some(c) = chars.next() {
                        if c == '\x07' || (c == '\x1b' && chars.next_if_eq(&'\\').is_some()) {
                            break;
                        }
                    }
                }
                _ => {}
            },
            '\n' | '\r' | '\t' => out.push(if c == '\t' { ' ' } else { c }),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_what_came_after_the_mark_as_plain_lines() {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("worker-1.log");
        std::fs::write(&log, "an earlier agent's output\r\n").unwrap();
        let marks = Marks::default();
        marks.set(1, &log);
        let mut f = std::fs::OpenOptions::new().append(true).open(&log).unwrap();
        std::io::Write::write_all(
            &mut f,
            b"\x1b]0;title\x07\x1b[1;31mError:\x1b[0m no API key\r\n\r\n\x1b[2Klast words\r\n",
        )
        .unwrap();
        assert_eq!(
            marks.tail(1, &log, 5),
            vec!["Error: no API key".to_string(), "last words".to_string()]
        );
        assert_eq!(marks.tail(1, &log, 1), vec!["last words".to_string()]);
        // Unmarked (a session a previous czar started): from the start of the log.
        assert_eq!(marks.tail(2, &log, 9)[0], "an earlier agent's output");
        assert!(marks.tail(1, &dir.path().join("none.log"), 3).is_empty());
        marks.set(1, &log);
        assert!(marks.tail(1, &log, 3).is_empty(), "nothing since");
    }
}
