//! The workers' tokens, cost and context column: shown once an agent reported tokens, with
//! what is known of each (cost when priced, the share when the profile knows its window).

use crate::fixture::{self, draw};
use czar::core::model::{Meter, Usage};

#[test]
fn the_tokens_cost_and_context_column_shows_once_agents_report() {
    let m = fixture::model();
    for (w, h) in [(80, 24), (160, 48)] {
        let s = draw(&m, &fixture::ui(false), w, h).backend().to_string();
        assert!(!s.contains("tok $ ctx"), "no column before any report: {s}");
    }
    let mut m = fixture::model();
    m.policy.meters.insert(
        "sim".into(),
        Meter {
            context_window: 200_000,
            ..Meter::default()
        },
    );
    let t = &mut m.workers.get_mut(&1).unwrap().vitals.tokens;
    t.usage = Usage {
        input: 12_000,
        output: 500,
        cost_micros: 42_000,
        ..Usage::default()
    };
    t.context = Some(90_000);
    m.workers.get_mut(&2).unwrap().vitals.tokens.usage.input = 800;
    for (w, h) in [(80, 24), (160, 48)] {
        let s = draw(&m, &fixture::ui(false), w, h).backend().to_string();
        assert!(s.contains("tok $ ctx"), "{s}");
        assert!(s.contains("12k $0.04 45%"), "{s}");
        assert!(s.contains("800 - -"), "{s}");
    }
}
