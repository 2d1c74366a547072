//! The two front ends on the one engine: the dashboard (`tui`) and headless `--auto`
//! (`headless`). Neither decides anything: both send the operator's intents and show the
//! engine's model; both log to a file (`logging`), never over the terminal.

pub mod headless;
pub mod logging;
pub mod tui;
