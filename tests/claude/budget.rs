//! A cost budget on the REAL Claude Code client: the claude profile's prices make each answer
//! of the stand-in cost $0.29 (29 input tokens, cache included, at $10,000 per million), and the
//! run may spend $0.50. By the time the first task's agent runs `czar done` its two answers
//! are spent: the czar says so, hands out nothing more, and fails the task it never started.

use crate::client::client_or_skip;
use crate::fake_api::FakeApi;
use crate::fleet::{Fleet, Opts};
use crate::real::agent;
use crate::support::events::dump;
use crate::support::{run_within, text};
use std::time::Duration;

const TASKS: [(&str, &str); 2] = [("alpha", ""), ("beta", "needs = [\"alpha\"]")];

#[test]
fn a_spent_cost_budget_stops_new_work_and_fails_what_never_started() {
    let Some(bin) = client_or_skip("a_spent_cost_budget_stops_new_work") else {
        return;
    };
    let api = FakeApi::start(agent);
    let opts = Opts {
        top: "[budget]\nmax_cost = 0.5\n".into(),
        tail: "[agents.claude.prices]\ninput = 10000\noutput = 0\n".into(),
        ..Opts::default()
    };
    let fleet = Fleet::with(&bin, &api.url, 1, &TASKS, opts);
    let out = run_within(&mut fleet.czar(), Duration::from_secs(180));
    let events = fleet.events();
    let all = format!(
        "{}\n{}\nstand-in:\n{}",
        text(&out),
        dump(&events),
        api.log().join("\n")
    );
    let budget = events
        .iter()
        .find(|e| e.kind == "budget")
        .unwrap_or_else(|| panic!("no budget event\n{all}"));
    assert!(
        budget.detail.contains("budget.max_cost") && budget.detail.contains("no new task"),
        "{all}"
    );
    assert!(
        events
            .iter()
            .any(|e| e.kind == "done" && e.task.as_deref() == Some("alpha")),
        "{all}"
    );
    let failed = events
        .iter()
        .find(|e| e.kind == "failed" && e.task.as_deref() == Some("beta"))
        .unwrap_or_else(|| panic!("beta was not failed\n{all}"));
    assert!(failed.detail.contains("budget"), "{all}");
    assert!(
        !events
            .iter()
            .any(|e| e.kind == "assigned" && e.task.as_deref() == Some("beta")),
        "beta was handed out\n{all}"
    );
    // `czar stats` prices what the agents used as the profile says.
    let stats = std::process::Command::new(crate::support::CZAR)
        .args(["stats", "--json"])
        .current_dir(&fleet.root)
        .output()
        .unwrap();
    let stats: serde_json::Value = serde_json::from_slice(&stats.stdout).unwrap();
    let cost = stats["cost"].as_f64().unwrap_or(0.0);
    let tokens = &stats["tokens"];
    let n = |k: &str| tokens[k].as_u64().unwrap_or(0) as f64;
    let want = (n("input") + n("cache_read") + n("cache_write")) * 0.01;
    assert!(
        cost >= 0.5 && (cost - want).abs() < 1e-6,
        "{cost} {want}: {stats}"
    );
}
