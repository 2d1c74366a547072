//! Plans in the queue: the planner goes first, and a plan that finishes says so once.

use super::{def, load, model};
use crate::core::command::{Command, EventKind};
use crate::core::model::{LandMode, LandRecord, Landing, Model, Task, TaskDef, TaskState};
use crate::core::observation::Observation;
use crate::core::plan::finished;
use crate::core::queue::ready_tasks;
use crate::core::update;

fn in_plan(id: &str, planner: bool) -> TaskDef {
    TaskDef {
        plan: Some("p1".into()),
        planner,
        ..def(id, &[], None)
    }
}

fn plan_events(out: &[Command]) -> Vec<String> {
    out.iter()
        .filter_map(|c| match c {
            Command::Record(e) if e.kind == EventKind::Plan => Some(e.detail.clone()),
            _ => None,
        })
        .collect()
}

fn put(m: &mut Model, def: TaskDef, state: TaskState) {
    let mut t = Task::new(def, 0);
    t.state = state;
    m.tasks.insert(t.def.id.clone(), t);
}

#[test]
fn a_plans_planner_goes_before_tasks_of_higher_priority() {
    let mut m = model(0);
    let mut urgent = def("urgent", &[], None);
    urgent.priority = 9;
    let mut planner = in_plan("plan-p1", true);
    planner.priority = 0;
    load(&mut m, vec![urgent, planner], 0);
    assert_eq!(ready_tasks(&m), ["plan-p1", "urgent"]);
}

#[test]
fn a_plan_that_finishes_is_announced_once() {
    let mut m = model(0);
    put(&mut m, in_plan("plan-p1", true), TaskState::Done);
    put(&mut m, in_plan("a", false), TaskState::Done);
    // b needs x, which failed: this update fails b as doomed, and that finishes the plan.
    put(&mut m, def("x", &[], None), TaskState::Failed);
    put(&mut m, in_plan("b", false), TaskState::Pending);
    m.tasks.get_mut("b").unwrap().def.needs = vec!["x".into()];
    let said = plan_events(&update(&mut m, Observation::Tick, 1));
    assert_eq!(m.tasks["b"].state, TaskState::Failed);
    assert_eq!(said, ["p1: finished: 1 of 2 task(s) landed, 1 failed"]);
    let again = plan_events(&update(&mut m, Observation::Tick, 2));
    assert!(again.is_empty(), "announced once: {again:?}");
}

#[test]
fn a_plan_restored_already_finished_is_not_announced_again() {
    let mut m = model(0);
    put(&mut m, in_plan("plan-p1", true), TaskState::Done);
    put(&mut m, in_plan("a", false), TaskState::Done);
    assert!(finished(&m).contains("p1"));
    let out = update(&mut m, Observation::Tick, 1);
    assert!(plan_events(&out).is_empty(), "{out:?}");
}

#[test]
fn a_plan_is_not_finished_while_a_done_task_waits_to_land_or_its_planner_runs() {
    let mut m = model(0);
    m.policy.land.mode = LandMode::Merge;
    put(&mut m, in_plan("plan-p1", true), TaskState::Working);
    put(&mut m, in_plan("a", false), TaskState::Done);
    assert!(finished(&m).is_empty(), "its planner still works");
    m.tasks.get_mut("plan-p1").unwrap().state = TaskState::Done;
    assert!(finished(&m).is_empty(), "a is done, not landed");
    m.tasks.get_mut("a").unwrap().land = Some(LandRecord {
        state: Landing::Landed {
            commit: "c".into(),
            from: "f".into(),
            at: 1,
        },
        ..LandRecord::default()
    });
    assert!(finished(&m).contains("p1"));
}

#[test]
fn a_plan_whose_planner_failed_adding_nothing_is_finished() {
    let mut m = model(0);
    put(&mut m, def("x", &[], None), TaskState::Failed);
    let mut planner = in_plan("plan-p1", true);
    planner.needs = vec!["x".into()];
    put(&mut m, planner, TaskState::Pending);
    let said = plan_events(&update(&mut m, Observation::Tick, 1));
    assert_eq!(
        said,
        ["p1: finished: 0 of 0 task(s) landed, 0 failed; its planner failed"]
    );
}
