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
        record_dir: args.record_dir.clone(),
        done_command,
        name: args.name.clone(),
        chaos: args.chaos,
        timeline: args.timeline.clone(),
    };
    Ok(sim_agent::run(opts)?)
}
