//! czar's built-in simulated coding agent (`czar sim-agent`): it looks and
//! behaves enough like a real agent in a tmux pane (ready prompt, busy spinner,
//! pane title, bracketed paste) for the demo and the tests, and its work is
//! scripted by `sim: key=value` lines in the task (see `directives`), and told to run a line
//! with `sim: run=<line>` (see `run_line`).

pub mod chaos;
mod directives;
mod input;
mod options;
mod prompt;
mod record;
mod run_line;
pub mod screen;
mod session;
mod term;
mod work;

use std::io::{self, Write};
use std::time::{Duration, Instant};

pub use directives::{Plan, parse_plan, task_title};
pub use options::SimOptions;

use input::InputParser;
use session::Session;
use term::TerminalGuard;

#[derive(Debug, thiserror::Error)]
pub enum SimError {
    #[error("terminal I/O failed: {0}")]
    Terminal(#[from] io::Error),
    #[error("cannot read the current directory: {0}")]
    Cwd(io::Error),
    #[error("{0}")]
    Usage(String),
}

/// How long a lone ESC waits for the rest of a sequence before it counts as
/// the Escape key. tmux writes a whole sequence at once, so this can be short.
const ESC_WAIT: Duration = Duration::from_millis(40);
const BUSY_POLL: Duration = Duration::from_millis(50);
const IDLE_POLL: Duration = Duration::from_millis(500);
const READ_CHUNK: usize = 64 * 1024;

/// Runs the sim on stdin/stdout in the current directory until the operator
/// quits (exit code 0), input ends, or a task's `exit=` directive fires.
pub fn run(opts: SimOptions) -> Result<i32, SimError> {
    if opts.done_command.as_ref().is_some_and(Vec::is_empty) {
        return Err(SimError::Usage("the done command is empty".into()));
    }
    let cwd = std::env::current_dir().map_err(SimError::Cwd)?;
    let _guard = TerminalGuard::enable()?;
    let mut session = Session::new(opts, cwd, FdOut, term::width());
    session.start()?;
    let mut parser = InputParser::new();
    let mut buf = vec![0u8; READ_CHUNK];
    let mut eof = false;
    let mut last_input = Instant::now();
    loop {
        let timeout = if parser.has_lone_escape() {
            ESC_WAIT
        } else if session.is_busy() {
            BUSY_POLL
        } else {
            IDLE_POLL
        };
        let readable = if eof {
            std::thread::sleep(timeout);
            false
        } else {
            term::wait_readable(timeout)?
        };
        if readable {
            let n = term::read_input(&mut buf)?;
            if n == 0 {
                eof = true;
            } else {
                last_input = Instant::now();
                for key in parser.feed(&buf[..n]) {
                    if let Some(code) = session.handle_key(key)? {
                        return Ok(code);
                    }
                }
            }
        }
        let now = Instant::now();
        // A lone ESC only matters while busy; at the prompt it may still
        // begin a paste, so it waits for the next byte there.
        if session.is_busy()
            && now.saturating_duration_since(last_input) >= ESC_WAIT
            && let Some(key) = parser.flush_lone_escape()
        {
            session.handle_key(key)?;
        }
        if let Some(code) = session.tick(now, term::width())? {
            return Ok(code);
        }
        if eof && !session.is_busy() {
            session.end_of_input()?;
            return Ok(0);
        }
    }
}

/// Unbuffered stdout: frames are written whole and must not linger in a buffer.
struct FdOut;

impl Write for FdOut {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        term::write_all_fd(buf)?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}
