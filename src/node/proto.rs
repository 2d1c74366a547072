//! The line protocol between the czar and a `czar node` on another host: one JSON value per
//! line, each way, over the standard input and output of the one `ssh host czar node` process.
//!
//! The czar speaks first (`hello`); the node answers with its own `hello` or a refusal naming
//! both versions, then serves requests, each with an id its reply repeats, and pushes events
//! (a pane printed, a pane's program exited, a branch tip moved) so the czar never polls.
//! Pure: encoding, decoding and the version check; the reading of lines is in `wire`.
//!
//! Text for the panes is data here (a JSON string or bytes), never a shell word, and an agent's
//! environment travels inside a `spawn` request: it never reaches a command line.

use serde::{Deserialize, Serialize};

/// Bumped whenever a message changes shape; both sides must speak the same one.
pub const PROTOCOL: u32 = 1;
/// The longest line either side accepts: a paste of a long task, or a hundred screens in one
/// reply, fit well under it; anything longer is a broken or hostile peer.
pub const MAX_LINE: usize = 8 << 20;

/// Who is speaking, and which protocol: the first line each way.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Hello {
    /// The czar version (`CARGO_PKG_VERSION`) of the sender.
    pub czar: String,
    pub protocol: u32,
    /// Sent by the node: the absolute folder it keeps, and its clone in it (for git over ssh).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dir: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repo: Option<String>,
}

impl Hello {
    /// This build's greeting.
    pub fn ours() -> Hello {
        Hello {
            czar: env!("CARGO_PKG_VERSION").to_string(),
            protocol: PROTOCOL,
            dir: None,
            repo: None,
        }
    }

    /// Whether a peer greeting `theirs` can be served: the protocol versions must match.
    pub fn check(&self, theirs: &Hello) -> Result<(), ProtoError> {
        if self.protocol == theirs.protocol {
            return Ok(());
        }
        Err(ProtoError::Version {
            ours: self.protocol,
            ours_czar: self.czar.clone(),
            theirs: theirs.protocol,
            theirs_czar: theirs.czar.clone(),
        })
    }
}

/// Czar → node.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ToNode {
    Hello(Hello),
    Req { id: u64, op: Op },
}

/// Node → czar.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FromNode {
    Hello(Hello),
    /// The node will not serve this czar (a version mismatch): why, then it exits.
    Refused {
        reason: String,
    },
    Reply(Reply),
    Event(Event),
}

/// The answer to request `id`: its result or why it failed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reply {
    pub id: u64,
    #[serde(flatten)]
    pub result: Outcome,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Ok(Answer),
    Err(String),
}

/// Which key submits a prompt (the adapter's `SubmitKey`, as data).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Submit {
    Enter,
    CarriageReturn,
}

/// How to start one agent session on the node.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Spawn {
    /// The worker this session is: names its output log, and its output events.
    pub worker: u32,
    pub session: String,
    /// The worktree (a name under the node's folder, made by `worktree`) it runs in.
    pub worktree: String,
    pub command: Vec<String>,
    /// The agent's environment: written 0600 on the node, handed over by `czar pane-log`.
    pub env: Vec<(String, String)>,
    pub width: u16,
    pub height: u16,
}

/// Names only: a debug print must not carry the environment's values.
impl std::fmt::Debug for Spawn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let env: Vec<&str> = self.env.iter().map(|(k, _)| k.as_str()).collect();
        f.debug_struct("Spawn")
            .field("worker", &self.worker)
            .field("session", &self.session)
            .field("worktree", &self.worktree)
            .field("command", &self.command)
            .field("env", &env)
            .finish()
    }
}

