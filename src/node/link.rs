//! The czar's end of one host: ONE child process (normally the user's `ssh HOST czar node
//! --dir DIR`), its standard input and output carrying the protocol. Requests from any task go
//! out through one writer; replies find their asker by id; events go to the callback given.

use super::proto::{self, Answer, Event, FromNode, Hello, Op, Outcome, ToNode};
use super::wire;
use std::collections::HashMap;
use std::process::Stdio;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncWriteExt, BufReader};
use tokio::process::{Child, Command};
use tokio::sync::{mpsc, oneshot};

/// How long the node has to answer the czar's hello (ssh's own connecting included).
const HELLO_WAIT: Duration = Duration::from_secs(30);
/// How long one request may take (a git fetch of a large repository is the longest).
const REPLY_WAIT: Duration = Duration::from_secs(600);

#[derive(Debug, thiserror::Error)]
pub enum LinkError {
    #[error("starting {program}: {source}")]
    Spawn {
        program: String,
        source: std::io::Error,
    },
    #[error("the node refused this czar: {0}")]
    Refused(String),
    #[error(transparent)]
    Proto(#[from] proto::ProtoError),
    #[error("the node did not say hello within {0:?}")]
    NoHello(Duration),
    #[error("the connection to the node is closed")]
    Closed,
    #[error("no reply from the node within {0:?}")]
    Timeout(Duration),
    #[error("{0}")]
    Remote(String),
}

type Pending = Arc<Mutex<HashMap<u64, oneshot::Sender<Outcome>>>>;
/// What the czar does with each pushed event.
pub type OnEvent = Arc<dyn Fn(Event) + Send + Sync>;

pub struct Link {
    out: mpsc::UnboundedSender<String>,
    pending: Pending,
    next_id: AtomicU64,
    /// The node's hello: its folder and clone.
    pub hello: Hello,
    child: Mutex<Child>,
    /// Set once the node's output ended: no reply will come to anything asked after.
    closed: Arc<AtomicBool>,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl Link {
    /// Starts `cmd` and shakes hands; events from then on go to `on_event`.
    pub async fn open(mut cmd: Command, on_event: OnEvent) -> Result<Link, LinkError> {
        let program = cmd.as_std().get_program().to_string_lossy().into_owned();
        let mut child = cmd
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .map_err(|source| LinkError::Spawn { program, source })?;
        let (Some(mut stdin), Some(stdout)) = (child.stdin.take(), child.stdout.take()) else {
            return Err(LinkError::Closed);
        };
        let mut input = BufReader::new(stdout);
        let hello = proto::encode(&ToNode::Hello(Hello::ours()));
        stdin
            .write_all(hello.as_bytes())
            .await
            .map_err(|_| LinkError::Closed)?;
        let mut buf = Vec::new();
        let first = tokio::time::timeout(HELLO_WAIT, wire::read_line(&mut input, &mut buf))
            .await
            .map_err(|_| LinkError::NoHello(HELLO_WAIT))?;
        match first {
            Ok(true) => {}
            Ok(false) | Err(wire::WireError::Io(_)) => return Err(LinkError::Closed),
            Err(wire::WireError::Proto(e)) => return Err(e.into()),
        }
        let hello = match proto::decode::<FromNode>(&buf)? {
            FromNode::Hello(h) => h,
            FromNode::Refused { reason } => return Err(LinkError::Refused(reason)),
            other => return Err(LinkError::Remote(format!("expected hello, got {other:?}"))),
        };
        Hello::ours().check(&hello)?;
        let (out, rx) = mpsc::unbounded_channel();
        tokio::spawn(write_lines(stdin, rx));
        let pending: Pending = Arc::default();
        let closed = Arc::new(AtomicBool::new(false));
        let ended = Ended {
            pending: Arc::clone(&pending),
            closed: Arc::clone(&closed),
        };
        tokio::spawn(read_lines(input, ended, on_event));
        Ok(Link {
            out,
            pending,
            next_id: AtomicU64::new(1),
            hello,
            child: Mutex::new(child),
            closed,
        })
    }

    /// Sends `op` and waits for its answer.
    pub async fn ask(&self, op: Op) -> Result<Answer, LinkError> {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let (tx, rx) = oneshot::channel();
        lock(&self.pending).insert(id, tx);
        // Checked after the insertion: either the reader's end sees this asker, or this sees
        // that the reader ended.
        if self.closed.load(Ordering::SeqCst)
            || self
                .out
                .send(proto::encode(&ToNode::Req { id, op }))
                .is_err()
        {
            lock(&self.pending).remove(&id);
            return Err(LinkError::Closed);
        }
        match tokio::time::timeout(REPLY_WAIT, rx).await {
            Ok(Ok(Outcome::Ok(answer))) => Ok(answer),
            Ok(Ok(Outcome::Err(e))) => Err(LinkError::Remote(e)),
            Ok(Err(_)) => Err(LinkError::Closed),
            Err(_) => {
                lock(&self.pending).remove(&id);
                Err(LinkError::Timeout(REPLY_WAIT))
            }
        }
    }

    /// Whether the connection still stands (its process runs).
    pub fn alive(&self) -> bool {
        !self.closed.load(Ordering::SeqCst) && matches!(lock(&self.child).try_wait(), Ok(None))
    }

    /// The process carrying the connection (the local `ssh`).
    pub fn pid(&self) -> Option<u32> {
        lock(&self.child).id()
    }

    /// Ends the connection (the node's sessions keep running there).
    pub fn close(&self) {
        let _ = lock(&self.child).start_kill();
    }
}

async fn write_lines(
    mut stdin: tokio::process::ChildStdin,
    mut rx: mpsc::UnboundedReceiver<String>,
) {
    while let Some(line) = rx.recv().await {
        if stdin.write_all(line.as_bytes()).await.is_err() || stdin.flush().await.is_err() {
            return;
        }
    }
}

/// Replies to their askers, events to `on_event`, until the node's output ends; then every
/// asker still waiting learns the connection closed.
/// What the reader leaves behind when the node's output ends.
struct Ended {
    pending: Pending,
    closed: Arc<AtomicBool>,
}

async fn read_lines(
    mut input: BufReader<tokio::process::ChildStdout>,
    ended: Ended,
    on_event: OnEvent,
) {
    let pending = ended.pending;
    let mut buf = Vec::new();
    while let Ok(true) = wire::read_line(&mut input, &mut buf).await {
        match proto::decode::<FromNode>(&buf) {
            Ok(FromNode::Reply(r)) => {
                if let Some(tx) = lock(&pending).remove(&r.id) {
                    let _ = tx.send(r.result);
                }
            }
            Ok(FromNode::Event(e)) => on_event(e),
            Ok(other) => tracing::warn!("node: unexpected {other:?}"),
            Err(e) => tracing::warn!("node: {e}"),
        }
    }
    ended.closed.store(true, Ordering::SeqCst);
    lock(&pending).clear();
}

/// What sends requests to a node: one connection, or a host's connection that comes back.
pub trait Asker: Send + Sync {
    fn ask_op(&self, op: Op) -> futures::future::BoxFuture<'_, Result<Answer, LinkError>>;
}

impl Asker for Link {
    fn ask_op(&self, op: Op) -> futures::future::BoxFuture<'_, Result<Answer, LinkError>> {
        Box::pin(self.ask(op))
    }
}

/// The one command that reaches a host: the user's `ssh` (their config, keys, agent,
/// ProxyJump and ControlMaster honoured; `CZAR_SSH_CONFIG` names another config file), no
/// password prompt, no terminal, running `czar node --dir DIR` there. `DIR` is quoted for the
/// remote shell; nothing secret is on this line. A bare program name (the default `czar`) is
/// looked up with `DIR/bin` first on the PATH, where `czar node install` puts it.
pub fn ssh_command(target: &[String], remote_czar: &str, dir: &str) -> Command {
    let mut cmd = Command::new("ssh");
    if let Some(config) = std::env::var_os("CZAR_SSH_CONFIG") {
        cmd.arg("-F").arg(config);
    }
    cmd.args(["-o", "BatchMode=yes", "-o", "ServerAliveInterval=15", "-T"]);
    cmd.args(target);
    let path = if remote_czar.contains('/') {
        String::new()
    } else {
        let bin = format!("{}/bin", dir.trim_end_matches('/'));
        format!("export PATH={}:\"$PATH\"; ", shell_quote(&bin))
    };
    cmd.arg(format!(
        "{path}{} node --dir {}",
        shell_quote(remote_czar),
        shell_quote(dir)
    ));
    cmd
}

/// The operator in a remote worker's pane: `ssh -t HOST tmux -S DIR/tmux.sock attach-session
/// -t =SESSION`, run in the operator's terminal; detaching (the prefix key, then `d`) ends ssh
/// and gives the terminal back. `config` is `CZAR_SSH_CONFIG` when set.
pub fn attach_command(
    config: Option<&std::path::Path>,
    target: &[String],
    dir: &str,
    session: &str,
) -> std::process::Command {
    let mut cmd = std::process::Command::new("ssh");
    if let Some(config) = config {
        cmd.arg("-F").arg(config);
    }
    cmd.arg("-t").args(target);
    let socket = format!("{}/tmux.sock", dir.trim_end_matches('/'));
    cmd.arg(format!(
        "tmux -S {} attach-session -t {}",
        shell_quote(&socket),
        shell_quote(&format!("={session}"))
    ));
    cmd
}

/// One word for a POSIX shell, whatever it holds.
pub fn shell_quote(word: &str) -> String {
    format!("'{}'", word.replace('\'', "'\\''"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_remote_command_quotes_its_folder() {
        assert_eq!(shell_quote("/a b/it's"), "'/a b/it'\\''s'");
        let cmd = ssh_command(&["h".into()], "czar", "/srv/x y");
        let args: Vec<_> = cmd
            .as_std()
            .get_args()
            .map(|a| a.to_string_lossy().into_owned())
            .collect();
        assert_eq!(
            args.last().unwrap(),
            "export PATH='/srv/x y/bin':\"$PATH\"; 'czar' node --dir '/srv/x y'"
        );
        let cmd = ssh_command(&["h".into()], "/opt/czar", "/srv/n");
        let last = cmd.as_std().get_args().last().unwrap().to_owned();
        assert_eq!(last, "'/opt/czar' node --dir '/srv/n'");
        assert!(args.contains(&"BatchMode=yes".to_string()));
    }

    #[test]
    fn attaching_names_the_nodes_own_tmux_server_and_the_exact_session() {
        let cmd = attach_command(
            Some(std::path::Path::new("/c")),
            &["-p".into(), "22".into(), "me@h".into()],
            "/srv/n/",
            "p-worker-1",
        );
        let args: Vec<_> = cmd
            .get_args()
            .map(|a| a.to_string_lossy().into_owned())
            .collect();
        assert_eq!(
            args,
            [
                "-F",
                "/c",
                "-t",
                "-p",
                "22",
                "me@h",
                "tmux -S '/srv/n/tmux.sock' attach-session -t '=p-worker-1'"
            ]
        );
    }

    #[tokio::test]
    async fn a_refusal_reaches_the_czar_as_its_reason() {
        let mut cmd = Command::new("sh");
        cmd.args([
            "-c",
            "read l; echo '{\"refused\":{\"reason\":\"protocol mismatch: czar 9 speaks 9\"}}'",
        ]);
        let err = Link::open(cmd, Arc::new(|_| {})).await.err().unwrap();
        assert!(
            matches!(&err, LinkError::Refused(r) if r.contains("speaks 9")),
            "{err}"
        );
        let mut cmd = Command::new("sh");
        cmd.args(["-c", "read l; exit 0"]);
        let err = Link::open(cmd, Arc::new(|_| {})).await.err().unwrap();
        assert!(matches!(err, LinkError::Closed), "{err}");
    }
}
