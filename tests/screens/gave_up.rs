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
