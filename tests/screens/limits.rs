//! Issue 14 on recorded Claude Code 2.1.332 screens: retry lines are rate limits with their
//! retry time and attempt, a client that gave up says so, a dialog no rule names is a question
//! (and its question is kept), and the title alone never makes idle.

use super::{config, fixtures};
use czar::core::AgentState;
use czar::core::classify::{ScreenRules, classify};

fn rules() -> ScreenRules {
    config().profile("claude").unwrap().rules()
}

fn fixture(name: &str) -> (String, String) {
    let fx = fixtures()
        .into_iter()
        .find(|f| f.agent == "claude" && f.name == name)
        .unwrap_or_else(|| panic!("no fixture claude/{name}"));
    (fx.screen, fx.title)
}

#[test]
fn retry_lines_are_rate_limits_with_time_and_attempt_and_giving_up_is_seen() {
    let rules = rules();
    let (screen, title) = fixture("rate_limited-retrying-429-2.1.332");
    let r = classify(&rules, &screen, &title);
    assert_eq!(r.state, Some(AgentState::RateLimited), "{r:?}");
    assert_eq!(r.detail.as_deref(), Some("retrying in 2s · attempt 1/2"));
    assert!(!r.gave_up, "the client is still retrying");
    // The shapes the issue reports from longer runs: the status code leads the line.
    for (line, detail) in [
        (
            "✻ 429 Number of request tokens has exceeded your per-minute rate limit · retrying in 14s · attempt 6/10",
            "retrying in 14s · attempt 6/10",
        ),
        ("✻ 529 Overloaded · retrying in 4s", "retrying in 4s"),
    ] {
        let s = screen.replace("✻ API error · retrying in 2s · attempt 1/2", line);
        assert_ne!(s, screen);
        let r = classify(&rules, &s, &title);
        assert_eq!(r.state, Some(AgentState::RateLimited), "{line}: {r:?}");
        assert_eq!(r.detail.as_deref(), Some(detail));
    }
    for name in [
        "rate_limited-gave-up-429-2.1.332",
        "rate_limited-gave-up-529-2.1.332",
    ] {
        let (screen, title) = fixture(name);
        let r = classify(&rules, &screen, &title);
        assert_eq!(r.state, Some(AgentState::RateLimited), "{name}");
        assert!(r.gave_up, "{name}: the client waits for a new message");
        assert!(
            r.detail
                .as_deref()
                .is_some_and(|d| d.starts_with("API Error:")),
            "{r:?}"
        );
    }
    // Sent again and answered: the old refusal is above the new turn and counts no more.
    let (screen, title) = fixture("idle-after-rate-limit-gave-up-then-resend");
    let r = classify(&rules, &screen, &title);
    assert_eq!((r.state, r.gave_up), (Some(AgentState::Idle), false));
}

#[test]
fn a_dialog_no_rule_names_is_a_question_whatever_the_title_says() {
    let rules = rules();
    let (screen, title) = fixture("waiting-auto-mode-default-dialog");
    assert_eq!(
        title, "✳ Claude Code",
        "the idle title stays up in the dialog"
    );
    let r = classify(&rules, &screen, &title);
    assert_eq!(r.state, Some(AgentState::Waiting), "{r:?}");
    assert_eq!(
        r.detail.as_deref(),
        Some("Make auto mode your default permission mode?")
    );
    assert_eq!(r.answerable, None, "nobody said how to answer it");
    // The same screen with its footer drawn (a taller pane): still a question.
    let with_footer = format!("{}\n  ↑/↓ to choose · Esc to cancel\n", screen.trim_end());
    let r = classify(&rules, &with_footer, &title);
    assert_eq!(r.state, Some(AgentState::Waiting), "{r:?}");
    // A screen with neither the input box nor a choice is not idle either.
    let cut: String = screen
        .lines()
        .filter(|l| !l.contains("No, keep accept edits"))
        .collect::<Vec<_>>()
        .join("\n");
    let r = classify(&rules, &cut, &title);
    assert_eq!(r.state, None, "{r:?}");
}
