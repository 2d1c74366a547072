//! Questions nobody answers and rate limits a client gave up on, through `update`: announced at
//! once, acted on at their limit; an account held, the agent told to go on after the backoff.

use super::*;
use crate::core::command::EventKind;
use crate::core::model::{OnWaiting, Screen};

pub(super) fn events(out: &[Command], kind: EventKind) -> Vec<String> {
    out.iter()
        .filter_map(|c| match c {
            Command::Record(e) if e.kind == kind => Some(e.detail.clone()),
            _ => None,
        })
        .collect()
}

fn asking(w: u32, q: &str, now: u64) -> Observation {
    Observation::AgentSeen {
        worker: w,
        seen: Seen {
            state: AgentState::Waiting,
            reason: "a choice no rule names".into(),
            input: Input::Hidden,
            taken_at: now,
            detail: Some(q.into()),
            ..Seen::default()
        },
    }
}

pub(super) fn gave_up(w: u32, detail: &str, now: u64) -> Observation {
    Observation::AgentSeen {
        worker: w,
        seen: Seen {
            state: AgentState::RateLimited,
            reason: "rate_limited".into(),
            input: Input::Empty,
            taken_at: now,
            hash: now,
            detail: Some(detail.into()),
            gave_up: true,
            ..Seen::default()
        },
    }
}

fn working(on: OnWaiting) -> Model {
    let mut m = model(1);
    m.policy.limits.waiting_ms = 10_000;
    m.policy.limits.on_waiting = on;
    load(&mut m, vec![def("a", &[], None)], 0);
    boot(&mut m, 1);
    start_work(&mut m, 1, "a", 2);
    m
}

#[test]
fn a_question_is_announced_once_at_once_and_reminded_at_the_limit() {
    let mut m = working(OnWaiting::Remind);
    let out = update(&mut m, asking(1, "Make auto mode your default?", 100), 100);
    assert_eq!(
        events(&out, EventKind::Waiting),
        ["needs an answer: Make auto mode your default?"]
    );
    // The same question read again says nothing new.
    let out = update(&mut m, asking(1, "Make auto mode your default?", 200), 200);
    assert!(events(&out, EventKind::Waiting).is_empty());
    assert!(
        events(
            &update(&mut m, Observation::Tick, 9_000),
            EventKind::Waiting
        )
        .is_empty()
    );
    let out = update(&mut m, Observation::Tick, 10_200);
    assert_eq!(
        events(&out, EventKind::Waiting),
        ["still waited 10s on: Make auto mode your default?"]
    );
    assert!(
        events(
            &update(&mut m, Observation::Tick, 15_000),
            EventKind::Waiting
        )
        .is_empty()
    );
    assert_eq!(m.tasks["a"].state, TaskState::Working, "reminding keeps it");
    // A new question after it is announced too.
    let out = update(&mut m, asking(1, "Proceed?", 16_000), 16_000);
    assert_eq!(
        events(&out, EventKind::Waiting),
        ["needs an answer: Proceed?"]
    );
}

#[test]
fn past_the_limit_a_question_fails_the_task_with_the_question_or_hands_it_back() {
    let mut m = working(OnWaiting::Fail);
    update(&mut m, asking(1, "Auto mode can't check actions", 100), 100);
    let out = update(&mut m, Observation::Tick, 10_100);
    assert!(out.contains(&Command::PressKeys {
        worker: 1,
        keys: vec!["Escape".into()]
    }));
    assert_eq!(m.tasks["a"].state, TaskState::Failed);
    let reason = m.tasks["a"].reason.clone().unwrap_or_default();
    assert!(
        reason.contains("nobody answered") && reason.contains("Auto mode can't check actions"),
        "{reason}"
    );
    assert_eq!(m.workers[&1].task, None);

    let mut m = working(OnWaiting::Requeue);
    update(&mut m, asking(1, "Proceed?", 100), 100);
    update(&mut m, Observation::Tick, 10_100);
    assert_eq!(m.tasks["a"].state, TaskState::Pending);
    assert_eq!(m.workers[&1].task, None);
}

