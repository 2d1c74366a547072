//! `czar --auto` with the codex, gemini and aider profiles against the REAL clients, offline:
//! the stand-in scripts each agent to commit on its task branch and run `czar done`, and
//! refuses the first requests of every task with 429 while the client retries. Skips loudly
//! where a client is not installed.
//!
//! Per client, what the czar must get through by its profile's policy:
//! - Codex: the folder-trust dialog; `czar done`, which the model asks to run outside the
//!   sandbox (the approval prompt, answered "Yes, proceed" by the allow-list).
//! - Gemini: the folder-trust dialog; `czar done`, which the user's settings do not allow
//!   (the "Allow execution" prompt, answered "Allow once" by the allow-list). git is allowed.
//! - Aider: the ".gitignore" question (answered No); "Create new file?" (Yes: the file is in
//!   the worktree); "Run shell command?" for `czar done` (Yes by the allow-list); "Add command
//!   output to the chat?" (No). Aider commits the edit itself.

use crate::client::Client;
use crate::fleet::Fleet;
use crate::standin::{Reply, StandIn, Turn, Wire, usage};
use crate::support::events::{dump, in_order};
use crate::support::{CZAR, git, run_within, text};
use czar::adapters::store::EventRow;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

const TASKS: [(&str, &str); 2] = [("alpha", ""), ("beta", "needs = [\"alpha\"]")];
/// Requests of each new task refused with 429 before the stand-in answers.
const REFUSALS: usize = 2;

/// The worker preamble names the task as (id `<id>`).
fn task_id(prompt: &str) -> Option<String> {
    let start = prompt.find("(id `")? + 5;
    let len = prompt[start..].find('`')?;
    Some(prompt[start..start + len].to_string())
}

/// The agent's part, step by step per task (the prompt names the task in every request of
/// its conversation). First the task is refused REFUSALS times (429) while the client retries;
/// then, after a moment's thought (the czar should see it busy), the file is written and
/// committed; then `czar done`, asking first; then a closing line.
///
/// Codex's workspace-write sandbox keeps a worktree's git folder read-only, so there the model
/// asks to run `git add` and `git commit` outside it, and the shipped codex profile allows
/// exactly those. Gemini's user settings allow git. Aider commits its own edits.
pub(crate) fn agent(steps: &Mutex<HashMap<String, usize>>, t: &Turn) -> Reply {
    let Some(id) = task_id(&t.prompt) else {
        return Reply::text("I have no task yet.");
    };
    let step = {
        let Ok(mut s) = steps.lock() else {
            return Reply::text("lost");
        };
        let n = s.entry(id.clone()).or_default();
        *n += 1;
        *n - 1
    };
    let done = format!("{CZAR} done");
    if step < REFUSALS {
        // Retry-After 3 s: long enough for the czar to see the client retrying.
        return Reply::status(429, "Rate limit reached for requests per minute", Some(3));
    }
    if step == REFUSALS {
        std::thread::sleep(Duration::from_secs(2));
    }
    let write = format!("mkdir -p out && echo {id} > out/{id}.txt && echo wrote-{id}");
    let commit = format!("git commit -q -m 'Do {id}'");
    let script: Vec<Reply> = match t.wire {
        Wire::Responses => vec![
            Reply::shell("Writing the file.", &write, false),
            Reply::shell("Staging it.", "git add -A", true),
            Reply::shell("Committing it.", &commit, true),
            Reply::shell("Committed; telling the czar.", &done, true),
        ],
        // Gemini's policy asks about any redirection, whatever the user allows: `touch`.
        Wire::Gemini => vec![
            Reply::shell(
                "Writing and committing the change.",
                &format!("mkdir -p out && touch out/{id}.txt && git add -A && {commit}"),
                false,
            ),
            Reply::shell("Committed; telling the czar.", &done, true),
        ],
        // Aider edits through SEARCH/REPLACE blocks (an empty SEARCH makes a new file) and
        // commits them itself; it offers to run the fenced shell block afterwards.
        Wire::Chat => {
            let edit =
                format!("out/{id}.txt\n```\n<<<<<<< SEARCH\n=======\n{id}\n>>>>>>> REPLACE\n```");
            vec![Reply::shell(
                &format!("Writing the file.\n\n{edit}\n\nThen:"),
                &done,
                true,
            )]
        }
    };
    script
        .get(step - REFUSALS)
        .cloned()
        .unwrap_or_else(|| Reply::text("The task is finished, committed and reported."))
}

