//! How a tmux argv gets executed: the real `tmux` client, or a recording fake.

use std::collections::VecDeque;
use std::future::Future;
use std::path::PathBuf;
use std::process::Stdio;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use tokio::io::AsyncWriteExt;

use super::error::TmuxError;

/// Which tmux server to talk to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Socket {
    /// Whatever `tmux` picks by itself ($TMUX, else the default socket).
    Default,
    /// `-L name`: a named socket in tmux's socket directory.
    Name(String),
    /// `-S path`: an explicit socket path.
    Path(PathBuf),
}

impl Socket {
    /// The flags that select this server, to put right after `tmux`.
    pub fn args(&self) -> Vec<std::ffi::OsString> {
        match self {
            Socket::Default => Vec::new(),
            Socket::Name(name) => vec!["-L".into(), name.into()],
            Socket::Path(path) => vec!["-S".into(), path.into()],
        }
    }
}

/// What one tmux client run produced.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RunOutput {
    /// Exit code; `None` when the client was killed by a signal.
    pub status: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl RunOutput {
    pub fn success(&self) -> bool {
        self.status == Some(0)
    }

    /// A successful run printing `stdout`; handy for fakes.
    pub fn ok(stdout: impl Into<String>) -> Self {
        RunOutput {
            status: Some(0),
            stdout: stdout.into(),
            stderr: String::new(),
        }
    }

    /// A failed run with exit code 1 and `stderr`; handy for fakes.
    pub fn failed(stderr: impl Into<String>) -> Self {
        RunOutput {
            status: Some(1),
            stdout: String::new(),
            stderr: stderr.into(),
        }
    }
}

/// Runs one tmux client invocation. `args` starts with the tmux subcommand
/// (socket selection is the runner's business, so fakes see only the command).
pub trait Runner: Send + Sync {
    fn run(
        &self,
        args: Vec<String>,
        stdin: Option<Vec<u8>>,
    ) -> impl Future<Output = Result<RunOutput, TmuxError>> + Send;
}

/// Runs the real `tmux` binary through tokio.
#[derive(Debug, Clone)]
pub struct RealRunner {
    socket: Socket,
    program: PathBuf,
    config_file: Option<PathBuf>,
    timeout: Duration,
    /// Clients running at once, shared by every clone. A hundred deliveries starting together
    /// would otherwise start hundreds of clients on a few cores, and every one of them (the
    /// reads that confirm a submit among them) would take a hundred times its usual few
    /// milliseconds; queued, each runs at its own pace and the whole burst is no slower.
    slots: Arc<tokio::sync::Semaphore>,
}

/// How many tmux clients run at once: enough to keep the cores busy while a client waits on the
/// server.
pub fn default_max_clients() -> usize {
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    (2 * cores).max(4)
}

impl RealRunner {
    pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

    pub fn new(socket: Socket) -> Self {
        RealRunner {
            socket,
            program: PathBuf::from("tmux"),
            config_file: None,
            timeout: Self::DEFAULT_TIMEOUT,
            slots: Arc::new(tokio::sync::Semaphore::new(default_max_clients())),
        }
    }

    /// At most `n` (at least one) clients of this runner and its clones at once.
    pub fn with_max_clients(mut self, n: usize) -> Self {
        self.slots = Arc::new(tokio::sync::Semaphore::new(n.max(1)));
        self
    }

    /// Use another tmux binary (tests, or a tmux outside PATH).
    pub fn with_program(mut self, program: impl Into<PathBuf>) -> Self {
        self.program = program.into();
        self
    }

