use crate::common::{TestRepo, commit_file, read, rev, write};
use crate::support::git;
use czar::adapters::git::{Git, GitError, SwitchOutcome};

fn setup() -> (TestRepo, Git, std::path::PathBuf) {
    let repo = TestRepo::new();
    let g = Git::discover(&repo.root).unwrap();
    let wt = repo.wt("w1");
    g.ensure_worktree(&wt, "w1", "main").unwrap();
    (repo, g, wt)
}

#[test]
fn switch_creates_task_branch_from_base() {
    let (repo, g, wt) = setup();
    // Base moves on after the worktree was made: the new branch must start from the new tip.
    commit_file(&repo.root, "later.txt", "later\n", "later on main");

    let out = g.switch_worktree(&wt, "czar/fix-login", "main").unwrap();
    assert_eq!(
        out,
        SwitchOutcome {
            wip_commit: None,
            wip_branch: None,
            created: true
        }
    );
    assert_eq!(
        g.worktree_branch(&wt).unwrap().as_deref(),
        Some("czar/fix-login")
    );
    assert_eq!(rev(&repo.root, "czar/fix-login"), rev(&repo.root, "main"));
    assert!(wt.join("later.txt").exists());
    assert!(!g.is_dirty(&wt).unwrap());
    assert!(g.branch_exists("czar/fix-login"));
}

#[test]
fn switch_saves_dirty_work_as_wip_on_previous_branch_then_back() {
    let (repo, g, wt) = setup();
    g.switch_worktree(&wt, "czar/a", "main").unwrap();
    write(&wt.join("README.md"), "hello\nedited by agent\n");
    std::fs::remove_file(wt.join("gone.txt")).unwrap();
    write(&wt.join("new.txt"), "new\n");
    write(&wt.join("notes/deep/.hidden.md"), "deep\n");
    write(&wt.join("build.log"), "ignored\n");

    let out = g.switch_worktree(&wt, "czar/b", "main").unwrap();
    assert!(out.created);
    assert_eq!(out.wip_branch.as_deref(), Some("czar/a"));
    let wip = out.wip_commit.expect("a WIP commit");
    assert_eq!(
        rev(&repo.root, &format!("{wip}^{{commit}}")),
        rev(&repo.root, "czar/a")
    );

    let subject = git(&repo.root, &["log", "-1", "--format=%s", "czar/a"]);
    assert_eq!(
        subject.trim(),
        "czar: WIP (task switch) — work in progress saved before switching to czar/b"
    );
    let changed = git(
        &repo.root,
        &["show", "--name-status", "--format=", "czar/a"],
    );
    let mut lines: Vec<&str> = changed.lines().collect();
    lines.sort();
    assert_eq!(
        lines,
        [
            "A\tnew.txt",
            "A\tnotes/deep/.hidden.md",
            "D\tgone.txt",
            "M\tREADME.md"
        ],
        "ignored build.log must stay out"
    );
    assert_eq!(rev(&repo.root, "czar/a~1"), rev(&repo.root, "main"));

    // Now on czar/b, from main: clean, none of czar/a's files, ignored file kept.
    assert_eq!(g.worktree_branch(&wt).unwrap().as_deref(), Some("czar/b"));
    assert!(!g.is_dirty(&wt).unwrap());
    assert_eq!(git(&wt, &["status", "--porcelain"]), "");
    assert!(!wt.join("new.txt").exists());
    assert!(wt.join("gone.txt").exists());
    assert_eq!(read(&wt.join("README.md")), "hello\n");
    assert!(
        wt.join("build.log").exists(),
        "ignored files survive a switch"
    );

    // Back to the existing branch: nothing created, its commits and files are back.
    let back = g.switch_worktree(&wt, "czar/a", "main").unwrap();
    assert_eq!(
        back,
        SwitchOutcome {
            wip_commit: None,
            wip_branch: None,
            created: false
        }
    );
    assert_eq!(read(&wt.join("README.md")), "hello\nedited by agent\n");
    assert!(wt.join("notes/deep/.hidden.md").exists());
    assert!(!wt.join("gone.txt").exists());
    assert_eq!(
        git(&repo.root, &["rev-list", "--count", "main..czar/a"]).trim(),
        "1"
    );
    assert!(!g.is_dirty(&wt).unwrap());
}

#[test]
fn detached_dirty_worktree_gets_a_rescue_branch() {
    let (repo, g, wt) = setup();
    write(&wt.join("draft.txt"), "unsaved\n");

    let out = g.switch_worktree(&wt, "czar/c", "main").unwrap();
    let rescue = out.wip_branch.expect("rescue branch");
    assert!(rescue.starts_with("czar/wip-w1-"), "{rescue}");
    assert!(g.branch_exists(&rescue));
    let id = out.wip_commit.expect("WIP commit");
    assert_eq!(
        rev(&repo.root, &format!("{id}^{{commit}}")),
        rev(&repo.root, &rescue)
    );
    assert_eq!(
        git(&repo.root, &["show", &format!("{rescue}:draft.txt")]).trim(),
        "unsaved"
    );
    assert_eq!(
        rev(&repo.root, &format!("{rescue}~1")),
        rev(&repo.root, "main")
    );
    assert_eq!(g.worktree_branch(&wt).unwrap().as_deref(), Some("czar/c"));
    assert!(!wt.join("draft.txt").exists());
    assert!(!g.is_dirty(&wt).unwrap());
}