fn drive(client: Client) {
    let test = format!("czar_drives_the_real_{}_client", client.name());
    let Some(bin) = client.or_skip(&test) else {
        return;
    };
    let steps = Mutex::new(HashMap::new());
    let prompts = std::sync::Arc::new(Mutex::new(Vec::new()));
    let seen = prompts.clone();
    // Aider asks the model for each commit's message and prints no tokens for it.
    let unreported = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let commit_messages = unreported.clone();
    let api = StandIn::start(move |t: &Turn| {
        if let Ok(mut p) = seen.lock() {
            p.push(t.prompt.clone());
        }
        let reply = agent(&steps, t);
        if t.wire == Wire::Chat && t.prompt.contains("diff --git") && !reply.is_status() {
            commit_messages.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        }
        reply
    });
    let fleet = Fleet::new(
        client,
        &bin,
        &api.url,
        &TASKS,
        &["git", "mkdir", "touch", "echo"],
    );
    let root = fleet.root.clone();
    let mut czar = fleet.czar();
    let run = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        run_within(&mut czar, Duration::from_secs(240))
    }));
    let events = || {
        czar::adapters::store::Store::open(&root.join(".czar"))
            .and_then(|s| s.events(100_000))
            .map(|e| dump(&e))
            .unwrap_or_default()
    };
    let out = match run {
        Ok(out) => out,
        Err(e) => {
            eprintln!("events:\n{}\nscreen:\n{}", events(), fleet.screen(1));
            std::panic::resume_unwind(e)
        }
    };
    let log = api.log().join("\n");
    assert!(
        out.status.success(),
        "exit {:?}\n{}\nstand-in:\n{log}\nscreen:\n{}\nevents:\n{}",
        out.status,
        text(&out),
        fleet.screen(1),
        events()
    );
    for (id, _) in TASKS {
        let files = git(
            &root,
            &["diff", "--name-only", &format!("main...czar/{id}")],
        );
        assert!(
            files.lines().any(|f| f == format!("out/{id}.txt")),
            "czar/{id} holds out/{id}.txt: {files}"
        );
        let n = git(&root, &["rev-list", "--count", &format!("main..czar/{id}")]);
        assert!(n.trim() != "0", "czar/{id} has commits");
    }
    // The task reached the model: the preamble naming it and the task file's own text.
    let prompts = prompts.lock().map(|p| p.clone()).unwrap_or_default();
    for (id, _) in TASKS {
        let body = format!("Write out/{id}.txt and commit it.");
        assert!(
            prompts
                .iter()
                .any(|p| p.contains(&format!("(id `{id}`)")) && p.contains(&body)),
            "the model never got task {id} whole"
        );
    }
    let refusals = log.matches("-> status 429").count();
    assert_eq!(refusals, REFUSALS * TASKS.len(), "429s met\n{log}");
    let events = czar::adapters::store::Store::open(&root.join(".czar"))
        .unwrap()
        .events(100_000)
        .unwrap();
    check_order(client, &events);
    let unreported = unreported.load(std::sync::atomic::Ordering::SeqCst);
    check_tokens(client, &root, &api, unreported);
}

/// `czar stats --json` shows each task's tokens as the client recorded them (Codex: its
/// session rollout; Gemini CLI: its chat file; Aider: its "Tokens:" lines): every answer of the
/// stand-in reports the same usage, so each task's figures are a whole number of answers, and
/// all tasks together are every main-conversation answer that was not refused. Codex and Gemini
/// are priced by the test's profile (1 and 10 dollars per million); Aider prices its own.
/// `unreported`: answers the client shows no tokens for (Aider's commit messages).
fn check_tokens(client: Client, root: &std::path::Path, api: &StandIn, unreported: usize) {
    let (input, output) = usage(client.wire());
    let start = std::time::Instant::now();
    loop {
        let out = std::process::Command::new(CZAR)
            .args(["stats", "--json"])
            .current_dir(root)
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", text(&out));
        let stats: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let refused = api
            .log()
            .iter()
            .filter(|l| l.contains("-> status 429"))
            .count();
        let answered = api.turns() - refused - unreported;
        let mut answers = 0;
        for t in stats["per_task"].as_array().unwrap() {
            let tok = &t["tokens"];
            let n = |k: &str| tok[k].as_u64().unwrap_or(0);
            let k = n("output") / output;
            assert_eq!((n("input"), n("output")), (k * input, k * output), "{t}");
            answers += k as usize;
            let cost = t["cost"].as_f64().unwrap_or(0.0);
            match client {
                Client::Aider => assert!(k == 0 || cost > 0.0, "Aider's own cost: {t}"),
                _ => {
                    let want = k as f64 * (input as f64 + 10.0 * output as f64) / 1e6;
                    assert!((cost - want).abs() < 1e-6, "cost {cost}, want {want}: {t}");
                }
            }
        }
        if answers == answered {
            assert_eq!(
                stats["tokens"]["output"].as_u64(),
                Some(answers as u64 * output)
            );
            let w = &stats["per_worker"][0];
            assert!(w["tokens"]["output"].as_u64() >= Some(output), "{w}");
            assert!(w["context"].as_u64() >= Some(input.min(1000)), "{w}");
            check_status_tokens(root, &stats, output);
            return;
        }
        assert!(
            start.elapsed() < Duration::from_secs(15),
            "{answers} answers counted of {answered}: {stats}\n{}",
            api.log().join("\n")
        );
        std::thread::sleep(Duration::from_millis(300));
    }
}

