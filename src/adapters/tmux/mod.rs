//! The tmux adapter: sessions, delivery of text through paste buffers, and
//! screen capture, all against one tmux server.
//!
//! Every call is one short-lived `tmux` client process with an explicit argv:
//! no shell is involved anywhere, and no text ever goes through `send-keys`
//! key-name lookup unless the caller asks for a named key.

mod argv;
mod batch;
mod error;
mod parse;
mod runner;
#[cfg(test)]
mod tests;

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

pub use argv::{SessionSpec, SubmitKey, escape_word};
pub use batch::PaneScreen;
pub use error::TmuxError;
pub use parse::{PaneInfo, pane_format, parse_panes, sanitize_session_name};
pub use runner::{RealRunner, RecordedCall, RecordingRunner, RunOutput, Runner, Socket};

/// A handle on one tmux server. Cheap to share behind an `Arc`.
#[derive(Debug)]
pub struct Tmux<R: Runner = RealRunner> {
    runner: R,
    counts: Counts,
}

/// How much the czar asks of tmux: client runs started, and the commands they carried.
#[derive(Debug, Default)]
struct Counts {
    runs: AtomicU64,
    commands: AtomicU64,
}

/// A reading of [`Tmux::counts`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct TmuxCounts {
    pub runs: u64,
    pub commands: u64,
}

impl Tmux<RealRunner> {
    pub fn new(socket: Socket) -> Self {
        Tmux::with_runner(RealRunner::new(socket))
    }
}

impl<R: Runner> Tmux<R> {
    pub fn with_runner(runner: R) -> Self {
        Tmux {
            runner,
            counts: Counts::default(),
        }
    }

    /// tmux client runs and commands since this handle was made.
    pub fn counts(&self) -> TmuxCounts {
        TmuxCounts {
            runs: self.counts.runs.load(Ordering::Relaxed),
            commands: self.counts.commands.load(Ordering::Relaxed),
        }
    }

    pub fn runner(&self) -> &R {
        &self.runner
    }

    /// Every tmux client run goes through here, so the counts are whole.
    async fn run(&self, args: Vec<String>, stdin: Option<Vec<u8>>) -> Result<RunOutput, TmuxError> {
        let commands = 1 + args.iter().filter(|w| *w == ";").count() as u64;
        self.counts.runs.fetch_add(1, Ordering::Relaxed);
        self.counts.commands.fetch_add(commands, Ordering::Relaxed);
        self.runner.run(args, stdin).await
    }

    /// Run one argv; a non-zero exit becomes [`TmuxError::Failed`].
    async fn exec(&self, args: Vec<String>, stdin: Option<Vec<u8>>) -> Result<String, TmuxError> {
        let subcommand = args.first().cloned().unwrap_or_default();
        self.exec_named(&subcommand, args, stdin).await
    }

    /// [`Tmux::exec`] for a run of several commands, named in errors as `what`.
    async fn exec_named(
        &self,
        what: &str,
        args: Vec<String>,
        stdin: Option<Vec<u8>>,
    ) -> Result<String, TmuxError> {
        let subcommand = what.to_string();
        let out = self.run(args, stdin).await?;
        if out.success() {
            Ok(out.stdout)
        } else {
            Err(TmuxError::Failed {
                subcommand,
                status: out.status,
                stderr: out.stderr,
            })
        }
    }

    /// Start a detached session running `spec.command` directly (no shell),
    /// with `remain-on-exit on` so a crashed agent's pane stays, dead, with
    /// its exit status. Starts the tmux server if none is running.
    pub async fn new_session(&self, spec: &SessionSpec) -> Result<(), TmuxError> {
        self.exec(argv::new_session(spec)?, None).await.map(drop)
    }