    /// `-f FILE`: the config a server started by this runner reads instead of
    /// ~/.tmux.conf (e.g. /dev/null for a hermetic private server). Ignored by
    /// tmux when the server is already running.
    pub fn with_config_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.config_file = Some(path.into());
        self
    }

    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    pub fn socket(&self) -> &Socket {
        &self.socket
    }

    fn command(&self, args: &[String], with_stdin: bool) -> tokio::process::Command {
        let mut cmd = tokio::process::Command::new(&self.program);
        // -u: without a UTF-8 locale in our environment the tmux client
        // replaces every non-ASCII character of format output with '_'.
        cmd.arg("-u");
        if let Some(config) = &self.config_file {
            cmd.arg("-f").arg(config);
        }
        cmd.args(self.socket.args());
        cmd.args(args)
            .stdin(if with_stdin {
                Stdio::piped()
            } else {
                Stdio::null()
            })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            // A group of its own: the terminal's Ctrl-C goes to the czar's group, and must not
            // kill a client halfway through a paste; the czar stops in its own time. Ended on
            // timeout or drop by its pid alone, never its group: a client that started the
            // server forked it, and the server must outlive every client.
            .process_group(0)
            .kill_on_drop(true);
        cmd
    }

    async fn run_inner(
        &self,
        args: &[String],
        stdin: Option<Vec<u8>>,
        subcommand: &str,
    ) -> Result<RunOutput, TmuxError> {
        let io_err = |source| TmuxError::Io {
            subcommand: subcommand.to_string(),
            source,
        };
        let mut child =
            self.command(args, stdin.is_some())
                .spawn()
                .map_err(|e| match e.kind() {
                    std::io::ErrorKind::NotFound => TmuxError::NotInstalled {
                        program: self.program.display().to_string(),
                    },
                    _ => io_err(e),
                })?;
        let pipe = child.stdin.take();
        // Feed stdin while collecting output, so neither side can block the other.
        let feed = async move {
            match (pipe, stdin) {
                (Some(mut pipe), Some(data)) => {
                    let written = pipe.write_all(&data).await;
                    drop(pipe); // EOF tells `load-buffer -` the text is complete
                    written
                }
                _ => Ok(()),
            }
        };
        let (fed, output) = tokio::join!(feed, child.wait_with_output());
        let output = output.map_err(io_err)?;
        let result = RunOutput {
            status: output.status.code(),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr)
                .trim_end()
                .to_string(),
        };
        // A write error after tmux already failed (broken pipe) is a symptom;
        // the exit status and stderr are the real story.
        if result.success() {
            fed.map_err(io_err)?;
        }
        Ok(result)
    }
}

impl Runner for RealRunner {
    async fn run(&self, args: Vec<String>, stdin: Option<Vec<u8>>) -> Result<RunOutput, TmuxError> {
        let subcommand = args.first().cloned().unwrap_or_default();
        let queued = Instant::now();
        // The semaphore is never closed, so this only waits; the timeout is for tmux alone.
        let _slot = self.slots.acquire().await.ok();
        let started = Instant::now();
        let outcome =
            tokio::time::timeout(self.timeout, self.run_inner(&args, stdin, &subcommand)).await;
        tracing::debug!(
            subcommand = %subcommand,
            waited_ms = started.duration_since(queued).as_millis() as u64,
            elapsed_ms = started.elapsed().as_millis() as u64,
            "tmux ran"
        );
        match outcome {
            Ok(result) => result,
            // Dropping the future dropped the child, and kill_on_drop killed it.
            Err(_) => Err(TmuxError::Timeout {
                subcommand,
                timeout: self.timeout,
            }),
        }
    }
}

/// One call seen by [`RecordingRunner`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordedCall {
    pub args: Vec<String>,
    pub stdin: Option<Vec<u8>>,
}

/// A fake runner for unit tests: records every argv and answers with queued
/// replies (a plain success once the queue is empty).
#[derive(Debug, Default)]
pub struct RecordingRunner {
    calls: Mutex<Vec<RecordedCall>>,
    replies: Mutex<VecDeque<RunOutput>>,
}

impl RecordingRunner {
    pub fn new() -> Self {
        Self::default()
    }

    /// Queue the answer for the next unanswered call.
    pub fn push_reply(&self, reply: RunOutput) {
        lock(&self.replies).push_back(reply);
    }

    pub fn calls(&self) -> Vec<RecordedCall> {
        lock(&self.calls).clone()
    }

    /// Just the argv of every call, in order.
    pub fn argvs(&self) -> Vec<Vec<String>> {
        lock(&self.calls).iter().map(|c| c.args.clone()).collect()
    }
}

impl Runner for RecordingRunner {
    async fn run(&self, args: Vec<String>, stdin: Option<Vec<u8>>) -> Result<RunOutput, TmuxError> {
        lock(&self.calls).push(RecordedCall { args, stdin });
        Ok(lock(&self.replies)
            .pop_front()
            .unwrap_or_else(|| RunOutput::ok("")))
    }
}

// A panic while holding the lock cannot leave a Vec half-updated, so a
// poisoned lock is still safe to use.
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}
