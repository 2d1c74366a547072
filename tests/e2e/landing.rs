//! Landing end to end: `czar demo --auto` lands every done task on the sandbox's `main` (its
//! conflicting tasks resolved by their agents), and a czar SIGKILLed during a landing's merge,
//! its verify and its ref update, restarted each time, never puts `main` at a commit that did not
//! pass verify and never lands a task twice.

use crate::support::{CZAR, TmuxServer, git, text, wait_exit, wait_output};
use czar::adapters::store::{EventRow, Store};
use czar::core::model::{Landing, Task, TaskState};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

struct Sandbox {
    tmux: TmuxServer,
    _dir: tempfile::TempDir,
    root: PathBuf,
}

impl Sandbox {
    fn new(name: &str) -> Sandbox {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("sandbox");
        Sandbox {
            tmux: TmuxServer::new(name),
            _dir: dir,
            root,
        }
    }

    fn repo(&self) -> PathBuf {
        self.root.join("repo")
    }

    fn czar(&self, fault: Option<&str>) -> Command {
        let mut c = Command::new(CZAR);
        c.env_remove("TMUX")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        match fault {
            Some(f) => c.env("CZAR_FAULT", f),
            None => c.env_remove("CZAR_FAULT"),
        };
        c
    }

    fn demo(&self, workers: u32, tasks: u32, fault: Option<&str>) -> Child {
        let (w, t) = (workers.to_string(), tasks.to_string());
        let mut c = self.czar(fault);
        c.args(["demo", "--auto", "--workers", &w, "--tasks", &t])
            .args(["--socket", self.tmux.socket(), "--dir"])
            .arg(&self.root);
        c.spawn().unwrap()
    }

    fn restart(&self, fault: Option<&str>) -> Child {
        let mut c = self.czar(fault);
        c.args(["--auto", "-C"]).arg(self.repo());
        c.spawn().unwrap()
    }

    fn stored(&self) -> (BTreeMap<String, Task>, Vec<EventRow>) {
        let store = Store::open(&self.repo().join(".czar")).unwrap();
        let (tasks, _) = store.load().unwrap();
        (tasks, store.events(100_000).unwrap())
    }
}

fn landed(t: &Task) -> bool {
    matches!(
        t.land.as_ref().map(|l| &l.state),
        Some(Landing::Landed { .. })
    )
}

/// What must hold after any run: every done task landed once, after its needs; `main` moved only
/// by landings, each to a commit without conflict markers; the work of each landed task on main;
/// main's checkout clean and at main. Returns (landed, conflicts resolved).
fn check_landings(s: &Sandbox) -> (usize, u32) {
    let repo = s.repo();
    let (tasks, events) = s.stored();
    let landed_at: BTreeMap<&str, i64> = events
        .iter()
        .filter(|e| e.kind == "landed")
        .filter_map(|e| e.task.as_deref().map(|t| (t, e.seq)))
        .collect();
    for t in tasks.values() {
        let times = events
            .iter()
            .filter(|e| e.kind == "landed" && e.task.as_deref() == Some(&t.def.id))
            .count();
        assert!(times <= 1, "{} landed {times} times", t.def.id);
        if t.state != TaskState::Done {
            continue;
        }
        assert!(
            landed(t),
            "{} is done but did not land: {:?}",
            t.def.id,
            t.land
        );
        for need in &t.def.needs {
            assert!(
                landed_at[need.as_str()] < landed_at[t.def.id.as_str()],
                "{} landed before {need}, which it needs",
                t.def.id
            );
        }
        let n = t.def.id.trim_start_matches("task-").trim_start_matches('0');
        let file = format!("src/feature_{n}.txt");
        let on_main = git(&repo, &["ls-tree", "--name-only", "main", &file]);
        assert_eq!(on_main.trim(), file, "{}'s work is not on main", t.def.id);
    }
    // Every position main ever had: the initial commit, then one per landing, each clean.
    let log = git(
        &repo,
        &["reflog", "show", "--format=%H %gs", "refs/heads/main"],
    );
    let moves: Vec<&str> = log.lines().collect();
    let landings = tasks.values().filter(|t| landed(t)).count();
    assert!(
        moves.len() <= landings + 1,
        "main moved more often than tasks landed:\n{log}"
    );
    for line in &moves {
        let (commit, subject) = line.split_once(' ').unwrap();
        assert!(
            subject.starts_with("czar: land") || moves.last() == Some(line),
            "main moved by something else: {line}"
        );
        let markers = Command::new("git")
            .args([
                "grep",
                "-qE",
                "^(<<<<<<<|=======|>>>>>>>)",
                commit,
                "--",
                "src",
            ])
            .current_dir(&repo)
            .status()
            .unwrap();
        assert!(
            !markers.success(),
            "main was at {commit}, which has conflict markers"
        );
    }
    assert_eq!(
        git(&repo, &["status", "--porcelain"]),
        "",
        "main's checkout is dirty"
    );
    let conflicts = tasks
        .values()
        .filter(|t| landed(t))
        .filter_map(|t| t.land.as_ref())
        .map(|l| l.conflicts)
        .sum();
    (landings, conflicts)
}

