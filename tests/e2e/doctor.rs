//! `czar doctor` on real sandboxes: a healthy one, a default agent that cannot be found, a
//! state folder others can read, a running czar, a worktree deleted by hand and a stray worker
//! session. It reports each with its fix, exits 1 only on problems, and changes nothing.

use crate::background::{Running, wait_until};
use crate::common::Project;
use crate::support::{git, run_within, text};
use czar::adapters::lock;
use serde_json::Value;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Output;
use std::time::Duration;

const SHIPPED: [&str; 7] = [
    "aider", "claude", "codex", "gemini", "opencode", "shell", "sim",
];

pub fn doctor(p: &Project, json: bool) -> Output {
    let args: &[&str] = if json {
        &["doctor", "--json"]
    } else {
        &["doctor"]
    };
    run(p.czar(args))
}

/// Runs a czar command to its end, killed (and the test failed) if it takes a minute.
pub fn run(mut cmd: std::process::Command) -> Output {
    run_within(&mut cmd, Duration::from_secs(60))
}

/// `czar doctor --json`: its exit code and report.
pub fn report(p: &Project) -> (Option<i32>, Value) {
    let out = doctor(p, true);
    let v: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", text(&out)));
    (out.status.code(), v)
}

pub fn check<'a>(v: &'a Value, name: &str) -> &'a Value {
    v["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == name)
        .unwrap_or_else(|| panic!("no check {name} in {v:#}"))
}

fn on_path(program: &str) -> bool {
    std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())
        .any(|d| d.join(program).is_file())
}

fn mode(p: &Path) -> u32 {
    std::fs::metadata(p).unwrap().permissions().mode() & 0o7777
}

#[test]
fn a_healthy_sandbox_passes_with_warnings_for_agents_nobody_uses() {
    let p = Project::new(
        1,
        "\n[agents.ghost]\ncommand = [\"czar-doctor-no-such-agent\"]\n",
    );
    p.task("a", "title = \"A\"", "sim: duration=0.2\n");
    let out = doctor(&p, false);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let report_text = String::from_utf8_lossy(&out.stdout);
    assert!(report_text.contains("no problems"), "{report_text}");

    let (code, v) = report(&p);
    assert_eq!(code, Some(0), "{v:#}");
    let mut want: Vec<String> = [
        "tmux",
        "tmux_socket",
        "git",
        "tasks",
        "state_dir",
        "lock",
        "worktrees",
        "sessions",
    ]
    .map(String::from)
    .to_vec();
    want.extend(
        SHIPPED
            .iter()
            .chain(&["ghost"])
            .map(|n| format!("profile.{n}")),
    );
    let checks = v["checks"].as_array().unwrap();
    let mut names: Vec<String> = checks
        .iter()
        .map(|c| c["name"].as_str().unwrap().to_string())
        .collect();
    names.sort();
    want.sort();
    assert_eq!(names, want);
    for c in checks {
        let status = c["status"].as_str().unwrap();
        assert!(["ok", "warning"].contains(&status), "{c}");
        assert!(!c["detail"].as_str().unwrap().is_empty(), "{c}");
        assert_eq!(c["fix"].is_null(), status == "ok", "{c}");
        // Every check has its line in the text report.
        let name = c["name"].as_str().unwrap();
        assert!(
            report_text
                .lines()
                .any(|l| l.starts_with(status) && l.contains(name)),
            "{name} in {report_text}"
        );
    }
    assert_eq!(v["problems"], 0);
    assert_eq!(check(&v, "tmux")["status"], "ok");
    let sim = check(&v, "profile.sim");
    let version = format!("czar {}", env!("CARGO_PKG_VERSION"));
    assert!(sim["detail"].as_str().unwrap().contains(&version), "{sim}");
    assert!(
        sim["detail"]
            .as_str()
            .unwrap()
            .contains("the default agent")
    );
    let ghost = check(&v, "profile.ghost");
    assert_eq!(ghost["status"], "warning", "{ghost}");
    assert!(
        ghost["fix"]
            .as_str()
            .unwrap()
            .contains("set [agents.ghost] command in czar.toml"),
        "{ghost}"
    );
    for name in SHIPPED {
        let program = if name == "shell" { "sh" } else { name };
        if name != "sim" && !on_path(program) {
            assert_eq!(check(&v, &format!("profile.{name}"))["status"], "warning");
        }
    }
    assert_eq!(check(&v, "sessions")["status"], "ok");
    // It only looked: no tmux server, no state folder.
    assert!(p.tmux(&["list-sessions"]).is_none(), "a tmux server runs");
    assert!(!p.root.join(".czar").exists(), "the state folder was made");
}

