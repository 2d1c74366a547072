use crate::common::{TestRepo, rev, write};
use crate::support::{git, git_output};
use czar::adapters::git::{Git, GitError};

#[test]
fn discover_from_main_subdir_and_linked_worktree() {
    let repo = TestRepo::new();
    std::fs::create_dir(repo.root.join("sub")).unwrap();
    let wt = repo.wt("cli-wt");
    git(
        &repo.root,
        &["worktree", "add", "-q", "--detach", wt.to_str().unwrap()],
    );

    for start in [repo.root.clone(), repo.root.join("sub"), wt.clone()] {
        let g = Git::discover(&start).unwrap();
        assert_eq!(
            g.root(),
            repo.root,
            "root when discovered from {}",
            start.display()
        );
        assert_eq!(g.git_dir(), repo.root.join(".git"));
        assert_eq!(g.current_branch().unwrap(), "main");
    }
    let g = Git::discover(&wt).unwrap();
    assert!(g.branch_exists("main"));
    assert!(!g.branch_exists("czar/nope"));
}

#[test]
fn current_branch_reports_detached_and_unborn() {
    let repo = TestRepo::new();
    git(&repo.root, &["checkout", "-q", "--detach"]);
    let err = Git::discover(&repo.root)
        .unwrap()
        .current_branch()
        .unwrap_err();
    assert!(matches!(err, GitError::DetachedHead { .. }), "{err}");

    let fresh = repo.wt("fresh");
    std::fs::create_dir(&fresh).unwrap();
    git(&fresh, &["init", "-q", "-b", "trunk"]);
    let err = Git::discover(&fresh).unwrap().current_branch().unwrap_err();
    assert!(
        matches!(&err, GitError::UnbornBranch { branch, .. } if branch == "trunk"),
        "{err}"
    );
}

#[test]
fn ensure_worktree_creates_detached_at_base_and_is_idempotent() {
    let repo = TestRepo::new();
    let g = Git::discover(&repo.root).unwrap();
    let wt = repo.wt("workers/w1");
    g.ensure_worktree(&wt, "w1", "main").unwrap();

    assert_eq!(rev(&wt, "HEAD"), rev(&repo.root, "main"));
    assert!(
        !git_output(&wt, &["symbolic-ref", "-q", "HEAD"])
            .status
            .success(),
        "HEAD must be detached"
    );
    assert_eq!(g.worktree_branch(&wt).unwrap(), None);
    assert!(!g.is_dirty(&wt).unwrap());
    assert_eq!(
        git(&repo.root, &["branch", "--list", "czar-worktree-init-*"]),
        "",
        "scaffolding branch left behind"
    );

    // A second call must not touch the existing worktree or its files.
    write(&wt.join("scratch.txt"), "agent notes\n");
    g.ensure_worktree(&wt, "w1", "main").unwrap();
    assert!(wt.join("scratch.txt").exists());
    assert!(g.is_dirty(&wt).unwrap());
    let list = git(&repo.root, &["worktree", "list", "--porcelain"]);
    assert_eq!(
        list.matches(&format!("worktree {}", wt.display())).count(),
        1,
        "{list}"
    );
}

#[test]
fn ensure_worktree_recreates_after_folder_deleted() {
    let repo = TestRepo::new();
    let g = Git::discover(&repo.root).unwrap();
    let wt = repo.wt("w1");
    g.ensure_worktree(&wt, "w1", "main").unwrap();
    std::fs::remove_dir_all(&wt).unwrap();

    g.ensure_worktree(&wt, "w1", "main").unwrap();
    assert_eq!(rev(&wt, "HEAD"), rev(&repo.root, "main"));
    assert!(wt.join("README.md").exists());
    let list = git(&repo.root, &["worktree", "list", "--porcelain"]);
    assert_eq!(list.matches("worktree ").count(), 2, "{list}");
    assert!(!list.contains("prunable"), "{list}");
}

