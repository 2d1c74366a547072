//! `czar doctor` asks each agent its version as a worker would run it: with the profile's
//! environment (whose values never show in the report), in a process group of its own that is
//! ended when it does not answer.

use crate::background::wait_until;
use crate::common::Project;
use crate::doctor::{check, doctor, report};
use crate::support::text;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

/// An executable script in `dir`.
fn script(dir: &Path, name: &str, body: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, format!("#!/bin/sh\n{body}")).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    path.display().to_string()
}

#[test]
fn versions_are_asked_with_the_agents_environment_and_its_values_never_shown() {
    let bin = tempfile::tempdir().unwrap();
    let leaky = script(bin.path(), "leaky", "echo \"leaky 1.0 key=$LEAKY_TOKEN\"\n");
    let extra = format!(
        "\n[agents.leaky]\ncommand = [\"{leaky}\"]\nenv = {{ LEAKY_TOKEN = \"s3cret-value-42\" }}\n"
    );
    let p = Project::new(1, &extra);
    for json in [false, true] {
        let out = doctor(&p, json);
        let all = text(&out);
        assert_eq!(out.status.code(), Some(0), "{all}");
        assert!(
            !all.contains("s3cret-value-42"),
            "a secret was printed: {all}"
        );
        // The value reached the program (its version line had it), and was hidden.
        assert!(all.contains("leaky 1.0 key=<hidden>"), "{all}");
    }
}

#[test]
fn a_needed_agent_that_does_not_answer_is_reported_and_ended_not_waited_on() {
    let bin = tempfile::tempdir().unwrap();
    let started = bin.path().join("hangs.started");
    let hangs = script(
        bin.path(),
        "hangs",
        &format!("echo $$ > '{}'\nsleep 300\n", started.display()),
    );
    let p = Project::new(1, &format!("\n[agents.hangs]\ncommand = [\"{hangs}\"]\n"));
    p.task("a", "title = \"A\"\nagent = \"hangs\"", "hello\n");
    let (code, v) = report(&p);
    // Named by a task, it is needed; found but silent, it is a warning.
    assert_eq!(code, Some(0), "{v:#}");
    let h = check(&v, "profile.hangs");
    assert_eq!(h["status"], "warning", "{h}");
    let detail = h["detail"].as_str().unwrap();
    assert!(
        detail.contains("did not answer within 5 s") && detail.contains("named by tasks/a.md"),
        "{h}"
    );
    assert!(h["fix"].as_str().unwrap().contains("by hand"), "{h}");
    // Its process group was ended with it.
    let pid: u32 = std::fs::read_to_string(&started)
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    wait_until(&format!("the probe's shell (pid {pid}) to end"), 10, || {
        crate::support::gone(pid)
    });
}
