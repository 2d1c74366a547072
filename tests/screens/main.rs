//! The recorded-screen corpus: every tests/fixtures/screens/<agent>/<state>-<what>.txt is read
//! with the shipped <agent> profile and must give <state>. Screens whose name holds `trap`
//! imitate the classic false positives (tool output quoting "esc to interrupt", a quoted
//! "Do you want to proceed?") and must never read as busy or waiting.
//! tests/fixtures/screens/README.md describes the conventions.

mod answers;
mod cli;
mod gave_up;
mod limits;
#[path = "../support/mod.rs"]
mod support;

use czar::config::{ProjectConfig, SHIPPED_PROFILES, load_with};
use czar::core::AgentState;
use czar::core::classify::classify;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Screen states a fixture can name; `unknown` means no pattern matched (the czar keeps what
/// it knew, e.g. `starting` while an agent loads).
const STATES: [&str; 6] = [
    "rate_limited",
    "busy",
    "idle",
    "waiting",
    "error",
    "unknown",
];
const MIN_CLAUDE: usize = 5;
const MIN_OTHER: usize = 2;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/screens")
}

fn config() -> ProjectConfig {
    load_with(Path::new("/nonexistent-repo"), None, Some("main")).expect("shipped config loads")
}

struct Fixture {
    agent: String,
    name: String,
    state: &'static str,
    screen: String,
    title: String,
}

fn fixtures() -> Vec<Fixture> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(root()).expect("fixtures folder") {
        let dir = entry.unwrap().path();
        if !dir.is_dir() {
            continue;
        }
        let agent = dir.file_name().unwrap().to_string_lossy().into_owned();
        for f in std::fs::read_dir(&dir).unwrap() {
            let path = f.unwrap().path();
            if path.extension().is_none_or(|e| e != "txt") {
                continue;
            }
            let name = path.file_stem().unwrap().to_string_lossy().into_owned();
            let state = STATES
                .iter()
                .find(|s| name.starts_with(&format!("{s}-")))
                .unwrap_or_else(|| panic!("{}: name must start with <state>-", path.display()));
            let title = std::fs::read_to_string(path.with_extension("title"))
                .map(|t| t.trim_end_matches('\n').to_string())
                .unwrap_or_default();
            out.push(Fixture {
                agent: agent.clone(),
                name,
                state,
                screen: std::fs::read_to_string(&path).unwrap(),
                title,
            });
        }
    }
    out.sort_by(|a, b| (&a.agent, &a.name).cmp(&(&b.agent, &b.name)));
    out
}

#[test]
fn every_fixture_reads_as_its_name_says() {
    let cfg = config();
    let mut failures = Vec::new();
    let mut counts: BTreeMap<(String, &str), usize> = BTreeMap::new();
    for fx in fixtures() {
        let profile = cfg
            .profile(&fx.agent)
            .unwrap_or_else(|| panic!("fixtures for unknown profile {:?}", fx.agent));
        let r = classify(&profile.rules(), &fx.screen, &fx.title);
        let got = r.state.map_or("unknown", AgentState::as_str);
        *counts.entry((fx.agent.clone(), fx.state)).or_default() += 1;
        let trap_fooled = fx.name.contains("trap")
            && matches!(r.state, Some(AgentState::Busy | AgentState::Waiting));
        if got != fx.state || trap_fooled {
            failures.push(format!(
                "{}/{}: expected {}, got {got} ({}); last line {:?}",
                fx.agent, fx.name, fx.state, r.reason, r.last_line
            ));
        }
    }
    eprintln!("fixtures per agent and state: {counts:?}");
    assert!(
        failures.is_empty(),
        "{} misread:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn every_profile_has_enough_fixtures_per_state() {
    let all = fixtures();
    let mut missing = Vec::new();
    for (agent, _) in SHIPPED_PROFILES {
        let min = if *agent == "claude" {
            MIN_CLAUDE
        } else {
            MIN_OTHER
        };
        for state in ["busy", "idle", "waiting", "rate_limited", "error"] {
            let n = all
                .iter()
                .filter(|f| f.agent == *agent && f.state == state)
                .count();
            // A shell has no dialogs, rate limits or API errors: its profile leaves them empty.
            let applies = *agent != "shell" || matches!(state, "busy" | "idle");
            if applies && n < min {
                missing.push(format!("{agent}/{state}: {n} < {min}"));
            }
        }
        let traps = all
            .iter()
            .filter(|f| f.agent == *agent && f.name.contains("trap"))
            .count();
        if traps == 0 && *agent != "shell" {
            missing.push(format!("{agent}: no trap fixture"));
        }
    }
    assert!(
        missing.is_empty(),
        "too few fixtures:\n{}",
        missing.join("\n")
    );
}

#[test]
fn waiting_screens_keep_the_question_and_rate_limits_keep_the_time() {
    let cfg = config();
    for fx in fixtures() {
        let rules = cfg.profile(&fx.agent).unwrap().rules();
        let r = classify(&rules, &fx.screen, &fx.title);
        let shows_time = fx.screen.contains("retrying in") || fx.screen.contains("reset");
        if r.state == Some(AgentState::RateLimited) && shows_time {
            assert!(
                r.detail.is_some(),
                "{}/{}: retry time not kept",
                fx.agent,
                fx.name
            );
        }
        let asks = r.state == Some(AgentState::Waiting) && fx.screen.contains('?');
        if asks {
            assert!(
                r.detail.is_some(),
                "{}/{}: question not kept",
                fx.agent,
                fx.name
            );
        }
    }
}
