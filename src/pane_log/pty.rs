//! The pseudo-terminal the agent runs in, and the few terminal calls around it.

use std::io;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};

use rustix::fs::{Mode, OFlags};
use rustix::io::FdFlags;
use rustix::pty::OpenptFlags;
use rustix::termios::{self, OptionalActions, Termios};

pub struct Pty {
    pub master: OwnedFd,
    pub slave: OwnedFd,
}

/// A new pty pair. Neither end becomes this process's controlling terminal, and neither leaks
/// into the agent beyond the copies given to it as stdin, stdout and stderr.
pub fn open() -> io::Result<Pty> {
    let master = rustix::pty::openpt(OpenptFlags::RDWR | OpenptFlags::NOCTTY)?;
    // Set apart from the open: posix_openpt takes no close-on-exec flag outside Linux and BSDs.
    rustix::io::fcntl_setfd(&master, FdFlags::CLOEXEC)?;
    rustix::pty::grantpt(&master)?;
    rustix::pty::unlockpt(&master)?;
    let name = rustix::pty::ptsname(&master, Vec::new())?;
    let slave = rustix::fs::open(
        name.as_c_str(),
        OFlags::RDWR | OFlags::NOCTTY | OFlags::CLOEXEC,
        Mode::empty(),
    )?;
    Ok(Pty { master, slave })
}

pub fn is_tty(fd: impl AsFd) -> bool {
    termios::isatty(fd)
}

pub fn get_attrs(fd: impl AsFd) -> io::Result<Termios> {
    Ok(termios::tcgetattr(fd)?)
}

pub fn set_attrs(fd: impl AsFd, t: &Termios) -> io::Result<()> {
    Ok(termios::tcsetattr(fd, OptionalActions::Now, t)?)
}

/// Gives `to` the window size of `from`; on a pty master this also tells the agent (SIGWINCH).
pub fn copy_size(from: impl AsFd, to: impl AsFd) -> io::Result<()> {
    let size = termios::tcgetwinsize(from)?;
    Ok(termios::tcsetwinsize(to, size)?)
}

/// Puts the pane's terminal in raw mode, so every key reaches the agent's own terminal, which
/// does the line editing and signals the agent asked for; the settings come back on drop.
pub struct RawGuard {
    fd: BorrowedFd<'static>,
    original: Termios,
}

impl RawGuard {
    pub fn enter(fd: BorrowedFd<'static>, original: Termios) -> io::Result<RawGuard> {
        let mut raw = original.clone();
        raw.make_raw();
        set_attrs(fd, &raw)?;
        Ok(RawGuard { fd, original })
    }
}

impl Drop for RawGuard {
    fn drop(&mut self) {
        let _ = set_attrs(self.fd, &self.original);
    }
}

pub use crate::adapters::fdio::{read, write_all};
