//! Commands the czar runs to an end (a task's `verify`) run in a process group of their own and
//! are ended whole: killing only the `sh` of `sh -c 'make test'` leaves `make` and everything
//! under it running, holding the output pipes and the worktree. A group of its own also keeps
//! the terminal's Ctrl-C, which goes to the czar's group, from killing it behind the czar's
//! back: the czar stops it itself.
//!
//! The group's id is its leader's pid, so the leader is not reaped before the group was
//! signalled: while it is a zombie nobody can take that id.

use std::io::{self, Read};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rustix::io::Errno;
use rustix::process::{Pid, Signal, WaitId, WaitIdOptions};

/// Between SIGTERM and SIGKILL.
pub const GRACE: Duration = Duration::from_secs(2);

/// How a command run with [`run`] ended.
#[derive(Debug)]
pub struct Finished {
    /// `None` when it was still running at the timeout (its group was ended).
    pub status: Option<ExitStatus>,
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
}

/// Runs `cmd` (stdin from /dev/null, output collected) in a process group of its own for at
/// most `timeout`. When the time is up, or when the returned future is dropped, the group gets
/// SIGTERM and, after [`GRACE`], SIGKILL; what the command leaves running in its group after it
/// exits is ended the same way.
pub async fn run(cmd: Command, timeout: Duration) -> io::Result<Finished> {
    run_with_input(cmd, None, timeout).await
}

/// [`run`], with `input` written to the command's stdin (then closed) when given.
pub async fn run_with_input(
    cmd: Command,
    input: Option<Vec<u8>>,
    timeout: Duration,
) -> io::Result<Finished> {
    let cancel = Arc::new(AtomicBool::new(false));
    let _cancel_on_drop = CancelOnDrop(Arc::clone(&cancel));
    tokio::task::spawn_blocking(move || run_blocking(cmd, input, timeout, &cancel))
        .await
        .map_err(io::Error::other)?
}

struct CancelOnDrop(Arc<AtomicBool>);

impl Drop for CancelOnDrop {
    fn drop(&mut self) {
        self.0.store(true, Ordering::Relaxed);
    }
}

fn run_blocking(
    mut cmd: Command,
    input: Option<Vec<u8>>,
    timeout: Duration,
    cancel: &AtomicBool,
) -> io::Result<Finished> {
    use std::os::unix::process::CommandExt;
    let stdin = if input.is_some() {
        Stdio::piped()
    } else {
        Stdio::null()
    };
    let mut child = cmd
        .process_group(0)
        .stdin(stdin)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()?;
    if let (Some(bytes), Some(mut pipe)) = (input, child.stdin.take()) {
        // On a thread of its own: a command that never reads must not stall the timeout. A
        // command that exits without reading all of it is no error.
        std::thread::spawn(move || {
            use std::io::Write;
            let _ = pipe.write_all(&bytes);
        });
    }
    let stdout = Collector::start(child.stdout.take());
    let stderr = Collector::start(child.stderr.take());
    let pid = Pid::from_child(&child);
    let deadline = Instant::now() + timeout;
    let done =
        wait_until(deadline, || cancel.load(Ordering::Relaxed) || exited(pid)) && exited(pid);
    let status = if done {
        let status = child.wait()?;
        end_leftovers(pid, Instant::now() + GRACE);
        Some(status)
    } else {
        end(&mut child, GRACE)?;
        None
    };
    // Output still held by a process that left the group is not waited for.
    let until = Instant::now() + GRACE;
    wait_until(until, || stdout.done() && stderr.done());
    Ok(Finished {
        status,
        stdout: stdout.take(),
        stderr: stderr.take(),
    })
}

/// Ends the process group led by `child`, our unreaped child: SIGTERM to all of it, SIGKILL
/// to what still runs after `grace` (or once the leader is gone), then reaps the leader.
pub fn end(child: &mut Child, grace: Duration) -> io::Result<ExitStatus> {
    let pgid = Pid::from_child(child);
    let deadline = Instant::now() + grace;
    signal(pgid, Signal::TERM);
    // A stopped process acts on SIGTERM only once continued.
    signal(pgid, Signal::CONT);
    if !wait_until(deadline, || exited(pgid)) {
        signal(pgid, Signal::KILL);
    }
    let status = child.wait()?;
    end_leftovers(pgid, deadline);
    Ok(status)
}

/// Ends what is left in group `pgid` once its leader was reaped: SIGTERM, then SIGKILL at
/// `deadline`. The group's id stays taken while any member lives, so it still names them.
pub fn end_leftovers(pgid: Pid, deadline: Instant) {
    if !alive(pgid) {
        return;
    }
    signal(pgid, Signal::TERM);
    signal(pgid, Signal::CONT);
    if !wait_until(deadline, || !alive(pgid)) {
        signal(pgid, Signal::KILL);
    }
}

/// Sends `sig` to every process of group `pgid`.
pub fn signal(pgid: Pid, sig: Signal) {
    // Group 1 would be every process (a Pid is never 0, our own group): never ours to end.
    // ESRCH (nobody left) is fine.
    if !pgid.is_init() {
        let _ = rustix::process::kill_process_group(pgid, sig);
    }
}

/// Whether any process of group `pgid` still exists.
fn alive(pgid: Pid) -> bool {
    !pgid.is_init() && rustix::process::test_kill_process_group(pgid).is_ok()
}

