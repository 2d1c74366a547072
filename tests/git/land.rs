//! Landing against real repositories: the merge in the integration worktree, conflicts with
//! their hunks, the compare-and-swap of the target, and the operator's checkout of it (moved
//! when clean, never touched when dirty).

use crate::common::{TestRepo, commit_file, read, rev, write};
use crate::support::git;
use czar::adapters::git::{Git, MergeStyle, Moved};
use std::path::Path;

/// A repo with `czar/a` and `czar/b` branched from main, each adding its own line to
/// `shared.txt` (so they conflict) and a file of its own.
fn two_branches() -> (TestRepo, Git) {
    let repo = TestRepo::new();
    commit_file(&repo.root, "shared.txt", "base\n", "shared");
    for name in ["a", "b"] {
        git(
            &repo.root,
            &["checkout", "-q", "-b", &format!("czar/{name}"), "main"],
        );
        commit_file(&repo.root, "shared.txt", &format!("base\n{name}\n"), name);
        commit_file(&repo.root, &format!("{name}.txt"), name, name);
    }
    git(&repo.root, &["checkout", "-q", "main"]);
    let g = Git::discover(&repo.root).unwrap();
    (repo, g)
}

#[test]
fn a_clean_merge_is_made_in_the_integration_worktree_and_moves_no_ref() {
    let (repo, g) = two_branches();
    let wt = repo.wt("land");
    let main_before = rev(&repo.root, "main");
    let m = g
        .land_merge(&wt, "main", "czar/a", MergeStyle::Merge, "land a\n")
        .unwrap();
    assert_eq!(m.from, main_before);
    let to = m.to.expect("merged");
    // main was behind the branch: a fast-forward to the branch's tip.
    assert_eq!(to, rev(&repo.root, "czar/a"));
    assert_eq!(rev(&repo.root, "main"), main_before, "no ref moved");
    assert_eq!(read(&wt.join("a.txt")), "a");
    assert!(
        !repo.root.join("a.txt").exists(),
        "the user's tree is untouched"
    );
}

#[test]
fn a_conflict_names_its_files_with_hunks_and_the_landed_task_that_touched_them() {
    let (repo, g) = two_branches();
    let wt = repo.wt("land");
    // The user's checkout of main is clean: it moves along with the landing.
    let a = g
        .land_merge(&wt, "main", "czar/a", MergeStyle::Merge, "land a\n")
        .unwrap();
    let to = a.to.unwrap();
    assert_eq!(g.move_target("main", &a.from, &to).unwrap(), Moved::Done);
    assert_eq!(
        read(&repo.root.join("a.txt")),
        "a",
        "checkout brought along"
    );
    assert_eq!(git(&repo.root, &["status", "--porcelain"]), "");
    let b = g
        .land_merge(&wt, "main", "czar/b", MergeStyle::Merge, "land b\n")
        .unwrap();
    assert_eq!(b.to, None);
    assert_eq!(b.conflicts, vec!["shared.txt".to_string()]);
    assert!(
        b.hunks.contains("<<<<<<<") && b.hunks.contains(">>>>>>>"),
        "{}",
        b.hunks
    );
    let landed = vec![
        ("a".to_string(), a.from.clone(), to),
        // A landing that touched another file only.
        (
            "other".to_string(),
            rev(&repo.root, "czar/a~1"),
            rev(&repo.root, "czar/a"),
        ),
    ];
    let first = g.landed_touching("czar/b", &b.conflicts, &landed);
    assert_eq!(first, vec!["a".to_string()]);
}

