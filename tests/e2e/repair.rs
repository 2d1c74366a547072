//! What others break under a running czar: a worker's worktree folder removed, a task branch
//! deleted, a task branch replaced by an unrelated commit. The czar repairs each, says so, and
//! never counts a task done without its own work on a branch that descends from where it began.

use crate::background::{Running, wait_until};
use crate::common::Project;
use crate::support::git;
use std::path::Path;
use std::process::Command;

/// One worker, one task that works for a few seconds and commits `out/a.txt`.
fn project() -> Project {
    let p = Project::new(1, "idle_grace_secs = 3\nmax_attempts = 5\n");
    p.task(
        "a",
        "title = \"A\"\nverify = \"test -s out/a.txt\"",
        "sim: duration=4 touch=out/a.txt\n",
    );
    p
}

/// Waits until the sim works on the task (busy on screen, delivered).
fn wait_working(p: &Project) {
    wait_until("the task to be worked on", 60, || {
        let s = p.status_json();
        s["tasks"]
            .as_array()
            .is_some_and(|t| t.iter().any(|t| t["state"] == "working"))
    });
}

fn wait_done(p: &Project, czar: &mut Running) {
    wait_until("the run to end", 120, || !czar.still_running());
    let s = p.status_json();
    let a = &s["tasks"].as_array().unwrap()[0];
    assert_eq!(a["state"], "done", "{a}");
}

fn repairs(p: &Project) -> Vec<String> {
    p.events()
        .into_iter()
        .filter(|e| e.kind == "repair")
        .map(|e| e.detail)
        .collect()
}

/// The task's branch descends from `main` and holds its file, in its own commits.
fn own_work_on_branch(root: &Path) {
    let main = git(root, &["rev-parse", "main"]);
    let base = git(root, &["merge-base", "main", "czar/a"]);
    assert_eq!(base.trim(), main.trim(), "czar/a lost its history");
    let files = git(root, &["diff", "--name-only", "main...czar/a"]);
    assert!(files.lines().any(|f| f == "out/a.txt"), "{files}");
}

#[test]
fn a_worktree_removed_mid_task_restarts_its_worker_and_the_task_is_done_again() {
    let p = project();
    let mut czar = Running::start(p.czar(&["--auto"]));
    wait_working(&p);
    let wt = p.root.parent().unwrap().join("wt/worker-1");
    assert!(wt.is_dir());
    std::fs::remove_dir_all(&wt).unwrap();
    wait_done(&p, &mut czar);
    own_work_on_branch(&p.root);
    assert!(wt.is_dir(), "the worktree was made again");
    let said = repairs(&p);
    assert!(
        said.iter()
            .any(|r| r.contains("worktree folder was removed")),
        "{said:?}"
    );
    let starts = p
        .events()
        .iter()
        .filter(|e| e.kind == "worker_started")
        .count();
    assert!(
        starts >= 2,
        "the worker was started again ({starts} starts)"
    );
}

#[test]
fn a_task_branch_deleted_mid_task_is_made_again_and_the_work_lands_on_it() {
    let p = project();
    let mut czar = Running::start(p.czar(&["--auto"]));
    wait_working(&p);
    // `git branch -D` refuses a branch checked out in a worktree; this does not.
    git(&p.root, &["update-ref", "-d", "refs/heads/czar/a"]);
    wait_done(&p, &mut czar);
    own_work_on_branch(&p.root);
    let said = repairs(&p);
    assert!(said.iter().any(|r| r.contains("was deleted")), "{said:?}");
}

#[test]
fn a_task_branch_replaced_by_an_unrelated_root_is_put_back_and_never_counted_done() {
    let p = project();
    let mut czar = Running::start(p.czar(&["--auto"]));
    wait_working(&p);
    // What a deleted branch becomes when an agent commits on it before the czar looks: a new
    // root commit, sharing no history with the task's start.
    let empty_tree = git(&p.root, &["hash-object", "-t", "tree", "-w", "/dev/null"]);
    let stray = git(
        &p.root,
        &["commit-tree", "-m", "unrelated root", empty_tree.trim()],
    );
    git(&p.root, &["update-ref", "refs/heads/czar/a", stray.trim()]);
    wait_done(&p, &mut czar);
    own_work_on_branch(&p.root);
    let said = repairs(&p);
    assert!(
        said.iter().any(|r| r.contains("lost its history")),
        "{said:?}"
    );
    // The stray tip is kept, not thrown away.
    let kept = git(
        &p.root,
        &[
            "for-each-ref",
            "--format=%(objectname)",
            "refs/heads/czar/lost/",
        ],
    );
    assert_eq!(kept.trim(), stray.trim());
    let done = p.events().iter().filter(|e| e.kind == "done").count();
    assert_eq!(done, 1);
}

#[test]
fn a_shell_worker_runs_the_task_text_alone_and_nothing_else() {
    let p = Project::new(1, "");
    let czar = crate::support::CZAR;
    let config = std::fs::read_to_string(p.root.join("czar.toml")).unwrap();
    std::fs::write(
        p.root.join("czar.toml"),
        config.replace("agent = \"sim\"", "agent = \"shell\""),
    )
    .unwrap();
    p.task(
        "s",
        "title = \"Shell work\"",
        &format!(
            "echo made-by-the-task > out.txt && git add out.txt && \
             git -c user.name=t -c user.email=t@t commit -q -m 'shell work' && {czar} done\n"
        ),
    );
    let out = p.run_auto(std::time::Duration::from_secs(60));
    assert!(out.status.success(), "{}", crate::support::text(&out));
    let subjects = git(&p.root, &["log", "--format=%s", "main..czar/s"]);
    assert_eq!(subjects.trim(), "shell work");
    // What the shell was given is in its pane's log: the task's line, never the preamble (whose
    // `czar done` and `czar task add` lines a shell would run).
    let log = std::fs::read_to_string(p.root.join(".czar/logs/worker-1.log")).unwrap();
    assert!(log.contains("made-by-the-task"), "{log}");
    assert!(!log.contains("You are worker"), "{log}");
    assert!(!log.contains("czar task add"), "{log}");
    let tasks = Command::new(czar)
        .args(["status", "--json"])
        .current_dir(&p.root)
        .output()
        .unwrap();
    let status: serde_json::Value = serde_json::from_slice(&tasks.stdout).unwrap();
    assert_eq!(
        status["tasks"].as_array().map(Vec::len),
        Some(1),
        "no task added"
    );
}
