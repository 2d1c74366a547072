use std::sync::mpsc::{self, RecvTimeoutError};
use std::time::Duration;

use crate::common::{TestRepo, commit_file, rev};
use crate::support::git;
use czar::adapters::git::{BranchStats, CommitInfo, FileChange, Git, GitError, watch_refs};

#[test]
fn branch_stats_counts_commits_and_lines_exactly() {
    let repo = TestRepo::new();
    let root = &repo.root;
    commit_file(root, "a.txt", "1\n2\n3\n4\n", "add a");
    commit_file(root, "b.txt", "b\n", "add b");
    git(root, &["checkout", "-q", "-b", "czar/s"]);
    // a.txt: line 2 removed, three lines added.
    commit_file(root, "a.txt", "1\n3\nx\ny\n4\nz\n", "first on branch");
    commit_file(root, "c.txt", "c1\nc2\n", "second on branch");
    git(root, &["checkout", "-q", "main"]);
    // Work on base after the fork must count neither as commits nor as file changes.
    commit_file(root, "b.txt", "b\nmore\n", "base moves on");

    let g = Git::discover(root).unwrap();
    let stats = g.branch_stats("main", "czar/s").unwrap();
    let tip_time: i64 = git(root, &["log", "-1", "--format=%ct", "czar/s"])
        .trim()
        .parse()
        .unwrap();
    let info = |r: &str, subject: &str| CommitInfo {
        id: stats
            .commits
            .iter()
            .find(|c| c.subject == subject)
            .unwrap()
            .id
            .clone(),
        subject: subject.to_string(),
        time: git(root, &["log", "-1", "--format=%ct", r])
            .trim()
            .parse()
            .unwrap(),
    };
    assert_eq!(
        stats,
        BranchStats {
            branch: "czar/s".into(),
            base: "main".into(),
            ahead: 2,
            commits: vec![
                info("czar/s", "second on branch"),
                info("czar/s~1", "first on branch")
            ],
            files: vec![
                FileChange {
                    path: "a.txt".into(),
                    added: 3,
                    removed: 1
                },
                FileChange {
                    path: "c.txt".into(),
                    added: 2,
                    removed: 0
                },
            ],
            last_commit_time: Some(tip_time),
            last_subject: Some("second on branch".into()),
        }
    );
    assert_eq!(
        rev(root, &format!("{}^{{commit}}", stats.commits[0].id)),
        rev(root, "czar/s")
    );
    assert_eq!(
        rev(root, &format!("{}^{{commit}}", stats.commits[1].id)),
        rev(root, "czar/s~1")
    );
}

#[test]
fn branch_stats_of_fresh_and_missing_branches() {
    let repo = TestRepo::new();
    git(&repo.root, &["branch", "czar/fresh"]);
    let g = Git::discover(&repo.root).unwrap();
    let stats = g.branch_stats("main", "czar/fresh").unwrap();
    assert_eq!(
        stats,
        BranchStats {
            branch: "czar/fresh".into(),
            base: "main".into(),
            ..Default::default()
        }
    );
    let err = g.branch_stats("main", "czar/missing").unwrap_err();
    assert!(matches!(err, GitError::Resolve { .. }), "{err}");
    assert!(err.to_string().contains("czar/missing"), "{err}");
}

fn drain(rx: &mpsc::Receiver<()>) {
    std::thread::sleep(Duration::from_millis(300));
    while rx.try_recv().is_ok() {}
}

#[test]
fn watch_refs_fires_on_commit_to_czar_branch_and_stops_on_drop() {
    let repo = TestRepo::new();
    let g = Git::discover(&repo.root).unwrap();
    let wt = repo.wt("w1");
    g.ensure_worktree(&wt, "w1", "main").unwrap();
    g.switch_worktree(&wt, "czar/w", "main").unwrap();

    let (tx, rx) = mpsc::channel();
    let watcher = watch_refs(g.git_dir(), move || {
        let _ = tx.send(());
    })
    .unwrap();
    drain(&rx);
    commit_file(&wt, "w.txt", "w\n", "agent commit");
    rx.recv_timeout(Duration::from_secs(5))
        .expect("a ref event within 5 s");

    drop(watcher);
    while rx.try_recv().is_ok() {}
    commit_file(&wt, "w2.txt", "w\n", "after drop");
    assert_eq!(
        rx.recv_timeout(Duration::from_millis(500)),
        Err(RecvTimeoutError::Disconnected),
        "the callback must be gone once the watcher is dropped"
    );
}

#[test]
fn watch_refs_sees_worktree_head_even_if_worktrees_dir_came_later() {
    let repo = TestRepo::new();
    let g = Git::discover(&repo.root).unwrap();
    assert!(!g.git_dir().join("worktrees").exists());
    let (tx, rx) = mpsc::channel();
    let _watcher = watch_refs(g.git_dir(), move || {
        let _ = tx.send(());
    })
    .unwrap();

    let wt = repo.wt("w1");
    g.ensure_worktree(&wt, "w1", "main").unwrap();
    git(&repo.root, &["branch", "czar/z"]);
    drain(&rx);
    // Only the worktree's own HEAD file changes here.
    git(&wt, &["switch", "-q", "czar/z"]);
    rx.recv_timeout(Duration::from_secs(5))
        .expect("an event for the worktree HEAD");
}

#[test]
fn conflicts_are_predicted_in_memory_and_uncommitted_paths_listed() {
    let repo = crate::common::TestRepo::new();
    let g = Git::discover(&repo.root).unwrap();
    git(&repo.root, &["checkout", "-q", "-b", "czar/x"]);
    commit_file(&repo.root, "README.md", "x's version\n", "x");
    git(&repo.root, &["checkout", "-q", "-b", "czar/y", "main"]);
    commit_file(&repo.root, "README.md", "y's version\n", "y");
    commit_file(&repo.root, "other.txt", "y only\n", "y2");
    git(&repo.root, &["checkout", "-q", "main"]);
    assert_eq!(
        g.predict_conflicts("czar/x", "czar/y").unwrap(),
        vec!["README.md".to_string()]
    );
    assert!(g.predict_conflicts("main", "czar/y").unwrap().is_empty());
    assert!(
        git(&repo.root, &["status", "--porcelain"])
            .trim()
            .is_empty(),
        "nothing checked out or written"
    );
    let wt = repo.wt("w1");
    g.ensure_worktree(&wt, "w1", "main").unwrap();
    std::fs::write(wt.join("new.txt"), "n\n").unwrap();
    std::fs::write(wt.join("README.md"), "edited\n").unwrap();
    assert_eq!(
        g.uncommitted_paths(&wt).unwrap(),
        vec!["README.md".to_string(), "new.txt".to_string()]
    );
}
