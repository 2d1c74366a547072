//! The delivery protocol through `update`: nothing pasted into a box that holds text, Enter
//! pressed again only while the text sits there, and a restart anywhere inside a delivery
//! resolved so the text reaches the agent once.

use super::{boot, def, load, model, pasted_text, seen};
use crate::core::command::{Command, EventKind};
use crate::core::delivery::{Step, next_due};
use crate::core::model::{AgentDelivery, AgentState, Input, Model, TaskState};
use crate::core::observation::{Observation, PasteRefused, Prepared};
use crate::core::update;

/// One worker holding task `a`, its delivery begun at `now` (the worker was ready before).
fn begun(now: u64) -> Model {
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
    update(&mut m, obs, now);
    assert_eq!(step(&m), Some(Step::Ready));
    m
}

fn step(m: &Model) -> Option<Step> {
    m.workers[&1].delivery.as_ref().map(|d| d.step)
}

fn delivery_id(m: &Model) -> u64 {
    m.workers[&1].delivery.as_ref().map_or(0, |d| d.id)
}

fn pastes(out: &[Command]) -> usize {
    out.iter()
        .filter(|c| matches!(c, Command::Paste { .. }))
        .count()
}

fn holds(text: &str) -> Input {
    Input::Holds(text.into())
}

fn pasted(m: &mut Model, now: u64) -> Vec<Command> {
    let obs = Observation::Pasted {
        worker: 1,
        delivery: delivery_id(m),
        result: Ok(()),
    };
    update(m, obs, now)
}

fn events(out: &[Command], kind: EventKind) -> Vec<String> {
    out.iter()
        .filter_map(|c| match c {
            Command::Record(e) if e.kind == kind => Some(e.detail.clone()),
            _ => None,
        })
        .collect()
}

#[test]
fn nothing_is_pasted_into_a_box_that_holds_text_it_is_cleared_first() {
    let mut m = begun(10);
    let out = update(&mut m, seen(1, AgentState::Idle, holds("old text"), 11), 11);
    assert_eq!(pastes(&out), 0);
    assert!(out.contains(&Command::ClearInput {
        worker: 1,
        keys: vec!["C-c".into()]
    }));
    assert_eq!(step(&m), Some(Step::Clearing));
    // A screen right after the keys may not show their effect yet: no second press at once.
    let out = update(&mut m, seen(1, AgentState::Idle, holds("old text"), 12), 12);
    assert!(out.is_empty(), "{out:?}");
    let out = update(&mut m, seen(1, AgentState::Idle, Input::Empty, 300), 300);
    let text = pasted_text(&out, 1).expect("pasted once the box is empty");
    assert!(
        text.contains("`czar/a`"),
        "the worker preamble names the branch"
    );
    assert_eq!(step(&m), Some(Step::Pasting));
}

#[test]
fn a_box_that_keeps_its_text_fails_the_delivery_after_a_few_clears() {
    let mut m = begun(10);
    let mut clears = 0;
    let mut failed = Vec::new();
    for i in 0..10u64 {
        let now = 11 + i * 1_000;
        let out = update(&mut m, seen(1, AgentState::Idle, holds("stuck"), now), now);
        clears += out
            .iter()
            .filter(|c| matches!(c, Command::ClearInput { .. }))
            .count();
        assert_eq!(pastes(&out), 0);
        failed = events(&out, EventKind::DeliveryFailed);
        if !failed.is_empty() {
            break;
        }
    }
    assert_eq!(clears, 3);
    assert!(failed[0].contains("still held text"), "{failed:?}");
    // Back to the queue with the attempt counted (and given out again to the idle worker).
    assert_eq!(m.tasks["a"].attempts, 2);
}

#[test]
fn a_screen_read_before_the_delivery_began_does_not_count() {
    let mut m = begun(10);
    let out = update(&mut m, seen(1, AgentState::Idle, Input::Empty, 9), 12);
    assert_eq!(pastes(&out), 0, "read before the delivery began");
    let out = update(&mut m, seen(1, AgentState::Busy, Input::Empty, 11), 12);
    assert_eq!(pastes(&out), 0, "not at its prompt");
    let out = update(&mut m, seen(1, AgentState::Idle, Input::Empty, 13), 13);
    assert_eq!(pastes(&out), 1);
}

