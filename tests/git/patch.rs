//! A finished branch's diff as the Landing panel shows it, from a real repository: what the
//! branch changed since its fork, not what its target gained meanwhile.

use crate::common::{TestRepo, commit_file};
use crate::support::git;
use czar::adapters::git::Git;

#[test]
fn the_diff_is_the_branchs_own_changes_since_its_fork() {
    let repo = TestRepo::new();
    commit_file(&repo.root, "shared.txt", "one\ntwo\n", "shared");
    git(&repo.root, &["checkout", "-q", "-b", "czar/a", "main"]);
    commit_file(&repo.root, "shared.txt", "one\nTWO\n", "a edits");
    commit_file(&repo.root, "new.txt", "fresh\n", "a adds");
    git(&repo.root, &["checkout", "-q", "main"]);
    // main moves on after the fork: none of that is the branch's.
    commit_file(&repo.root, "later.txt", "main's\n", "main later");
    let g = Git::discover(&repo.root).unwrap();
    let text = g.diff_text("main", "czar/a").unwrap();
    for line in [
        "diff --git a/shared.txt b/shared.txt",
        "-two",
        "+TWO",
        " one",
        "+++ b/new.txt",
        "+fresh",
    ] {
        assert!(text.lines().any(|l| l == line), "{line:?} in\n{text}");
    }
    assert!(!text.contains("later.txt"), "{text}");
    assert!(g.diff_text("main", "czar/missing").is_err());
}
