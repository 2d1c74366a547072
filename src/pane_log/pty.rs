//! The pseudo-terminal the agent runs in, and the few terminal calls around it.

use std::fs::OpenOptions;
use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::os::unix::fs::OpenOptionsExt;
use std::path::PathBuf;

pub struct Pty {
    pub master: OwnedFd,
    pub slave: OwnedFd,
}

fn check(rc: libc::c_int) -> io::Result<libc::c_int> {
    if rc < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(rc)
    }
}

pub fn open() -> io::Result<Pty> {
    // SAFETY: posix_openpt returns a new descriptor or -1.
    let fd = check(unsafe { libc::posix_openpt(libc::O_RDWR | libc::O_NOCTTY) })?;
    // SAFETY: fd is a fresh descriptor nothing else owns.
    let master = unsafe { OwnedFd::from_raw_fd(fd) };
    // SAFETY: calls on the descriptor owned above.
    unsafe {
        check(libc::fcntl(fd, libc::F_SETFD, libc::FD_CLOEXEC))?;
        check(libc::grantpt(fd))?;
        check(libc::unlockpt(fd))?;
    }
    let slave = OpenOptions::new()
        .read(true)
        .write(true)
        .custom_flags(libc::O_NOCTTY)
        .open(slave_name(fd)?)?;
    Ok(Pty {
        master,
        slave: slave.into(),
    })
}

#[cfg(target_os = "linux")]
fn slave_name(master: RawFd) -> io::Result<PathBuf> {
    let mut buf = [0u8; 128];
    // SAFETY: buf is writable for its length; ptsname_r NUL-terminates on success.
    let rc = unsafe { libc::ptsname_r(master, buf.as_mut_ptr().cast(), buf.len()) };
    if rc != 0 {
        return Err(io::Error::from_raw_os_error(rc));
    }
    let end = buf.iter().position(|b| *b == 0).unwrap_or(buf.len());
    Ok(PathBuf::from(
        String::from_utf8_lossy(&buf[..end]).into_owned(),
    ))
}

#[cfg(not(target_os = "linux"))]
fn slave_name(master: RawFd) -> io::Result<PathBuf> {
    // ptsname's static buffer is safe here: no other thread exists yet.
    // SAFETY: master is a valid pty master; the result is NUL-terminated or null.
    let p = unsafe { libc::ptsname(master) };
    if p.is_null() {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: non-null result of ptsname is a C string.
    let name = unsafe { std::ffi::CStr::from_ptr(p) };
    Ok(PathBuf::from(name.to_string_lossy().into_owned()))
}

/// The calling thread's errno (for a signal handler to put back).
pub fn errno() -> libc::c_int {
    io::Error::last_os_error().raw_os_error().unwrap_or(0)
}

pub fn set_errno(value: libc::c_int) {
    #[cfg(target_os = "linux")]
    // SAFETY: this thread's errno, always valid.
    unsafe {
        *libc::__errno_location() = value;
    }
    #[cfg(any(target_os = "macos", target_os = "freebsd"))]
    // SAFETY: this thread's errno, always valid.
    unsafe {
        *libc::__error() = value;
    }
    #[cfg(not(any(target_os = "linux", target_os = "macos", target_os = "freebsd")))]
    let _ = value;
}

pub fn is_tty(fd: RawFd) -> bool {
    // SAFETY: isatty only inspects the descriptor.
    unsafe { libc::isatty(fd) == 1 }
}

pub fn get_attrs(fd: RawFd) -> io::Result<libc::termios> {
    let mut t = std::mem::MaybeUninit::<libc::termios>::uninit();
    // SAFETY: tcgetattr fills the struct when it returns 0.
    check(unsafe { libc::tcgetattr(fd, t.as_mut_ptr()) })?;
    // SAFETY: initialised by the successful call above.
    Ok(unsafe { t.assume_init() })
}

pub fn set_attrs(fd: RawFd, t: &libc::termios) -> io::Result<()> {
    // SAFETY: t is a valid termios.
    check(unsafe { libc::tcsetattr(fd, libc::TCSANOW, t) }).map(drop)
}

/// Gives `to` the window size of `from`; on a pty master this also tells the agent (SIGWINCH).
pub fn copy_size(from: RawFd, to: &OwnedFd) -> io::Result<()> {
    let mut ws = std::mem::MaybeUninit::<libc::winsize>::uninit();
    // SAFETY: TIOCGWINSZ fills a winsize; TIOCSWINSZ reads one.
    unsafe {
        check(libc::ioctl(from, libc::TIOCGWINSZ, ws.as_mut_ptr()))?;
        check(libc::ioctl(to.as_raw_fd(), libc::TIOCSWINSZ, ws.as_ptr()))?;
    }
    Ok(())
}

/// Puts the pane's terminal in raw mode, so every key reaches the agent's own terminal, which
/// does the line editing and signals the agent asked for; the settings come back on drop.
pub struct RawGuard {
    fd: RawFd,
    original: libc::termios,
}

impl RawGuard {
    pub fn enter(fd: RawFd, original: libc::termios) -> io::Result<RawGuard> {
        let mut raw = original;
        // SAFETY: raw is a valid termios; cfmakeraw only edits its flags.
        unsafe { libc::cfmakeraw(&mut raw) };
        set_attrs(fd, &raw)?;
        Ok(RawGuard { fd, original })
    }
}

impl Drop for RawGuard {
    fn drop(&mut self) {
        let _ = set_attrs(self.fd, &self.original);
    }
}

pub use crate::fdio::{read, write_all};