#[test]
fn enter_is_pressed_again_only_while_the_text_sits_in_the_box() {
    let mut m = begun(10);
    m.policy.delivery.confirm_ms = 1_000;
    update(&mut m, seen(1, AgentState::Idle, Input::Empty, 11), 11);
    let out = pasted(&mut m, 12);
    let id = delivery_id(&m);
    assert!(out.contains(&Command::Submit {
        worker: 1,
        delivery: id
    }));
    let sub = Observation::Submitted {
        worker: 1,
        delivery: id,
        result: Ok(()),
    };
    assert!(update(&mut m, sub, 13).contains(&Command::ReadScreen { worker: 1 }));
    // The Enter was lost: the text still sits in the box.
    let out = update(
        &mut m,
        seen(1, AgentState::Idle, holds("[Pasted]"), 100),
        100,
    );
    assert!(!out.iter().any(|c| matches!(c, Command::Submit { .. })));
    let out = update(&mut m, Observation::Tick, 1_012);
    assert!(out.contains(&Command::Submit {
        worker: 1,
        delivery: id
    }));
    assert_eq!(events(&out, EventKind::DeliveryStep).len(), 1);
    // Now it went: the box is empty and the agent works.
    let out = update(
        &mut m,
        seen(1, AgentState::Idle, Input::Empty, 1_050),
        1_050,
    );
    assert_eq!(events(&out, EventKind::Delivered).len(), 1);
    assert_eq!(m.tasks["a"].state, TaskState::Working);
    // Seen at its prompt after the submit: idle, counted from the submit (its idle grace
    // starts now, not when it first sat at the prompt).
    assert_eq!(m.workers[&1].agent, AgentState::Idle);
    assert_eq!(m.workers[&1].since, 1_050);
    assert_eq!(step(&m), None);
}

#[test]
fn a_text_the_agent_never_takes_fails_the_delivery_after_the_retries() {
    let mut m = begun(10);
    m.policy.delivery.confirm_ms = 1_000;
    m.policy.delivery.retries = 2;
    update(&mut m, seen(1, AgentState::Idle, Input::Empty, 11), 11);
    pasted(&mut m, 12);
    let mut presses = 1;
    let mut failed = Vec::new();
    for i in 1..10u64 {
        let now = 12 + i * 1_000;
        update(
            &mut m,
            seen(1, AgentState::Idle, holds("x"), now - 1),
            now - 1,
        );
        let out = update(&mut m, Observation::Tick, now);
        presses += out
            .iter()
            .filter(|c| matches!(c, Command::Submit { .. }))
            .count();
        failed = events(&out, EventKind::DeliveryFailed);
        if !failed.is_empty() {
            break;
        }
    }
    assert_eq!(presses, 3, "Enter once, then twice more");
    assert!(failed[0].contains("after 3 presses"), "{failed:?}");
    assert_eq!(m.tasks["a"].attempts, 2);
}

#[test]
fn a_restart_between_paste_and_enter_clears_the_box_and_pastes_once() {
    let mut m = begun(10);
    let out = update(&mut m, seen(1, AgentState::Idle, Input::Empty, 11), 11);
    assert_eq!(pastes(&out), 1);
    assert_eq!(step(&m), Some(Step::Pasting));
    // The czar is killed here; the next one loads this model.
    let out = update(&mut m, Observation::Resumed, 5_000);
    assert_eq!(events(&out, EventKind::Repair).len(), 1);
    assert_eq!(step(&m), Some(Step::Ready));
    // A paste the killed czar started may still land: early screens do not count.
    let out = update(
        &mut m,
        seen(1, AgentState::Idle, Input::Empty, 5_100),
        5_100,
    );
    assert_eq!(pastes(&out), 0);
    // The unsubmitted text sits in the box: cleared, never submitted, then pasted once.
    let out = update(
        &mut m,
        seen(1, AgentState::Idle, holds("[Pasted]"), 6_600),
        6_600,
    );
    assert_eq!(pastes(&out), 0);
    assert!(out.iter().any(|c| matches!(c, Command::ClearInput { .. })));
    let out = update(
        &mut m,
        seen(1, AgentState::Idle, Input::Empty, 6_700),
        6_700,
    );
    assert_eq!(pastes(&out), 1);
    let out = pasted(&mut m, 6_701);
    assert!(out.iter().any(|c| matches!(c, Command::Submit { .. })));
}

#[test]
fn a_restart_after_enter_looks_before_it_does_anything() {
    let mut m = begun(10);
    update(&mut m, seen(1, AgentState::Idle, Input::Empty, 11), 11);
    pasted(&mut m, 12);
    assert_eq!(step(&m), Some(Step::Submitting));
    update(&mut m, Observation::Resumed, 5_000);
    assert_eq!(step(&m), Some(Step::Submitting));
    // The agent took it before the kill: confirmed, nothing pasted or pressed again.
    let out = update(
        &mut m,
        seen(1, AgentState::Busy, Input::Empty, 6_600),
        6_600,
    );
    assert_eq!(pastes(&out), 0);
    assert!(!out.iter().any(|c| matches!(c, Command::Submit { .. })));
    assert_eq!(m.tasks["a"].state, TaskState::Working);
}