    /// Every pane of every session, from a single `list-panes -a`.
    /// No server (or no sessions) is an empty list, not an error.
    ///
    /// tmux builds linked with libutempter can miss the SIGCHLD of a pane
    /// that exits while a new pane is being registered (tmux issue #311):
    /// the pane shows dead with no exit status, its process a zombie, until
    /// some other child exits. Seen here in ~25% of short-lived panes. When a
    /// listing has such a pane, we run a no-op job to make the server reap,
    /// then list again.
    pub async fn list_panes(&self) -> Result<Vec<PaneInfo>, TmuxError> {
        let panes = self.list_panes_once().await?;
        if !panes.iter().any(PaneInfo::exit_pending) {
            return Ok(panes);
        }
        if let Err(e) = self.exec(argv::reap_children(), None).await {
            tracing::debug!(error = %e, "could not nudge tmux to reap children");
        }
        self.list_panes_once().await
    }

    async fn list_panes_once(&self) -> Result<Vec<PaneInfo>, TmuxError> {
        match self.exec(argv::list_panes(), None).await {
            Ok(out) => parse_panes(&out),
            Err(e) if e.is_no_server() => Ok(Vec::new()),
            Err(e) => Err(e),
        }
    }

    /// Whether a session with exactly this name exists.
    pub async fn has_session(&self, name: &str) -> Result<bool, TmuxError> {
        match self.exec(argv::has_session(name), None).await {
            Ok(_) => Ok(true),
            Err(e) if e.is_no_server() || e.is_not_found() => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// Kill the session with exactly this name. Already gone is success:
    /// callers want the end state, and racing with a crash is normal.
    pub async fn kill_session(&self, name: &str) -> Result<(), TmuxError> {
        match self.exec(argv::kill_session(name), None).await {
            Ok(_) => Ok(()),
            Err(e) if e.is_no_server() || e.is_not_found() => Ok(()),
            Err(e) => Err(e),
        }
    }

    /// Kill the whole server; no server running is success.
    pub async fn kill_server(&self) -> Result<(), TmuxError> {
        match self.exec(argv::kill_server(), None).await {
            Err(e) if !e.is_no_server() => Err(e),
            _ => Ok(()),
        }
    }

    /// The visible screen of `target` (a pane id like `%3`, or `=session:`),
    /// one line per row; with `ansi`, colours and attributes as escape codes.
    /// On a dead pane tmux writes "Pane is dead" on the bottom row, scrolling
    /// the screen up one line: read a dead pane with [`Tmux::capture_history`].
    pub async fn capture(&self, target: &str, ansi: bool) -> Result<String, TmuxError> {
        self.exec(argv::capture(target, ansi), None).await
    }

    /// The screens of many panes (with their titles and dead flags) from one tmux client run,
    /// in the order of `targets`. A target that is gone gets no section of its own (tmux 3.3
    /// goes on past it; a version that stops there leaves the rest without one too): each
    /// target without a section is read on its own, so one vanished pane costs the others
    /// nothing.
    pub async fn capture_many(&self, targets: &[String]) -> Vec<Result<PaneScreen, TmuxError>> {
        if targets.is_empty() {
            return Vec::new();
        }
        let marker = batch::new_marker();
        // A failed run still printed the sections before the failure.
        let stdout = match self.run(batch::argv(targets, &marker), None).await {
            Ok(out) => out.stdout,
            Err(e) => {
                tracing::debug!("batched capture failed: {e}");
                String::new()
            }
        };
        let mut out = Vec::with_capacity(targets.len());
        for (screen, target) in batch::parse(&stdout, &marker, targets)
            .into_iter()
            .zip(targets)
        {
            out.push(match screen {
                Some(s) => Ok(s),
                None => self.capture_one(target).await,
            });
        }
        out
    }

    /// The batch's fallback for one pane: its title, then its screen.
    async fn capture_one(&self, target: &str) -> Result<PaneScreen, TmuxError> {
        let marker = batch::new_marker();
        let one = [target.to_string()];
        let out = self.exec(batch::argv(&one, &marker), None).await?;
        let screens = batch::parse(&out, &marker, &one);
        screens
            .into_iter()
            .next()
            .flatten()
            .ok_or_else(|| TmuxError::Invalid(format!("no screen for {target}")))
    }

    /// The last `lines` non-blank-trailing lines of `target`, scrollback
    /// included, wrapped lines joined.
    pub async fn capture_history(&self, target: &str, lines: u32) -> Result<String, TmuxError> {
        let out = self
            .exec(argv::capture_history(target, lines), None)
            .await?;
        Ok(parse::last_lines(&out, lines as usize))
    }

    /// Deliver `text` byte for byte into `target` as one bracketed paste
    /// (brackets only if the app enabled bracketed-paste mode). LF stays LF,
    /// CR stays CR: callers normalise line endings if the agent cares.
    /// Does not submit; follow with [`Tmux::send_submit`] once it settled.
    ///
    /// Text containing the paste-end marker `ESC [ 201 ~` is refused: tmux
    /// passes it through, the app would take it as the end of the paste and
    /// read everything after it as typed keys (a CR there submits).
    pub async fn paste(&self, target: &str, text: &[u8]) -> Result<(), TmuxError> {
        if text.is_empty() {
            return Ok(()); // tmux refuses to load an empty buffer
        }
        if contains(text, PASTE_END) {
            return Err(TmuxError::Invalid(
                "text contains the bracketed-paste end marker ESC[201~".to_string(),
            ));
        }
        let buffer = unique_name("czar");
        // Loaded and pasted by one client: a delivery to each of a hundred workers at once
        // starts half as many clients. tmux stops at the first command that fails.
        let mut args = argv::load_buffer(&buffer);
        args.push(";".into());
        args.extend(argv::paste_buffer(&buffer, target));
        match self
            .exec_named("load-buffer; paste-buffer", args, Some(text.to_vec()))
            .await
        {
            Ok(_) => Ok(()),
            Err(paste_err) => {
                // Buffers live in the server until deleted; don't leak the text. If it never
                // loaded there is nothing to delete, and tmux says so.
                if let Err(e) = self.exec(argv::delete_buffer(&buffer), None).await {
                    tracing::debug!(buffer = %buffer, error = %e, "deleting the paste buffer");
                }
                Err(paste_err)
            }
        }
    }

    /// The screen of `target` just before its submit key is pressed, from one client: what a
    /// delivery compares later screens with to see the text leave the input box.
    pub async fn capture_then_submit(
        &self,
        target: &str,
        key: SubmitKey,
    ) -> Result<String, TmuxError> {
        let mut args = argv::capture(target, false);
        args.push(";".into());
        args.extend(argv::send_submit(target, key));
        self.exec_named("capture-pane; send-keys", args, None).await
    }

    /// Press the submit key in `target`.
    pub async fn send_submit(&self, target: &str, key: SubmitKey) -> Result<(), TmuxError> {
        self.exec(argv::send_submit(target, key), None)
            .await
            .map(drop)
    }

    /// Type `text` as-is (for an operator typing a line): never read as key
    /// names. Newlines in `text` reach the app as LF keypresses.
    pub async fn send_literal(&self, target: &str, text: &str) -> Result<(), TmuxError> {
        if text.is_empty() {
            return Ok(());
        }
        self.exec(argv::send_literal(target, text), None)
            .await
            .map(drop)
    }

    /// Press one named key such as `Escape`, `C-c`, `Up`, `BSpace`.
    pub async fn send_key(&self, target: &str, key_name: &str) -> Result<(), TmuxError> {
        self.exec(argv::send_key(target, key_name), None)
            .await
            .map(drop)
    }
}

const PASTE_END: &[u8] = b"\x1b[201~";

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// A name no other send, batch or czar process uses at the same time: tmux paste buffers are
/// shared by the whole server (and so by every czar process using it), and batch markers must be
/// unknown to the panes. pid + per-process counter + clock keeps names unique across concurrent
/// sends, restarts and parallel czar instances.
fn unique_name(prefix: &str) -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    format!("{prefix}-{}-{n}-{nanos}", std::process::id())
}
