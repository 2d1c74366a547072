use std::time::Duration;

/// Everything that can go wrong while driving tmux.
#[derive(Debug, thiserror::Error)]
pub enum TmuxError {
    /// The `tmux` binary could not be found (spawn failed with "not found").
    #[error("tmux is not installed (could not run {program:?})")]
    NotInstalled { program: String },

    /// Spawning tmux or talking to its pipes failed for another reason.
    #[error("could not run tmux {subcommand}: {source}")]
    Io {
        subcommand: String,
        #[source]
        source: std::io::Error,
    },

    /// tmux did not finish in time; the client process was killed.
    #[error("tmux {subcommand} timed out after {timeout:?}")]
    Timeout {
        subcommand: String,
        timeout: Duration,
    },

    /// tmux ran and reported failure.
    #[error("tmux {subcommand} failed ({}): {stderr}", describe_status(*.status))]
    Failed {
        subcommand: String,
        /// Exit code; `None` when tmux was killed by a signal.
        status: Option<i32>,
        stderr: String,
    },

    /// tmux succeeded but printed something we could not understand.
    #[error("tmux {subcommand}: unexpected output: {detail}")]
    Parse { subcommand: String, detail: String },

    /// The caller asked for something tmux cannot represent; nothing was run.
    #[error("invalid tmux request: {0}")]
    Invalid(String),
}

fn describe_status(status: Option<i32>) -> String {
    match status {
        Some(code) => format!("exit status {code}"),
        None => "killed by a signal".to_string(),
    }
}

impl TmuxError {
    /// True when the failure only means "there is no tmux server on that socket"
    /// (never started, or its socket file is stale). Callers treat this as an
    /// empty fleet rather than an error.
    pub fn is_no_server(&self) -> bool {
        match self {
            TmuxError::Failed { stderr, .. } => stderr_says_no_server(stderr),
            _ => false,
        }
    }

    /// True when the session, window or pane named in the request does not exist.
    pub fn is_not_found(&self) -> bool {
        match self {
            TmuxError::Failed { stderr, .. } => {
                stderr.contains("can't find") || stderr.contains("no such")
            }
            _ => false,
        }
    }
}

/// tmux 3.x words this two ways: "no server running on <path>" once a server
/// has been there, "error connecting to <path> (No such file or directory)"
/// when the socket never existed; a stale socket gives "Connection refused".
/// "server exited unexpectedly" is what a client gets when it connects while
/// the server is shutting down (e.g. right after kill-server returned).
pub(super) fn stderr_says_no_server(stderr: &str) -> bool {
    stderr.contains("no server running")
        || stderr.contains("server exited unexpectedly")
        || (stderr.contains("error connecting to")
            && (stderr.contains("No such file or directory")
                || stderr.contains("Connection refused")))
}
