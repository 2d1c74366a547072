//! `czar --auto` with nobody there to clean the target's checkout: the work is done, but `main`
//! is checked out with uncommitted changes, so no landing can move it. The run ends, non-zero,
//! naming each task and why it waits, instead of waiting for ever; the work stays on the
//! branches, and the next run, once the checkout is clean, lands it.

use crate::common::Project;
use crate::support::{git, text};
use std::time::Duration;

#[test]
fn auto_ends_when_only_landings_on_a_dirty_checkout_are_left_and_the_next_run_lands_them() {
    let p = Project::new(2, "");
    let config = std::fs::read_to_string(p.root.join("czar.toml")).unwrap();
    std::fs::write(
        p.root.join("czar.toml"),
        format!("land = \"merge\"\n{config}"),
    )
    .unwrap();
    for id in ["u1", "u2"] {
        let body = format!("Write out/{id}.txt.\n\nsim: duration=0.3 touch=out/{id}.txt\n");
        p.task(id, &format!("title = \"Task {id}\""), &body);
    }
    // A task that needs a landing that never comes never starts: it must not keep the run up.
    let body = "Write out/u3.txt.\n\nsim: duration=0.3 touch=out/u3.txt\n";
    p.task("u3", "title = \"Task u3\"\nneeds = [\"u1\"]", body);
    std::fs::write(
        p.root.join("README.md"),
        "the operator's edit, not committed\n",
    )
    .unwrap();
    let main_before = git(&p.root, &["rev-parse", "main"]);

    let out = p.run_auto(Duration::from_secs(150));
    let all = text(&out);
    assert_eq!(out.status.code(), Some(1), "{all}");
    assert!(
        all.contains("2 done task(s) could not land"),
        "no word of what did not land:\n{all}"
    );
    for id in ["u1", "u2"] {
        let line = all
            .lines()
            .find(|l| l.trim_start().starts_with(&format!("{id}: ")))
            .unwrap_or_else(|| panic!("{id} is not named:\n{all}"));
        assert!(line.contains("uncommitted changes (README.md)"), "{line}");
        let log = git(
            &p.root,
            &["log", "--format=%s", &format!("main..czar/{id}")],
        );
        assert_eq!(log.lines().count(), 1, "czar/{id} lost its work: {log}");
    }
    assert_eq!(git(&p.root, &["rev-parse", "main"]), main_before);
    let readme = std::fs::read_to_string(p.root.join("README.md")).unwrap();
    assert_eq!(readme, "the operator's edit, not committed\n");

    // The operator commits their edit; the next run lands what was done, then runs u3.
    git(&p.root, &["commit", "-qam", "the operator's edit"]);
    let out = p.run_auto(Duration::from_secs(150));
    assert!(out.status.success(), "{}", text(&out));
    for id in ["u1", "u2", "u3"] {
        let file = p.root.join(format!("out/{id}.txt"));
        assert!(file.exists(), "{id} is not on main:\n{}", text(&out));
    }
    let assigned = p
        .events()
        .iter()
        .filter(|e| e.kind == "assigned" && e.task.as_deref() != Some("u3"))
        .count();
    assert_eq!(assigned, 2, "a done task was given out again");
}
