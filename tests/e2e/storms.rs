//! Failure storms end to end: agents that cannot start must be refused before anything starts,
//! or tried a bounded number of times, with the cause said plainly and the run ending.

use crate::common::Project;
use crate::support::{text, wait_output};
use std::process::Stdio;
use std::time::{Duration, Instant};

fn set_config(p: &Project, from: &str, to: &str) {
    let cfg = p.root.join("czar.toml");
    let text0 = std::fs::read_to_string(&cfg).unwrap();
    assert!(text0.contains(from), "{text0}");
    std::fs::write(&cfg, text0.replace(from, to)).unwrap();
}

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

fn stats_json(p: &Project) -> serde_json::Value {
    let out = p.czar(&["stats", "--json"]).output().unwrap();
    assert!(out.status.success(), "{}", text(&out));
    serde_json::from_slice(&out.stdout).unwrap()
}

fn count(p: &Project, kind: &str) -> usize {
    p.events().iter().filter(|e| e.kind == kind).count()
}

#[test]
fn a_default_agent_that_is_not_installed_is_named_before_anything_starts() {
    let p = Project::new(
        2,
        "\n[agents.ghost]\ncommand = [\"no-such-agent-xyz\", \"--go\"]\n",
    );
    set_config(&p, "agent = \"sim\"", "agent = \"ghost\"");
    p.task("a", "title = \"A\"", "x\n");
    let started = Instant::now();
    let out = p.run_auto(Duration::from_secs(30));
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("the ghost profile runs `no-such-agent-xyz`, which is not on PATH"),
        "{err}"
    );
    assert!(
        err.contains("[agents.ghost] command") && err.contains("agent = ..."),
        "{err}"
    );
    assert!(started.elapsed() < Duration::from_secs(20));
    assert_nothing_started(&p);
}

#[test]
fn claude_missing_from_the_agents_path_says_how_to_install_it() {
    let bin = tempfile::tempdir().unwrap();
    let extra = format!(
        "\n[agents.claude]\nenv = {{ PATH = \"{}\" }}\n",
        bin.path().display()
    );
    let p = Project::new(1, &extra);
    set_config(&p, "agent = \"sim\"", "agent = \"claude\"");
    let out = p.run_auto(Duration::from_secs(30));
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(
            "the claude profile runs `claude`, which is not on the PATH set in [agents.claude] env"
        ),
        "{err}"
    );
    assert!(err.contains("npm i -g @anthropic-ai/claude-code"), "{err}");
    assert_nothing_started(&p);
}

#[test]
fn a_tmux_socket_in_a_missing_folder_is_refused_before_anything_starts() {
    let p = Project::new(1, "");
    let dir = p.root.parent().unwrap().join("no-such-folder");
    let sock = dir.join("sock");
    set_config(
        &p,
        &format!("tmux_socket = \"{}\"", p.socket()),
        &format!("tmux_socket = \"{}\"", sock.display()),
    );
    p.task("a", "title = \"A\"", "x\n");
    let out = p.run_auto(Duration::from_secs(30));
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("does not exist") && err.contains("no-such-folder"),
        "{err}"
    );
    assert!(!dir.exists());
    assert!(!p.root.parent().unwrap().join("wt").exists());
}

#[test]
fn an_agent_that_exits_127_at_once_ends_the_run_with_its_cause_after_a_few_starts() {
    let extra =
        "\n[agents.bad]\ncommand = [\"sh\", \"-c\", \"echo no model configured; exit 127\"]\n";
    let p = Project::new(2, extra);
    set_config(&p, "agent = \"sim\"", "agent = \"bad\"");
    p.task("a", "title = \"A\"", "sim: duration=0.2\n");
    p.task("b", "title = \"B\"\nneeds = [\"a\"]", "sim: duration=0.2\n");
    let started = Instant::now();
    let out = p.run_auto(Duration::from_secs(90));
    let took = started.elapsed();
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(took < Duration::from_secs(60), "took {took:?}");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("czar: the bad agent is unavailable: exited with status 127"),
        "{stdout}"
    );
    assert!(
        stdout.contains("it printed: no model configured"),
        "{stdout}"
    );
    assert!(stdout.contains("fix: run `sh -c"), "{stdout}");
    assert!(
        stdout.contains("failed: no agent can run it: the bad agent is unavailable"),
        "{stdout}"
    );
    assert!(
        stdout.contains("failed: it needs `a`, which no agent can run"),
        "{stdout}"
    );
    let starts = count(&p, "worker_started");
    assert!((2..=6).contains(&starts), "{starts} workers started");
    assert_eq!(count(&p, "profile_unavailable"), 1);
    let stats = stats_json(&p);
    let churn = &stats["churn"];
    assert_eq!(churn["worker_starts"], starts);
    assert_eq!(churn["early_exits"], starts);
    assert_eq!(churn["breaker_openings"], 1);
    assert_eq!(churn["per_profile"]["bad"]["breaker_openings"], 1);
}