#[test]
fn squash_and_rebase_put_the_branch_on_the_target() {
    for style in [MergeStyle::Squash, MergeStyle::Rebase] {
        let (repo, g) = two_branches();
        // main moves on, so neither is a fast-forward.
        commit_file(&repo.root, "other.txt", "x", "other");
        let wt = repo.wt("land");
        let m = g
            .land_merge(&wt, "main", "czar/a", style, "land a\n")
            .unwrap();
        let to = m.to.expect("merged");
        let parents = git(&repo.root, &["rev-list", "--parents", "-n", "1", &to]);
        assert_eq!(
            parents.split_whitespace().count(),
            2,
            "one parent: {style:?}"
        );
        let main = rev(&repo.root, "main");
        assert!(git(&repo.root, &["merge-base", "--is-ancestor", &main, &to]).is_empty());
        assert_eq!(read(&wt.join("a.txt")), "a");
        assert_eq!(read(&wt.join("other.txt")), "x");
    }
}

#[test]
fn the_target_moves_only_from_the_verified_commit() {
    let (repo, g) = two_branches();
    // Not checked out anywhere: the user works on another branch.
    git(&repo.root, &["checkout", "-q", "-b", "mine"]);
    let wt = repo.wt("land");
    let m = g
        .land_merge(&wt, "main", "czar/a", MergeStyle::Merge, "land a\n")
        .unwrap();
    let to = m.to.unwrap();
    // Someone moves main meanwhile: the swap refuses, main stays where they put it.
    git(&repo.root, &["branch", "-f", "main", "czar/b"]);
    let moved_to = rev(&repo.root, "main");
    assert_eq!(
        g.move_target("main", &m.from, &to).unwrap(),
        Moved::Stale(moved_to.clone())
    );
    assert_eq!(rev(&repo.root, "main"), moved_to);
    // From the right commit it moves, and asking again is harmless.
    git(&repo.root, &["branch", "-f", "main", &m.from]);
    assert_eq!(g.move_target("main", &m.from, &to).unwrap(), Moved::Done);
    assert_eq!(rev(&repo.root, "main"), to);
    assert_eq!(g.move_target("main", &m.from, &to).unwrap(), Moved::Done);
    assert!(g.delete_branch("czar/a").unwrap());
    assert!(!g.branch_exists("czar/a"));
}

#[test]
fn a_dirty_checkout_of_the_target_is_never_touched() {
    let (repo, g) = two_branches();
    let wt = repo.wt("land");
    let m = g
        .land_merge(&wt, "main", "czar/a", MergeStyle::Merge, "land a\n")
        .unwrap();
    let to = m.to.unwrap();
    write(&repo.root.join("README.md"), "my own edit\n");
    let head = rev(&repo.root, "main");
    let status = git(&repo.root, &["status", "--porcelain"]);
    match g.move_target("main", &m.from, &to).unwrap() {
        Moved::Blocked(why) => {
            assert!(
                why.contains("uncommitted changes") && why.contains("README.md"),
                "{why}"
            )
        }
        other => panic!("moved a dirty checkout: {other:?}"),
    }
    assert_eq!(rev(&repo.root, "main"), head);
    assert_eq!(git(&repo.root, &["status", "--porcelain"]), status);
    assert_eq!(read(&repo.root.join("README.md")), "my own edit\n");
    assert!(!repo.root.join("a.txt").exists());
    // Clean again (untracked files do not count), it moves.
    git(&repo.root, &["checkout", "--", "README.md"]);
    write(&repo.root.join("notes.txt"), "untracked\n");
    assert_eq!(g.move_target("main", &m.from, &to).unwrap(), Moved::Done);
    assert_eq!(read(&repo.root.join("a.txt")), "a");
    assert_eq!(read(&repo.root.join("notes.txt")), "untracked\n");
}

