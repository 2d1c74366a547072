//! `czar pane-log --log FILE -- COMMAND..`: runs the agent in a terminal of its own inside the
//! worker's pane, copying everything it prints to the pane and to FILE.
//!
//! Why not tmux `pipe-pane`: with 100 panes streaming, the tmux server spent about 10% of a
//! core more handing each chunk of output to a `cat` per pane (and the cats 3.4% more), while
//! the server's work on panes that run this is what it is on bare panes and these processes
//! cost about what the cats did. The log is kept by the pane's own process: it has the agent's
//! output from its first byte and goes on while the czar is down.
//!
//! The agent sees a terminal like the pane's (same settings and size, resized with it); its exit
//! status, or the signal that killed it, becomes this process's, so tmux reports the agent's.
//! Its environment comes from `--env-file` (see `env`), never from the command line.
//!
//! The agent leads a session and process group of its own on that terminal, so when the pane
//! goes (tmux kill-session sends this process SIGHUP) nothing else would end it or its
//! children: this process hangs the group up, then SIGTERM, then SIGKILL after a grace.

pub mod env;
mod pty;

use std::ffi::OsString;
use std::fs::File;
use std::io::{self, Write};
use std::os::fd::OwnedFd;
use std::os::unix::net::UnixStream;
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use rustix::event::{PollFd, PollFlags, Timespec};
use rustix::process::{Pid, Signal};
use rustix::stdio::{stdin, stdout};
use signal_hook::consts::{SIGCHLD, SIGHUP, SIGKILL, SIGTERM, SIGWINCH};
use signal_hook::iterator::backend::SignalDelivery;
use signal_hook::iterator::exfiltrator::SignalOnly;

/// After the agent exits, what it printed last is still read for this long (a process it
/// left behind may hold its terminal open for ever).
const DRAIN: Duration = Duration::from_millis(200);

/// How long the agent's group has between SIGTERM and SIGKILL when the pane goes.
const GRACE: Duration = Duration::from_secs(2);

/// The signals the copying loop wakes up for: resizes, the agent's exit, and this process told
/// to end. signal-hook's handlers note them and wake a socket the loop polls, so they are
/// handled in the loop and not in a handler; they restart interrupted calls (SA_RESTART), so the
/// input thread's blocking reads go on.
type Signals = SignalDelivery<UnixStream, SignalOnly>;

/// The argv that runs `command` under `czar` (this executable's path) `pane-log`, logging to
/// `log`: how the czar starts each worker's agent.
pub fn wrap(czar: &str, log: &str, command: &[String]) -> Vec<String> {
    let wrapper = [czar, "pane-log", "--log", log, "--"];
    wrapper
        .into_iter()
        .map(str::to_string)
        .chain(command.iter().cloned())
        .collect()
}

/// The argv that runs an agent: `czar pane-log [--log LOG] --env-file FILE -- COMMAND..`.
pub fn wrap_agent(
    czar: &str,
    log: Option<&str>,
    env_file: &str,
    command: &[String],
) -> Vec<String> {
    let mut argv = vec![czar.to_string(), "pane-log".to_string()];
    if let Some(log) = log {
        argv.extend(["--log".to_string(), log.to_string()]);
    }
    argv.extend([
        "--env-file".to_string(),
        env_file.to_string(),
        "--".to_string(),
    ]);
    argv.extend(command.iter().cloned());
    argv
}

/// Whether a process's command line (NUL-separated, as in /proc/PID/cmdline) is a pane-log's.
pub fn is_pane_log(cmdline: &[u8]) -> bool {
    cmdline.split(|b| *b == 0).nth(1) == Some(b"pane-log".as_slice())
}