#[test]
fn ensure_worktree_refuses_foreign_folder_and_taken_name() {
    let repo = TestRepo::new();
    let g = Git::discover(&repo.root).unwrap();

    let occupied = repo.wt("occupied");
    write(&occupied.join("precious.txt"), "keep me\n");
    let err = g.ensure_worktree(&occupied, "w1", "main").unwrap_err();
    assert!(matches!(err, GitError::PathOccupied { .. }), "{err}");
    assert!(err.to_string().contains("occupied"), "{err}");
    assert_eq!(
        crate::common::read(&occupied.join("precious.txt")),
        "keep me\n"
    );

    // An empty folder prepared by the caller is fine.
    let empty = repo.wt("empty");
    std::fs::create_dir(&empty).unwrap();
    g.ensure_worktree(&empty, "w1", "main").unwrap();
    assert!(empty.join("README.md").exists());

    let err = g
        .ensure_worktree(&repo.wt("other"), "w1", "main")
        .unwrap_err();
    assert!(matches!(err, GitError::NameTaken { .. }), "{err}");

    let err = g
        .ensure_worktree(&repo.wt("bad"), "a/b", "main")
        .unwrap_err();
    assert!(matches!(err, GitError::InvalidName { .. }), "{err}");
    let err = g
        .ensure_worktree(&repo.wt("w2"), "w2", "no-such-base")
        .unwrap_err();
    assert!(matches!(err, GitError::Resolve { .. }), "{err}");
    assert!(!repo.wt("w2").exists());
}

#[test]
fn mutating_calls_refuse_the_main_checkout_and_foreign_repos() {
    let repo = TestRepo::new();
    let g = Git::discover(&repo.root).unwrap();
    write(&repo.root.join("README.md"), "operator edit\n");

    let err = g.commit_wip(&repo.root, "test").unwrap_err();
    assert!(matches!(err, GitError::NotOurWorktree { .. }), "{err}");
    let err = g.switch_worktree(&repo.root, "czar/x", "main").unwrap_err();
    assert!(matches!(err, GitError::NotOurWorktree { .. }), "{err}");
    assert!(
        g.is_dirty(&repo.root).unwrap(),
        "operator's edit must be untouched"
    );

    let other = TestRepo::new();
    let err = g.commit_wip(&other.root, "test").unwrap_err();
    assert!(matches!(err, GitError::NotOurWorktree { .. }), "{err}");
}

#[test]
fn git_handle_can_be_shared_across_threads() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Git>();
    assert_send_sync::<czar::adapters::git::RefWatcher>();
}

#[test]
fn branch_tip_and_commit_of_name_the_commit_or_nothing() {
    let repo = TestRepo::new();
    let g = Git::discover(&repo.root).unwrap();
    let head = rev(&repo.root, "HEAD");
    assert_eq!(g.branch_tip("main").as_deref(), Some(head.as_str()));
    assert_eq!(g.branch_tip("czar/nope"), None);
    assert_eq!(g.commit_of("main").unwrap(), head);
    assert_eq!(g.commit_of(&head).unwrap(), head);
    let err = g.commit_of("no-such-rev").unwrap_err();
    assert!(matches!(err, GitError::Resolve { .. }), "{err}");
}

#[test]
fn many_workers_adding_their_worktrees_at_once_all_get_one() {
    let repo = TestRepo::new();
    // Each worker's start runs on its own thread with its own handle on the repository, as
    // the engine's blocking jobs do; git's worktree registrations are not safe to add in
    // parallel.
    let results: Vec<Result<(), GitError>> = std::thread::scope(|s| {
        let jobs: Vec<_> = (0..24)
            .map(|i| {
                let root = &repo.root;
                let wt = repo.wt(&format!("worker-{i}"));
                s.spawn(move || {
                    Git::discover(root)?.ensure_worktree(&wt, &format!("worker-{i}"), "main")
                })
            })
            .collect();
        jobs.into_iter().map(|j| j.join().unwrap()).collect()
    });
    for (i, r) in results.iter().enumerate() {
        assert!(r.is_ok(), "worker-{i}: {r:?}");
    }
    let listed = git(&repo.root, &["worktree", "list", "--porcelain"]);
    assert_eq!(listed.matches("detached").count(), 24, "{listed}");
    let branches = git(&repo.root, &["branch", "--list", "czar-worktree-init-*"]);
    assert_eq!(branches.trim(), "", "scaffolding branches left behind");
}
