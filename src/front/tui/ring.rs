//! The terminal's own notification for each event the core announced (`notified` in the event
//! log), while the dashboard runs: OSC 9, OSC 777 or the bell, written by the dashboard's own
//! terminal writer between frames, never inside one.

use crate::adapters::store::EventRow;
use crate::config::TerminalNotice;
use std::io::Write;

pub struct Ring {
    how: TerminalNotice,
    /// The last event rung for (or seen when the dashboard opened: old news is not rung).
    seen: i64,
}

impl Ring {
    pub fn new(how: TerminalNotice, events: &[EventRow]) -> Ring {
        Ring {
            how,
            seen: events.last().map_or(0, |e| e.seq),
        }
    }

    /// Writes one notification per announced event newer than the last seen.
    pub fn ring(&mut self, out: &mut impl Write, events: &[EventRow]) {
        let new: Vec<&EventRow> = events
            .iter()
            .filter(|e| e.seq > self.seen && e.kind == "notified")
            .collect();
        self.seen = events.last().map_or(self.seen, |e| e.seq.max(self.seen));
        if new.is_empty() || self.how == TerminalNotice::Off {
            return;
        }
        let mut bytes = Vec::new();
        for e in new {
            bytes.extend(sequence(self.how, &e.detail));
        }
        // Best effort: a terminal that cannot take it now loses a ring, not the dashboard.
        let _ = out.write_all(&bytes).and_then(|()| out.flush());
    }
}

/// The escape sequence for one notification; the text loses every control character (an ESC
/// or BEL in it would end the sequence early and put the rest on the screen) and is kept short.
pub fn sequence(how: TerminalNotice, text: &str) -> Vec<u8> {
    let clean: String = text
        .chars()
        .filter(|c| !c.is_control() && !crate::visible::is_unsafe(*c))
        .map(|c| if c == ';' { ',' } else { c })
        .take(200)
        .collect();
    match how {
        TerminalNotice::Osc9 => format!("\x1b]9;czar: {clean}\x07").into_bytes(),
        TerminalNotice::Osc777 => format!("\x1b]777;notify;czar;{clean}\x07").into_bytes(),
        TerminalNotice::Bell => b"\x07".to_vec(),
        TerminalNotice::Off => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(seq: i64, kind: &str, detail: &str) -> EventRow {
        EventRow {
            seq,
            at: 0,
            worker: Some(1),
            task: None,
            kind: kind.into(),
            detail: detail.into(),
        }
    }

    #[test]
    fn each_new_announced_event_rings_once_and_old_ones_never() {
        let old = vec![row(1, "notified", "w1 waiting: old")];
        let mut r = Ring::new(TerminalNotice::Osc9, &old);
        let mut out = Vec::new();
        r.ring(&mut out, &old);
        assert!(
            out.is_empty(),
            "what was there when the dashboard opened is not rung"
        );
        let mut events = old.clone();
        events.push(row(2, "waiting", "w1 waits"));
        events.push(row(3, "notified", "w1 waiting: Push?"));
        r.ring(&mut out, &events);
        assert_eq!(
            String::from_utf8_lossy(&out),
            "\x1b]9;czar: w1 waiting: Push?\x07"
        );
        out.clear();
        r.ring(&mut out, &events);
        assert!(out.is_empty(), "rung once");
    }

    #[test]
    fn control_characters_cannot_break_out_of_the_sequence() {
        let s = sequence(TerminalNotice::Osc777, "a\x07b\x1b]0;evil\x07c;d");
        assert_eq!(
            String::from_utf8_lossy(&s),
            "\x1b]777;notify;czar;ab]0,evilc,d\x07"
        );
        assert_eq!(sequence(TerminalNotice::Bell, "x"), b"\x07");
        assert!(sequence(TerminalNotice::Off, "x").is_empty());
    }
}