#[test]
fn a_given_up_rate_limit_holds_the_account_then_the_agent_is_told_to_go_on() {
    let mut m = model(2);
    m.policy.limits.backoff_ms = 5_000;
    load(&mut m, vec![def("a", &[], None), def("b", &[], None)], 0);
    boot(&mut m, 1);
    let holder = m.tasks["a"].worker.unwrap();
    start_work(&mut m, holder, "a", 2);
    let other = 3 - holder;
    // Task b was given to the other worker: it gives b back, so the account's hold shows.
    let b_holder = m.tasks["b"].worker;
    assert_eq!(b_holder, Some(other));
    m.workers.get_mut(&other).map(|w| w.let_go());
    m.tasks.get_mut("b").unwrap().state = TaskState::Pending;
    m.tasks.get_mut("b").unwrap().worker = None;

    let out = update(
        &mut m,
        gave_up(holder, "API Error: Request rejected (429)", 100),
        100,
    );
    let limited = events(&out, EventKind::RateLimit);
    assert_eq!(limited.len(), 1, "{out:?}");
    assert!(limited[0].contains("for 5s"), "{}", limited[0]);
    // No new work on the account: the idle worker of the same profile gets nothing.
    idle(&mut m, other, 200);
    assert_eq!(m.tasks["b"].state, TaskState::Pending);
    // At the reset: the limited agent gets the note, in its empty box.
    let out = update(&mut m, Observation::Tick, 5_100);
    assert!(
        out.contains(&Command::ReadScreen { worker: holder }),
        "{out:?}"
    );
    let out = update(
        &mut m,
        gave_up(holder, "API Error: Request rejected (429)", 5_150),
        5_150,
    );
    let note = pasted_text(&out, holder).expect("the note is pasted");
    assert!(
        note.contains("rate limit") && note.contains("go on"),
        "{note}"
    );
    // The account takes work again once its limit is over and no agent of it is limited.
    update(
        &mut m,
        seen(holder, AgentState::Busy, Input::Empty, 5_180),
        5_180,
    );
    let out = update(&mut m, Observation::Tick, 5_200);
    assert!(
        prepares(&out).contains(&(other, "b".to_string())),
        "{out:?}"
    );
}

/// The note to go on was delivered: the agent works on its task again.
fn took_note(m: &mut Model) {
    m.workers.get_mut(&1).unwrap().delivery = None;
    m.tasks.get_mut("a").unwrap().state = TaskState::Working;
}

#[test]
fn limits_in_a_row_back_off_longer_and_a_shown_reset_time_wins() {
    let mut m = working(OnWaiting::Remind);
    m.policy.limits.backoff_ms = 1_000;
    let out = update(&mut m, gave_up(1, "API Error: 429", 100), 100);
    assert!(events(&out, EventKind::RateLimit)[0].contains("for 1s"));
    // Resent, refused again: twice as long.
    update(&mut m, Observation::Tick, 1_200);
    took_note(&mut m);
    let out = update(&mut m, gave_up(1, "API Error: 429", 1_300), 1_300);
    assert!(
        events(&out, EventKind::RateLimit)[0].contains("for 2s"),
        "{out:?}"
    );
    // A reset time on screen decides the wait.
    let out = update(&mut m, Observation::Tick, 3_400);
    assert!(events(&out, EventKind::RateLimit)[0].contains("telling the agent to go on"));
    took_note(&mut m);
    let out = update(&mut m, gave_up(1, "try again in 2 minutes", 3_500), 3_500);
    assert!(
        events(&out, EventKind::RateLimit)[0].contains("for 120s"),
        "{out:?}"
    );
    // The API answering ends the limit (and its count).
    let out = update(
        &mut m,
        seen(1, AgentState::Idle, Input::Empty, 200_000),
        200_000,
    );
    assert!(events(&out, EventKind::RateLimit)[0].contains("answers again"));
    assert!(m.limits.is_empty());
}

#[test]
fn nothing_is_pasted_until_the_prompt_has_shown_unbroken_for_the_settle_time() {
    let mut m = model(1);
    m.policy
        .delivery
        .agents
        .get_mut("sim")
        .unwrap()
        .ready_settle_ms = 1_000;
    load(&mut m, vec![def("a", &[], None)], 0);
    boot(&mut m, 1);
    let prepared = Prepared {
        ahead: 0,
        tip: "start".into(),
    };
    let obs = Observation::BranchPrepared {
        worker: 1,
        task: "a".into(),
        result: Ok(prepared),
    };
    update(&mut m, obs, 10);
    // The prompt shows; then a dialog no rule reads covers it: unread, nothing typed.
    assert_eq!(pasted_text(&idle(&mut m, 1, 20), 1), None);
    let unread = Observation::ScreenUnread {
        worker: 1,
        taken_at: 300,
        hash: 7,
    };
    update(&mut m, unread, 300);
    assert_eq!(
        m.workers[&1].vitals.screen.as_ref().map(|s| s.state),
        Some(None)
    );
    assert_eq!(
        pasted_text(&update(&mut m, Observation::Tick, 1_500), 1),
        None
    );
    // Back at the prompt: only a full settle time later is the text pasted.
    assert_eq!(pasted_text(&idle(&mut m, 1, 1_600), 1), None);
    assert_eq!(pasted_text(&idle(&mut m, 1, 2_000), 1), None);
    assert!(pasted_text(&idle(&mut m, 1, 2_700), 1).is_some());
}

