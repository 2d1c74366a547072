//! Why the classifier said what it said: every pattern that matched a line of the region or the
//! title, and the lines it looked at. For `czar classify` and for anyone tuning a profile.

use super::classify::{Reading, ScreenRules, classify, region};
use regex::Regex;
use serde::Serialize;

/// One pattern that matched.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Signal {
    /// The list it belongs to: busy, idle, waiting, error, rate_limited, title_busy, title_idle.
    pub kind: &'static str,
    pub pattern: String,
    /// The line (or the title) it matched.
    pub text: String,
}

#[derive(Debug, Clone)]
pub struct Explanation {
    pub reading: Reading,
    pub signals: Vec<Signal>,
    /// The region: the lines the patterns were matched against, top to bottom.
    pub lines: Vec<String>,
}

pub fn explain(rules: &ScreenRules, screen: &str, title: &str) -> Explanation {
    let reading = classify(rules, screen, title);
    let lines = region(rules, screen);
    let screen_lists: [(&'static str, &[Regex]); 5] = [
        ("waiting", &rules.waiting),
        ("rate_limited", &rules.rate_limited),
        ("error", &rules.error),
        ("busy", &rules.busy),
        ("idle", &rules.idle),
    ];
    let mut signals = Vec::new();
    for (kind, list) in screen_lists {
        for re in list {
            for line in lines.iter().filter(|l| re.is_match(l)) {
                signals.push(Signal {
                    kind,
                    pattern: re.as_str().to_string(),
                    text: line.trim().to_string(),
                });
            }
        }
    }
    let title_lists: [(&'static str, &[Regex]); 2] = [
        ("title_busy", &rules.title_busy),
        ("title_idle", &rules.title_idle),
    ];
    for (kind, list) in title_lists {
        for re in list.iter().filter(|re| re.is_match(title)) {
            signals.push(Signal {
                kind,
                pattern: re.as_str().to_string(),
                text: title.to_string(),
            });
        }
    }
    Explanation {
        reading,
        signals,
        lines: lines.iter().map(|l| l.to_string()).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::model::AgentState;

    #[test]
    fn every_matching_pattern_is_listed_with_its_line() {
        let re = |s: &str| vec![Regex::new(s).unwrap()];
        let rules = ScreenRules {
            busy: re("esc to interrupt"),
            idle: re("^❯$"),
            title_idle: re("^✳"),
            region_lines: 5,
            ..ScreenRules::default()
        };
        let e = explain(&rules, "old\n✻ Doing… (esc to interrupt)\n❯\n", "✳ Claude");
        assert_eq!(e.reading.state, Some(AgentState::Busy));
        let kinds: Vec<&str> = e.signals.iter().map(|s| s.kind).collect();
        assert_eq!(kinds, ["busy", "idle", "title_idle"]);
        assert_eq!(e.signals[0].text, "✻ Doing… (esc to interrupt)");
        assert_eq!(e.lines, ["old", "✻ Doing… (esc to interrupt)", "❯"]);
    }
}