/// Runs `command` and returns its exit code; a signal that killed it is raised again here.
/// With `env_file`, the agent gets that environment (see `env::for_agent`), else this one's.
pub fn run(log: Option<&Path>, env_file: Option<&Path>, command: &[String]) -> io::Result<i32> {
    let Some((program, args)) = command.split_first() else {
        return Err(io::Error::new(io::ErrorKind::InvalidInput, "no command"));
    };
    // A log that cannot be opened costs the log, never the agent.
    let mut log_file = log.and_then(|l| crate::adapters::private::open_append(l).ok());
    let env = match env_file.map(env::take).transpose() {
        Ok(vars) => vars.map(|v| env::for_agent(v, std::env::vars_os())),
        Err(e) => {
            // Without its environment the agent would run without the czar's variables and
            // keys: it does not run at all, and says why.
            let path = env_file.map_or(String::new(), |p| p.display().to_string());
            let msg = format!("czar pane-log: cannot read the agent's environment {path}: {e}\r\n");
            let _ = pty::write_all(stdout(), msg.as_bytes());
            if let Some(f) = log_file.as_mut() {
                let _ = f.write_all(msg.as_bytes());
            }
            return Ok(126);
        }
    };
    let pty = match pty::open() {
        Ok(pty) => pty,
        Err(e) => {
            // Without a terminal of its own the agent still runs, in the pane's, unlogged.
            if let Some(f) = log_file.as_mut() {
                let _ = writeln!(f, "czar pane-log: no terminal for the agent ({e}); no log");
            }
            let mut cmd = Command::new(program);
            cmd.args(args);
            with_env(&mut cmd, env.as_deref());
            return Err(cmd.exec());
        }
    };
    let outer = pty::is_tty(stdin())
        .then(|| pty::get_attrs(stdin()).ok())
        .flatten();
    // Best effort from here on: a terminal setting that does not take is no reason to keep
    // the agent from running.
    if let Some(attrs) = &outer {
        let _ = pty::set_attrs(&pty.slave, attrs);
        let _ = pty::copy_size(stdin(), &pty.master);
    }
    let (wake_rx, wake_tx) = UnixStream::pair()?;
    wake_tx.set_nonblocking(true)?;
    wake_rx.set_nonblocking(true)?;
    let mut signals = Signals::with_pipe(
        wake_rx,
        wake_tx,
        SignalOnly,
        [SIGWINCH, SIGCHLD, SIGHUP, SIGTERM],
    )?;
    let mut child = match spawn(program, args, &pty.slave, env.as_deref()) {
        Ok(c) => c,
        Err(e) => {
            let msg = format!("czar pane-log: cannot run {program}: {e}\r\n");
            let _ = pty::write_all(stdout(), msg.as_bytes());
            if let Some(f) = log_file.as_mut() {
                let _ = f.write_all(msg.as_bytes());
            }
            return Ok(if e.kind() == io::ErrorKind::NotFound {
                127
            } else {
                126
            });
        }
    };
    drop(pty.slave);
    let guard = outer.and_then(|attrs| pty::RawGuard::enter(stdin(), attrs).ok());
    forward_input(&pty.master)?;
    let pgid = Pid::from_child(&child);
    let status = match copy_output(&pty.master, &mut signals, &mut child, &mut log_file) {
        Ok(End::Exited(status)) => {
            // What it left in its group outlives it only if it ignored the hangup its exit
            // sent; the worker's next agent must not find it still at work.
            crate::adapters::group::end_leftovers(pgid, Instant::now() + GRACE);
            status
        }
        Ok(End::PaneGone) | Err(_) => {
            // What the agent would get from its terminal if this process were not between.
            crate::adapters::group::signal(pgid, Signal::HUP);
            crate::adapters::group::end(&mut child, GRACE)?
        }
    };
    drop(guard);
    Ok(exit_code(status))
}

/// The agent's environment, when the czar gave one: exactly that, nothing of ours.
fn with_env(cmd: &mut Command, env: Option<&[(OsString, OsString)]>) {
    if let Some(vars) = env {
        // std looks the program up with the PATH given here, so a profile's PATH finds it.
        cmd.env_clear().envs(vars.iter().map(|(k, v)| (k, v)));
    }
}

