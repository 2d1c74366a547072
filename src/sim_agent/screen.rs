//! Everything the sim draws, as strings. The lead's agent profile for the sim
//! matches these exactly, so change them only together with that profile.

pub const BANNER: &str = "czar sim-agent — simulated coding agent";
pub const FOOTER: &str = "? for shortcuts · sim-agent";
pub const PROMPT: &str = "❯ ";
pub const TOOL_PREFIX: &str = "  ⎿ ";
pub const REPORT_PREFIX: &str = "● ";
pub const BUSY_GLYPHS: [char; 6] = ['·', '✢', '✳', '✶', '✻', '✽'];
pub const TITLE_SPINNER: [char; 10] = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
pub const IDLE_TITLE_GLYPH: char = '✳';

pub const CLEAR_LINE: &str = "\r\x1b[2K";

pub fn title(text: &str) -> String {
    format!("\x1b]2;{}\x07", sanitize(text))
}

pub fn idle_title(name: &str) -> String {
    title(&format!("{IDLE_TITLE_GLYPH} {name}"))
}

pub fn busy_title(name: &str, frame: usize) -> String {
    title(&format!(
        "{} {name}",
        TITLE_SPINNER[frame % TITLE_SPINNER.len()]
    ))
}

/// The default name keeps the footer exactly [`FOOTER`]; other names are appended.
pub fn footer(name: &str, ctrl_c_hint: bool) -> String {
    let mut s = FOOTER.to_string();
    if name != "sim" {
        s.push_str(" · ");
        s.push_str(&sanitize(name));
    }
    if ctrl_c_hint {
        s.push_str(" · press Ctrl-C again to exit");
    }
    s
}

/// Rule, prompt line, rule, footer; leaves the cursor after the typed text,
/// which is where every later redraw of the block starts from.
pub fn prompt_block(width: u16, input: &str, footer: &str) -> String {
    let rule = "─".repeat(usize::from(width.max(1)));
    let shown = fit_tail(input, usize::from(width).saturating_sub(3));
    let col = display_width(PROMPT) + display_width(&shown) + 1;
    let footer = fit_tail(footer, usize::from(width).saturating_sub(1));
    format!("{rule}\r\n{PROMPT}{shown}\r\n{rule}\r\n{footer}\x1b[2A\x1b[{col}G")
}

/// From the cursor position left by [`prompt_block`]: erase the block.
pub const ERASE_BLOCK: &str = "\r\x1b[1A\x1b[J";

/// From the cursor position left by [`prompt_block`]: go below the footer.
pub const LEAVE_BLOCK: &str = "\x1b[2B\r\n";

pub fn busy_line(frame: usize, secs: u64) -> String {
    let glyph = BUSY_GLYPHS[frame % BUSY_GLYPHS.len()];
    format!("{CLEAR_LINE}{glyph} Working… ({secs}s · esc to interrupt)")
}

pub fn tool_line(text: &str) -> String {
    format!("{CLEAR_LINE}{TOOL_PREFIX}{}\r\n", sanitize(text))
}

pub fn report_line(text: &str) -> String {
    format!("{CLEAR_LINE}{REPORT_PREFIX}{}\r\n", sanitize(text))
}

pub fn worked_line(secs: u64) -> String {
    format!("{CLEAR_LINE}✻ Worked for {secs}s\r\n\r\n")
}

/// The submitted prompt as it stays in the history above the work.
pub fn echo_line(width: u16, input: &str) -> String {
    let shown = fit_tail(input, usize::from(width).saturating_sub(3));
    format!("> {shown}\r\n\r\n")
}

/// Task text is arbitrary: never let it move the cursor or retitle the pane.
pub fn sanitize(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

/// Keeps the end of `text` (what the operator just typed) within `max` columns.
pub fn fit_tail(text: &str, max: usize) -> String {
    let text = sanitize(text);
    if display_width(&text) <= max {
        return text;
    }
    let mut kept = Vec::new();
    let mut used = 1; // the ellipsis
    for c in text.chars().rev() {
        let w = char_width(c);
        if used + w > max {
            break;
        }
        used += w;
        kept.push(c);
    }
    std::iter::once('…').chain(kept.into_iter().rev()).collect()
}

pub fn display_width(text: &str) -> usize {
    text.chars().map(char_width).sum()
}

/// Rough East Asian width: enough to keep the prompt on one row for CJK and emoji.
fn char_width(c: char) -> usize {
    let wide = matches!(u32::from(c),
        0x1100..=0x115f | 0x2e80..=0xa4cf | 0xac00..=0xd7a3 | 0xf900..=0xfaff
        | 0xfe30..=0xfe4f | 0xff00..=0xff60 | 0xffe0..=0xffe6
        | 0x1f300..=0x1f64f | 0x1f680..=0x1f6ff | 0x1f900..=0x1faff | 0x20000..=0x3fffd);
    if wide { 2 } else { 1 }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn block_has_full_width_rules_and_exact_footer() {
        let b = prompt_block(40, "hi", &footer("sim", false));
        assert!(b.starts_with(&format!("{}\r\n❯ hi\r\n", "─".repeat(40))));
        assert!(b.contains("\r\n? for shortcuts · sim-agent\x1b[2A\x1b[5G"));
        assert_eq!(
            footer("w1", true),
            format!("{FOOTER} · w1 · press Ctrl-C again to exit")
        );
    }

    #[test]
    fn long_and_wide_input_is_cut_from_the_left() {
        let s = fit_tail("abcdef日本語🚀", 8);
        assert_eq!(s, "…本語🚀");
        assert!(display_width(&s) <= 8);
        assert_eq!(fit_tail("a\x1b]2;x\x07", 20), "a ]2;x ");
    }

    #[test]
    fn busy_line_and_titles() {
        assert_eq!(
            busy_line(1, 3),
            "\r\x1b[2K✢ Working… (3s · esc to interrupt)"
        );
        assert_eq!(idle_title("sim"), "\x1b]2;✳ sim\x07");
        let t = busy_title("sim", 0);
        let spinner = t.chars().nth(4).unwrap();
        assert!(('\u{2800}'..='\u{28ff}').contains(&spinner));
    }
}
