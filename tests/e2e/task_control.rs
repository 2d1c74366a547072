//! `czar task ls|show|rm|hold|release|retry|priority|edit` end to end: straight onto the store
//! when no czar runs, through the inbox to a running one.

use crate::background::{Running, wait_until};
use crate::common::Project;
use crate::support::text;
use std::process::Output;

fn task(p: &Project, args: &[&str]) -> Output {
    let mut all = vec!["task"];
    all.extend_from_slice(args);
    p.czar(&all).output().unwrap()
}

fn ok(p: &Project, args: &[&str]) -> String {
    let out = task(p, args);
    assert!(out.status.success(), "czar task {args:?}: {}", text(&out));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn listed(p: &Project) -> serde_json::Value {
    serde_json::from_str(&ok(p, &["ls", "--json"])).unwrap()
}

fn field(p: &Project, id: &str, key: &str) -> serde_json::Value {
    listed(p)
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["id"] == id)
        .map(|t| t[key].clone())
        .unwrap_or(serde_json::Value::Null)
}

#[test]
fn tasks_are_held_cancelled_retried_and_reprioritised_with_no_czar_running() {
    let p = Project::new(1, "");
    for id in ["a", "b", "c"] {
        p.task(id, &format!("title = \"Task {id}\""), "Write it.\n");
    }
    assert_eq!(listed(&p).as_array().unwrap().len(), 3);

    let out = ok(&p, &["hold", "a", "--note", "waits for the API"]);
    assert_eq!(out.trim(), "hold a: held");
    assert_eq!(field(&p, "a", "state"), "held");
    let shown = ok(&p, &["show", "a"]);
    assert!(shown.contains("held (waits for the API)"), "{shown}");
    assert!(shown.contains("operator"), "the operator recorded: {shown}");

    ok(&p, &["rm", "b"]);
    assert_eq!(field(&p, "b", "state"), "failed");
    assert_eq!(field(&p, "b", "reason"), "cancelled by the operator");
    ok(&p, &["retry", "b"]);
    assert_eq!(field(&p, "b", "state"), "pending");

    let refused = task(&p, &["retry", "c"]);
    assert_eq!(refused.status.code(), Some(2), "{}", text(&refused));
    assert!(text(&refused).contains("only a failed task can be retried"));
    let unknown = task(&p, &["hold", "zzz"]);
    assert_eq!(unknown.status.code(), Some(2));

    ok(&p, &["priority", "c", "-4"]);
    assert_eq!(field(&p, "c", "priority"), -4);
    let file = std::fs::read_to_string(p.root.join("tasks/c.md")).unwrap();
    assert!(
        file.contains("priority = -4\n") && file.ends_with("Write it.\n"),
        "{file}"
    );

    ok(&p, &["release", "a"]);
    assert_eq!(field(&p, "a", "state"), "pending");
    let events = p.events();
    let ops: Vec<&str> = events
        .iter()
        .filter(|e| e.kind == "operator")
        .map(|e| e.detail.as_str())
        .collect();
    assert_eq!(
        ops,
        vec![
            "hold a: waits for the API",
            "cancel b",
            "retry b",
            "priority of c to -4",
            "release a"
        ]
    );
}

#[test]
fn edit_keeps_a_bad_draft_and_saves_a_good_one() {
    let p = Project::new(1, "");
    p.task("a", "title = \"Task a\"\npriority = 1", "Write it.\n");
    let edit = |editor: &str| {
        let mut c = p.czar(&["task", "edit", "a"]);
        c.env("EDITOR", editor);
        c.output().unwrap()
    };
    // An editor that breaks the priority, and breaks it the same way when shown the error.
    let out = edit("sed -i s/^priority.*/priority=\"x\"/");
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(text(&out).contains("draft is kept"), "{}", text(&out));
    let draft = p.root.join(".czar/edit-a.md");
    let kept = std::fs::read_to_string(&draft).unwrap();
    assert!(kept.contains("# czar: this draft was not saved:"), "{kept}");
    let file = std::fs::read_to_string(p.root.join("tasks/a.md")).unwrap();
    assert!(
        file.contains("priority = 1"),
        "the task file is untouched: {file}"
    );
    // The next edit starts from the kept draft; this one fixes it.
    let out = edit("sed -i s/^priority.*/priority=7/");
    assert!(out.status.success(), "{}", text(&out));
    let file = std::fs::read_to_string(p.root.join("tasks/a.md")).unwrap();
    assert!(
        file.contains("priority=7") && !file.contains("czar:"),
        "{file}"
    );
    assert!(!draft.exists());
}

#[test]
fn a_running_czar_takes_hold_and_release_through_the_inbox() {
    let p = Project::new(1, "");
    p.task(
        "slow",
        "title = \"Slow\"",
        "Write slow.txt.\n\nsim: duration=3 touch=slow.txt\n",
    );
    let _czar = Running::start(p.czar(&["--auto", "--watch"]));
    wait_until("the task being worked on", 30, || {
        field(&p, "slow", "state") == "working"
    });
    let out = ok(&p, &["hold", "slow", "--note", "not now"]);
    assert!(out.contains("sent to the running czar"), "{out}");
    wait_until("the czar to hold it", 15, || {
        field(&p, "slow", "state") == "held"
    });
    // Held: no worker takes it again, however long the agent takes to stop.
    std::thread::sleep(std::time::Duration::from_secs(4));
    assert_eq!(field(&p, "slow", "state"), "held");
    ok(&p, &["release", "slow"]);
    wait_until("the released task done", 60, || {
        field(&p, "slow", "state") == "done"
    });
    let events = p.events();
    assert!(
        events
            .iter()
            .any(|e| e.kind == "held" && e.detail == "not now"),
        "{events:?}"
    );
}
