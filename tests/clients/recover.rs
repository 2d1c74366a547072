//! A 429 the client gives up on, and the API recovering, against the REAL Codex CLI: the
//! stand-in refuses every request of the task for a while. Codex retries (the czar reads it
//! rate_limited), gives up ("■ exceeded retry limit, last status: 429"), the czar holds the
//! account and, after its backoff, tells the agent to go on; once the API answers again the
//! task finishes, with no operator. Aider the same, after its 90 s of doubling waits; Gemini
//! CLI once its attempts are cut to 2 (by default it retries for minutes).

use crate::client::Client;
use crate::fleet::Fleet;
use crate::real::agent;
use crate::standin::{Reply, StandIn, Turn};
use crate::support::events::{dump, in_order};
use crate::support::{spawn_collecting, text, wait_exit};
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
        Down::For(Duration::from_secs(20)),
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
        Down::For(Duration::from_secs(100)),
        &["git", "mkdir", "echo"],
    );
}

/// Gemini CLI 0.61.0 retries a 429 silently under its spinner for minutes (10 attempts with
/// backoff by default). Its settings' `general.maxAttempts` ("Max Chat Model Attempts", 1..10)
/// shortens that: at 2 it gives up within 40-100 s (recorded:
/// gemini/rate_limited-gave-up-429-max-attempts-2), its spinner gone and its prompt back. How
/// long it retries varies that much, so the API stays down until the czar's note to go on: the
/// note can only come from a give-up the czar saw.
#[test]
fn gemini_gives_up_on_a_429_and_the_task_finishes_once_the_api_recovers() {
    // Its policy asks about any redirection whatever the user allows: the script `touch`es.
    recover(
        Client::Gemini,
        Down::UntilToldToGoOn,
        &["git", "mkdir", "touch", "echo"],
    );
}

/// How long the stand-in refuses the task's requests.
#[derive(Clone, Copy)]
enum Down {
    /// From the task's first request.
    For(Duration),
    /// Until a request carries the czar's note to go on.
    UntilToldToGoOn,
}

/// The give-up tests one at a time: each drives a client through minutes of retries against
/// the clock of its backoff, which CI's 2 cores shared with the other real clients stretch.
/// (That load once drew Aider's give-up with spinner glyphs in front, which its pattern now
/// reads: `tests/screens/gave_up.rs`.)
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

fn recover(client: Client, down: Down, allow: &[&str]) {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|p| p.into_inner());
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
        let told = t.prompt.contains("go on with the task");
        let refused = match down {
            Down::For(d) => from.is_some_and(|f| f.elapsed() < d),
            Down::UntilToldToGoOn => from.is_some() && !told,
        };
        if refused {
            return refusal(client);
        }
        // The czar's note to go on is the newest prompt then: the script goes by the task.
        let mut t = t.clone();
        if told {
            t.prompt = "(id `alpha`)".into();
        }
        agent(&steps, &t)
    });
    let fleet = Fleet::new(client, &bin, &api.url, &TASKS, allow);
    if client == Client::Gemini {
        fewer_gemini_attempts(&fleet.home);
    }
    let config = fleet.root.join("czar.toml");
    let text_before = std::fs::read_to_string(&config).unwrap();
    // A short backoff, so the czar tells the agent to go on within the test's time.
    let with_backoff = text_before.replace("[timing]\n", "[timing]\nrate_limit_backoff_secs = 5\n");
    std::fs::write(&config, with_backoff).unwrap();
    let longest = match down {
        Down::For(d) => d,
        // Gemini's give-up (up to 100 s) and the backoff before the note.
        Down::UntilToldToGoOn => Duration::from_secs(120),
    };
    // Not run_within: a czar still running at the limit is killed, and the test fails with what
    // it saw (events, the stand-in's log, the screen, the czar's log) rather than its output only.
    let mut child = spawn_collecting(&mut fleet.czar());
    let finished = wait_exit(&mut child, longest + Duration::from_secs(180)).is_some();
    if !finished {
        let _ = child.kill();
    }
    let out = child.wait_with_output().unwrap();
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
    let log = std::fs::read_to_string(fleet.root.join(".czar/logs/czar.log")).unwrap_or_default();
    let tail: Vec<&str> = log.lines().rev().take(60).collect();
    let all = format!("{all}\nczar log (newest first):\n{}", tail.join("\n"));
    assert!(finished, "the czar did not finish in time\n{all}");
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

/// `general.maxAttempts = 2` in the fleet's Gemini settings (the user's), kept with the rest,
/// and a model named outright: on "Auto" (and any Gemini 3 model) 0.61.0 retries as its model
/// chain's policy says (10 attempts for its last resort) whatever `maxAttempts` says; a model
/// outside the chains has a chain of its own, which leaves the attempts to the setting.
fn fewer_gemini_attempts(home: &std::path::Path) {
    let path = home.join(".gemini/settings.json");
    let text = std::fs::read_to_string(&path).unwrap();
    let mut settings: serde_json::Value = serde_json::from_str(&text).unwrap();
    settings["general"]["maxAttempts"] = serde_json::json!(2);
    settings["model"] = serde_json::json!({ "name": "gemini-2.5-flash" });
    std::fs::write(&path, settings.to_string()).unwrap();
}

/// The 429 the stand-in answers with. Gemini CLI 0.61.0 reads the Gemini API's own 429 body
/// ("status": "RESOURCE_EXHAUSTED") as a quota error, and on a quota error its attempts start
/// over after each round (its model fallback keeps the model and tries again): it never gives
/// up. A 429 with another body (here the OpenAI-style one a proxy in front of the API may
/// give, as in the recorded gemini/rate_limited-gave-up-429-max-attempts-2) is retried
/// `general.maxAttempts` times and given up on.
fn refusal(client: Client) -> Reply {
    let message = "Rate limit reached for requests per minute";
    match client {
        Client::Gemini => Reply::status_body(
            429,
            serde_json::json!({"error": {"message": message, "type": "rate_limit_exceeded",
                "code": "rate_limit_exceeded", "param": null}}),
            Some(1),
        ),
        _ => Reply::status(429, message, Some(1)),
    }
}
