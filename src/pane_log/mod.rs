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
use std::os::fd::{AsRawFd, OwnedFd, RawFd};
use std::os::unix::net::UnixStream;
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicI32, Ordering};
use std::time::{Duration, Instant};

const STDIN: RawFd = libc::STDIN_FILENO;
const STDOUT: RawFd = libc::STDOUT_FILENO;
/// After the agent exits, what it printed last is still read for this long (a process it
/// left behind may hold its terminal open for ever).
const DRAIN: Duration = Duration::from_millis(200);

/// How long the agent's group has between SIGTERM and SIGKILL when the pane goes.
const GRACE: Duration = Duration::from_secs(2);

/// Where the signal handler writes: one byte per SIGWINCH, SIGCHLD, SIGHUP or SIGTERM.
static SIGNAL_FD: AtomicI32 = AtomicI32::new(-1);

extern "C" fn on_signal(sig: libc::c_int) {
    let byte = [sig as u8];
    let fd = SIGNAL_FD.load(Ordering::Relaxed);
    let errno = pty::errno();
    // SAFETY: write is async-signal-safe; a full socket only loses a wake-up already pending.
    unsafe { libc::write(fd, byte.as_ptr().cast(), 1) };
    // A failed write must not change the errno of the call this signal interrupted.
    pty::set_errno(errno);
}

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
            let _ = pty::write_all(STDOUT, msg.as_bytes());
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
    let outer = pty::is_tty(STDIN)
        .then(|| pty::get_attrs(STDIN).ok())
        .flatten();
    // Best effort from here on: a terminal setting that does not take is no reason to keep
    // the agent from running.
    if let Some(attrs) = &outer {
        let _ = pty::set_attrs(pty.slave.as_raw_fd(), attrs);
        let _ = pty::copy_size(STDIN, &pty.master);
    }
    let (wake_rx, wake_tx) = UnixStream::pair()?;
    wake_tx.set_nonblocking(true)?;
    wake_rx.set_nonblocking(true)?;
    SIGNAL_FD.store(wake_tx.as_raw_fd(), Ordering::Relaxed);
    install(&[libc::SIGWINCH, libc::SIGCHLD, libc::SIGHUP, libc::SIGTERM]);
    let mut child = match spawn(program, args, &pty.slave, env.as_deref()) {
        Ok(c) => c,
        Err(e) => {
            let msg = format!("czar pane-log: cannot run {program}: {e}\r\n");
            let _ = pty::write_all(STDOUT, msg.as_bytes());
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
    let guard = outer.and_then(|attrs| pty::RawGuard::enter(STDIN, attrs).ok());
    forward_input(&pty.master)?;
    let pgid = rustix::process::Pid::from_child(&child);
    let status = match copy_output(&pty.master, &wake_rx, &mut child, &mut log_file) {
        Ok(End::Exited(status)) => {
            // What it left in its group outlives it only if it ignored the hangup its exit
            // sent; the worker's next agent must not find it still at work.
            crate::adapters::group::end_leftovers(pgid, Instant::now() + GRACE);
            status
        }
        Ok(End::PaneGone) | Err(_) => {
            // What the agent would get from its terminal if this process were not between.
            crate::adapters::group::signal(pgid, rustix::process::Signal::HUP);
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

fn install(signals: &[libc::c_int]) {
    for sig in signals {
        // SAFETY: sigaction with a handler that only calls write; SA_RESTART keeps blocking
        // reads in the input thread going.
        unsafe {
            let mut sa: libc::sigaction = std::mem::zeroed();
            sa.sa_sigaction = on_signal as extern "C" fn(libc::c_int) as libc::sighandler_t;
            sa.sa_flags = libc::SA_RESTART;
            libc::sigemptyset(&mut sa.sa_mask);
            libc::sigaction(*sig, &sa, std::ptr::null_mut());
        }
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
    // SAFETY: only async-signal-safe calls between fork and exec. A session of its own with the
    // new terminal as its controlling one, so Ctrl-C and job control work inside it.
    unsafe {
        cmd.pre_exec(|| {
            if libc::setsid() < 0 || libc::ioctl(0, libc::TIOCSCTTY, 0) < 0 {
                return Err(io::Error::last_os_error());
            }
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
            while let Ok(n @ 1..) = pty::read(STDIN, &mut buf) {
                if pty::write_all(master.as_raw_fd(), &buf[..n]).is_err() {
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
    wake: &UnixStream,
    child: &mut Child,
    log: &mut Option<File>,
) -> io::Result<End> {
    let mut buf = vec![0u8; 64 * 1024];
    let mut exited: Option<(ExitStatus, Instant)> = None;
    loop {
        let timeout = match exited {
            Some((_, at)) => DRAIN.saturating_sub(at.elapsed()).as_millis() as libc::c_int,
            None => -1,
        };
        let mut fds = [poll_in(master.as_raw_fd()), poll_in(wake.as_raw_fd())];
        // SAFETY: two valid pollfds.
        let n = unsafe { libc::poll(fds.as_mut_ptr(), 2, timeout) };
        if n < 0 {
            let e = io::Error::last_os_error();
            if e.kind() == io::ErrorKind::Interrupted {
                continue;
            }
            return Err(e);
        }
        if n == 0 && exited.is_some() {
            break;
        }
        if fds[1].revents != 0 {
            let mut sigs = [0u8; 64];
            let got = pty::read(wake.as_raw_fd(), &mut sigs).unwrap_or(0);
            let got = &sigs[..got];
            if got.contains(&(libc::SIGWINCH as u8)) {
                let _ = pty::copy_size(STDIN, master);
            }
            if exited.is_none() {
                exited = child.try_wait()?.map(|s| (s, Instant::now()));
            }
            let ending = [libc::SIGHUP, libc::SIGTERM].map(|s| s as u8);
            if exited.is_none() && got.iter().any(|s| ending.contains(s)) {
                return Ok(End::PaneGone);
            }
        }
        if fds[0].revents != 0 {
            let got = pty::read(master.as_raw_fd(), &mut buf)?;
            if got == 0 {
                break;
            }
            // The pane gone means nobody can see the agent any more.
            if pty::write_all(STDOUT, &buf[..got]).is_err() {
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

fn poll_in(fd: RawFd) -> libc::pollfd {
    libc::pollfd {
        fd,
        events: libc::POLLIN,
        revents: 0,
    }
}

/// The agent's exit code, or its killing signal raised again so tmux sees the same death.
fn exit_code(status: ExitStatus) -> i32 {
    if let Some(code) = status.code() {
        return code;
    }
    let sig = status.signal().unwrap_or(libc::SIGKILL);
    // SAFETY: back to the default action, then raised at this process.
    unsafe {
        libc::signal(sig, libc::SIG_DFL);
        libc::raise(sig);
    }
    128 + sig
}
