//! The real Claude Code client with the czar killed between a delivery's paste and its Enter:
//! the task sits pasted, unsubmitted, in Claude's input box when the next czar starts. That
//! czar must clear the box and paste again, so the model gets each task once, and alone.

use crate::client::client_or_skip;
use crate::fake_api::FakeApi;
use crate::fleet::Fleet;
use crate::support::{run_within, text, wait_exit};
use std::os::unix::process::ExitStatusExt;
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const TASKS: [(&str, &str); 2] = [("alpha", ""), ("beta", "")];

#[test]
fn a_czar_killed_between_paste_and_enter_hands_claude_each_task_once() {
    let Some(bin) = client_or_skip("a_czar_killed_between_paste_and_enter") else {
        return;
    };
    let prompts: Arc<Mutex<Vec<String>>> = Arc::default();
    let seen = Arc::clone(&prompts);
    let api = FakeApi::start(move |req| {
        if req.is_main_turn() && !req.after_tool() {
            let new = req
                .new_prompts
                .iter()
                .filter(|p| p.contains("You are worker"));
            seen.lock().unwrap().extend(new.cloned());
        }
        crate::real::agent(req)
    });
    let fleet = Fleet::new(&bin, &api.url, 1, &TASKS);

    let mut first = fleet
        .czar()
        .env("CZAR_FAULT", "paste:1")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let status = wait_exit(&mut first, Duration::from_secs(120)).expect("the czar never pasted");
    assert_eq!(status.signal(), Some(libc::SIGKILL), "{status:?}");
    // What the kill left: the task in the box, not submitted, and nothing sent to the model.
    let mut screen = fleet.screen(1);
    let shown = Instant::now();
    while !screen.contains("[Pasted text") && shown.elapsed() < Duration::from_secs(5) {
        std::thread::sleep(Duration::from_millis(100));
        screen = fleet.screen(1);
    }
    assert!(screen.contains("[Pasted text"), "{screen}");
    assert!(prompts.lock().unwrap().is_empty());

    let out = run_within(&mut fleet.czar(), Duration::from_secs(240));
    assert!(out.status.success(), "{}\n{:?}", text(&out), api.log());

    let prompts = prompts.lock().unwrap().clone();
    for (id, _) in TASKS {
        let got: Vec<&String> = prompts
            .iter()
            .filter(|p| p.contains(&format!("(id `{id}`)")))
            .collect();
        assert_eq!(got.len(), 1, "{id} reached the model {} times", got.len());
        assert_eq!(got[0].matches("You are worker").count(), 1, "{}", got[0]);
    }
    let events = czar::adapters::store::Store::open(&fleet.root.join(".czar"))
        .unwrap()
        .events(10_000)
        .unwrap();
    let said = |kind: &str, words: &str| {
        events
            .iter()
            .any(|e| e.kind == kind && e.detail.contains(words))
    };
    assert!(said("repair", "between a paste and its Enter"));
    assert!(said("delivery_step", "clearing it"));
}
