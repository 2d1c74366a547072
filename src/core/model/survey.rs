//! The latest look at overlapping work and predicted conflicts, as the engine's survey found it.

use super::WorkerId;
use std::collections::{BTreeMap, BTreeSet};

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Survey {
    /// Pairs of workers whose current work (on the branch or uncommitted) changes the same files.
    pub overlaps: Vec<Overlap>,
    /// Merges that would conflict, and in which files.
    pub conflicts: Vec<Conflict>,
    /// Files changed by more than one task, and files changed by any task.
    pub shared_files: usize,
    pub changed_files: usize,
    /// What each active worker's work touches so far (for the status file).
    pub touched: BTreeMap<WorkerId, BTreeSet<String>>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Overlap {
    pub workers: (WorkerId, WorkerId),
    pub files: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conflict {
    pub left: String,
    pub right: String,
    pub files: Vec<String>,
}