#[test]
fn commit_wip_saves_on_current_branch_and_is_none_when_clean() {
    let (repo, g, wt) = setup();
    g.switch_worktree(&wt, "czar/d", "main").unwrap();
    assert_eq!(g.commit_wip(&wt, "agent died").unwrap(), None);

    write(&wt.join("README.md"), "half done\n");
    let id = g
        .commit_wip(&wt, "agent died")
        .unwrap()
        .expect("WIP commit");
    assert_eq!(
        rev(&repo.root, &format!("{id}^{{commit}}")),
        rev(&repo.root, "czar/d")
    );
    let subject = git(&repo.root, &["log", "-1", "--format=%s", "czar/d"]);
    assert!(subject.starts_with("czar: WIP (agent died)"), "{subject}");
    assert!(!g.is_dirty(&wt).unwrap());
    assert_eq!(g.worktree_branch(&wt).unwrap().as_deref(), Some("czar/d"));
    assert_eq!(read(&wt.join("README.md")), "half done\n");
}

#[test]
fn branch_checked_out_elsewhere_is_refused_before_anything_changes() {
    let (repo, g, wt1) = setup();
    let wt2 = repo.wt("w2");
    g.ensure_worktree(&wt2, "w2", "main").unwrap();
    g.switch_worktree(&wt1, "czar/x", "main").unwrap();
    write(&wt2.join("work.txt"), "in progress\n");

    for taken in ["czar/x", "main"] {
        let err = g.switch_worktree(&wt2, taken, "main").unwrap_err();
        assert!(matches!(err, GitError::CheckedOutElsewhere { .. }), "{err}");
        assert!(err.to_string().contains(taken), "{err}");
    }
    assert!(
        g.is_dirty(&wt2).unwrap(),
        "no WIP commit may happen on a refused switch"
    );
    assert_eq!(g.worktree_branch(&wt2).unwrap(), None);

    let err = g
        .switch_worktree(&wt2, "czar/y", "no-such-base")
        .unwrap_err();
    assert!(matches!(err, GitError::Resolve { .. }), "{err}");
    let err = g.switch_worktree(&wt2, "bad..name", "main").unwrap_err();
    assert!(matches!(err, GitError::InvalidName { .. }), "{err}");
    assert!(g.is_dirty(&wt2).unwrap());
}

/// Runs only inside the child process started by `wip_commit_without_any_git_identity`.
#[test]
fn signature_child() {
    let Ok(repo) = std::env::var("CZAR_GIT_CHILD_REPO") else {
        return;
    };
    let g = Git::discover(std::path::Path::new(&repo)).unwrap();
    let wt = std::path::Path::new(&repo).with_file_name("w1");
    g.ensure_worktree(&wt, "w1", "main").unwrap();
    g.switch_worktree(&wt, "czar/ci", "main").unwrap();
    write(&wt.join("ci.txt"), "from CI\n");
    g.commit_wip(&wt, "ci").unwrap().expect("WIP commit");
}

#[test]
fn wip_commit_without_any_git_identity() {
    let repo = TestRepo::new();
    let empty_home = tempfile::tempdir().unwrap();
    let status = std::process::Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "switch::signature_child",
            "--test-threads=1",
            "--nocapture",
        ])
        .env("CZAR_GIT_CHILD_REPO", &repo.root)
        .env("HOME", empty_home.path())
        .env("XDG_CONFIG_HOME", empty_home.path())
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env_remove("GIT_AUTHOR_NAME")
        .env_remove("GIT_AUTHOR_EMAIL")
        .env_remove("GIT_COMMITTER_NAME")
        .env_remove("GIT_COMMITTER_EMAIL")
        .status()
        .unwrap();
    assert!(status.success(), "child run failed: {status}");
    let who = git(
        &repo.root,
        &["log", "-1", "--format=%an <%ae> / %cn <%ce>", "czar/ci"],
    );
    assert_eq!(who.trim(), "czar <czar@localhost> / czar <czar@localhost>");
}

