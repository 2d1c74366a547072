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
