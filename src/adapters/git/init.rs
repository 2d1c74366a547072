use std::path::Path;

use git2::{IndexAddOption, Repository, RepositoryInitOptions};

use super::error::GitContext;
use super::{GitError, signature};

/// Makes a new repository at `path` on `branch` with everything in the folder as its first
/// commit (the demo's sandbox).
pub fn init_repo(path: &Path, branch: &str, message: &str) -> Result<(), GitError> {
    let mut opts = RepositoryInitOptions::new();
    opts.initial_head(branch);
    let repo =
        Repository::init_opts(path, &opts).doing(path, || "initialising a repository".into())?;
    let mut index = repo.index().doing(path, || "opening the index".into())?;
    index
        .add_all(["*"], IndexAddOption::DEFAULT, None)
        .doing(path, || "adding files".into())?;
    index.write().doing(path, || "writing the index".into())?;
    let tree_id = index
        .write_tree()
        .doing(path, || "writing the tree".into())?;
    let tree = repo
        .find_tree(tree_id)
        .doing(path, || "reading the tree".into())?;
    let sig =
        signature::signature_for(&repo).doing(path, || "choosing a commit identity".into())?;
    repo.commit(Some("HEAD"), &sig, &sig, message, &tree, &[])
        .doing(path, || "making the first commit".into())?;
    Ok(())
}
