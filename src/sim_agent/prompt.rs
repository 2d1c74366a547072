//! The text being composed at the `❯` prompt: typed runs and pasted blocks.
//! Pasted blocks are kept as raw bytes so the submitted task is byte-exact.

#[derive(Debug, Clone, PartialEq, Eq)]
enum Segment {
    Typed(String),
    Pasted(Vec<u8>),
}

#[derive(Debug, Default)]
pub struct InputBuffer {
    segments: Vec<Segment>,
}

impl InputBuffer {
    pub fn push_text(&mut self, text: &str) {
        if let Some(Segment::Typed(last)) = self.segments.last_mut() {
            last.push_str(text);
        } else {
            self.segments.push(Segment::Typed(text.to_string()));
        }
    }

    pub fn push_paste(&mut self, bytes: Vec<u8>) {
        if !bytes.is_empty() {
            self.segments.push(Segment::Pasted(bytes));
        }
    }

    /// Deletes one typed char, or a whole pasted block (as real agents do).
    pub fn backspace(&mut self) {
        match self.segments.last_mut() {
            Some(Segment::Typed(text)) => {
                text.pop();
                if text.is_empty() {
                    self.segments.pop();
                }
            }
            Some(Segment::Pasted(_)) => {
                self.segments.pop();
            }
            None => {}
        }
    }

    pub fn is_empty(&self) -> bool {
        self.segments.is_empty()
    }

    pub fn clear(&mut self) {
        self.segments.clear();
    }

    /// What the prompt line shows after `❯ `.
    pub fn display(&self) -> String {
        self.segments
            .iter()
            .map(|s| match s {
                Segment::Typed(t) => t.clone(),
                Segment::Pasted(b) => paste_placeholder(b),
            })
            .collect()
    }

    /// Empties the buffer and returns the exact bytes to submit.
    pub fn take_bytes(&mut self) -> Vec<u8> {
        let mut out = Vec::new();
        for s in self.segments.drain(..) {
            match s {
                Segment::Typed(t) => out.extend_from_slice(t.as_bytes()),
                Segment::Pasted(b) => out.extend_from_slice(&b),
            }
        }
        out
    }
}

pub fn paste_placeholder(bytes: &[u8]) -> String {
    format!(
        "[Pasted text: {} bytes, {} lines]",
        bytes.len(),
        count_lines(bytes)
    )
}

/// Lines as an editor would count them: CRLF, LF and lone CR each end a line,
/// and a last line without a terminator still counts.
pub fn count_lines(bytes: &[u8]) -> usize {
    let mut lines = 0;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\r' if bytes.get(i + 1) == Some(&b'\n') => {
                lines += 1;
                i += 1;
            }
            b'\r' | b'\n' => lines += 1,
            _ => {}
        }
        i += 1;
    }
    let ends_with_break = matches!(bytes.last(), Some(b'\r' | b'\n'));
    if !bytes.is_empty() && !ends_with_break {
        lines += 1;
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_lines() {
        assert_eq!(count_lines(b""), 0);
        assert_eq!(count_lines(b"a"), 1);
        assert_eq!(count_lines(b"a\n"), 1);
        assert_eq!(count_lines(b"a\r\nb\rc\n\nd"), 5);
    }

    #[test]
    fn mixes_typed_and_pasted() {
        let mut b = InputBuffer::default();
        b.push_text("fix ");
        b.push_paste(b"x\ny".to_vec());
        b.push_text("!");
        assert_eq!(b.display(), "fix [Pasted text: 3 bytes, 2 lines]!");
        b.backspace();
        b.backspace();
        assert_eq!(b.display(), "fix ");
        b.push_paste(b"\t\xc3\xa9".to_vec());
        assert_eq!(b.take_bytes(), b"fix \t\xc3\xa9".to_vec());
        assert!(b.is_empty());
    }
}
