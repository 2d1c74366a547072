//! A 429 the client gives up on, and the API recovering, against the REAL Codex CLI: the
//! stand-in refuses every request of the task for a while. Codex retries (the czar reads it
//! rate_limited), gives up ("■ exceeded retry limit, last status: 429"), the czar holds the
//! account and, after its backoff, tells the agent to go on; once the API answers again the
//! task finishes, with no operator. Aider the same, after its 90 s of doubling waits; Gemini
//! CLI gives up only after minutes (see its test: skipped, loudly).

use crate::client::Client;
use crate::fleet::Fleet;
use crate::real::agent;
use crate::standin::{Reply, StandIn, Turn};
use crate::support::events::{dump, in_order};
use crate::support::{run_within, text};
use czar::adapters::store::EventRow;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

const TASKS: [(&str, &str); 1] = [("alpha", "")];

fn first(events: &[EventRow], after: i64, kind: &str, words: &[&str]) -> Option<i64> {
    events
        .iter()
        .find(|e| e.seq > after && e.kind == kind && words.iter().all(|w| e.detail.contains(w)))
        .map(|e| e.seq)
}

#[test]
fn codex_gives_up_on_a_429_and_the_task_finishes_once_the_api_recovers() {
    recover(
        Client::Codex,
        Duration::from_secs(20),
        &["git", "mkdir", "echo"],
    );
}

/// Aider 0.86.2 retries a 429 with doubling waits (0.125 s to 32 s) and gives up after about
/// 90 s: its error line, its rule and a bare prompt. The API stays down a little longer, so the
/// czar's first note to go on may be refused too.
#[test]
fn aider_gives_up_on_a_429_and_the_task_finishes_once_the_api_recovers() {
    recover(
        Client::Aider,
        Duration::from_secs(100),
        &["git", "mkdir", "echo"],
    );
}

/// Gemini CLI 0.61.0 retries a 429 silently under its spinner for minutes (10 attempts with
/// backoff by default). Its settings' `general.maxAttempts` ("Max Chat Model Attempts", 1..10)
/// shortens that: at 2 it gave up within 40-100 s (14 requests), its spinner gone and its prompt
/// back (recorded: gemini/rate_limited-gave-up-429-max-attempts-2). Its profile has no
/// `gave_up` pattern for that screen yet, so the czar cannot see the give-up: not run until then.
#[test]
fn gemini_gives_up_on_a_429_and_the_task_finishes_once_the_api_recovers() {
    eprintln!(
        "SKIPPED gemini_gives_up_on_a_429_and_the_task_finishes: Gemini CLI gives up on a 429 only \
         after minutes by default; with general.maxAttempts = 2 its give-up screen is recorded, \
         but its profile has no gave_up pattern for it yet; see tests/clients/recover.rs"
    );
    if std::env::var_os("CZAR_REQUIRE_GEMINI_RECOVER").is_some() {
        panic!("gemini give-up-and-recover test required but not implemented");
    }
}

/// `down`: how long the API refuses, from the task's first request.
fn recover(client: Client, down: Duration, allow: &[&str]) {
    let test = format!("{}_gives_up_on_a_429_and_the_task_finishes", client.name());
    let Some(bin) = client.or_skip(&test) else {
        return;
    };
    let steps = Mutex::new(HashMap::new());
    let down_from: Mutex<Option<Instant>> = Mutex::new(None);
    let api = StandIn::start(move |t: &Turn| {
        let Ok(mut from) = down_from.lock() else {
            return Reply::text("lost");
        };
        if t.prompt.contains("(id `") && from.is_none() {
            *from = Some(Instant::now());
        }
        if from.is_some_and(|f| f.elapsed() < down) {
            return Reply::status(429, "Rate limit reached for requests per minute", Some(1));
        }
        // The czar's note to go on is the newest prompt then: the script goes by the task.
        let mut t = t.clone();
        if t.prompt.contains("go on with the task") {
            t.prompt = "(id `alpha`)".into();
        }
        agent(&steps, &t)
    });
    let fleet = Fleet::new(client, &bin, &api.url, &TASKS, allow);
    let config = fleet.root.join("czar.toml");
    let text_before = std::fs::read_to_string(&config).unwrap();
    // A short backoff, so the czar tells the agent to go on within the test's time.
    let with_backoff = text_before.replace("[timing]\n", "[timing]\nrate_limit_backoff_secs = 5\n");
    std::fs::write(&config, with_backoff).unwrap();
    let out = run_within(&mut fleet.czar(), down + Duration::from_secs(180));
    let events = czar::adapters::store::Store::open(&fleet.root.join(".czar"))
        .and_then(|s| s.events(100_000))
        .unwrap_or_default();
    let all = format!(
        "{}\n{}\nstand-in:\n{}\nscreen:\n{}",
        text(&out),
        dump(&events),
        api.log().join("\n"),
        fleet.screen(1)
    );
    assert!(out.status.success(), "{all}");
    let delivered = first(&events, 0, "delivered", &[]);
    let limited = delivered.and_then(|d| first(&events, d, "agent_state", &["-> rate_limited"]));
    let gave_up = limited.and_then(|l| first(&events, l, "rate_limit", &["the client gave up"]));
    let go_on =
        gave_up.and_then(|g| first(&events, g, "rate_limit", &["telling the agent to go on"]));
    let done = go_on.and_then(|g| first(&events, g, "done", &[]));
    in_order(
        "give up and recover",
        &[delivered, limited, gave_up, go_on, done],
        &events,
    );
    assert!(!events.iter().any(|e| e.kind == "operator"), "{all}");
    assert!(
        events
            .iter()
            .any(|e| e.kind == "agent_state" && e.detail.contains("-> rate_limited")),
        "{all}"
    );
    let refused = api
        .log()
        .iter()
        .filter(|l| l.contains("-> status 429"))
        .count();
    assert!(refused >= 3, "{all}");
    eprintln!("{}", dump(&events));
}
