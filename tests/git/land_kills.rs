//! The operator's checkout of the target when a czar is killed inside its landing's move: the
//! files half-way, ahead of the ref, or another landing's first, git's locks left behind.
//! Each test makes the state a kill there leaves, then lands.

use crate::common::{TestRepo, read, rev, write};
use crate::land::two_branches;
use crate::support::git;
use czar::adapters::git::{Git, MergeStyle, Merged, Moved};
use std::path::{Path, PathBuf};

/// `branch` merged onto main for landing, main not moved yet.
fn merged(branch: &str) -> (TestRepo, Git, Merged) {
    let (repo, g) = two_branches();
    let wt = repo.wt("land");
    let m = g
        .land_merge(&wt, "main", branch, MergeStyle::Merge, "land\n")
        .unwrap();
    (repo, g, m)
}

/// `branch` merged onto main in the same repository, as the next landing would be.
fn also_merged(repo: &TestRepo, g: &Git, branch: &str, style: MergeStyle, message: &str) -> Merged {
    g.land_merge(&repo.wt("land"), "main", branch, style, message)
        .unwrap()
}

/// The note a move from `from` to `to` leaves while under way (begun at `at` ms, if said).
fn note(repo: &TestRepo, from: &str, to: &str, at: Option<u128>) -> PathBuf {
    let note = repo.root.join(".git/czar-bringing");
    let at = at.map(|t| format!(" {t}")).unwrap_or_default();
    std::fs::write(&note, format!("{from} {to}{at}\n")).unwrap();
    note
}

/// A czar killed while it brought the operator's checkout of the target along leaves it
/// half-way: some files at the landed commit, the ref not moved, which reads as uncommitted
/// changes. The next try finishes it when its note says that move was under way and every
/// changed file is one side's or the other's; a file anyone edited since stops it, untouched.
#[test]
fn a_checkout_left_half_way_by_a_killed_czar_is_finished_and_an_edit_since_is_kept() {
    let (repo, g, m) = merged("czar/a");
    let to = m.to.clone().unwrap();
    // What the killed checkout did: the note, then one of the move's two files (shared.txt,
    // a.txt) written and staged.
    let note = note(&repo, &m.from, &to, None);
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
    let (repo, g, m) = merged("czar/a");
    let to = m.to.clone().unwrap();
    write(&repo.root.join("shared.txt"), "base\na\n");
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
    let (repo, g, m) = merged("czar/a");
    let to = m.to.clone().unwrap();
    let note = note(&repo, &m.from, &to, None);
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
    let (repo, g, m) = merged("czar/a");
    let to = m.to.clone().unwrap();
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
    let before = also_merged(&repo, &g, "czar/a", MergeStyle::Squash, "land a\n");
    let old_to = before.to.unwrap();
    let again = also_merged(&repo, &g, "czar/a", MergeStyle::Squash, "land a, again\n");
    let to = again.to.unwrap();
    assert_ne!(old_to, to);
    let note = note(&repo, &before.from, &old_to, None);
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
    let (repo, g, a) = merged("czar/a");
    let note = note(&repo, &a.from, &a.to.clone().unwrap(), None);
    // What the killed move to a did: a.txt written, shared.txt written and staged.
    write(&repo.root.join("a.txt"), "a");
    write(&repo.root.join("shared.txt"), "base\na\n");
    git(&repo.root, &["add", "shared.txt"]);
    let b = also_merged(&repo, &g, "czar/b", MergeStyle::Merge, "land b\n");
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
    let (repo, g, a) = merged("czar/a");
    let to_a = a.to.clone().unwrap();
    // The move to a, done up to the ref: a kill here leaves main's checkout at a.
    git(&repo.root, &["read-tree", "-u", "-m", &a.from, &to_a]);
    let note = note(&repo, &a.from, &to_a, None);
    assert_eq!(rev(&repo.root, "main"), a.from);
    let b = also_merged(&repo, &g, "czar/b", MergeStyle::Merge, "land b\n");
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
    let (repo, g, a) = merged("czar/a");
    let to = a.to.clone().unwrap();
    let note = note(&repo, &a.from, &to, Some(ms(ago(60))));
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
    let (repo, g, a) = merged("czar/a");
    let to = a.to.clone().unwrap();
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