#[test]
fn a_box_that_vanished_after_enter_is_no_proof_the_text_was_taken() {
    let mut m = model(1);
    load(&mut m, vec![def("a", &[], None)], 0);
    boot(&mut m, 1);
    let prepared = Prepared {
        ahead: 0,
        tip: "start".into(),
    };
    let obs = Observation::BranchPrepared {
        worker: 1,
        task: "a".into(),
        result: Ok(prepared),
    };
    update(&mut m, obs, 10);
    let out = idle(&mut m, 1, 20);
    let id = out
        .iter()
        .find_map(|c| match c {
            Command::Paste { delivery, .. } => Some(*delivery),
            _ => None,
        })
        .unwrap();
    update(
        &mut m,
        Observation::Pasted {
            worker: 1,
            delivery: id,
            result: Ok(()),
        },
        30,
    );
    update(
        &mut m,
        Observation::Submitted {
            worker: 1,
            delivery: id,
            result: Ok(()),
        },
        40,
    );
    // An idle reading whose box is hidden (a dialog over it), and one still holding the text
    // under a limit line: neither confirms.
    m.workers.get_mut(&1).unwrap().vitals.screen = Some(Screen {
        state: Some(AgentState::Idle),
        input: Input::Hidden,
        at: 50,
        hash: 99,
    });
    update(&mut m, Observation::Tick, 60);
    assert_eq!(m.tasks["a"].state, TaskState::Delivering);
    update(
        &mut m,
        seen(
            1,
            AgentState::RateLimited,
            Input::Holds("You are".into()),
            70,
        ),
        70,
    );
    assert_eq!(m.tasks["a"].state, TaskState::Delivering);
    update(&mut m, seen(1, AgentState::Busy, Input::Empty, 80), 80);
    assert_eq!(m.tasks["a"].state, TaskState::Working);
}

#[test]
fn an_agent_that_never_shows_a_screen_its_profile_reads_is_announced() {
    let mut m = model(1);
    m.policy.delivery.ready_timeout_ms = 5_000;
    update(&mut m, Observation::Tick, 0);
    update(
        &mut m,
        Observation::WorkerStarted {
            worker: 1,
            result: Ok(()),
        },
        0,
    );
    assert_eq!(m.workers[&1].agent, AgentState::Starting);
    assert!(
        events(
            &update(&mut m, Observation::Tick, 4_000),
            EventKind::Waiting
        )
        .is_empty()
    );
    let said = events(
        &update(&mut m, Observation::Tick, 5_100),
        EventKind::Waiting,
    );
    assert_eq!(said.len(), 1, "{said:?}");
    assert!(
        said[0].contains("not at its prompt after 5s"),
        "{}",
        said[0]
    );
    assert!(
        events(
            &update(&mut m, Observation::Tick, 6_000),
            EventKind::Waiting
        )
        .is_empty()
    );
    assert_eq!(
        events(
            &update(&mut m, Observation::Tick, 10_200),
            EventKind::Waiting
        )
        .len(),
        1,
        "again after each timeout"
    );
}

/// A client refused again after the note to go on shows its give-up once more; held for the
/// settle time, with no new screen after that, it is the next limit in a row (found by the
/// real Claude client: the second give-up was resent at once, with no longer wait).
#[test]
fn a_give_up_after_the_note_is_the_next_limit_even_when_it_settles_on_a_tick() {
    let mut m = working(OnWaiting::Remind);
    m.policy.limits.backoff_ms = 1_000;
    m.policy
        .delivery
        .agents
        .get_mut("sim")
        .unwrap()
        .ready_settle_ms = 500;
    let out = update(&mut m, gave_up(1, "API Error: 429", 100), 100);
    assert!(events(&out, EventKind::RateLimit).is_empty(), "{out:?}");
    let out = update(&mut m, Observation::Tick, 700);
    assert!(
        events(&out, EventKind::RateLimit)[0].contains("for 1s"),
        "{out:?}"
    );
    let out = update(&mut m, Observation::Tick, 1_800);
    assert!(events(&out, EventKind::RateLimit)[0].contains("telling the agent to go on"));
    took_note(&mut m);
    let out = update(&mut m, gave_up(1, "API Error: 429", 1_900), 1_900);
    assert!(events(&out, EventKind::RateLimit).is_empty(), "{out:?}");
    let out = update(&mut m, Observation::Tick, 2_500);
    assert!(
        events(&out, EventKind::RateLimit)[0].contains("for 2s"),
        "{out:?}"
    );
}
