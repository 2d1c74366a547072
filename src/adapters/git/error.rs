use std::path::{Path, PathBuf};

/// Everything the git adapter can fail with. Each message names what was being attempted and on
/// which path or branch, so an operator can act on it without reading logs.
#[derive(Debug, thiserror::Error)]
pub enum GitError {
    #[error("cannot open a git repository at {path}: {source}")]
    Open { path: PathBuf, source: git2::Error },

    #[error("{path} belongs to a bare repository; czar needs a main working directory")]
    Bare { path: PathBuf },

    #[error("HEAD of the main worktree {root} is detached; check out a branch there first")]
    DetachedHead { root: PathBuf },

    #[error("branch {branch} in {root} has no commits yet; make a first commit before using czar")]
    UnbornBranch { root: PathBuf, branch: String },

    #[error("cannot resolve `{rev}` to a commit in {repo}: {source}")]
    Resolve {
        rev: String,
        repo: PathBuf,
        source: git2::Error,
    },

    #[error("`{name}` is not usable as a {what} name")]
    InvalidName { name: String, what: &'static str },

    #[error(
        "{path} already exists and is not a worktree of {repo}; move it away or pick another path"
    )]
    PathOccupied { path: PathBuf, repo: PathBuf },

    #[error("{path} is not a linked worktree of {repo}")]
    NotOurWorktree { path: PathBuf, repo: PathBuf },

    #[error("worktree name `{name}` is already registered for {other}; cannot reuse it for {path}")]
    NameTaken {
        name: String,
        path: PathBuf,
        other: PathBuf,
    },

    #[error("worktree at {path} is registered but locked; unlock it (git worktree unlock) first")]
    Locked { path: PathBuf },

    #[error(
        "branch {branch} is already checked out in {other}; cannot also check it out in {path}"
    )]
    CheckedOutElsewhere {
        branch: String,
        path: PathBuf,
        other: PathBuf,
    },

    #[error("worktree {path} still has uncommitted changes after checking out {branch}")]
    StillDirty { path: PathBuf, branch: String },

    #[error("{action} in {path}: {source}")]
    Git {
        action: String,
        path: PathBuf,
        source: git2::Error,
    },

    #[error("{action} {path}: {source}")]
    Io {
        action: String,
        path: PathBuf,
        source: std::io::Error,
    },

    #[error("cannot watch refs under {path}: {source}")]
    Watch {
        path: PathBuf,
        source: notify::Error,
    },
}

/// Attaches "what were we doing, where" to a raw libgit2 error.
pub(super) trait GitContext<T> {
    fn doing(self, path: &Path, action: impl FnOnce() -> String) -> Result<T, GitError>;
}

impl<T> GitContext<T> for Result<T, git2::Error> {
    fn doing(self, path: &Path, action: impl FnOnce() -> String) -> Result<T, GitError> {
        self.map_err(|source| GitError::Git {
            action: action(),
            path: path.to_path_buf(),
            source,
        })
    }
}

pub(super) fn io_error(action: &str, path: &Path, source: std::io::Error) -> GitError {
    GitError::Io {
        action: action.to_string(),
        path: path.to_path_buf(),
        source,
    }
}
