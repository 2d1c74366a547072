//! Landing against real repositories: the merge in the integration worktree, conflicts with
//! their hunks, the compare-and-swap of the target, and the operator's checkout of it (moved
//! when clean, never touched when dirty).

use crate::common::{TestRepo, commit_file, read, rev, write};
use crate::support::git;
use czar::adapters::git::{Git, MergeStyle, Moved};

/// A repo with `czar/a` and `czar/b` branched from main, each adding its own line to
/// `shared.txt` (so they conflict) and a file of its own.
pub(crate) fn two_branches() -> (TestRepo, Git) {
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