fn spawn(
    program: &str,
    args: &[String],
    slave: &OwnedFd,
    env: Option<&[(OsString, OsString)]>,
) -> io::Result<Child> {
    let mut cmd = Command::new(program);
    with_env(&mut cmd, env);
    cmd.args(args)
        .stdin(Stdio::from(slave.try_clone()?))
        .stdout(Stdio::from(slave.try_clone()?))
        .stderr(Stdio::from(slave.try_clone()?));
    // A session of its own with the new terminal as its controlling one, so Ctrl-C and job
    // control work inside it. std has no safe way to start a session (`CommandExt::setsid` is
    // unstable), so this is the one place pane-log needs `pre_exec`.
    // SAFETY: between fork and exec the closure makes only two system calls (rustix's setsid
    // and ioctl, no allocation, no locks), and turns their errno into an io::Error without
    // allocating: all async-signal-safe.
    unsafe {
        cmd.pre_exec(|| {
            rustix::process::setsid()?;
            rustix::process::ioctl_tiocsctty(stdin())?;
            Ok(())
        });
    }
    cmd.spawn()
}

/// The pane's input (keys, pastes, terminal replies) goes to the agent's terminal as it comes.
fn forward_input(master: &OwnedFd) -> io::Result<()> {
    let master = master.try_clone()?;
    std::thread::Builder::new()
        .name("input".into())
        .spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n @ 1..) = pty::read(stdin(), &mut buf) {
                if pty::write_all(&master, &buf[..n]).is_err() {
                    break;
                }
            }
        })?;
    Ok(())
}

/// Why the copying stopped.
enum End {
    Exited(ExitStatus),
    /// The pane was closed, or this process told to end, while the agent still ran.
    PaneGone,
}

fn copy_output(
    master: &OwnedFd,
    signals: &mut Signals,
    child: &mut Child,
    log: &mut Option<File>,
) -> io::Result<End> {
    let mut buf = vec![0u8; 64 * 1024];
    let mut exited: Option<(ExitStatus, Instant)> = None;
    loop {
        let timeout = exited.map(|(_, at)| {
            let left = DRAIN.saturating_sub(at.elapsed());
            Timespec::try_from(left).unwrap_or_default()
        });
        let (output, woken) = {
            let mut fds = [
                PollFd::new(master, PollFlags::IN),
                PollFd::new(signals.get_read(), PollFlags::IN),
            ];
            match rustix::event::poll(&mut fds, timeout.as_ref()) {
                Ok(0) if exited.is_some() => break,
                Ok(_) => (!fds[0].revents().is_empty(), !fds[1].revents().is_empty()),
                Err(rustix::io::Errno::INTR) => continue,
                Err(e) => return Err(e.into()),
            }
        };
        if woken {
            let got: Vec<i32> = signals.pending().collect();
            if got.contains(&SIGWINCH) {
                let _ = pty::copy_size(stdin(), master);
            }
            if exited.is_none() {
                exited = child.try_wait()?.map(|s| (s, Instant::now()));
            }
            let ending = [SIGHUP, SIGTERM];
            if exited.is_none() && got.iter().any(|s| ending.contains(s)) {
                return Ok(End::PaneGone);
            }
        }
        if output {
            let got = pty::read(master, &mut buf)?;
            if got == 0 {
                break;
            }
            // The pane gone means nobody can see the agent any more.
            if pty::write_all(stdout(), &buf[..got]).is_err() {
                if exited.is_none() {
                    return Ok(End::PaneGone);
                }
                break;
            }
            if let Some(f) = log.as_mut()
                && f.write_all(&buf[..got]).is_err()
            {
                *log = None;
            }
        }
    }
    match exited {
        Some((status, _)) => Ok(End::Exited(status)),
        None => child.wait().map(End::Exited),
    }
}

/// The agent's exit code, or its killing signal raised again so tmux sees the same death.
fn exit_code(status: ExitStatus) -> i32 {
    if let Some(code) = status.code() {
        return code;
    }
    let sig = status.signal().unwrap_or(SIGKILL);
    // Back to the default action, then raised at this process. signal-hook knows the action of
    // every standard signal; one it does not know (a real-time one) never had a handler here,
    // so its action is still the default and raising it is enough.
    if signal_hook::low_level::emulate_default_handler(sig).is_err() {
        let _ = signal_hook::low_level::raise(sig);
    }
    128 + sig
}
