//! Compiled screen patterns of an agent profile, and what `region_lines` and
//! `ignore_lines` mean (the classifier builds its precedence on top of these).

use super::error::{ConfigError, ConfigErrorKind};
use super::reader::Node;
use regex::Regex;

/// One compiled regex, with the text it came from for display.
#[derive(Debug, Clone)]
pub struct Pattern {
    pub source: String,
    pub regex: Regex,
}

impl Pattern {
    pub fn new(source: &str) -> Result<Self, regex::Error> {
        Ok(Self {
            source: source.to_string(),
            regex: Regex::new(source)?,
        })
    }
}

/// An ordered list of patterns; a line matches the list when any pattern matches it.
#[derive(Debug, Clone, Default)]
pub struct PatternList(pub Vec<Pattern>);

impl PatternList {
    /// The first pattern that matches `line`.
    pub fn find(&self, line: &str) -> Option<&Pattern> {
        self.0.iter().find(|p| p.regex.is_match(line))
    }

    pub fn is_match(&self, line: &str) -> bool {
        self.find(line).is_some()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn sources(&self) -> impl Iterator<Item = &str> {
        self.0.iter().map(|p| p.source.as_str())
    }
}

/// The screen-state lists matched per line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PatternKind {
    Busy,
    Idle,
    Waiting,
    Error,
    RateLimited,
}

impl PatternKind {
    pub const ALL: [PatternKind; 5] = [
        PatternKind::Busy,
        PatternKind::Idle,
        PatternKind::Waiting,
        PatternKind::Error,
        PatternKind::RateLimited,
    ];

    /// The key of this list in a profile's `[patterns]` table.
    pub fn key(self) -> &'static str {
        match self {
            PatternKind::Busy => "busy",
            PatternKind::Idle => "idle",
            PatternKind::Waiting => "waiting",
            PatternKind::Error => "error",
            PatternKind::RateLimited => "rate_limited",
        }
    }
}

/// A line of the screen that matched one pattern.
#[derive(Debug, Clone, Copy)]
pub struct Hit<'a> {
    pub line: &'a str,
    pub pattern: &'a Pattern,
}

pub const DEFAULT_REGION_LINES: usize = 15;

/// Everything a profile says about recognising the agent's state.
#[derive(Debug, Clone, Default)]
pub struct Patterns {
    pub busy: PatternList,
    pub idle: PatternList,
    pub waiting: PatternList,
    pub error: PatternList,
    pub rate_limited: PatternList,
    /// Lines skipped before any matching (the agent's own output can contain any words).
    pub ignore_lines: PatternList,
    pub title_busy: PatternList,
    pub title_idle: PatternList,
    /// Lines that open a turn (the echo of a submitted prompt): `error` and `rate_limited`
    /// lines above the lowest one are stale and do not count.
    pub turn_start: PatternList,
    /// The agent's input box: the lowest region line matching one is the box, and capture
    /// group 1 is what sits typed in it.
    pub input: PatternList,
    /// What an empty box may show instead of nothing (a dim placeholder).
    pub input_empty: PatternList,
    /// The client stopped retrying and waits for a new message.
    pub gave_up: PatternList,
    /// Only the last N non-empty lines of the screen are considered.
    pub region_lines: usize,
}

impl Patterns {
    pub fn list(&self, kind: PatternKind) -> &PatternList {
        match kind {
            PatternKind::Busy => &self.busy,
            PatternKind::Idle => &self.idle,
            PatternKind::Waiting => &self.waiting,
            PatternKind::Error => &self.error,
            PatternKind::RateLimited => &self.rate_limited,
        }
    }

    /// The lines patterns are matched against, top to bottom: the last `region_lines`
    /// non-empty lines, trailing whitespace removed (capture-pane pads inconsistently),
    /// minus lines that match `ignore_lines`.
    pub fn region<'s>(&self, screen: &'s str) -> Vec<&'s str> {
        let lines: Vec<&str> = screen
            .lines()
            .map(str::trim_end)
            .filter(|l| !l.is_empty())
            .collect();
        let start = lines.len().saturating_sub(self.region_lines);
        lines[start..]
            .iter()
            .copied()
            .filter(|l| !self.ignore_lines.is_match(l))
            .collect()
    }

    /// The lowest region line matching `kind` (the newest evidence on screen).
    pub fn find<'a>(&'a self, kind: PatternKind, screen: &'a str) -> Option<Hit<'a>> {
        let list = self.list(kind);
        self.region(screen)
            .into_iter()
            .rev()
            .find_map(|line| list.find(line).map(|pattern| Hit { line, pattern }))
    }

    /// `Some(true)` busy, `Some(false)` idle, `None` when the title says neither.
    pub fn title_busy(&self, title: &str) -> Option<bool> {
        if self.title_busy.is_match(title) {
            Some(true)
        } else if self.title_idle.is_match(title) {
            Some(false)
        } else {
            None
        }
    }
}

/// One regex of a profile, non-empty and compiled; errors name the key and keep regex's reason.
pub(super) fn read_regex(item: &Node) -> Result<Pattern, ConfigError> {
    let source = item.string()?;
    if source.is_empty() {
        let reason = "an empty pattern matches every line".to_string();
        return Err(item.error(ConfigErrorKind::BadRegex {
            pattern: source,
            reason,
        }));
    }
    Pattern::new(&source).map_err(|err| {
        // regex's message is multi-line with an ASCII caret diagram; keep its last line.
        let text = err.to_string();
        let last = text.lines().last().unwrap_or("invalid").trim();
        let reason = last.trim_start_matches("error: ").to_string();
        item.error(ConfigErrorKind::BadRegex {
            pattern: source.clone(),
            reason,
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list(sources: &[&str]) -> PatternList {
        PatternList(sources.iter().map(|s| Pattern::new(s).unwrap()).collect())
    }

    #[test]
    fn region_takes_last_non_empty_lines_and_skips_ignored() {
        let p = Patterns {
            busy: list(&["esc to interrupt"]),
            ignore_lines: list(&["^\\s*⎿"]),
            region_lines: 2,
            ..Patterns::default()
        };
        let screen = "esc to interrupt\n\nline a   \n  ⎿ esc to interrupt\n\n\n";
        assert_eq!(p.region(screen), vec!["line a"]);
        assert!(p.find(PatternKind::Busy, screen).is_none());
        let busy = "x\n✻ Doing… (esc to interrupt)\n";
        let hit = p.find(PatternKind::Busy, busy).unwrap();
        assert_eq!(hit.line, "✻ Doing… (esc to interrupt)");
        assert_eq!(hit.pattern.source, "esc to interrupt");
    }

    #[test]
    fn title_busy_wins_over_idle() {
        let p = Patterns {
            title_busy: list(&["^[\\x{2800}-\\x{28FF}]"]),
            title_idle: list(&["^✳"]),
            ..Patterns::default()
        };
        assert_eq!(p.title_busy("⠋ sim"), Some(true));
        assert_eq!(p.title_busy("✳ sim"), Some(false));
        assert_eq!(p.title_busy("bash"), None);
    }
}