#[test]
fn a_task_for_a_broken_profile_added_mid_run_is_parked_while_the_good_fleet_finishes() {
    let extra = "\n[agents.broken]\ncommand = [\"sh\", \"-c\", \"exit 127\"]\n";
    let p = Project::new(2, extra);
    for id in ["g1", "g2", "g3"] {
        let body = format!("sim: duration=1 touch=out/{id}.txt\n");
        p.task(id, &format!("title = \"{id}\""), &body);
    }
    let out_file = p.root.parent().unwrap().join("czar-out.txt");
    let child = p
        .czar(&["--auto", "--watch"])
        .stdout(std::fs::File::create(&out_file).unwrap())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let pid = child.id() as i32;
    let stop = Stop(pid);
    let waited = Instant::now();
    while count_if_any(&p, "assigned") == 0 {
        assert!(
            waited.elapsed() < Duration::from_secs(60),
            "nothing assigned"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    let mut add = p
        .czar(&[
            "task",
            "add",
            "--id",
            "needs-broken",
            "--title",
            "Broken",
            "--agent",
            "broken",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    std::io::Write::write_all(add.stdin.as_mut().unwrap(), b"sim: duration=0.2\n").unwrap();
    drop(add.stdin.take());
    assert!(add.wait().unwrap().success());
    let state = |s: &serde_json::Value, id: &str| {
        s["tasks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["id"] == id)
            .cloned()
    };
    let waited = Instant::now();
    loop {
        let s = p.status_json();
        let good_done = ["g1", "g2", "g3"]
            .iter()
            .all(|id| state(&s, id).is_some_and(|t| t["state"] == "done"));
        let parked = state(&s, "needs-broken")
            .and_then(|t| t["reason"].as_str().map(str::to_string))
            .is_some_and(|r| r.starts_with("parked: the broken agent is unavailable"));
        if good_done && parked {
            break;
        }
        assert!(
            waited.elapsed() < Duration::from_secs(120),
            "not there yet: {s:#}"
        );
        std::thread::sleep(Duration::from_millis(300));
    }
    let s = p.status_json();
    let broken = state(&s, "needs-broken").unwrap();
    assert_eq!(broken["state"], "pending");
    assert!(
        broken["reason"].as_str().unwrap().contains("status 127"),
        "{broken}"
    );
    let opened: Vec<_> = p
        .events()
        .into_iter()
        .filter(|e| e.kind == "profile_unavailable")
        .collect();
    assert_eq!(opened.len(), 1);
    assert!(
        opened[0]
            .detail
            .contains("the broken agent is unavailable after 4 failed starts")
    );
    // No storm after the breaker opened: the same few starts some seconds later.
    let starts_then = count(&p, "worker_started");
    std::thread::sleep(Duration::from_secs(5));
    assert_eq!(count(&p, "worker_started"), starts_then);
    drop(stop);
    let out = wait_output(child, Duration::from_secs(30));
    assert_eq!(out.status.code(), Some(130), "{}", text(&out));
    let events = p.events().len();
    assert!(events < 150, "{events} events");
    let db = std::fs::metadata(p.root.join(".czar/czar.db"))
        .unwrap()
        .len();
    assert!(db < 1 << 20, "{db} bytes of state");
    let stats = stats_json(&p);
    let broken = &stats["churn"]["per_profile"]["broken"];
    assert_eq!(broken["breaker_openings"], 1, "{stats:#}");
    assert_eq!(broken["early_exits"], 4, "{stats:#}");
    assert_eq!(broken["worker_starts"], 4, "{stats:#}");
    let early: Vec<_> = p
        .events()
        .into_iter()
        .filter(|e| e.kind == "early_exit")
        .map(|e| format!("w{:?} {}", e.worker, e.detail))
        .collect();
    assert_eq!(
        stats["churn"]["per_profile"]["sim"]["early_exits"], 0,
        "{early:#?}"
    );
    let printed = std::fs::read_to_string(&out_file).unwrap();
    assert!(printed.contains("profile_unavailable"), "{printed}");
}

/// The events, or none while the store is not there yet.
fn count_if_any(p: &Project, kind: &str) -> usize {
    if !p.root.join(".czar/czar.db").exists() {
        return 0;
    }
    count(p, kind)
}

/// Ctrl-C for the czar when dropped, also when the test fails on the way.
struct Stop(i32);

impl Drop for Stop {
    fn drop(&mut self) {
        // SAFETY: a signal to the child this test started.
        unsafe { libc::kill(self.0, libc::SIGINT) };
    }
}
