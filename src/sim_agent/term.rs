//! The terminal: raw mode + bracketed paste while the sim runs, and their
//! undoing on every way out (return, panic unwind, fatal signal).

use std::io;
use std::sync::OnceLock;
use std::time::Duration;

const STDIN: libc::c_int = libc::STDIN_FILENO;
const STDOUT: libc::c_int = libc::STDOUT_FILENO;
const PASTE_ON: &[u8] = b"\x1b[?2004h";
const PASTE_OFF: &[u8] = b"\x1b[?2004l";
/// Bracketed paste off, then below the input line with the rest of the
/// prompt block erased, so whatever runs next starts on a clean line.
const SIGNAL_EXIT: &[u8] = b"\x1b[?2004l\r\n\x1b[J";

/// The settings to put back from a signal handler, which cannot reach the guard.
static SAVED: OnceLock<libc::termios> = OnceLock::new();

/// Restores the terminal when dropped. Without a tty on stdin (pipes in unit
/// runs) it changes nothing, so the sim still works as a plain filter.
pub struct TerminalGuard {
    original: Option<libc::termios>,
}

impl TerminalGuard {
    pub fn enable() -> io::Result<Self> {
        // SAFETY: isatty only inspects the descriptor.
        let original = if unsafe { libc::isatty(STDIN) } == 1 {
            Some(enter_raw_mode()?)
        } else {
            None
        };
        write_all_fd(PASTE_ON)?;
        Ok(Self { original })
    }
}

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        let _ = write_all_fd(PASTE_OFF);
        if let Some(t) = self.original.as_ref() {
            // SAFETY: t is a termios obtained from tcgetattr on this descriptor.
            unsafe { libc::tcsetattr(STDIN, libc::TCSANOW, t) };
        }
    }
}

fn enter_raw_mode() -> io::Result<libc::termios> {
    let mut t = std::mem::MaybeUninit::<libc::termios>::uninit();
    // SAFETY: tcgetattr fills the struct when it returns 0.
    if unsafe { libc::tcgetattr(STDIN, t.as_mut_ptr()) } != 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: initialised by the successful tcgetattr above.
    let original = unsafe { t.assume_init() };
    let _ = SAVED.set(original);
    install_signal_handlers();
    let mut raw = original;
    // SAFETY: raw is a valid termios; cfmakeraw only edits its flags.
    unsafe { libc::cfmakeraw(&mut raw) };
    // SAFETY: raw is a valid termios for this descriptor.
    if unsafe { libc::tcsetattr(STDIN, libc::TCSANOW, &raw) } != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(original)
}

extern "C" fn restore_and_reraise(sig: libc::c_int) {
    // Only async-signal-safe calls here: tcsetattr, write, signal, raise.
    if let Some(t) = SAVED.get() {
        // SAFETY: t came from tcgetattr on stdin.
        unsafe { libc::tcsetattr(STDIN, libc::TCSANOW, t) };
    }
    // SAFETY: writing a static buffer; re-raising with the default action so
    // the parent sees the real cause of death.
    unsafe {
        libc::write(STDOUT, SIGNAL_EXIT.as_ptr().cast(), SIGNAL_EXIT.len());
        libc::signal(sig, libc::SIG_DFL);
        libc::raise(sig);
    }
}

fn install_signal_handlers() {
    let handler = restore_and_reraise as extern "C" fn(libc::c_int) as libc::sighandler_t;
    for sig in [libc::SIGTERM, libc::SIGHUP, libc::SIGINT, libc::SIGQUIT] {
        // SAFETY: the handler only makes async-signal-safe calls.
        unsafe { libc::signal(sig, handler) };
    }
}

/// Writes straight to fd 1, bypassing std's buffer, so ordering with the
/// signal handler's write is never in doubt.
pub fn write_all_fd(bytes: &[u8]) -> io::Result<()> {
    crate::fdio::write_all(rustix::stdio::stdout(), bytes)
}

/// Waits up to `timeout` for input; false on timeout or an interrupting signal.
pub fn wait_readable(timeout: Duration) -> io::Result<bool> {
    let mut fds = libc::pollfd {
        fd: STDIN,
        events: libc::POLLIN,
        revents: 0,
    };
    let ms = libc::c_int::try_from(timeout.as_millis()).unwrap_or(libc::c_int::MAX);
    // SAFETY: one valid pollfd.
    let rc = unsafe { libc::poll(&mut fds, 1, ms) };
    if rc < 0 {
        let e = io::Error::last_os_error();
        return if e.kind() == io::ErrorKind::Interrupted {
            Ok(false)
        } else {
            Err(e)
        };
    }
    Ok(rc > 0)
}

/// Reads what is available; 0 means the input is gone for good.
pub fn read_input(buf: &mut [u8]) -> io::Result<usize> {
    crate::fdio::read(rustix::stdio::stdin(), buf)
}

/// Columns of the pane, re-read on every draw so a resize is picked up.
pub fn width() -> u16 {
    for fd in [STDOUT, STDIN] {
        // SAFETY: winsize is plain data; ioctl fills it on success.
        let mut ws: libc::winsize = unsafe { std::mem::zeroed() };
        if unsafe { libc::ioctl(fd, libc::TIOCGWINSZ, &mut ws) } == 0 && ws.ws_col > 0 {
            return ws.ws_col;
        }
    }
    80
}