/// Whether our child `pid` has exited, leaving it unreaped.
pub fn exited(pid: Pid) -> bool {
    let options = WaitIdOptions::EXITED | WaitIdOptions::NOHANG | WaitIdOptions::NOWAIT;
    match rustix::process::waitid(WaitId::Pid(pid), options) {
        // With NOHANG, nothing when no child changed state.
        Ok(status) => status.is_some(),
        Err(Errno::INTR) => false,
        // ECHILD: not (or no longer) ours to wait for, so not running as our child.
        Err(_) => true,
    }
}

/// Polls `ready` until it holds (true) or `deadline` passes (false).
fn wait_until(deadline: Instant, mut ready: impl FnMut() -> bool) -> bool {
    let mut pause = Duration::from_millis(2);
    loop {
        if ready() {
            return true;
        }
        let now = Instant::now();
        if now >= deadline {
            return false;
        }
        std::thread::sleep(pause.min(deadline - now));
        pause = (pause * 2).min(Duration::from_millis(50));
    }
}

/// Reads a pipe to its end on a thread of its own, so a full pipe never stalls the command.
struct Collector {
    buf: Arc<Mutex<Vec<u8>>>,
    done: Arc<AtomicBool>,
}

impl Collector {
    fn start(pipe: Option<impl Read + Send + 'static>) -> Collector {
        let buf = Arc::new(Mutex::new(Vec::new()));
        let done = Arc::new(AtomicBool::new(pipe.is_none()));
        if let Some(mut pipe) = pipe {
            let (b, d) = (Arc::clone(&buf), Arc::clone(&done));
            let spawned = std::thread::Builder::new()
                .name("output".into())
                .spawn(move || {
                    let mut chunk = [0u8; 8192];
                    while let Ok(n @ 1..) = pipe.read(&mut chunk) {
                        lock(&b).extend_from_slice(&chunk[..n]);
                    }
                    d.store(true, Ordering::Relaxed);
                });
            if spawned.is_err() {
                done.store(true, Ordering::Relaxed);
            }
        }
        Collector { buf, done }
    }

    fn done(&self) -> bool {
        self.done.load(Ordering::Relaxed)
    }

    fn take(&self) -> Vec<u8> {
        std::mem::take(&mut *lock(&self.buf))
    }
}

// Appending bytes cannot leave the Vec half-updated, so a poisoned lock is still usable.
fn lock(m: &Mutex<Vec<u8>>) -> std::sync::MutexGuard<'_, Vec<u8>> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sh(script: &str) -> Command {
        let mut c = Command::new("sh");
        c.arg("-c").arg(script);
        c
    }

    fn gone(pid: Pid) -> bool {
        // A zombie still answers, so look at its state too.
        let dead = rustix::process::test_kill_process(pid).is_err();
        dead || std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|s| {
            s.rsplit(')')
                .next()
                .is_some_and(|r| r.trim_start().starts_with('Z'))
        })
    }

    fn wait_gone(pid: Pid) -> bool {
        wait_until(Instant::now() + Duration::from_secs(10), || gone(pid))
    }

    fn read_pid(path: &std::path::Path) -> Pid {
        let mut text = String::new();
        assert!(
            wait_until(Instant::now() + Duration::from_secs(10), || {
                text = std::fs::read_to_string(path).unwrap_or_default();
                text.ends_with('\n')
            }),
            "no pid in {}",
            path.display()
        );
        Pid::from_raw(text.trim().parse().unwrap()).unwrap()
    }

    #[tokio::test]
    async fn output_and_status_come_back() {
        let f = run(
            sh("echo out; echo err >&2; exit 3"),
            Duration::from_secs(10),
        )
        .await
        .unwrap();
        assert_eq!(f.status.and_then(|s| s.code()), Some(3));
        assert_eq!(f.stdout, b"out\n");
        assert_eq!(f.stderr, b"err\n");
    }

    #[tokio::test]
    async fn a_timeout_ends_the_grandchildren_too_even_those_that_ignore_sigterm() {
        let dir = tempfile::tempdir().unwrap();
        let pid_file = dir.path().join("child.pid");
        let script = format!(
            "trap '' TERM; sleep 300 & echo $! > '{}'; wait",
            pid_file.display()
        );
        let f = run(sh(&script), Duration::from_millis(500)).await.unwrap();
        assert!(f.status.is_none(), "it was still running");
        let child = read_pid(&pid_file);
        assert!(wait_gone(child), "sleep {child} survived the timeout");
    }

    #[tokio::test]
    async fn leftovers_of_a_command_that_exited_are_ended_and_not_waited_for() {
        let dir = tempfile::tempdir().unwrap();
        let pid_file = dir.path().join("child.pid");
        let script = format!("sleep 300 & echo $! > '{}'; echo ok", pid_file.display());
        let started = Instant::now();
        let f = run(sh(&script), Duration::from_secs(60)).await.unwrap();
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "waited for the leftover"
        );
        assert_eq!(f.status.and_then(|s| s.code()), Some(0));
        assert_eq!(f.stdout, b"ok\n");
        let child = read_pid(&pid_file);
        assert!(wait_gone(child), "leftover sleep {child} still runs");
    }

    // Two threads: the run must make progress while this one blocks reading the pid.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn dropping_the_run_ends_the_group() {
        let dir = tempfile::tempdir().unwrap();
        let pid_file = dir.path().join("child.pid");
        let script = format!("sleep 300 & echo $! > '{}'; wait", pid_file.display());
        let running = tokio::spawn(run(sh(&script), Duration::from_secs(300)));
        let child = read_pid(&pid_file);
        running.abort();
        assert!(wait_gone(child), "sleep {child} outlived the dropped run");
    }
}
