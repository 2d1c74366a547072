//! User text made safe to show. Titles, task bodies, reports, agents' last lines and file names
//! are written by people and agents; printed raw, an ESC or a C1 control in one is a terminal
//! command (retitle the window, clear the screen, fake output), and a bidi override makes text
//! read in another order than it is. Every place czar prints such text to a terminal or into a
//! Markdown file passes it through here, so those characters show as visible escapes instead.
//! JSON output needs none of this: serde escapes control characters itself.

use std::borrow::Cow;

/// Whether `c` would act on a terminal, or reorder what a reader sees, rather than print.
/// Tab and newline are left alone: they only move the cursor forward, and multi-line text needs
/// them ([`one_line`] escapes newlines too).
pub fn is_unsafe(c: char) -> bool {
    match c {
        '\t' | '\n' => false,
        // C0 (with CR, which returns to the start of the line to overwrite it), DEL and C1.
        '\0'..='\x1f' | '\x7f'..='\u{9f}' => true,
        // Bidi embeddings, overrides and isolates; line and paragraph separators.
        '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{2028}' | '\u{2029}' => true,
        _ => false,
    }
}

/// `text` with every unsafe character written as `\u{1b}`; borrowed when there is none.
pub fn visible(text: &str) -> Cow<'_, str> {
    escape(text, is_unsafe)
}

/// Like [`visible`], and newlines escaped too: for one table cell or one event line.
pub fn one_line(text: &str) -> Cow<'_, str> {
    escape(text, |c| c == '\n' || is_unsafe(c))
}

fn escape(text: &str, bad: impl Fn(char) -> bool) -> Cow<'_, str> {
    if !text.chars().any(&bad) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if bad(c) {
            out.push_str(&format!("\\u{{{:x}}}", c as u32));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terminal_commands_show_as_escapes() {
        let title = "\x1b]0;pwned\x07\x1b[2J\u{9b}31m done";
        assert_eq!(
            visible(title),
            "\\u{1b}]0;pwned\\u{7}\\u{1b}[2J\\u{9b}31m done"
        );
        assert_eq!(visible("a\rb\x7f"), "a\\u{d}b\\u{7f}");
        assert_eq!(
            visible("evil\u{202e}txt.exe\u{2066}"),
            "evil\\u{202e}txt.exe\\u{2066}"
        );
    }

    #[test]
    fn ordinary_text_is_borrowed_untouched() {
        for ok in ["plain", "tab\there", "two\nlines", "café ✓ 修复 עברית"] {
            assert!(matches!(visible(ok), Cow::Borrowed(s) if s == ok), "{ok}");
        }
        assert_eq!(one_line("two\nlines\t"), "two\\u{a}lines\t");
    }
}
