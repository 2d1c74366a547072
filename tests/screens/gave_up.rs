//! Codex CLI on recorded 0.171.0 screens: a turn that ended on its "■ … last status: 429" line
//! is a client that gave up (it waits for a new message), while its retries are not; errors of
//! another kind are not a give-up either.

use super::{config, fixtures};
use czar::core::AgentState;
use czar::core::classify::classify;

#[test]
fn codex_giving_up_on_a_429_is_seen_and_its_retries_are_not_a_give_up() {
    let rules = config().profile("codex").unwrap().rules();
    let read = |name: &str| {
        let fx = fixtures()
            .into_iter()
            .find(|f| f.agent == "codex" && f.name == name)
            .unwrap_or_else(|| panic!("no fixture codex/{name}"));
        classify(&rules, &fx.screen, &fx.title)
    };
    let r = read("rate_limited-gave-up-429");
    assert_eq!(
        (r.state, r.gave_up),
        (Some(AgentState::RateLimited), true),
        "{r:?}"
    );
    let said = r.detail.unwrap_or_default();
    assert!(
        said.starts_with("exceeded retry limit, last status: 429"),
        "{said}"
    );
    let r = read("rate_limited-retrying-429");
    assert_eq!(
        (r.state, r.gave_up),
        (Some(AgentState::RateLimited), false),
        "{r:?}"
    );
    for name in ["error-401", "error-500-high-demand", "idle-after-errors"] {
        assert!(!read(name).gave_up, "{name}");
    }
}

/// Aider 0.86.2 on a persistent 429: litellm's error and Aider's "rate limited you" line, then
/// "Retrying in N seconds..." while it retries; once it gives up, its rule and a bare prompt.
/// Only the error line right above the bare prompt is a give-up: neither its retries (which
/// also end, for a moment, on a prompt-less screen) nor any bare prompt after a normal turn.
#[test]
fn aiders_give_up_needs_its_error_line_above_a_bare_prompt() {
    let rules = config().profile("aider").unwrap().rules();
    let read = |name: &str| {
        let fx = fixtures()
            .into_iter()
            .find(|f| f.agent == "aider" && f.name == name)
            .unwrap_or_else(|| panic!("no fixture aider/{name}"));
        classify(&rules, &fx.screen, &fx.title)
    };
    // The second as CI's loaded cores drew it: spinner glyphs in front of the give-up's lines.
    for name in [
        "rate_limited-gave-up-429",
        "rate_limited-gave-up-429-spinner-residue",
    ] {
        let r = read(name);
        assert_eq!(
            (r.state, r.gave_up),
            (Some(AgentState::RateLimited), true),
            "{name}: {r:?}"
        );
        // The give-up quotes the error it gave up on, not its last "Retrying in 32.0 seconds...".
        let said = r.detail.unwrap_or_default();
        assert!(
            said.starts_with("litellm.RateLimitError: "),
            "{name}: {said}"
        );
    }
    for name in [
        "rate_limited-retrying-429",
        "rate_limited-retrying-429-later",
        "rate_limited-retrying-429-backoff",
        "error-retrying-500",
        "error-retrying-500-backoff",
        "idle-after-turn",
        "idle-fresh-start",
        "idle-after-command",
    ] {
        assert!(!read(name).gave_up, "{name}");
    }
    // The error line's prompt replaced by a typed note: not a give-up to send again on.
    let fx = fixtures()
        .into_iter()
        .find(|f| f.agent == "aider" && f.name == "rate_limited-gave-up-429")
        .unwrap_or_else(|| panic!("no fixture"));
    let typed = fx.screen.trim_end().trim_end_matches('>').to_string() + "> go on";
    assert!(!classify(&rules, &typed, "").gave_up);
    // The retry delay on its screen is not a reset time.
    assert_eq!(
        czar::core::limits::reset_in_ms("Retrying in 0.5 seconds..."),
        None
    );
}

/// Gemini CLI 0.61.0: its "ℹ This request failed." note over the bare prompt (no spinner) is a
/// give-up (recorded with `general.maxAttempts = 2`); the same note with the spinner going on
/// under it (default attempts, minutes in) is not, nor are its silent retries or other errors.
#[test]
fn geminis_give_up_needs_its_failed_note_with_no_spinner_under_it() {
    let rules = config().profile("gemini").unwrap().rules();
    let read = |name: &str| {
        let fx = fixtures()
            .into_iter()
            .find(|f| f.agent == "gemini" && f.name == name)
            .unwrap_or_else(|| panic!("no fixture gemini/{name}"));
        classify(&rules, &fx.screen, &fx.title)
    };
    let r = read("rate_limited-gave-up-429-max-attempts-2");
    assert_eq!(
        (r.state, r.gave_up),
        (Some(AgentState::RateLimited), true),
        "{r:?}"
    );
    let said = r.detail.unwrap_or_default();
    assert!(said.starts_with("API Error: {\"error\""), "{said}");
    for name in [
        "rate_limited-gave-up-429",
        "rate_limited-gave-up-429-later",
        "busy-retrying-429-silently",
        "error-400",
        "error-401",
        "idle-after-errors",
        "idle-after-turn",
    ] {
        assert!(!read(name).gave_up, "{name}");
    }
}
