//! `czar --auto` end to end: real tmux, real git, the simulated agent.

use crate::common::Project;
use crate::support::{git, text};
use std::collections::BTreeMap;
use std::time::Duration;

#[test]
fn three_workers_eight_tasks_two_chains_all_done_in_order_none_twice() {
    let p = Project::new(3, "");
    // Chains a1 -> a2 -> a3 and b1 -> b2; c1..c3 free.
    let tasks: [(&str, &str); 8] = [
        ("a1", ""),
        ("a2", "needs = [\"a1\"]"),
        ("a3", "needs = [\"a2\"]\nverify = \"test -s out/a3.txt\""),
        ("b1", ""),
        ("b2", "needs = [\"b1\"]"),
        ("c1", "priority = 3"),
        ("c2", ""),
        ("c3", ""),
    ];
    for (id, front) in tasks {
        let body = format!("Write out/{id}.txt.\n\nsim: duration=0.4 touch=out/{id}.txt\n");
        p.task(id, &format!("title = \"Task {id}\"\n{front}"), &body);
    }
    let out = p.run_auto(Duration::from_secs(120));
    assert!(
        out.status.success(),
        "exit {:?}\n{}",
        out.status,
        text(&out)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("TASK") && stdout.contains("OUTCOME"),
        "summary table missing:\n{stdout}"
    );

    let events = p.events();
    let at = |kind: &str, task: &str| -> Vec<u64> {
        events
            .iter()
            .filter(|e| e.kind == kind && e.task.as_deref() == Some(task))
            .map(|e| e.at)
            .collect()
    };
    // What each task stacks on (landing is off): the branch of the task it needs, else main.
    let on = |id: &str| match id {
        "a2" => "czar/a1".to_string(),
        "a3" => "czar/a2".to_string(),
        "b2" => "czar/b1".to_string(),
        _ => "main".to_string(),
    };
    for (id, _) in tasks {
        assert_eq!(at("assigned", id).len(), 1, "{id} was given more than once");
        assert_eq!(at("done", id).len(), 1, "{id} was not done exactly once");
        // Each task's branch carries its own commit with its file on top of what it stacks on,
        // and nothing of the others'.
        let log = git(
            &p.root,
            &["log", "--format=%s", &format!("{}..czar/{id}", on(id))],
        );
        assert_eq!(log.lines().count(), 1, "czar/{id}: {log}");
        let files = git(
            &p.root,
            &["diff", "--name-only", &format!("{}...czar/{id}", on(id))],
        );
        assert_eq!(files.trim(), format!("out/{id}.txt"));
        let base = git(&p.root, &["merge-base", &on(id), &format!("czar/{id}")]);
        assert_eq!(
            base.trim(),
            git(&p.root, &["rev-parse", &on(id)]).trim(),
            "{id} does not start from {}",
            on(id)
        );
    }
    for (before, after) in [("a1", "a2"), ("a2", "a3"), ("b1", "b2")] {
        let done = at("done", before)[0];
        let assigned = at("assigned", after)[0];
        assert!(
            assigned >= done,
            "{after} started at {assigned}, before {before} was done at {done}"
        );
    }
    // Never two workers on one task: every assignment names a distinct task per worker hold.
    let mut holder: BTreeMap<u32, String> = BTreeMap::new();
    for e in &events {
        match e.kind.as_str() {
            "assigned" => {
                let w = e.worker.unwrap();
                let task = e.task.clone().unwrap();
                assert!(!holder.values().any(|t| *t == task), "{task} held twice");
                assert!(
                    holder.insert(w, task).is_none(),
                    "worker {w} given a second task"
                );
            }
            "done" | "failed" | "requeued" => {
                holder.retain(|_, t| Some(t.as_str()) != e.task.as_deref());
            }
            _ => {}
        }
    }
    let status = p.status_json();
    let states: Vec<&str> = status["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["state"].as_str().unwrap())
        .collect();
    assert_eq!(states, vec!["done"; 8]);
}

#[test]
fn a_100_kb_task_with_shell_and_key_names_arrives_byte_exact() {
    let p = Project::new(1, "");
    let records = p.root.parent().unwrap().join("records");
    std::fs::create_dir_all(&records).unwrap();
    let extra = format!(
        "\n[agents.sim]\ncommand = [\"{{czar}}\", \"sim-agent\", \"--record-dir\", \"{}\"]\n",
        records.display()
    );
    std::fs::OpenOptions::new()
        .append(true)
        .open(p.root.join("czar.toml"))
        .and_then(|mut f| std::io::Write::write_all(&mut f, extra.as_bytes()))
        .unwrap();
    let mut body = String::new();
    let piece = "Quote \"double\" and 'single'; $(rm -rf ~) `id` ; back\\slash \\n Enter C-c\tTab\n\n\
                 non-ASCII: é 日本語 🚀 ünïcödé\n";
    while body.len() < 100 * 1024 {
        body.push_str(piece);
    }
    body.push_str("sim: duration=0.2 touch=big.txt\n");
    p.task("big", "title = \"Big task\"", &body);
    let out = p.run_auto(Duration::from_secs(120));
    assert!(out.status.success(), "{}", text(&out));
    let received = std::fs::read(records.join("received-1.txt")).unwrap();
    assert!(received.len() > body.len());
    assert!(
        received.ends_with(body.as_bytes()),
        "the task text did not arrive byte-exact"
    );
    assert!(
        String::from_utf8_lossy(&received).starts_with("You are worker 1"),
        "preamble missing"
    );
    assert!(
        !records.join("received-2.txt").exists(),
        "the task was submitted twice"
    );
}

#[test]
fn a_failing_verify_fails_the_task_and_its_dependent_with_reasons() {
    let p = Project::new(1, "max_verify_attempts = 2\n");
    p.task(
        "bad",
        "title = \"Bad\"\nverify = \"echo nope-from-verify; exit 1\"",
        "sim: duration=0.2\n",
    );
    p.task(
        "after",
        "title = \"After\"\nneeds = [\"bad\"]",
        "sim: duration=0.2\n",
    );
    let out = p.run_auto(Duration::from_secs(120));
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("failed: verify failed 2 times"), "{stdout}");
    assert!(
        stdout.contains("failed: it needs `bad`, which failed"),
        "{stdout}"
    );
}

