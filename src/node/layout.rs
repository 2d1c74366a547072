//! Where a node keeps things, all under its one folder, and the check that every name the czar
//! sends stays inside it.
//!
//! ```text
//! DIR/repo.git        the node's clone (bare; the czar pushes to it, fetches task branches back)
//! DIR/worktrees/NAME  a worker's worktree
//! DIR/logs/           the agents' output logs (czar pane-log), watched for output events
//! DIR/env/            agents' environment files, 0600, deleted by pane-log once read
//! DIR/state/          the inbox the agents signal to (czar done), forwarded to the czar
//! DIR/tmux.sock       the node's own tmux server
//! ```

use std::path::{Path, PathBuf};

#[derive(Debug, Clone)]
pub struct Layout {
    pub dir: PathBuf,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum LayoutError {
    #[error("{what} {name:?} is refused: a node takes plain names that stay inside its folder")]
    Outside { what: &'static str, name: String },
}

impl Layout {
    /// Makes the folders (0700) under `dir`, which must be absolute.
    pub fn open(dir: &Path) -> std::io::Result<Layout> {
        crate::adapters::private::dir(dir)?;
        let dir = dir.canonicalize()?;
        let layout = Layout { dir };
        for d in [
            layout.worktrees(),
            layout.logs(),
            layout.env(),
            layout.state(),
        ] {
            crate::adapters::private::dir(&d)?;
        }
        Ok(layout)
    }

    pub fn repo(&self) -> PathBuf {
        self.dir.join("repo.git")
    }

    pub fn worktrees(&self) -> PathBuf {
        self.dir.join("worktrees")
    }

    pub fn logs(&self) -> PathBuf {
        self.dir.join("logs")
    }

    pub fn env(&self) -> PathBuf {
        self.dir.join("env")
    }

    /// The inbox its agents' `czar done` and `czar report` write to (forwarded to the czar).
    pub fn state(&self) -> PathBuf {
        self.dir.join("state")
    }

    pub fn socket(&self) -> PathBuf {
        self.dir.join("tmux.sock")
    }

    /// The worktree called `name`, if `name` is one plain component.
    pub fn worktree(&self, name: &str) -> Result<PathBuf, LayoutError> {
        plain("worktree", name)?;
        Ok(self.worktrees().join(name))
    }
}

/// The file name of worker `worker`'s output log (as on the czar's machine).
pub fn log_name(worker: u32) -> String {
    format!("worker-{worker}.log")
}

/// The worker whose output log this file name is.
pub fn worker_of_log(name: &std::ffi::OsStr) -> Option<u32> {
    name.to_str()?
        .strip_prefix("worker-")?
        .strip_suffix(".log")?
        .parse()
        .ok()
}

/// A single path component of letters, digits, `-`, `_` and `.`, not starting with `.` or `-`:
/// no `..`, no `/`, nothing a program could read as an option.
pub fn plain(what: &'static str, name: &str) -> Result<(), LayoutError> {
    let ok = !name.is_empty()
        && name.len() <= 200
        && !name.starts_with(['.', '-'])
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if ok {
        Ok(())
    } else {
        Err(LayoutError::Outside {
            what,
            name: name.to_string(),
        })
    }
}

/// A branch name git will take and no program reads as an option: `czar/task-1`, `main`.
pub fn branch(name: &str) -> Result<(), LayoutError> {
    let ok = name
        .split('/')
        .all(|part| plain("branch", part).is_ok() && !part.ends_with(".lock"))
        && !name.contains("..");
    if ok {
        Ok(())
    } else {
        Err(LayoutError::Outside {
            what: "branch",
            name: name.to_string(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_that_leave_the_folder_or_look_like_options_are_refused() {
        let layout = Layout {
            dir: PathBuf::from("/n"),
        };
        for bad in ["..", "../x", "/etc", "a/b", "", "-rf", ".git", "a b", "x\n"] {
            assert!(layout.worktree(bad).is_err(), "{bad:?}");
        }
        assert_eq!(
            layout.worktree("worker-1").unwrap(),
            PathBuf::from("/n/worktrees/worker-1")
        );
        for bad in [
            "../main",
            "-b",
            "a//b",
            "x/..",
            "a..b",
            "heads/x.lock",
            "/main",
        ] {
            assert!(branch(bad).is_err(), "{bad:?}");
        }
        for good in ["main", "czar/task-1", "release/1.2"] {
            assert_eq!(branch(good), Ok(()), "{good:?}");
        }
        assert_eq!(worker_of_log(std::ffi::OsStr::new(&log_name(12))), Some(12));
        assert_eq!(worker_of_log(std::ffi::OsStr::new("worker-x.log")), None);
    }
}