/// A czar killed while it brought the operator's checkout of the target along leaves it
/// half-way: some files at the landed commit, the ref not moved, which reads as uncommitted
/// changes. The next try finishes it when its note says that move was under way and every
/// changed file is one side's or the other's; a file anyone edited since stops it, untouched.
#[test]
fn a_checkout_left_half_way_by_a_killed_czar_is_finished_and_an_edit_since_is_kept() {
    let (repo, g) = two_branches();
    let wt = repo.wt("land");
    let m = g
        .land_merge(&wt, "main", "czar/a", MergeStyle::Merge, "land a\n")
        .unwrap();
    let to = m.to.unwrap();
    // What the killed checkout did: the note, then one of the move's two files (shared.txt,
    // a.txt) written and staged.
    let note = repo.root.join(".git/czar-bringing");
    std::fs::write(&note, format!("{} {to}\n", m.from)).unwrap();
    write(&repo.root.join("shared.txt"), "base\na\n");
    git(&repo.root, &["add", "shared.txt"]);
    // An edit since, to a file of the move: neither side's, so nothing is touched.
    write(&repo.root.join("a.txt"), "mine\n");
    match g.move_target("main", &m.from, &to).unwrap() {
        Moved::Blocked(why) => assert!(why.contains("uncommitted changes"), "{why}"),
        other => panic!("moved over the operator's edit: {other:?}"),
    }
    assert_eq!(read(&repo.root.join("a.txt")), "mine\n");
    assert_eq!(rev(&repo.root, "main"), m.from);
    // Without it, the half-way checkout is finished and the target moves.
    std::fs::remove_file(repo.root.join("a.txt")).unwrap();
    assert_eq!(g.move_target("main", &m.from, &to).unwrap(), Moved::Done);
    assert_eq!(rev(&repo.root, "main"), to);
    assert_eq!(read(&repo.root.join("a.txt")), "a");
    assert_eq!(read(&repo.root.join("shared.txt")), "base\na\n");
    assert_eq!(git(&repo.root, &["status", "--porcelain"]), "");
    assert!(!note.exists());
    // Without a note the same half-way tree is somebody's changes, as before.
    let (repo, g) = two_branches();
    let wt = repo.wt("land");
    let m = g
        .land_merge(&wt, "main", "czar/a", MergeStyle::Merge, "land a\n")
        .unwrap();
    write(&repo.root.join("shared.txt"), "base\na\n");
    let to = m.to.unwrap();
    assert!(matches!(
        g.move_target("main", &m.from, &to).unwrap(),
        Moved::Blocked(_)
    ));
    assert_eq!(read(&repo.root.join("shared.txt")), "base\na\n");
}

/// Killed before it staged anything, the checkout leaves the move's new files written but
/// untracked: nothing tracked reads as changed, and a safe checkout refuses to overwrite them
/// (seen in CI as "2 conflicts prevent checkout", for ever). With its note they are finished;
/// an untracked file of someone else's in the way still stops it, untouched.
#[test]
fn a_checkout_killed_before_it_staged_anything_is_finished_too() {
    let (repo, g) = two_branches();
    let wt = repo.wt("land");
    let m = g
        .land_merge(&wt, "main", "czar/a", MergeStyle::Merge, "land a\n")
        .unwrap();
    let to = m.to.unwrap();
    let note = repo.root.join(".git/czar-bringing");
    std::fs::write(&note, format!("{} {to}\n", m.from)).unwrap();
    // Someone's own a.txt in the way: neither side's, so nothing moves.
    write(&repo.root.join("a.txt"), "mine\n");
    assert!(matches!(
        g.move_target("main", &m.from, &to).unwrap(),
        Moved::Blocked(_)
    ));
    assert_eq!(read(&repo.root.join("a.txt")), "mine\n");
    assert_eq!(rev(&repo.root, "main"), m.from);
    // What the killed checkout wrote instead: a.txt as landed, not staged.
    write(&repo.root.join("a.txt"), "a");
    assert_eq!(g.move_target("main", &m.from, &to).unwrap(), Moved::Done);
    assert_eq!(rev(&repo.root, "main"), to);
    assert_eq!(read(&repo.root.join("shared.txt")), "base\na\n");
    assert_eq!(git(&repo.root, &["status", "--porcelain"]), "");
    assert!(!note.exists());
    // Without the note, the same untracked file in the way is someone's: nothing moves.
    let (repo, g) = two_branches();
    let wt = repo.wt("land");
    let m = g
        .land_merge(&wt, "main", "czar/a", MergeStyle::Merge, "land a\n")
        .unwrap();
    let to = m.to.unwrap();
    write(&repo.root.join("a.txt"), "a");
    assert!(matches!(
        g.move_target("main", &m.from, &to).unwrap(),
        Moved::Blocked(_)
    ));
    assert_eq!(rev(&repo.root, "main"), m.from);
}

