//! What a task's text may hold. It is pasted into an agent's terminal as it is, so it must be
//! text (a NUL or bytes that are not UTF-8 mean a binary file was put there by mistake), it must
//! say something (an empty task would be "done" without anything done), and it must not carry
//! the bracketed-paste end marker, which would end the paste early and have the agent read the
//! rest as typed keys. Task files and `czar task add` share these checks, with the line.

use std::path::Path;

use super::{TaskError, TaskErrorKind};

/// What ends a bracketed paste in the receiving terminal.
pub const PASTE_END: &str = "\x1b[201~";

/// 1-based line of byte `offset` in `bytes`.
fn line_at(bytes: &[u8], offset: usize) -> usize {
    1 + bytes[..offset.min(bytes.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
}

/// The file's bytes as text, or the line of the first byte that makes it binary.
pub fn decode(source: &Path, bytes: Vec<u8>) -> Result<String, TaskError> {
    if let Some(nul) = bytes.iter().position(|&b| b == 0) {
        let kind = TaskErrorKind::NotText { what: "a NUL byte" };
        return Err(TaskError::new(source, Some(line_at(&bytes, nul)), kind));
    }
    String::from_utf8(bytes).map_err(|err| {
        let at = err.utf8_error().valid_up_to();
        let line = line_at(err.as_bytes(), at);
        let kind = TaskErrorKind::NotText {
            what: "bytes that are not UTF-8",
        };
        TaskError::new(source, Some(line), kind)
    })
}

/// Checks a task's text; `first_line` is the line of `source` the text starts on.
pub fn check_body(source: &Path, body: &str, first_line: usize) -> Result<(), TaskError> {
    if body.trim().is_empty() {
        return Err(TaskError::new(
            source,
            Some(first_line),
            TaskErrorKind::EmptyBody,
        ));
    }
    if let Some(at) = body.find(PASTE_END) {
        let line = first_line + line_at(body.as_bytes(), at) - 1;
        return Err(TaskError::new(source, Some(line), TaskErrorKind::PasteEnd));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn binary_bytes_are_found_on_their_line() {
        let src = Path::new("t.md");
        let err = decode(src, b"one\ntwo\nth\0ree".to_vec()).unwrap_err();
        assert_eq!(err.line, Some(3));
        let err = decode(src, b"one\ncaf\xe9\n".to_vec()).unwrap_err();
        assert_eq!(err.line, Some(2));
        assert_eq!(decode(src, b"ok\n".to_vec()).unwrap(), "ok\n");
    }

    #[test]
    fn the_paste_marker_is_found_on_its_line() {
        let src = Path::new("t.md");
        let err = check_body(src, "a\nb\nc \x1b[201~ d\n", 5).unwrap_err();
        assert_eq!(err.line, Some(7));
        let err = check_body(src, " \n\t\n", 4).unwrap_err();
        assert!(matches!(err.kind, TaskErrorKind::EmptyBody));
        assert_eq!(err.line, Some(4));
        assert!(check_body(src, "fine \x1b[200~ alone\n", 1).is_ok());
    }
}