#[test]
fn a_default_agent_that_does_not_exist_is_a_problem_with_its_fix() {
    let p = Project::new(
        1,
        "\n[agents.sim]\ncommand = [\"/nonexistent/czar-agent\"]\n",
    );
    let out = doctor(&p, false);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let shown = String::from_utf8_lossy(&out.stdout);
    assert!(shown.contains("(exit status 1)"), "{shown}");
    let (code, v) = report(&p);
    assert_eq!(code, Some(1));
    let sim = check(&v, "profile.sim");
    assert_eq!(sim["status"], "problem", "{sim}");
    let detail = sim["detail"].as_str().unwrap();
    assert!(
        detail.contains("/nonexistent/czar-agent") && detail.contains("does not exist"),
        "{sim}"
    );
    let fix = sim["fix"].as_str().unwrap();
    assert!(
        fix.contains("set [agents.sim] command in czar.toml") && fix.contains("pick another agent"),
        "{sim}"
    );
    assert_eq!(v["problems"], 1, "{v:#}");

    // Usage errors are not the doctor's findings: exit 2, as everywhere.
    std::fs::write(p.root.join("czar.toml"), "workers = \"two\"\n").unwrap();
    let out = doctor(&p, true);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(String::from_utf8_lossy(&out.stderr).contains("czar.toml"));
    let outside = tempfile::tempdir().unwrap();
    let out = run(p.czar(&["doctor", "-C", outside.path().to_str().unwrap()]));
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not in a git repository"));
}

#[test]
fn a_state_folder_others_can_read_is_a_problem_and_is_left_as_it_is() {
    let p = Project::new(1, "");
    let state = p.root.join(".czar");
    std::fs::create_dir_all(state.join("logs")).unwrap();
    std::fs::write(state.join("status.md"), "old\n").unwrap();
    std::fs::write(state.join("logs/worker-1.log"), "old\n").unwrap();
    for (path, m) in [
        (state.clone(), 0o755),
        (state.join("logs"), 0o700),
        (state.join("status.md"), 0o644),
        (state.join("logs/worker-1.log"), 0o600),
    ] {
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(m)).unwrap();
    }
    let (code, v) = report(&p);
    assert_eq!(code, Some(1), "{v:#}");
    let c = check(&v, "state_dir");
    assert_eq!(c["status"], "problem", "{c}");
    let detail = c["detail"].as_str().unwrap();
    assert!(
        detail.contains(". (folder, 0755)") && detail.contains("status.md (file, 0644)"),
        "{c}"
    );
    assert!(
        !detail.contains("worker-1.log"),
        "a private file named: {c}"
    );
    assert_eq!(
        c["fix"].as_str().unwrap(),
        format!(
            "chmod -R go-rwx {} (a czar run on this repository tightens them too)",
            state.display()
        )
    );
    assert_eq!(mode(&state), 0o755, "the doctor changed the folder");
    assert_eq!(
        mode(&state.join("status.md")),
        0o644,
        "the doctor changed a file"
    );
    // The fix it gives fixes it.
    let chmod = std::process::Command::new("chmod")
        .args(["-R", "go-rwx"])
        .arg(&state)
        .status()
        .unwrap();
    assert!(chmod.success());
    let (code, v) = report(&p);
    assert_eq!(check(&v, "state_dir")["status"], "ok", "{v:#}");
    assert_eq!(code, Some(0), "{v:#}");
}

