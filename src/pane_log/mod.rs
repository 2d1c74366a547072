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

mod pty;

use std::fs::{File, OpenOptions};
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

/// Where the signal handler writes: one byte per SIGWINCH or SIGCHLD.
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

/// Whether a process's command line (NUL-separated, as in /proc/PID/cmdline) is a pane-log's.
pub fn is_pane_log(cmdline: &[u8]) -> bool {
    cmdline.split(|b| *b == 0).nth(1) == Some(b"pane-log".as_slice())
}

/// Runs `command` and returns its exit code; a signal that killed it is raised again here.
pub fn run(log: &Path, command: &[String]) -> io::Result<i32> {
    let Some((program, args)) = command.split_first() else {
        return Err(io::Error::new(io::ErrorKind::InvalidInput, "no command"));
    };
    // A log that cannot be opened costs the log, never the agent.
    let mut log_file = OpenOptions::new().append(true).create(true).open(log).ok();
    let pty = match pty::open() {
        Ok(pty) => pty,
        Err(e) => {
            // Without a terminal of its own the agent still runs, in the pane's, unlogged.
            if let Some(f) = log_file.as_mut() {
                let _ = writeln!(f, "czar pane-log: no terminal for the agent ({e}); no log");
            }
            return Err(Command::new(program).args(args).exec());
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
    install(&[libc::SIGWINCH, libc::SIGCHLD]);
    let mut child = match spawn(program, args, &pty.slave) {
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
    let status = copy_output(&pty.master, &wake_rx, &mut child, &mut log_file)?;
    drop(guard);
    Ok(exit_code(status))
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

fn spawn(program: &str, args: &[String], slave: &OwnedFd) -> io::Result<Child> {
    let mut cmd = Command::new(program);
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

fn copy_output(
    master: &OwnedFd,
    wake: &UnixStream,
    child: &mut Child,
    log: &mut Option<File>,
) -> io::Result<ExitStatus> {
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
            if sigs[..got].contains(&(libc::SIGWINCH as u8)) {
                let _ = pty::copy_size(STDIN, master);
            }
            if exited.is_none() {
                exited = child.try_wait()?.map(|s| (s, Instant::now()));
            }
        }
        if fds[0].revents != 0 {
            let got = pty::read(master.as_raw_fd(), &mut buf)?;
            if got == 0 {
                break;
            }
            // The pane gone means nobody can see the agent any more: stop, it gets a hangup.
            pty::write_all(STDOUT, &buf[..got])?;
            if let Some(f) = log.as_mut()
                && f.write_all(&buf[..got]).is_err()
            {
                *log = None;
            }
        }
    }
    match exited {
        Some((status, _)) => Ok(status),
        None => child.wait(),
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