/// After a restart the landing is merged anew, as a commit of another id: the half-way move
/// the note names went to the old one. Files at that commit are the czar's own too, and are
/// brought to the new one.
#[test]
fn a_half_way_move_to_a_landing_since_merged_anew_is_finished() {
    let (repo, g) = two_branches();
    let wt = repo.wt("land");
    let before = g
        .land_merge(&wt, "main", "czar/a", MergeStyle::Squash, "land a\n")
        .unwrap();
    let old_to = before.to.unwrap();
    let again = g
        .land_merge(&wt, "main", "czar/a", MergeStyle::Squash, "land a, again\n")
        .unwrap();
    let to = again.to.unwrap();
    assert_ne!(old_to, to);
    let note = repo.root.join(".git/czar-bringing");
    std::fs::write(&note, format!("{} {old_to}\n", before.from)).unwrap();
    // What the killed move did: a.txt written, not staged.
    write(&repo.root.join("a.txt"), "a");
    assert_eq!(
        g.move_target("main", &again.from, &to).unwrap(),
        Moved::Done
    );
    assert_eq!(rev(&repo.root, "main"), to);
    assert_eq!(read(&repo.root.join("shared.txt")), "base\na\n");
    assert_eq!(git(&repo.root, &["status", "--porcelain"]), "");
    assert!(!note.exists());
}

/// After a restart another landing may move the target first: the files the interrupted move
/// wrote for the first are the czar's own, and go, so they are not left untracked in the way of
/// that first task's landing later.
#[test]
fn a_half_way_move_overtaken_by_another_landing_leaves_nothing_behind() {
    let (repo, g) = two_branches();
    let wt = repo.wt("land");
    let a = g
        .land_merge(&wt, "main", "czar/a", MergeStyle::Merge, "land a\n")
        .unwrap();
    let note = repo.root.join(".git/czar-bringing");
    std::fs::write(&note, format!("{} {}\n", a.from, a.to.unwrap())).unwrap();
    // What the killed move to a did: a.txt written, shared.txt written and staged.
    write(&repo.root.join("a.txt"), "a");
    write(&repo.root.join("shared.txt"), "base\na\n");
    git(&repo.root, &["add", "shared.txt"]);
    let b = g
        .land_merge(&wt, "main", "czar/b", MergeStyle::Merge, "land b\n")
        .unwrap();
    let to = b.to.unwrap();
    assert_eq!(g.move_target("main", &b.from, &to).unwrap(), Moved::Done);
    assert_eq!(rev(&repo.root, "main"), to);
    assert_eq!(read(&repo.root.join("shared.txt")), "base\nb\n");
    assert_eq!(read(&repo.root.join("b.txt")), "b");
    assert!(!repo.root.join("a.txt").exists());
    assert_eq!(git(&repo.root, &["status", "--porcelain"]), "");
    assert!(!note.exists());
}

