//! The terminal: raw mode + alternate screen on the way in, restored on the way out, on error
//! (a guard) and on panic (a hook), and handed over for a while to `tmux attach` or `$EDITOR`.

use crossterm::cursor::{Hide, Show};
use crossterm::execute;
use crossterm::terminal::{
    Clear, ClearType, EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode, enable_raw_mode,
};
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;
use std::io::{self, Stdout};
use std::sync::Once;

pub type Term = Terminal<CrosstermBackend<Stdout>>;

/// Raw mode, alternate screen, hidden cursor.
pub fn enter() -> io::Result<Term> {
    install_panic_hook();
    take()?;
    fresh()
}

/// A new Terminal on a cleared screen: its empty buffers make the next draw paint everything.
/// (`Terminal::clear` would ask the terminal for the cursor position; after another program
/// had the terminal that answer can get lost, and it is not needed full screen.)
fn fresh() -> io::Result<Term> {
    execute!(io::stdout(), Clear(ClearType::All))?;
    Terminal::new(CrosstermBackend::new(io::stdout()))
}

fn take() -> io::Result<()> {
    enable_raw_mode()?;
    if let Err(e) = execute!(io::stdout(), EnterAlternateScreen, Hide) {
        let _ = disable_raw_mode();
        return Err(e);
    }
    Ok(())
}

/// Gives the terminal back as it was. Safe to call twice.
pub fn restore() {
    let _ = execute!(io::stdout(), LeaveAlternateScreen, Show);
    let _ = disable_raw_mode();
}

/// Lends the terminal to another program (`tmux attach`, an editor), then takes it back and
/// redraws everything.
pub async fn lend<T>(term: &mut Term, run: impl AsyncFnOnce() -> T) -> io::Result<T> {
    restore();
    let out = run().await;
    take()?;
    *term = fresh()?;
    Ok(out)
}

/// Restores the terminal before the panic message prints, so it is readable.
fn install_panic_hook() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            restore();
            previous(info);
        }));
    });
}

/// Restores the terminal when dropped: on `?`, on early return, on unwinding.
pub struct Guard;

impl Drop for Guard {
    fn drop(&mut self) {
        restore();
    }
}