#[test]
fn demo_lands_every_done_task_with_conflicts_resolved_by_agents() {
    let s = Sandbox::new("czar-e2e-land");
    let out = wait_output(s.demo(3, 8, None), Duration::from_secs(180));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{}", text(&out));
    assert!(stdout.contains("8 done, 0 failed"), "{stdout}");
    assert!(stdout.contains("LANDED"), "{stdout}");
    assert!(stdout.contains("8 of 8 tasks landed on main"), "{stdout}");
    assert!(
        stdout.contains("passed; landed work missing from main: none"),
        "{stdout}"
    );
    let (landed, conflicts) = check_landings(&s);
    assert_eq!(landed, 8);
    assert!(
        conflicts >= 1,
        "no conflict was resolved by an agent:\n{stdout}"
    );
    // main's own verify, run here too: no conflict markers left in its checkout.
    let shared = std::fs::read_to_string(s.repo().join("src/shared_0.txt")).unwrap();
    assert!(!shared.contains("<<<<<<<"), "{shared}");
    assert!(
        shared.lines().count() >= 3,
        "each sharing task's line is there:\n{shared}"
    );
}

#[test]
fn kills_during_merge_verify_and_ref_update_never_land_twice_or_unverified() {
    let s = Sandbox::new("czar-e2e-landkill");
    // The demo dies in its second landing's merge; the next czar in the middle of a verify; the
    // next right after a ref moved; the last runs to the end.
    let mut child = s.demo(3, 8, Some("land-merge:2"));
    for fault in [Some("land-verify:2"), Some("land-ref:2"), None] {
        let ended = wait_exit(&mut child, Duration::from_secs(120));
        assert!(ended.is_some(), "the czar did not reach its fault");
        {
            use std::os::unix::process::ExitStatusExt;
            let st = child.try_wait().unwrap().unwrap();
            assert_eq!(st.signal(), Some(9), "not killed at its fault: {st:?}");
        }
        check_landings_so_far(&s.repo());
        child = s.restart(fault);
    }
    let out = wait_output(child, Duration::from_secs(180));
    assert!(out.status.success(), "{}", text(&out));
    let (landed, _) = check_landings(&s);
    assert_eq!(landed, 8);
}

/// Between kills: main is only ever at a commit that passed (no markers), and the store says no
/// task landed twice.
fn check_landings_so_far(repo: &Path) {
    let store = Store::open(&repo.join(".czar")).unwrap();
    let events = store.events(100_000).unwrap();
    let mut seen = std::collections::BTreeSet::new();
    for e in events.iter().filter(|e| e.kind == "landed") {
        assert!(seen.insert(e.task.clone()), "{:?} landed twice", e.task);
    }
    let markers = Command::new("git")
        .args([
            "grep",
            "-qE",
            "^(<<<<<<<|=======|>>>>>>>)",
            "main",
            "--",
            "src",
        ])
        .current_dir(repo)
        .status()
        .unwrap();
    assert!(!markers.success(), "main has conflict markers");
}
