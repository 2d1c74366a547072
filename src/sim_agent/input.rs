//! Turns raw terminal bytes into keys. Pure: the session owns timing, so the
//! only time-dependent decision (a lone ESC is the Escape key) is made by the
//! caller through [`InputParser::flush_lone_escape`].

/// One thing the operator (or a paste) did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Key {
    /// Printable text typed outside a paste.
    Text(String),
    /// The exact bytes between the bracketed-paste markers.
    Paste(Vec<u8>),
    Backspace,
    Enter,
    Escape,
    CtrlC,
    CtrlD,
}

const ESC: u8 = 0x1b;
const PASTE_START: &[u8] = b"\x1b[200~";
const PASTE_END: &[u8] = b"\x1b[201~";
/// An unfinished CSI longer than this is garbage, not a sequence still arriving.
const MAX_CSI: usize = 32;

/// Incremental decoder; bytes may be split anywhere across reads.
#[derive(Debug, Default)]
pub struct InputParser {
    /// Unconsumed bytes outside a paste: a partial escape sequence or UTF-8 char.
    pending: Vec<u8>,
    /// Bytes collected since the paste-start marker, `None` outside a paste.
    paste: Option<Vec<u8>>,
}

enum Step {
    /// More bytes are needed to decide.
    Need,
    Consumed(usize, Option<Key>),
    PasteStart(usize),
}

impl InputParser {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn feed(&mut self, bytes: &[u8]) -> Vec<Key> {
        let mut keys = Vec::new();
        let mut data = std::mem::take(&mut self.pending);
        data.extend_from_slice(bytes);
        let mut i = 0;
        loop {
            if let Some(paste) = self.paste.as_mut() {
                // Only the tail can hold a marker split across reads.
                let search_from = paste.len().saturating_sub(PASTE_END.len() - 1);
                paste.extend_from_slice(&data[i..]);
                let Some(pos) = find(&paste[search_from..], PASTE_END) else {
                    return keys;
                };
                let end = search_from + pos;
                let rest = paste.split_off(end);
                keys.push(Key::Paste(std::mem::take(paste)));
                self.paste = None;
                data = rest[PASTE_END.len()..].to_vec();
                i = 0;
                continue;
            }
            if i >= data.len() {
                return keys;
            }
            match parse_one(&data[i..]) {
                Step::Need => {
                    self.pending = data[i..].to_vec();
                    return keys;
                }
                Step::Consumed(n, key) => {
                    i += n;
                    if let Some(key) = key {
                        push_merged(&mut keys, key);
                    }
                }
                Step::PasteStart(n) => {
                    i += n;
                    self.paste = Some(Vec::new());
                }
            }
        }
    }

    /// True when the only pending byte is an ESC that may still start a sequence.
    pub fn has_lone_escape(&self) -> bool {
        self.paste.is_none() && self.pending == [ESC]
    }

    /// Called when no byte followed a lone ESC for a while: it was the Escape key.
    pub fn flush_lone_escape(&mut self) -> Option<Key> {
        if self.has_lone_escape() {
            self.pending.clear();
            Some(Key::Escape)
        } else {
            None
        }
    }
}

fn push_merged(keys: &mut Vec<Key>, key: Key) {
    if let (Some(Key::Text(last)), Key::Text(more)) = (keys.last_mut(), &key) {
        last.push_str(more);
        return;
    }
    keys.push(key);
}

fn parse_one(b: &[u8]) -> Step {
    match b[0] {
        ESC => parse_escape(b),
        0x7f | 0x08 => Step::Consumed(1, Some(Key::Backspace)),
        b'\r' | b'\n' => Step::Consumed(1, Some(Key::Enter)),
        0x03 => Step::Consumed(1, Some(Key::CtrlC)),
        0x04 => Step::Consumed(1, Some(Key::CtrlD)),
        c if c < 0x20 => Step::Consumed(1, None),
        c if c < 0x80 => Step::Consumed(1, Some(Key::Text((c as char).to_string()))),
        _ => parse_utf8(b),
    }
}

