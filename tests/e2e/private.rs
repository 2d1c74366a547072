//! The state folder is private whatever the umask: folders 0700, files 0600, those an older
//! czar left looser tightened; and the umask itself is left alone for the agents.

use crate::background::walk;
use crate::common::Project;
use crate::support::{CZAR, run_within, text};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

fn mode(p: &Path) -> u32 {
    std::fs::symlink_metadata(p).unwrap().permissions().mode() & 0o7777
}

/// Every folder under `state` is 0700 and every file 0600; returns their names.
fn assert_private(state: &Path) -> Vec<String> {
    let mut names = Vec::new();
    for p in walk(state) {
        let m = std::fs::symlink_metadata(&p).unwrap();
        let want = if m.is_dir() { 0o700 } else { 0o600 };
        assert_eq!(mode(&p), want, "{} is {:o}", p.display(), mode(&p));
        let rel = p.strip_prefix(state).unwrap().display().to_string();
        names.push(rel);
    }
    names
}

/// `czar ARGS` under `sh -c 'umask 022; exec ...'`.
fn with_umask_022(dir: &Path, args: &[&str]) -> Command {
    let mut c = Command::new("sh");
    c.arg("-c")
        .arg("umask 022; exec \"$@\"")
        .arg("sh")
        .arg(CZAR)
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .env_remove("TMUX")
        .env_remove("TMUX_PANE");
    c
}

#[test]
fn a_worker_command_that_creates_the_state_creates_it_private() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("fresh-state");
    let out = with_umask_022(dir.path(), &["report", "first word"])
        .env("CZAR_WORKER", "1")
        .env("CZAR_STATE_DIR", &state)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out));
    let names = assert_private(&state);
    for want in ["czar.db", "inbox.bell"] {
        assert!(names.iter().any(|n| n == want), "no {want} in {names:?}");
    }
}

#[test]
fn a_run_under_umask_022_leaves_every_state_file_private_and_the_agents_umask_alone() {
    let p = Project::new(1, "");
    p.task(
        "a",
        "title = \"A\"\nverify = \"test -s out/a.txt\"",
        "sim: duration=0.3 touch=out/a.txt\n",
    );
    // What an older czar left under umask 022.
    let state = p.root.join(".czar");
    std::fs::create_dir_all(state.join("logs")).unwrap();
    std::fs::write(state.join("status.md"), "old\n").unwrap();
    std::fs::write(state.join("logs/worker-1.log"), "old\n").unwrap();
    for (path, m) in [
        (state.clone(), 0o755),
        (state.join("logs"), 0o755),
        (state.join("status.md"), 0o644),
        (state.join("logs/worker-1.log"), 0o666),
    ] {
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(m)).unwrap();
    }
    let out = run_within(
        &mut with_umask_022(&p.root, &["--auto"]),
        Duration::from_secs(120),
    );
    assert!(out.status.success(), "{}", text(&out));
    let status = with_umask_022(&p.root, &["status"]).output().unwrap();
    assert!(status.status.success(), "{}", text(&status));
    let names = assert_private(&state);
    for want in [
        "czar.db",
        "czar.lock",
        "inbox.bell",
        "status.md",
        "status.json",
        "monitor.json",
        "logs",
        "logs/czar.log",
        "logs/worker-1.log",
    ] {
        assert!(names.iter().any(|n| n == want), "no {want} in {names:?}");
    }
    // The agent wrote its file with the umask it was given: czar never narrowed it.
    let wt = p.root.parent().unwrap().join("wt/worker-1");
    assert_eq!(mode(&wt.join("out/a.txt")), 0o644);
}