#[test]
fn release_lets_another_worktree_take_the_branch_and_keeps_leftovers() {
    let (repo, g, wt1) = setup();
    g.switch_worktree(&wt1, "czar/t", "main").unwrap();
    write(&wt1.join("left.txt"), "half done\n");
    let wt2 = repo.wt("w2");
    g.ensure_worktree(&wt2, "w2", "main").unwrap();
    assert!(matches!(
        g.switch_worktree(&wt2, "czar/t", "main"),
        Err(GitError::CheckedOutElsewhere { .. })
    ));
    let wip = g.release_worktree(&wt1, "task moved").unwrap();
    assert!(wip.is_some(), "the leftover file is saved");
    assert_eq!(g.worktree_branch(&wt1).unwrap(), None, "detached");
    g.switch_worktree(&wt2, "czar/t", "main").unwrap();
    assert_eq!(read(&wt2.join("left.txt")), "half done\n");
}

/// What a czar killed while libgit2 wrote a worktree's index leaves behind: `index.lock`. A
/// fresh one is someone's write in progress and refuses the switch; one older than any write
/// is a dead process's, and the switch removes it and goes on.
#[test]
fn a_stale_index_lock_left_by_a_killed_process_is_removed_and_a_fresh_one_respected() {
    let (repo, g, wt) = setup();
    g.switch_worktree(&wt, "czar/a", "main").unwrap();
    write(&wt.join("work.txt"), "uncommitted\n");
    let lock = repo.root.join(".git/worktrees/w1/index.lock");
    std::fs::write(&lock, "").unwrap();
    let refused = g.switch_worktree(&wt, "czar/b", "main");
    assert!(refused.is_err(), "a fresh lock is respected: {refused:?}");
    assert!(lock.exists());
    let old = std::time::SystemTime::now() - std::time::Duration::from_secs(60);
    std::fs::File::options()
        .write(true)
        .open(&lock)
        .unwrap()
        .set_modified(old)
        .unwrap();
    let out = g.switch_worktree(&wt, "czar/b", "main").unwrap();
    assert!(out.wip_commit.is_some(), "the work was saved on czar/a");
    assert!(!lock.exists());
}

/// A czar killed while it made a task branch leaves `refs/heads/<branch>.lock` with no branch.
/// Seen in CI: the restarted czar tried the task on each worker within seconds, every try
/// refused by that lock, and gave the task up. Nobody else makes a task branch, so the switch
/// waits such a lock out to a couple of seconds and removes it; a lock on a branch that exists
/// is somebody's commit in progress and is left for the usual time.
#[test]
fn a_lock_left_on_a_branch_not_yet_made_is_cleared_by_the_switch_that_makes_it() {
    let (repo, g, wt) = setup();
    std::fs::create_dir_all(repo.root.join(".git/refs/heads/czar")).unwrap();
    let lock = repo.root.join(".git/refs/heads/czar/new.lock");
    std::fs::write(&lock, "").unwrap();
    let out = g.switch_worktree(&wt, "czar/new", "main").unwrap();
    assert!(out.created);
    assert_eq!(g.worktree_branch(&wt).unwrap().as_deref(), Some("czar/new"));
    assert!(!lock.exists());
    // On an existing branch, a fresh lock is respected.
    g.switch_worktree(&wt, "czar/other", "main").unwrap();
    let lock = repo.root.join(".git/refs/heads/czar/new.lock");
    std::fs::write(&lock, "").unwrap();
    g.switch_worktree(&wt, "czar/new", "main").unwrap();
    assert!(
        lock.exists(),
        "a fresh lock on an existing branch was removed"
    );
}

/// A czar killed inside a switch, after the checkout began and before HEAD moved, leaves the
/// working tree half on the new branch while HEAD still names the old one. The next switch must
/// not save that difference as work: committed, it would undo the old task's work on its own
/// branch (seen: a done task's file deleted by a "WIP" commit).
#[test]
fn an_interrupted_switch_is_finished_without_committing_its_half_checkout() {
    let (repo, g, wt) = setup();
    g.switch_worktree(&wt, "czar/a", "main").unwrap();
    write(&wt.join("a.txt"), "the task's work\n");
    git(&wt, &["add", "a.txt"]);
    git(&wt, &["commit", "-q", "-m", "work on a"]);
    let before = rev(&repo.root, "czar/a");
    // What the killed switch to czar/b left: its note, and a.txt gone from the files.
    std::fs::write(repo.root.join(".git/worktrees/w1/czar-switching"), "czar/b").unwrap();
    std::fs::remove_file(wt.join("a.txt")).unwrap();
    let out = g.switch_worktree(&wt, "czar/b", "main").unwrap();
    assert_eq!(out.wip_commit, None, "the half checkout was saved as work");
    assert_eq!(rev(&repo.root, "czar/a"), before, "czar/a was changed");
    assert!(!repo.root.join(".git/worktrees/w1/czar-switching").exists());
    assert!(!g.is_dirty(&wt).unwrap());
    // Without the note, a deleted file is someone's change, and it is saved.
    g.switch_worktree(&wt, "czar/a", "main").unwrap();
    std::fs::remove_file(wt.join("a.txt")).unwrap();
    let out = g.switch_worktree(&wt, "czar/b", "main").unwrap();
    assert!(out.wip_commit.is_some());
}