fn parse_escape(b: &[u8]) -> Step {
    match b.get(1) {
        None => Step::Need,
        Some(b'[') => match b[2..].iter().position(|c| (0x40..=0x7e).contains(c)) {
            Some(j) => {
                let len = j + 3;
                if &b[..len] == PASTE_START {
                    Step::PasteStart(len)
                } else {
                    // Arrows, function keys, focus events: not used by the sim.
                    Step::Consumed(len, None)
                }
            }
            None if b.len() > MAX_CSI => Step::Consumed(b.len(), None),
            None => Step::Need,
        },
        Some(b'O') if b.len() < 3 => Step::Need,
        Some(b'O') => Step::Consumed(3, None),
        // ESC followed by anything else: the Escape key, then that byte on its
        // own, so a quick Escape is never swallowed as an Alt chord.
        Some(_) => Step::Consumed(1, Some(Key::Escape)),
    }
}

fn parse_utf8(b: &[u8]) -> Step {
    let want = match b[0] {
        0xc2..=0xdf => 2,
        0xe0..=0xef => 3,
        0xf0..=0xf4 => 4,
        _ => return Step::Consumed(1, None),
    };
    if b.len() < want {
        // A continuation byte that is not one means the char is already broken.
        if b[1..].iter().any(|c| c & 0xc0 != 0x80) {
            return Step::Consumed(1, None);
        }
        return Step::Need;
    }
    match std::str::from_utf8(&b[..want]) {
        Ok(s) => Step::Consumed(want, Some(Key::Text(s.to_string()))),
        Err(_) => Step::Consumed(1, None),
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn feed_chunks(chunks: &[&[u8]]) -> Vec<Key> {
        let mut p = InputParser::new();
        chunks.iter().flat_map(|c| p.feed(c)).collect()
    }

    #[test]
    fn typed_text_and_controls() {
        let keys = feed_chunks(&[b"ab\x7f\r\x03\x04"]);
        assert_eq!(
            keys,
            vec![
                Key::Text("ab".into()),
                Key::Backspace,
                Key::Enter,
                Key::CtrlC,
                Key::CtrlD
            ]
        );
    }

    #[test]
    fn paste_is_exact_even_with_markers_split_at_every_byte() {
        let body = b"line1\r\nline2\n\ttab \xc3\xa9 \xf0\x9f\x9a\x80 $(rm -rf ~); \\ Enter C-c\n\n";
        let mut all = PASTE_START.to_vec();
        all.extend_from_slice(body);
        all.extend_from_slice(PASTE_END);
        all.extend_from_slice(b"x\r");
        for split in 1..all.len() {
            let keys = feed_chunks(&[&all[..split], &all[split..]]);
            assert_eq!(
                keys,
                vec![Key::Paste(body.to_vec()), Key::Text("x".into()), Key::Enter],
                "split at {split}"
            );
        }
        let singles: Vec<&[u8]> = all.chunks(1).collect();
        assert_eq!(feed_chunks(&singles)[0], Key::Paste(body.to_vec()));
    }

    #[test]
    fn utf8_split_across_reads() {
        let s = "日本語".as_bytes();
        let keys = feed_chunks(&[&s[..2], &s[2..7], &s[7..]]);
        let text: String = keys
            .iter()
            .map(|k| match k {
                Key::Text(t) => t.clone(),
                other => panic!("unexpected {other:?}"),
            })
            .collect();
        assert_eq!(text, "日本語");
    }

    #[test]
    fn lone_escape_waits_for_flush_and_sequences_are_ignored() {
        let mut p = InputParser::new();
        assert!(p.feed(b"\x1b").is_empty());
        assert!(p.has_lone_escape());
        assert_eq!(p.flush_lone_escape(), Some(Key::Escape));
        assert_eq!(p.feed(b"\x1b[A\x1bOPq"), vec![Key::Text("q".into())]);
        assert_eq!(p.feed(b"\x1b\x1b"), vec![Key::Escape]);
        assert_eq!(p.flush_lone_escape(), Some(Key::Escape));
    }
}
