//! `czar plan` end to end with the simulated agent: the planner is told (by `sim-run:` lines in
//! the goal, which the sim runs as an agent runs what it is told) to queue three tasks with
//! `czar task add`; they carry the plan's id and their needs, run, and the plan's progress is
//! in `czar status`.

use crate::common::Project;
use crate::support::text;
use std::time::Duration;

const GOAL: &str = "Split the widget work
sim-run: echo 'sim: duration=0.2 touch=out/one.txt' | czar task add --id one --title One --verify true
sim-run: echo 'sim: duration=0.2 touch=out/two.txt' | czar task add --id two --title Two --needs one --verify true
sim-run: echo 'sim: duration=0.2 touch=out/three.txt' | czar task add --id three --title Three --needs one --needs two --verify 'test -f out/three.txt'
";

#[test]
fn a_planner_queues_three_tasks_that_carry_its_plan_and_get_done() {
    let p = Project::new(2, "");
    let out = crate::support::run_within(
        &mut p.czar(&["plan", GOAL, "--agent", "sim", "--auto"]),
        Duration::from_secs(120),
    );
    let printed = text(&out);
    assert_eq!(out.status.code(), Some(0), "{printed}");
    assert!(
        printed.contains("plan split-the-widget-work: its planner is"),
        "{printed}"
    );
    let planner =
        std::fs::read_to_string(p.root.join("tasks/plan-split-the-widget-work.md")).unwrap();
    assert!(planner.contains("kind = \"plan\""), "{planner}");
    assert!(planner.contains("no_changes = true"), "{planner}");
    assert!(planner.contains("You are the planner of plan `split-the-widget-work`"));
    assert!(
        printed.contains(": plan split-the-widget-work: its planner is queued"),
        "{printed}"
    );
    // The plan's end is announced once, by --auto too.
    let finished = ": plan split-the-widget-work: finished: 3 of 3 task(s) landed, 0 failed";
    assert_eq!(printed.matches(finished).count(), 1, "{printed}");
    let status = p.status_json();
    let tasks = status["tasks"].as_array().unwrap();
    let find = |id: &str| tasks.iter().find(|t| t["id"] == id).cloned().unwrap();
    for (id, needs) in [
        ("one", serde_json::json!([])),
        ("two", serde_json::json!(["one"])),
        ("three", serde_json::json!(["one", "two"])),
    ] {
        let t = find(id);
        assert_eq!(t["plan"], "split-the-widget-work", "{t}");
        assert_eq!(t["needs"], needs, "{t}");
        assert_eq!(t["state"], "done", "{t}");
    }
    assert_eq!(find("plan-split-the-widget-work")["state"], "done");
    let plans = status["plans"].as_array().unwrap();
    assert_eq!(plans.len(), 1, "{plans:?}");
    let plan = &plans[0];
    assert_eq!(plan["id"], "split-the-widget-work");
    assert_eq!(plan["planner"], "done");
    assert_eq!(
        (plan["added"].as_u64(), plan["done"].as_u64()),
        (Some(3), Some(3))
    );
    assert!(
        plan["goal"]
            .as_str()
            .unwrap()
            .starts_with("Split the widget work\n")
    );
    let md = p.czar(&["status"]).output().unwrap();
    let md = String::from_utf8_lossy(&md.stdout);
    assert!(
        md.contains("split-the-widget-work (planner done): 3 added, 3 done, 3 landed / 3"),
        "{md}"
    );
}