#[test]
fn a_running_czar_holds_the_lock_and_its_sessions_are_not_stale() {
    let p = Project::new(1, "");
    p.task("long", "title = \"Long\"", "sim: duration=60\n");
    let state = p.root.join(".czar");
    let mut running = Running::start(p.czar(&["--auto", "--watch"]));
    let pid = running.pid();
    wait_until("the czar's lock", 30, || {
        lock::holder(&state).and_then(|h| h.pid) == Some(pid)
    });
    wait_until("worker 1's session", 60, || {
        p.tmux(&["has-session", "-t", "=e2e-worker-1"]).is_some()
    });
    let (code, v) = report(&p);
    assert_eq!(code, Some(0), "{v:#}");
    let l = check(&v, "lock");
    assert_eq!(l["status"], "ok");
    let detail = l["detail"].as_str().unwrap();
    assert!(
        detail.contains(&format!("pid {pid}")) && detail.contains("running czar --auto"),
        "{l}"
    );
    for name in ["sessions", "worktrees"] {
        let c = check(&v, name);
        assert_eq!(c["status"], "ok", "{c}");
        let d = c["detail"].as_str().unwrap();
        assert!(
            d.contains(&format!("the running czar's (pid {pid})")),
            "{c}"
        );
    }
    assert!(running.still_running(), "the doctor disturbed the czar");

    // Killed, its worker's session then killed too: the store still holds worker 1 as running.
    running.kill();
    p.tmux(&["kill-session", "-t", "=e2e-worker-1"]).unwrap();
    let (code, v) = report(&p);
    assert_eq!(code, Some(0), "warnings only: {v:#}");
    assert!(
        check(&v, "lock")["detail"]
            .as_str()
            .unwrap()
            .contains("left by a czar that ended"),
        "{v:#}"
    );
    let s = check(&v, "sessions");
    assert_eq!(s["status"], "warning", "{s}");
    assert!(
        s["detail"]
            .as_str()
            .unwrap()
            .contains("worker 1 is recorded as running in session e2e-worker-1"),
        "{s}"
    );
}

#[test]
fn a_worktree_deleted_by_hand_is_stale_until_pruned() {
    let p = Project::new(1, "");
    let wt = p.root.parent().unwrap().join("wt");
    let gone = wt.join("worker-1");
    git(
        &p.root,
        &["worktree", "add", "-q", "--detach", gone.to_str().unwrap()],
    );
    let (code, v) = report(&p);
    assert_eq!(check(&v, "worktrees")["status"], "ok", "{v:#}");
    assert_eq!(code, Some(0));

    std::fs::remove_dir_all(&gone).unwrap();
    std::fs::create_dir_all(wt.join("junk")).unwrap();
    std::fs::write(wt.join("junk/notes.txt"), "mine\n").unwrap();
    let (code, v) = report(&p);
    assert_eq!(code, Some(0), "warnings only: {v:#}");
    let c = check(&v, "worktrees");
    assert_eq!(c["status"], "warning", "{c}");
    let detail = c["detail"].as_str().unwrap();
    assert!(
        detail.contains(&format!("{} is registered", gone.display()))
            && detail.contains("its folder is gone"),
        "{c}"
    );
    assert!(
        detail.contains(&format!(
            "{} is in the worktrees folder",
            wt.join("junk").display()
        )),
        "{c}"
    );
    let fix = c["fix"].as_str().unwrap();
    let prune = format!("git -C {} worktree prune", p.root.display());
    assert!(fix.contains(&prune), "{c}");

    git(&p.root, &["worktree", "prune"]);
    std::fs::remove_dir_all(wt.join("junk")).unwrap();
    let (_, v) = report(&p);
    assert_eq!(check(&v, "worktrees")["status"], "ok", "{v:#}");
}

#[test]
fn a_stray_worker_session_the_store_does_not_know_is_stale() {
    let p = Project::new(1, "");
    let made = p.tmux(&[
        "-f",
        "/dev/null",
        "new-session",
        "-d",
        "-s",
        "e2e-worker-9",
        "sleep 300",
    ]);
    assert!(made.is_some(), "could not start the stray session");
    // Not a worker's name: none of czar's business.
    p.tmux(&["new-session", "-d", "-s", "notes", "sleep 300"])
        .unwrap();
    let (code, v) = report(&p);
    assert_eq!(code, Some(0), "warnings only: {v:#}");
    let s = check(&v, "sessions");
    assert_eq!(s["status"], "warning", "{s}");
    let detail = s["detail"].as_str().unwrap();
    assert!(
        detail.contains("e2e-worker-9") && detail.contains("adopt it as worker 9"),
        "{s}"
    );
    assert!(!detail.contains("notes"), "{s}");
    let fix = s["fix"].as_str().unwrap();
    assert_eq!(
        fix,
        format!("tmux -L {} kill-session -t =e2e-worker-9", p.socket())
    );
    p.tmux(&["kill-session", "-t", "=e2e-worker-9"]).unwrap();
    let (_, v) = report(&p);
    assert_eq!(check(&v, "sessions")["status"], "ok", "{v:#}");
}