#[test]
fn a_box_the_profile_cannot_read_is_submitted_never_pasted_again_after_a_restart() {
    let mut m = begun(10);
    m.policy.delivery.agents.insert(
        "sim".into(),
        AgentDelivery {
            settle_ms: 0,
            reads_input: false,
            ..AgentDelivery::default()
        },
    );
    update(&mut m, seen(1, AgentState::Idle, Input::Unknown, 11), 11);
    update(&mut m, Observation::Resumed, 5_000);
    assert_eq!(step(&m), Some(Step::Pasted));
    let mut out = update(&mut m, Observation::Tick, 5_100);
    assert!(
        out.is_empty(),
        "waits for a paste the killed czar started: {out:?}"
    );
    out = update(&mut m, Observation::Tick, 6_500);
    assert!(out.iter().any(|c| matches!(c, Command::Submit { .. })));
    assert_eq!(pastes(&out), 0);
}

#[test]
fn a_paste_refused_because_the_agent_switched_branches_goes_back_to_the_queue() {
    let mut m = begun(10);
    update(&mut m, seen(1, AgentState::Idle, Input::Empty, 11), 11);
    let obs = Observation::Pasted {
        worker: 1,
        delivery: delivery_id(&m),
        result: Err(PasteRefused::WrongBranch {
            on: Some("feature".into()),
        }),
    };
    let out = update(&mut m, obs, 12);
    let failed = events(&out, EventKind::DeliveryFailed);
    assert!(failed[0].contains("on feature"), "{failed:?}");
    assert_eq!(step(&m), None);
    // Back in the queue, and given out again (to the same idle worker) in the same step.
    assert_eq!(m.tasks["a"].attempts, 2);
    assert_eq!(m.tasks["a"].state, TaskState::Assigned);
}

#[test]
fn a_shell_gets_the_task_text_alone() {
    let mut m = model(1);
    let mut sh = def("a", &[], None);
    sh.body = "echo hi > f && git add f && git commit -qm f\n".into();
    load(&mut m, vec![sh.clone()], 0);
    m.policy.delivery.agents.insert(
        "sim".into(),
        AgentDelivery {
            settle_ms: 0,
            preamble: false,
            ..AgentDelivery::default()
        },
    );
    boot(&mut m, 1);
    let prepared = Prepared {
        ahead: 0,
        tip: "s".into(),
    };
    let obs = Observation::BranchPrepared {
        worker: 1,
        task: "a".into(),
        result: Ok(prepared),
    };
    update(&mut m, obs, 2);
    let out = update(&mut m, seen(1, AgentState::Idle, Input::Unknown, 3), 3);
    assert_eq!(pasted_text(&out, 1), Some(sh.body));
}

#[test]
fn timers_wake_the_engine_when_a_step_has_something_to_do() {
    let mut m = begun(10);
    assert_eq!(next_due(&m), Some(10 + 1_000), "ask for a screen again");
    update(&mut m, seen(1, AgentState::Idle, Input::Empty, 11), 11);
    assert_eq!(
        next_due(&m),
        Some(11 + 30_000),
        "a paste whose outcome never came"
    );
    m.policy.delivery.agents.get_mut("sim").unwrap().settle_ms = 300;
    let obs = Observation::Pasted {
        worker: 1,
        delivery: delivery_id(&m),
        result: Ok(()),
    };
    update(&mut m, obs, 20);
    assert_eq!(next_due(&m), Some(320), "Enter once the paste settled");
    update(&mut m, Observation::Tick, 320);
    assert_eq!(step(&m), Some(Step::Submitting));
}

#[test]
fn a_fresh_agent_gets_its_text_only_after_staying_at_its_prompt_for_ready_settle_ms() {
    // Gemini CLI draws its prompt about 200 ms before its folder-trust dialog.
    let mut m = model(1);
    m.policy
        .delivery
        .agents
        .get_mut("sim")
        .unwrap()
        .ready_settle_ms = 1_000;
    load(&mut m, vec![def("a", &[], None)], 0);
    boot(&mut m, 100);
    let prepared = Prepared {
        ahead: 0,
        tip: "start".into(),
    };
    let obs = Observation::BranchPrepared {
        worker: 1,
        task: "a".into(),
        result: Ok(prepared),
    };
    update(&mut m, obs, 150);
    assert_eq!(step(&m), Some(Step::Ready));
    let out = update(&mut m, seen(1, AgentState::Idle, Input::Empty, 200), 200);
    assert_eq!(pastes(&out), 0, "at its prompt only 100 ms");
    update(
        &mut m,
        seen(1, AgentState::Waiting, Input::Hidden, 300),
        300,
    );
    let out = update(&mut m, seen(1, AgentState::Idle, Input::Empty, 400), 400);
    assert_eq!(pastes(&out), 0, "back at its prompt only now");
    let out = update(
        &mut m,
        seen(1, AgentState::Idle, Input::Empty, 1_400),
        1_400,
    );
    assert_eq!(pastes(&out), 1, "{out:?}");
}
