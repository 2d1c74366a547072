//! Bad input: exit code 2, a message naming the file and the key or line, nothing started.

use crate::common::Project;
use crate::support::text;
use std::time::Duration;

fn assert_nothing_started(p: &Project) {
    assert!(
        p.tmux(&["list-sessions"]).is_none(),
        "a tmux session was started"
    );
    assert!(
        !p.root.parent().unwrap().join("wt").exists(),
        "a worktree was made"
    );
}

#[test]
fn an_unknown_config_key_names_file_line_and_key() {
    let p = Project::new(1, "");
    let cfg = p.root.join("czar.toml");
    let text0 = std::fs::read_to_string(&cfg).unwrap();
    std::fs::write(&cfg, text0.replace("workers = 1", "workerz = 1")).unwrap();
    p.task("a", "title = \"A\"", "x\n");
    let out = p.run_auto(Duration::from_secs(30));
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("czar.toml:2"), "{err}");
    assert!(err.contains("workerz"), "{err}");
    assert_nothing_started(&p);
}

#[test]
fn a_bad_value_type_names_the_key() {
    let p = Project::new(1, "");
    let cfg = p.root.join("czar.toml");
    let text0 = std::fs::read_to_string(&cfg).unwrap();
    std::fs::write(&cfg, text0.replace("poll_ms = 200", "poll_ms = \"fast\"")).unwrap();
    let out = p.run_auto(Duration::from_secs(30));
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("czar.toml") && err.contains("timing.poll_ms"),
        "{err}"
    );
    assert_nothing_started(&p);
}

#[test]
fn a_malformed_task_file_names_file_and_line_and_nothing_starts() {
    let p = Project::new(1, "");
    p.task("good", "title = \"Good\"", "x\n");
    p.task("bad", "title = \"Bad\"\nprio = 3", "x\n");
    let out = p.run_auto(Duration::from_secs(30));
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("bad.md:3") && err.contains("prio"), "{err}");
    assert_nothing_started(&p);
}

#[test]
fn a_dependency_cycle_names_the_tasks() {
    let p = Project::new(1, "");
    p.task("x", "title = \"X\"\nneeds = [\"y\"]", "x\n");
    p.task("y", "title = \"Y\"\nneeds = [\"x\"]", "y\n");
    let out = p.run_auto(Duration::from_secs(30));
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("\"x\"") && err.contains("\"y\"") && err.contains("cycle"),
        "{err}"
    );
    assert_nothing_started(&p);
}

#[test]
fn a_bad_cli_argument_exits_2() {
    let p = Project::new(1, "");
    let out = p
        .czar(&["task", "add", "--priority", "high", "--title", "t"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--priority"));
}

#[test]
fn a_task_naming_an_unknown_agent_profile_is_refused_before_anything_starts() {
    let p = Project::new(1, "");
    p.task("x", "title = \"X\"\nagent = \"clade\"", "x\n");
    let out = p.run_auto(Duration::from_secs(30));
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("x.md:3: agent") && err.contains("\"clade\""),
        "{err}"
    );
    assert_nothing_started(&p);
}