/// What the czar asks of a node.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Op {
    Spawn(Spawn),
    Kill {
        session: String,
    },
    Exists {
        session: String,
    },
    List,
    Read {
        targets: Vec<String>,
    },
    Capture {
        target: String,
        ansi: bool,
    },
    /// Bytes as one bracketed paste, not submitted.
    Paste {
        target: String,
        text: Vec<u8>,
    },
    Submit {
        target: String,
        key: Submit,
    },
    Key {
        target: String,
        key: String,
    },
    Literal {
        target: String,
        text: String,
    },
    /// Brings `branches` from `url` (the czar's repository) into the node's clone, cloning it
    /// first when there is none.
    Sync {
        url: String,
        branches: Vec<String>,
    },
    /// Puts worktree `name` (under the node's folder) on `branch`, made from `base` if new.
    Worktree {
        name: String,
        branch: String,
        base: String,
    },
    /// A branch's tip in the node's clone.
    Tip {
        branch: String,
    },
    /// The branch worktree `worktree` has checked out (before a paste: the agent must work
    /// on its task's branch).
    BranchAt {
        worktree: String,
    },
    /// A task's verify: `command` through `sh -c` in worktree `worktree`, its whole process
    /// group ended after `timeout_secs`.
    Run {
        worktree: String,
        command: String,
        timeout_secs: u64,
    },
}

/// A pane on the node (the adapter's `PaneInfo`, as data).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pane {
    pub session: String,
    pub pane_id: String,
    pub pane_pid: u32,
    pub dead: bool,
    pub dead_status: Option<i32>,
    pub dead_signal: Option<i32>,
    pub current_command: String,
    pub title: String,
    pub activity: i64,
    pub width: u16,
    pub height: u16,
    pub attached: bool,
}

/// One screen read (the adapter's `PaneScreen`, as data).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Screen {
    pub dead: bool,
    pub title: String,
    pub text: String,
}

/// What a request gives back.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Answer {
    Done,
    Bool(bool),
    Panes(Vec<Pane>),
    Screens(Vec<Result<Screen, String>>),
    Text(String),
    /// A commit id, or none.
    Tip(Option<String>),
    /// A worktree: whether it is there, and the branch it has checked out (none: detached).
    At {
        present: bool,
        branch: Option<String>,
    },
    /// Whether a command passed, and what it printed.
    Ran {
        passed: bool,
        output: String,
    },
}

/// What a node tells the czar without being asked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Event {
    /// Worker `worker`'s pane printed since the last such event for it.
    Output { worker: u32 },
    /// A session's program exited (its pane stays, dead).
    Exited {
        session: String,
        status: Option<i32>,
    },
    /// A branch in the node's clone moved to `tip` (`None`: deleted).
    Tip { branch: String, tip: Option<String> },
    /// A worker there signalled (`czar done`, `czar report`, a hook): its inbox row as written,
    /// for the czar's own inbox.
    Signal {
        worker: u32,
        kind: String,
        text: String,
    },
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ProtoError {
    #[error("a protocol line of {len} bytes is longer than the {max} allowed")]
    TooLong { len: usize, max: usize },
    #[error("not a protocol message: {0}")]
    Malformed(String),
    #[error(
        "protocol mismatch: this czar {ours_czar} speaks node protocol {ours}, the other side \
         (czar {theirs_czar}) speaks {theirs}; install the same czar version on both machines"
    )]
    Version {
        ours: u32,
        ours_czar: String,
        theirs: u32,
        theirs_czar: String,
    },
}

/// One message as one line, newline included.
pub fn encode<T: Serialize>(msg: &T) -> String {
    // Plain data with string keys: serializing cannot fail.
    let mut line = serde_json::to_string(msg).unwrap_or_default();
    line.push('\n');
    line
}

/// One line (with or without its newline) as a message; too long or not ours is an error.
pub fn decode<T: for<'de> Deserialize<'de>>(line: &[u8]) -> Result<T, ProtoError> {
    if line.len() > MAX_LINE {
        return Err(ProtoError::TooLong {
            len: line.len(),
            max: MAX_LINE,
        });
    }
    let line = line.strip_suffix(b"\n").unwrap_or(line);
    serde_json::from_slice(line).map_err(|e| ProtoError::Malformed(e.to_string()))
}

/// The id of a request this build could not read (an op from a newer czar), so the node can
/// still answer it with an error instead of leaving the czar waiting.
pub fn request_id(line: &[u8]) -> Option<u64> {
    let v: serde_json::Value = serde_json::from_slice(line).ok()?;
    v.get("req")?.get("id")?.as_u64()
}

#[cfg(test)]
#[path = "proto_tests.rs"]
mod tests;