#[test]
fn in_a_chain_the_next_task_starts_within_a_second_of_verified_done() {
    let p = Project::new(2, "");
    p.task(
        "a",
        "title = \"A\"\nverify = \"test -s out/a.txt\"",
        "sim: duration=0.3 touch=out/a.txt\n",
    );
    p.task(
        "b",
        "title = \"B\"\nneeds = [\"a\"]\nverify = \"test -s out/b.txt\"",
        "sim: duration=0.3 touch=out/b.txt\n",
    );
    p.task(
        "c",
        "title = \"C\"\nneeds = [\"b\"]",
        "sim: duration=0.3 touch=out/c.txt\n",
    );
    let out = p.run_auto(Duration::from_secs(120));
    assert!(out.status.success(), "{}", text(&out));
    let events = p.events();
    let at = |kind: &str, task: &str| {
        events
            .iter()
            .find(|e| e.kind == kind && e.task.as_deref() == Some(task))
            .map(|e| e.at)
            .unwrap_or_else(|| panic!("no {kind} event for {task}"))
    };
    for (first, next) in [("a", "b"), ("b", "c")] {
        let done = at("done", first);
        let assigned = at("assigned", next);
        assert!(assigned >= done, "{next} before {first} was done");
        assert!(
            assigned - done <= 1000,
            "{next} started {} ms after {first} was verified done",
            assigned - done
        );
    }
}

#[test]
fn two_workers_on_the_same_file_raise_an_overlap_and_a_predicted_conflict() {
    let p = Project::new(2, "");
    for id in ["left", "right"] {
        // verify keeps each task active for a while after its commit, so both are live at once.
        let front = format!("title = \"{id}\"\nverify = \"sleep 7\"");
        p.task(
            id,
            &front,
            &format!("sim: duration=0.5 touch=shared.txt say={id}\n"),
        );
    }
    let out = p.run_auto(Duration::from_secs(120));
    assert!(out.status.success(), "{}", text(&out));
    let events = p.events();
    let first = |kind: &str| {
        events
            .iter()
            .find(|e| e.kind == kind)
            .unwrap_or_else(|| panic!("no {kind} event"))
    };
    let overlap = first("overlap");
    assert!(overlap.detail.contains("shared.txt"), "{}", overlap.detail);
    let conflict = events
        .iter()
        .find(|e| {
            e.kind == "conflict"
                && e.detail.contains("czar/left")
                && e.detail.contains("czar/right")
        })
        .expect("no conflict predicted between the two branches");
    assert!(
        conflict.detail.contains("shared.txt"),
        "{}",
        conflict.detail
    );
    let done_first = events
        .iter()
        .filter(|e| e.kind == "done")
        .map(|e| e.at)
        .min()
        .unwrap();
    assert!(
        overlap.at < done_first && conflict.at < done_first,
        "raised only after a task was done"
    );
    let dup = events
        .iter()
        .rev()
        .find(|e| e.kind == "duplication")
        .expect("no duplication figure");
    assert!(dup.detail.starts_with("1 of 1"), "{}", dup.detail);
}