/// `czar status --json` shows each task's tokens as the czar took them: at most what `czar
/// stats` counts (which adds what came after the run), a whole number of answers; and the
/// worker's context share, when its profile sets a window.
fn check_status_tokens(root: &std::path::Path, stats: &serde_json::Value, output: u64) {
    let out = std::process::Command::new(CZAR)
        .args(["status", "--json"])
        .current_dir(root)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out));
    let status: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let mut shown_all = 0;
    for t in status["tasks"].as_array().unwrap() {
        let id = t["id"].as_str().unwrap();
        let shown = t["tokens"]["output"].as_u64().unwrap_or(0);
        let counted = stats["per_task"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["id"] == id)
            .and_then(|s| s["tokens"]["output"].as_u64())
            .unwrap_or(0);
        assert!(
            shown <= counted && shown % output == 0,
            "{id}: {shown} of {counted}"
        );
        shown_all += shown;
    }
    assert!(shown_all >= output, "the czar took no report: {status}");
    let w = &status["workers"][0];
    assert!(w["context"].as_u64().is_some(), "{w}");
}

fn seq_of(events: &[EventRow], task: Option<&str>, kind: &str, words: &[&str]) -> Option<i64> {
    events
        .iter()
        .find(|e| {
            e.kind == kind
                && task.is_none_or(|t| e.task.as_deref() == Some(t))
                && words.iter().all(|w| e.detail.contains(w))
        })
        .map(|e| e.seq)
}

fn after(events: &[EventRow], seq: i64, task: &str, kind: &str, words: &[&str]) -> Option<i64> {
    events
        .iter()
        .find(|e| {
            e.seq > seq
                && e.kind == kind
                && e.task.as_deref() == Some(task)
                && words.iter().all(|w| e.detail.contains(w))
        })
        .map(|e| e.seq)
}

/// The first-run dialog answered before the first task, then per task: assigned, delivered,
/// busy, waiting on the `czar done` approval, answered by the allow-list, busy or idle
/// again, done.
fn check_order(client: Client, events: &[EventRow]) {
    let first_run = match client {
        Client::Codex => "Trust and continue",
        Client::Gemini => "Do you trust the files in this folder?",
        // Started with --no-gitignore, Aider asks nothing before its prompt.
        Client::Aider => {
            let start = [
                seq_of(events, None, "worker_started", &[]),
                seq_of(events, None, "agent_state", &["starting -> idle"]),
                seq_of(events, None, "delivered", &[]),
            ];
            in_order("start", &start, events);
            ""
        }
    };
    // Gemini CLI draws its prompt a moment before its trust dialog: the czar may assign the
    // task then (starting -> idle), but delivers it only after the dialog was answered.
    // After the answer the client may show a spinner for a moment (Codex: waiting -> busy ->
    // idle): what counts is that it is idle after the answer and before the delivery.
    if !first_run.is_empty() {
        let answered = seq_of(events, None, "auto_answer", &[first_run]);
        let idle = answered.and_then(|a| {
            events
                .iter()
                .find(|e| e.seq > a && e.kind == "agent_state" && e.detail.contains("-> idle"))
                .map(|e| e.seq)
        });
        in_order(
            "start",
            &[
                seq_of(events, None, "worker_started", &[]),
                seq_of(events, None, "agent_state", &["-> waiting"]),
                answered,
                idle,
                seq_of(events, None, "delivered", &[]),
            ],
            events,
        );
    }
    for (id, _) in TASKS {
        let t = Some(id);
        let assigned = seq_of(events, t, "assigned", &[]);
        let delivered = seq_of(events, t, "delivered", &[]);
        in_order(id, &[assigned, delivered], events);
        // Codex shows its retries. Gemini CLI retries a 429 silently under its "Thinking..."
        // spinner, and Aider's litellm its first ones under "Waiting for <model>" (Aider's
        // own, printed, come later): there the czar can only see it busy. (The czar may read the
        // retry, or the busy spinner, before it records the delivery they confirm: same
        // moment, either order.)
        let silent = matches!(client, Client::Gemini | Client::Aider);
        let limited = match client {
            _ if silent => assigned,
            _ => assigned.and_then(|a| after(events, a, id, "agent_state", &["-> rate_limited"])),
        };
        let busy = limited.and_then(|d| after(events, d, id, "agent_state", &["-> busy"]));
        let asked = busy.and_then(|b| after(events, b, id, "agent_state", &["-> waiting"]));
        let answered = asked.and_then(|a| after(events, a, id, "auto_answer", &["czar done"]));
        let mut steps = vec![assigned];
        if !silent {
            steps.push(limited);
        }
        steps.extend([busy, asked, answered, seq_of(events, t, "done", &[])]);
        in_order(id, &steps, events);
    }
    // Only the dialogs the policy names were answered.
    eprintln!("events:\n{}", dump(events));
}

#[test]
fn czar_drives_the_real_codex_client() {
    drive(Client::Codex);
}

#[test]
fn czar_drives_the_real_gemini_client() {
    drive(Client::Gemini);
}
#[test]
fn czar_drives_the_real_aider_client() {
    drive(Client::Aider);
}