/// Killed after the checkout was brought but before the ref moved: the note stays until the
/// ref has moved, so when another landing goes first, the first one's files (all written and
/// staged) are still known for the czar's and make way.
#[test]
fn a_checkout_brought_whose_ref_never_moved_makes_way_for_another_landing() {
    let (repo, g) = two_branches();
    let wt = repo.wt("land");
    let a = g
        .land_merge(&wt, "main", "czar/a", MergeStyle::Merge, "land a\n")
        .unwrap();
    let to_a = a.to.unwrap();
    // The move to a, done up to the ref: a kill here leaves main's checkout at a.
    git(&repo.root, &["read-tree", "-u", "-m", &a.from, &to_a]);
    let note = repo.root.join(".git/czar-bringing");
    std::fs::write(&note, format!("{} {to_a}\n", a.from)).unwrap();
    assert_eq!(rev(&repo.root, "main"), a.from);
    let b = g
        .land_merge(&wt, "main", "czar/b", MergeStyle::Merge, "land b\n")
        .unwrap();
    let to = b.to.unwrap();
    assert_eq!(g.move_target("main", &b.from, &to).unwrap(), Moved::Done);
    assert_eq!(read(&repo.root.join("shared.txt")), "base\nb\n");
    assert!(!repo.root.join("a.txt").exists());
    assert_eq!(git(&repo.root, &["status", "--porcelain"]), "");
    assert!(!note.exists());
}

/// A czar killed inside the checkout can leave its `index.lock`: made while the noted move
/// was under way and older than any write takes, it is removed and the move goes on. One made
/// at another time may be the operator's (`git commit` holds it while its editor is open) and
/// is left alone, the landing waiting and saying why.
#[test]
fn an_index_lock_left_by_a_killed_move_is_removed_and_no_other() {
    use std::time::{Duration, SystemTime, UNIX_EPOCH};
    let ago = |secs: u64| SystemTime::now() - Duration::from_secs(secs);
    let ms = |t: SystemTime| t.duration_since(UNIX_EPOCH).unwrap().as_millis();
    let lock_made = |root: &Path, at: SystemTime| {
        let f = std::fs::File::create(root.join(".git/index.lock")).unwrap();
        f.set_modified(at).unwrap();
    };
    let (repo, g) = two_branches();
    let wt = repo.wt("land");
    let a = g
        .land_merge(&wt, "main", "czar/a", MergeStyle::Merge, "land a\n")
        .unwrap();
    let to = a.to.unwrap();
    let note = repo.root.join(".git/czar-bringing");
    std::fs::write(&note, format!("{} {to} {}\n", a.from, ms(ago(60)))).unwrap();
    // Made two minutes before the move began: not the move's.
    lock_made(&repo.root, ago(120));
    match g.move_target("main", &a.from, &to).unwrap() {
        Moved::Blocked(why) => assert!(why.contains("locked"), "{why}"),
        other => panic!("a lock of someone else's was taken away: {other:?}"),
    }
    assert!(repo.root.join(".git/index.lock").exists());
    assert_eq!(rev(&repo.root, "main"), a.from);
    // Made during the move, 59 s ago: the killed czar's.
    lock_made(&repo.root, ago(59));
    assert_eq!(g.move_target("main", &a.from, &to).unwrap(), Moved::Done);
    assert!(!repo.root.join(".git/index.lock").exists());
    assert_eq!(read(&repo.root.join("a.txt")), "a");
    assert_eq!(git(&repo.root, &["status", "--porcelain"]), "");
    assert!(!note.exists());
}

/// A czar killed inside the target's swap leaves `refs/heads/<into>.lock`: once older than any
/// write takes it is removed and the swap goes through; a fresh one is somebody's write.
#[test]
fn a_stale_lock_on_the_targets_ref_is_removed_and_a_fresh_one_respected() {
    use std::time::{Duration, SystemTime};
    let (repo, g) = two_branches();
    let wt = repo.wt("land");
    let a = g
        .land_merge(&wt, "main", "czar/a", MergeStyle::Merge, "land a\n")
        .unwrap();
    let to = a.to.unwrap();
    let lock = repo.root.join(".git/refs/heads/main.lock");
    let file = std::fs::File::create(&lock).unwrap();
    assert!(g.move_target("main", &a.from, &to).is_err());
    assert_eq!(rev(&repo.root, "main"), a.from);
    file.set_modified(SystemTime::now() - Duration::from_secs(30))
        .unwrap();
    assert_eq!(g.move_target("main", &a.from, &to).unwrap(), Moved::Done);
    assert_eq!(rev(&repo.root, "main"), to);
    assert!(!lock.exists());
}
