//! A branch's changes as a unified diff, for the operator to read (the Landing panel's diff key).

use git2::{DiffFormat, DiffOptions, ErrorCode};

use super::error::{GitContext, GitError};
use super::{Git, resolve_commit};

/// A diff longer than this is cut: a pager or the built-in view is for reading, not for
/// carrying a generated file of megabytes.
const MAX_BYTES: usize = 4 << 20;

impl Git {
    /// What `to` changed since its fork from `from` (`git diff from...to`), as patch text.
    pub fn diff_text(&self, from: &str, to: &str) -> Result<String, GitError> {
        let repo = self.repo();
        let base = resolve_commit(&repo, from)?;
        let tip = resolve_commit(&repo, to)?;
        let doing = |what: &str| format!("{what} for {from}...{to}");
        let fork_tree = match repo.merge_base(base.id(), tip.id()) {
            Ok(oid) => Some(repo.find_commit(oid).and_then(|c| c.tree())),
            // Unrelated histories: all of `to` is new.
            Err(e) if e.code() == ErrorCode::NotFound => None,
            Err(e) => Some(Err(e)),
        }
        .transpose()
        .doing(&self.root, || doing("finding the merge base"))?;
        let tip_tree = tip.tree().doing(&self.root, || doing("reading the tree"))?;
        let mut opts = DiffOptions::new();
        opts.context_lines(3);
        let diff = repo
            .diff_tree_to_tree(fork_tree.as_ref(), Some(&tip_tree), Some(&mut opts))
            .doing(&self.root, || doing("diffing"))?;
        let mut text = Vec::new();
        let mut cut = false;
        diff.print(DiffFormat::Patch, |_, _, line| {
            if text.len() > MAX_BYTES {
                cut = true;
                return false;
            }
            // Context, added and removed lines carry their mark apart from their content.
            if matches!(line.origin(), ' ' | '+' | '-') {
                text.push(line.origin() as u8);
            }
            text.extend_from_slice(line.content());
            true
        })
        .or_else(|e| if cut { Ok(()) } else { Err(e) })
        .doing(&self.root, || doing("printing the diff"))?;
        let mut text = String::from_utf8_lossy(&text).into_owned();
        if cut {
            text.push_str("\n… (diff cut at 4 MiB)\n");
        }
        Ok(text)
    }
}
