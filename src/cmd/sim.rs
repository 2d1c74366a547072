//! `czar sim-agent`: runs the built-in simulated agent in the current terminal.

use crate::cli::SimArgs;
use crate::sim_agent::{self, SimOptions};

pub fn run(args: &SimArgs) -> anyhow::Result<i32> {
    let exe = std::env::current_exe()?;
    let done_command = match (args.no_done, args.done_command.is_empty()) {
        (true, _) => None,
        (false, true) => Some(vec![exe.display().to_string(), "done".to_string()]),
        (false, false) => Some(args.done_command.clone()),
    };
    let opts = SimOptions {
        record_dir: args.record_dir.clone().or_else(record_dir_from_env),
        done_command,
        name: args.name.clone(),
        chaos: args.chaos,
        timeline: args.timeline.clone().or_else(timeline_from_env),
    };
    Ok(sim_agent::run(opts)?)
}

/// `CZAR_SIM_RECORD_DIR`: every sim of a fleet records what it receives in a folder of its own
/// under it (the worker's number and the process id), so a test can check what each agent got
/// through a czar that starts the sims itself.
fn record_dir_from_env() -> Option<std::path::PathBuf> {
    let parent = std::env::var_os("CZAR_SIM_RECORD_DIR")?;
    let worker = std::env::var("CZAR_WORKER").unwrap_or_else(|_| "x".into());
    let name = format!("worker-{worker}-{}", std::process::id());
    Some(std::path::PathBuf::from(parent).join(name))
}

/// `CZAR_SIM_TIMELINE`: where every sim of a fleet notes when it starts and ends a task, for a
/// benchmark that drives a czar whose config gives the sim profile no `--timeline` (`czar demo`).
fn timeline_from_env() -> Option<std::path::PathBuf> {
    std::env::var_os("CZAR_SIM_TIMELINE")
        .filter(|v| !v.is_empty())
        .map(std::path::PathBuf::from)
}
