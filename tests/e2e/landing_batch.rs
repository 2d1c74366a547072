//! Landing in batches against real git: four ready tasks merged together, one of which breaks
//! `land_verify` on the merged result; the batch is split until that one is alone, the other
//! three land, and the culprit goes back to its agent (and, as it cannot fix it, fails with its
//! branch kept).

use crate::common::Project;
use crate::support::{git, text, wait_output};
use std::time::{Duration, Instant};

#[test]
fn one_task_in_a_batch_of_four_failing_land_verify_is_found_alone_and_the_others_land() {
    let p = Project::new(5, "max_land_attempts = 1\n");
    let gate = p.root.join("../gate");
    let config = std::fs::read_to_string(p.root.join("czar.toml")).unwrap();
    // The first landing waits at the gate until the four others are done, so they land as one
    // batch; `d`'s file is what the project's check refuses.
    let verify = format!(
        "while [ ! -e {} ]; do sleep 0.1; done; test ! -e out/d.txt",
        gate.display()
    );
    let head = format!("land = \"merge\"\nland_batch = 4\nland_verify = {verify:?}\n");
    std::fs::write(p.root.join("czar.toml"), format!("{head}{config}")).unwrap();
    p.task("a", "title = \"A\"", "sim: duration=0.2 touch=out/a.txt\n");
    for id in ["b", "c", "d", "e"] {
        let body = format!("sim: duration=2 touch=out/{id}.txt\n");
        p.task(id, &format!("title = \"{}\"", id.to_uppercase()), &body);
    }
    let child = p
        .czar(&["--auto"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let start = Instant::now();
    loop {
        let s = p.status_json();
        let done = s["tasks"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|t| t["state"] == "done")
            .count();
        if done == 5 {
            break;
        }
        assert!(start.elapsed() < Duration::from_secs(60), "{s:#}");
        std::thread::sleep(Duration::from_millis(200));
    }
    std::fs::write(&gate, "").unwrap();
    let out = wait_output(child, Duration::from_secs(120));
    let events = p.events();
    let details: Vec<String> = events
        .iter()
        .map(|e| format!("{} {:?} {}", e.kind, e.task, e.detail))
        .collect();
    let said = |what: &str| details.iter().any(|d| d.contains(what));
    // The four in the order they were done.
    let batch = details
        .iter()
        .find(|d| d.contains("merging a batch of 4 onto main: "))
        .unwrap_or_else(|| panic!("no batch of 4: {details:#?}\n{}", text(&out)));
    for id in ["b", "c", "d", "e"] {
        assert!(batch.contains(id), "{batch}");
    }
    assert!(said("split into batches of at most 2"), "{details:#?}");
    assert!(said("split into batches of at most 1"), "{details:#?}");
    let status = p.status_json();
    let task = |id: &str| {
        status["tasks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["id"] == id)
            .cloned()
            .unwrap()
    };
    for id in ["a", "b", "c", "e"] {
        assert_eq!(task(id)["landing"]["state"], "landed", "{id}: {status:#}");
        let file = format!("out/{id}.txt");
        assert_eq!(
            git(&p.root, &["ls-tree", "--name-only", "main", &file]).trim(),
            file
        );
    }
    // The culprit alone failed the check: back to its agent once, then failed, its branch kept.
    let d = task("d");
    assert_eq!(d["state"], "failed", "{d:#}");
    assert_eq!(
        git(&p.root, &["ls-tree", "--name-only", "main", "out/d.txt"]).trim(),
        ""
    );
    assert!(
        !git(&p.root, &["rev-parse", "--verify", "czar/d"])
            .trim()
            .is_empty()
    );
    let returned: Vec<&String> = details
        .iter()
        .filter(|d| d.starts_with("land_verify_failed"))
        .collect();
    assert!(
        !returned.is_empty() && returned.iter().all(|d| d.contains("Some(\"d\")")),
        "only d goes back: {returned:#?}"
    );
}

/// `a` lands first, alone, held at the gate until `b`..`e` are done; they then land as one
/// batch. `land_verify` passes.
fn gated_project(workers: u32) -> (Project, std::path::PathBuf) {
    let p = Project::new(workers, "");
    let gate = p.root.join("../gate");
    let config = std::fs::read_to_string(p.root.join("czar.toml")).unwrap();
    let verify = format!("while [ ! -e {} ]; do sleep 0.1; done", gate.display());
    let head = format!("land = \"merge\"\nland_batch = 4\nland_verify = {verify:?}\n");
    std::fs::write(p.root.join("czar.toml"), format!("{head}{config}")).unwrap();
    p.task("a", "title = \"A\"", "sim: duration=0.2 touch=out/a.txt\n");
    for id in ["b", "c", "d", "e"] {
        let body = format!("sim: duration=2 touch=out/{id}.txt\n");
        p.task(id, &format!("title = \"{}\"", id.to_uppercase()), &body);
    }
    (p, gate)
}

fn wait_all_done(p: &Project, n: usize) {
    let start = Instant::now();
    loop {
        let s = p.status_json();
        let done = s["tasks"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|t| t["state"] == "done")
            .count();
        if done == n {
            return;
        }
        assert!(start.elapsed() < Duration::from_secs(60), "{s:#}");
        std::thread::sleep(Duration::from_millis(200));
    }
}

#[test]
fn kills_during_a_batchs_merge_verify_and_ref_update_never_land_twice_or_unverified() {
    use std::os::unix::process::ExitStatusExt;
    let (p, gate) = gated_project(5);
    // Dies in the batch's merge (the second landing's); the next czars in its verify (redone
    // from the merge) and right after its ref moved; the last runs to the end.
    let spawn = |fault: Option<&str>| {
        let mut c = p.czar(&["--auto"]);
        match fault {
            Some(f) => c.env("CZAR_FAULT", f),
            None => c.env_remove("CZAR_FAULT"),
        };
        c.stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap()
    };
    let mut child = spawn(Some("land-merge:2"));
    wait_all_done(&p, 5);
    std::fs::write(&gate, "").unwrap();
    let main_before = git(&p.root, &["rev-parse", "main"]);
    for fault in [Some("land-verify:1"), Some("land-ref:1"), None] {
        let ended = crate::support::wait_exit(&mut child, Duration::from_secs(60));
        assert!(ended.is_some(), "the czar did not reach its fault");
        let st = child.try_wait().unwrap().unwrap();
        assert_eq!(st.signal(), Some(9), "not killed at its fault: {st:?}");
        // Between kills: no task landed twice, and main is where a passed landing put it.
        let events = p.events();
        let mut seen = std::collections::BTreeSet::new();
        for e in events.iter().filter(|e| e.kind == "landed") {
            assert!(seen.insert(e.task.clone()), "{:?} landed twice", e.task);
        }
        let main = git(&p.root, &["rev-parse", "main"]);
        let landed_at: Vec<String> = events
            .iter()
            .filter(|e| e.kind == "landed")
            .map(|e| e.detail.clone())
            .collect();
        // Right after the batch's ref moved, main is at what its verified merge made.
        let store = czar::adapters::store::Store::open(&p.root.join(".czar")).unwrap();
        let (tasks, _) = store.load().unwrap();
        let moving = tasks.values().any(|t| {
            matches!(t.land.as_ref().map(|l| &l.state),
                Some(czar::core::model::Landing::Moving { to, .. }) if to == main.trim())
        });
        assert!(
            main == main_before || landed_at.iter().any(|d| d.contains(main.trim())) || moving,
            "main at {main} that no passed landing put it at: {landed_at:#?}"
        );
        child = spawn(fault);
    }
    let out = wait_output(child, Duration::from_secs(120));
    assert!(out.status.success(), "{}", text(&out));
    let events = p.events();
    let batches: Vec<&str> = events
        .iter()
        .filter(|e| e.detail.starts_with("merging a batch of 4"))
        .map(|e| e.detail.as_str())
        .collect();
    assert!(!batches.is_empty(), "no batch: {events:#?}");
    let mut seen = std::collections::BTreeSet::new();
    for e in events.iter().filter(|e| e.kind == "landed") {
        assert!(seen.insert(e.task.clone()), "{:?} landed twice", e.task);
    }
    assert_eq!(seen.len(), 5, "{events:#?}");
    for id in ["a", "b", "c", "d", "e"] {
        let file = format!("out/{id}.txt");
        let on_main = git(&p.root, &["ls-tree", "--name-only", "main", &file]);
        assert_eq!(on_main.trim(), file);
    }
    // main moved twice: a alone, then the batch.
    let log = git(
        &p.root,
        &["reflog", "show", "--format=%gs", "refs/heads/main"],
    );
    assert_eq!(log.lines().count(), 3, "{log}");
}
