//! The terminal: raw mode + bracketed paste while the sim runs, and their
//! undoing on every way out (return, panic unwind, fatal signal).

use std::io;
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use rustix::event::{PollFd, PollFlags, Timespec};
use rustix::stdio::{stdin, stdout};
use rustix::termios::{self, OptionalActions, Termios};
use signal_hook::consts::{SIGHUP, SIGINT, SIGQUIT, SIGTERM};
use signal_hook::iterator::Signals;

const PASTE_ON: &[u8] = b"\x1b[?2004h";
const PASTE_OFF: &[u8] = b"\x1b[?2004l";
/// Bracketed paste off, then below the input line with the rest of the
/// prompt block erased, so whatever runs next starts on a clean line.
const SIGNAL_EXIT: &[u8] = b"\x1b[?2004l\r\n\x1b[J";

/// Held for every write to the terminal. The thread that ends the sim on a
/// fatal signal takes it and never gives it back, so no frame is drawn after
/// the terminal was put back.
static OUTPUT: Mutex<()> = Mutex::new(());

/// Restores the terminal when dropped. Without a tty on stdin (pipes in unit
/// runs) it changes nothing, so the sim still works as a plain filter.
pub struct TerminalGuard {
    original: Option<Termios>,
}

impl TerminalGuard {
    pub fn enable() -> io::Result<Self> {
        let original = if termios::isatty(stdin()) {
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
            let _ = termios::tcsetattr(stdin(), OptionalActions::Now, t);
        }
    }
}

fn enter_raw_mode() -> io::Result<Termios> {
    let original = termios::tcgetattr(stdin())?;
    restore_on_fatal_signals(original.clone());
    let mut raw = original.clone();
    raw.make_raw();
    termios::tcsetattr(stdin(), OptionalActions::Now, &raw)?;
    Ok(original)
}

/// A fatal signal skips the guard's drop. signal-hook's handler only wakes a
/// thread of this sim's own, which puts the terminal back and then lets the
/// signal do what it would have done, so the parent sees the real cause of
/// death. Without that thread the sim still runs, as it would without a tty.
fn restore_on_fatal_signals(original: Termios) {
    let Ok(mut signals) = Signals::new([SIGTERM, SIGHUP, SIGINT, SIGQUIT]) else {
        return;
    };
    let _ = std::thread::Builder::new()
        .name("fatal-signal".into())
        .spawn(move || {
            let Some(sig) = signals.forever().next() else {
                return;
            };
            let _output = output_lock();
            let _ = termios::tcsetattr(stdin(), OptionalActions::Now, &original);
            let _ = crate::adapters::fdio::write_all(stdout(), SIGNAL_EXIT);
            let _ = signal_hook::low_level::emulate_default_handler(sig);
        });
}

// The lock guards no data, so a poisoned one is as good as a clean one.
fn output_lock() -> MutexGuard<'static, ()> {
    OUTPUT.lock().unwrap_or_else(|p| p.into_inner())
}

/// Writes straight to fd 1, bypassing std's buffer, so ordering with the
/// fatal-signal thread's write is never in doubt.
pub fn write_all_fd(bytes: &[u8]) -> io::Result<()> {
    let _output = output_lock();
    crate::adapters::fdio::write_all(stdout(), bytes)
}

/// Waits up to `timeout` for input; false on timeout or an interrupting signal.
pub fn wait_readable(timeout: Duration) -> io::Result<bool> {
    let stdin = stdin();
    let mut fds = [PollFd::new(&stdin, PollFlags::IN)];
    let timeout = Timespec::try_from(timeout).unwrap_or(Timespec {
        tv_sec: i64::MAX,
        tv_nsec: 0,
    });
    match rustix::event::poll(&mut fds, Some(&timeout)) {
        Ok(n) => Ok(n > 0),
        Err(rustix::io::Errno::INTR) => Ok(false),
        Err(e) => Err(e.into()),
    }
}

/// Reads what is available; 0 means the input is gone for good.
pub fn read_input(buf: &mut [u8]) -> io::Result<usize> {
    crate::adapters::fdio::read(stdin(), buf)
}

/// Columns of the pane, re-read on every draw so a resize is picked up.
pub fn width() -> u16 {
    [stdout(), stdin()]
        .into_iter()
        .filter_map(|fd| termios::tcgetwinsize(fd).ok())
        .map(|ws| ws.ws_col)
        .find(|cols| *cols > 0)
        .unwrap_or(80)
}
