//! Routing end to end: a task that accepts two profiles, the first of which cannot start (its
//! program is missing), runs on the second; the skip and its reason are recorded in the event
//! log, `czar status --json` and `czar explain <task>`.

use crate::common::Project;
use crate::support::text;
use std::time::Duration;

#[test]
fn a_task_runs_on_its_second_profile_when_the_first_has_no_binary() {
    // The default profile's program is missing behind a wrapper (as with a launcher script), so
    // the check before the run passes and only starting it fails.
    let extra =
        "\n[agents.broken]\ncommand = [\"sh\", \"-c\", \"exec /nonexistent/czar-agent-xyz\"]\n";
    let p = Project::new(1, extra);
    let cfg = p.root.join("czar.toml");
    let toml = std::fs::read_to_string(&cfg).unwrap();
    std::fs::write(&cfg, toml.replace("agent = \"sim\"", "agent = \"broken\"")).unwrap();
    p.task(
        "either",
        "title = \"Either\"\nagent = [\"broken\", \"sim\"]",
        "sim: duration=0.2 touch=out/either.txt\n",
    );
    let out = p.run_auto(Duration::from_secs(120));
    let printed = text(&out);
    let status = p.status_json();
    let t = status["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["id"] == "either")
        .cloned()
        .unwrap();
    assert_eq!(t["state"], "done", "{printed}");
    assert_eq!(t["route"]["agent"], serde_json::json!(["broken", "sim"]));
    let skipped = t["route"]["skipped"].as_array().unwrap();
    assert_eq!(skipped.len(), 1, "{skipped:?}");
    let why = skipped[0].as_str().unwrap();
    assert!(why.starts_with("broken: profile unavailable:"), "{why}");
    let worker = t["worker"].as_u64().unwrap();
    let w = status["workers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|w| w["id"] == worker)
        .cloned()
        .unwrap();
    assert_eq!(w["profile"], "sim");
    let events = p.events();
    let routed: Vec<&str> = events
        .iter()
        .filter(|e| e.kind == "routed" && e.task.as_deref() == Some("either"))
        .map(|e| e.detail.as_str())
        .collect();
    assert_eq!(routed.len(), 1, "{routed:?}");
    assert!(
        routed[0].starts_with("to sim; passed over broken: profile unavailable"),
        "{routed:?}"
    );
    assert!(events.iter().any(|e| e.kind == "profile_unavailable"));
    let explained = p.czar(&["explain", "either"]).output().unwrap();
    let said = String::from_utf8_lossy(&explained.stdout);
    assert!(explained.status.success(), "{}", text(&explained));
    assert!(said.contains("task either: done"), "{said}");
    assert!(said.contains("accepts, in order: broken, sim"), "{said}");
    assert!(said.contains("  broken: profile unavailable:"), "{said}");
}

#[test]
fn task_add_takes_a_profile_list_tags_and_labels_and_refuses_unknown_ones() {
    // The host is only declared: `task add` starts nothing.
    let extra = "\n[agents.sim]\ntags = [\"rust\"]\n\n[hosts.box]\nssh = \"box\"\ndir = \"n\"\nlabels = [\"gpu\"]\n";
    let p = Project::new(1, extra);
    let add = |args: &[&str]| {
        let mut all = vec!["task", "add", "--title", "T"];
        all.extend_from_slice(args);
        let mut c = p.czar(&all);
        c.stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped());
        let mut child = c.spawn().unwrap();
        std::io::Write::write_all(child.stdin.as_mut().unwrap(), b"do it\n").unwrap();
        drop(child.stdin.take());
        child.wait_with_output().unwrap()
    };
    let out = add(&[
        "--id",
        "t1",
        "--agent",
        "claude,sim",
        "--tags",
        "rust",
        "--labels",
        "gpu",
    ]);
    assert!(out.status.success(), "{}", text(&out));
    let file = std::fs::read_to_string(p.root.join("tasks/t1.md")).unwrap();
    assert!(file.contains("agent = [\"claude\", \"sim\"]\n"), "{file}");
    assert!(file.contains("tags = [\"rust\"]\n"), "{file}");
    assert!(file.contains("labels = [\"gpu\"]\n"), "{file}");
    let out = add(&["--id", "t4", "--labels", "gpu,tpu"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("--labels \"tpu\": no host declares"),
        "{}",
        text(&out)
    );
    let out = add(&["--id", "t2", "--tags", "gpu"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("--tags \"gpu\": no agent profile declares"),
        "{}",
        text(&out)
    );
    let out = add(&["--id", "t3", "--agent", "sim,claud"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("--agent \"claud\": no agent profile"),
        "{}",
        text(&out)
    );
    for refused in ["t2", "t3", "t4"] {
        assert!(
            !p.root.join(format!("tasks/{refused}.md")).exists(),
            "{refused}"
        );
    }
}

#[test]
fn a_missing_program_of_a_profile_only_accepted_besides_others_does_not_stop_the_run() {
    let extra = "\n[agents.ghost]\ncommand = [\"no-such-ghost-agent\"]\n";
    let p = Project::new(1, extra);
    p.task(
        "either",
        "title = \"Either\"\nagent = [\"ghost\", \"sim\"]",
        "sim: duration=0.2\n",
    );
    let doctor = p.czar(&["doctor"]).output().unwrap();
    let said = String::from_utf8_lossy(&doctor.stdout);
    let line = said
        .lines()
        .find(|l| l.contains("profile.ghost"))
        .unwrap_or_else(|| panic!("{said}"));
    assert!(line.starts_with("warning"), "{line}");
    assert!(
        line.contains("accepted, with other profiles, by tasks/either.md"),
        "{line}"
    );
    let out = p.run_auto(Duration::from_secs(60));
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let status = p.status_json();
    let t = &status["tasks"][0];
    assert_eq!(t["state"], "done", "{t}");
    assert_eq!(
        t["route"]["skipped"],
        serde_json::json!(["ghost: no free worker"])
    );
}
