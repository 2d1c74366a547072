//! What the caller tells the sim (czar fills it from its command line).

use std::path::PathBuf;

#[derive(Debug, Clone, PartialEq)]
pub struct SimOptions {
    /// Each received task's exact bytes go to `received-<n>.txt` here.
    pub record_dir: Option<PathBuf>,
    /// Argv (no shell) run in the cwd when a task finishes.
    pub done_command: Option<Vec<String>>,
    /// Shown in the pane title and, when not "sim", in the footer.
    pub name: String,
    /// Chance (0..=1) that a task goes wrong on purpose (see `chaos`).
    pub chaos: f64,
    /// Where to append "<unix ms> <worker> busy|idle" as tasks start and end.
    pub timeline: Option<PathBuf>,
}

impl Default for SimOptions {
    fn default() -> Self {
        Self {
            record_dir: None,
            done_command: None,
            name: "sim".into(),
            chaos: 0.0,
            timeline: None,
        }
    }
}
