//! Command-line interface (clap derive). No logic here.

use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

/// czar: a control room for a fleet of AI coding agents, each in its own tmux session and git
/// worktree. Run in a repository with a czar.toml (`czar init` writes one).
#[derive(Debug, Parser)]
#[command(name = "czar", version, about, long_about = None)]
pub struct Cli {
    /// Run headless: start workers, hand out every task, exit when the queue is drained.
    #[arg(long)]
    pub auto: bool,

    /// With --auto: keep running when the queue is drained, picking up new task files, until
    /// Ctrl-C.
    #[arg(long, requires = "auto")]
    pub watch: bool,

    /// With --auto: first make a plan of this goal (as `czar plan` does), then run it to the end.
    #[arg(long, requires = "auto", value_name = "GOAL")]
    pub plan: Option<String>,

    /// The repository to work in (default: the current directory).
    #[arg(short = 'C', long = "dir", global = true, value_name = "DIR")]
    pub dir: Option<PathBuf>,

    #[command(subcommand)]
    pub command: Option<Cmd>,
}

#[derive(Debug, Subcommand)]
pub enum Cmd {
    /// Write a commented starter czar.toml and an example task.
    Init,
    /// Manage the task queue.
    #[command(subcommand)]
    Task(TaskCmd),
    /// Give a goal to a planner worker: it reads the repository and splits the goal into tasks
    /// (`czar task add`, each with needs and verify) that carry the plan's id, then stops.
    Plan(PlanArgs),
    /// Show workers, tasks and plans.
    Status {
        /// Print JSON for scripts.
        #[arg(long)]
        json: bool,
    },
    /// Attempts, waiting and working time, restarts, auto-answers, operator interventions and
    /// verify failures per task, and the run's autonomy.
    Stats {
        /// Print JSON for scripts.
        #[arg(long)]
        json: bool,
        /// Also write the run as one self-contained HTML page (timeline, throughput, figures).
        #[arg(long, value_name = "FILE")]
        html: Option<PathBuf>,
    },
    /// Declare files this worker is about to change (run by an agent inside its worktree); refused,
    /// naming the holder, when another worker holds one of them.
    Claim {
        /// Paths relative to the current folder.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
    },
    /// What the czar believes about a worker and why: recorded state and reason, the agent
    /// process, and a fresh reading of its screen with the signals behind it. Given a task: its
    /// state, the profiles it accepts, those its routing passed over with why, and why it waits
    /// when every one was.
    Explain {
        /// A worker's id (as in `<project>-worker-<id>`), or a task's id.
        target: String,
        /// Print JSON for scripts.
        #[arg(long)]
        json: bool,
    },
    /// Tell the czar what the agent is doing, from the agent's own hooks (Claude Code, Codex:
    /// Stop, UserPromptSubmit, PreToolUse, Notification, PermissionRequest, ...).
    Hook {
        /// The hook event's name.
        event: String,
    },
    /// The landing queue (each finished task's landing state), or, with a task, land it now:
    /// the running czar is asked to, or, when none runs, it is merged, verified and landed here.
    Land {
        /// The task to land now.
        task: Option<String>,
    },
    /// Remove what a crashed czar left of its landings: the integration worktree, and landed
    /// branches (unless keep_branches). Refused while a czar runs.
    Gc,
    /// Mark this worker's task finished (run by an agent inside its worktree).
    Done,
    /// The review gate's verdict on the task this worker reviews (run by the reviewing agent).
    #[command(subcommand)]
    Review(ReviewCmd),
    /// Leave a progress note for the operator (run by an agent inside its worktree).
    Report {
        /// The note.
        note: String,
    },
    /// Check what czar needs: tmux and git, each agent profile's program and version, task
    /// files, the state folder's permissions, the lock and its holder, and stale worktrees and
    /// sessions. Exits 1 when something is a problem, saying how to fix each thing.
    Doctor {
        /// Print JSON for scripts.
        #[arg(long)]
        json: bool,
    },
    /// Read a screen (standard input) as an agent profile would: state, reason, signals.
    Classify(ClassifyArgs),
    /// Run the czar on a sandbox repository with simulated agents.
    Demo(DemoArgs),
    /// Serve a czar on this host (started by the czar as `ssh HOST czar node --dir DIR`): keeps
    /// its tmux server, clone, worktrees and output logs under --dir and speaks the node
    /// protocol on standard input and output. Refuses every path outside --dir.
    Node {
        #[command(subcommand)]
        action: Option<NodeCmd>,
    },
    /// The simulated coding agent (used by the demo and the tests).
    #[command(hide = true)]
    SimAgent(SimArgs),
    /// Run a command in a terminal of its own, copying everything it prints to a log (the czar
    /// starts each worker's agent this way).
    #[command(hide = true)]
    PaneLog(PaneLogArgs),
}

#[derive(Debug, Subcommand)]
pub enum NodeCmd {
    /// Put this czar binary on a host of czar.toml's [hosts] when it is missing there or of
    /// another version: at the host's `czar` path, or <dir>/bin/czar. Over your own ssh.
    Install {
        /// The host's name, as in [hosts.<name>].
        host: String,
        /// Print JSON for scripts.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Args)]
pub struct PaneLogArgs {
    /// Append everything the command prints to this file (created 0600).
    #[arg(long, value_name = "FILE")]
    pub log: Option<PathBuf>,
    /// Run the command with exactly the environment in this file (NUL-separated KEY=VALUE
    /// records), plus the pane's TERM, TMUX, TMUX_PANE and PWD; the file is deleted once read.
    /// Values never go on a command line, where every local user could read them.
    #[arg(long, value_name = "FILE")]
    pub env_file: Option<PathBuf>,
    /// The command and its arguments (after `--`).
    #[arg(last = true, required = true, value_name = "COMMAND")]
    pub command: Vec<String>,
}

#[derive(Debug, Subcommand)]
pub enum TaskCmd {
    /// Queue a new task; its text comes from --file or standard input.
    Add(TaskAddArgs),
    /// List the tasks: state (held ones say so), priority, worker, attempts, title.
    Ls {
        /// Print JSON for scripts.
        #[arg(long)]
        json: bool,
    },
    /// One task in full: what its file says, where it is, and its events.
    Show {
        id: String,
        /// Print JSON for scripts.
        #[arg(long)]
        json: bool,
    },
    /// Cancel a task: it fails, the operator its reason (the tasks that need it fail too).
    Rm { id: String },
    /// Keep a task from every worker until released; a worker on it stops and gives it back.
    Hold {
        id: String,
        /// Why, for whoever looks at the queue.
        #[arg(long, default_value = "")]
        note: String,
    },
    /// Let a held task go to workers again.
    Release { id: String },
    /// Put a failed (or cancelled) task back in the queue, its attempts counted from zero.
    Retry { id: String },
    /// Set a task's priority (higher runs first), in its file too.
    Priority {
        id: String,
        #[arg(allow_negative_numbers = true)]
        priority: i64,
    },
    /// Open the task's file in $EDITOR; a pending task takes the new text once it checks out.
    Edit { id: String },
}

#[derive(Debug, Args)]
pub struct TaskAddArgs {
    /// The task's title.
    #[arg(long)]
    pub title: String,
    /// Higher runs first.
    #[arg(long, default_value_t = 0, allow_negative_numbers = true)]
    pub priority: i64,
    /// A task id that must be done first (repeatable).
    #[arg(long = "needs", value_name = "ID")]
    pub needs: Vec<String>,
    /// Only workers of these agent profiles may take it, the first available first
    /// (`--agent codex,claude`).
    #[arg(long, value_name = "PROFILES", value_delimiter = ',')]
    pub agent: Vec<String>,
    /// Only profiles declaring all these tags may take it (`--tags rust,big-context`).
    #[arg(long, value_name = "TAGS", value_delimiter = ',')]
    pub tags: Vec<String>,
    /// Only workers on a host declaring all these labels may take it (`--labels gpu`).
    #[arg(long, value_name = "LABELS", value_delimiter = ',')]
    pub labels: Vec<String>,
    /// The plan it belongs to (default: $CZAR_PLAN; run by a planner's worker, its plan).
    #[arg(long, value_name = "ID", env = "CZAR_PLAN")]
    pub plan: Option<String>,
    /// A command, run in the worktree, that must pass for the task to count as done.
    #[arg(long)]
    pub verify: Option<String>,
    /// The task id (default: made from the title).
    #[arg(long)]
    pub id: Option<String>,
    /// Read the task text from this file instead of standard input.
    #[arg(long, value_name = "FILE")]
    pub file: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct PlanArgs {
    /// What the plan should achieve.
    pub goal: String,
    /// The agent profile the planner runs on (default: the project's agent).
    #[arg(long, value_name = "PROFILE")]
    pub agent: Option<String>,
    /// Then run headless (as `czar --auto`) until the plan and its tasks are over.
    #[arg(long)]
    pub auto: bool,
}

#[derive(Debug, Args)]
pub struct ClassifyArgs {
    /// The agent profile whose patterns apply (shipped, or from this repository's czar.toml).
    #[arg(long)]
    pub agent: String,
    /// The pane title, as `tmux display -p '#{pane_title}'` prints it.
    #[arg(long, default_value = "")]
    pub title: String,
    /// Print JSON for scripts.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Run headless to completion instead of opening the control room.
    #[arg(long)]
    pub auto: bool,
    /// Number of simulated workers.
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u32).range(1..=32))]
    pub workers: u32,
    /// Number of tasks in the sandbox.
    #[arg(long, default_value_t = 8, value_parser = clap::value_parser!(u32).range(1..=500))]
    pub tasks: u32,
    /// Where to create the sandbox (default: a new temporary folder).
    #[arg(long, value_name = "DIR")]
    pub sandbox: Option<PathBuf>,
    /// tmux socket name for the demo's workers (default: a private one, killed at the end).
    #[arg(long)]
    pub socket: Option<String>,
    /// Chance (0 to 1) that a simulated agent misbehaves on a task.
    #[arg(long, default_value_t = 0.0, value_parser = parse_rate)]
    pub chaos: f64,
    /// Ready tasks landed together (`land_batch` in the sandbox's czar.toml).
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=64))]
    pub land_batch: u32,
    /// Also `--workers` simulated workers on this host, over your ssh (repeatable); czar must be
    /// on its PATH. Its node keeps the folder named by a path after the address
    /// (`ssh://me@box:22/srv/czar-demo`), else a new `czar-demo-…` in that login's home.
    #[arg(long = "host", value_name = "ssh://USER@HOST:PORT[/DIR]")]
    pub hosts: Vec<String>,
}

#[derive(Debug, Args)]
pub struct SimArgs {
    /// Write each received task's exact bytes to DIR/received-<n>.txt (default: with
    /// CZAR_SIM_RECORD_DIR set, a folder of this sim's own under it).
    #[arg(long, value_name = "DIR")]
    pub record_dir: Option<PathBuf>,
    /// Do not run `czar done` after finishing a task.
    #[arg(long)]
    pub no_done: bool,
    /// Append "<unix ms> <worker> busy|idle" to FILE whenever the sim starts or ends a task
    /// (the worker is $CZAR_WORKER), so a benchmark can tell when each screen changed
    /// (default: $CZAR_SIM_TIMELINE when set).
    #[arg(long, value_name = "FILE")]
    pub timeline: Option<PathBuf>,
    /// Run this command instead of `czar done` after finishing a task (after `--`).
    #[arg(last = true, value_name = "DONE-COMMAND")]
    pub done_command: Vec<String>,
    /// Name shown in the footer and title.
    #[arg(long, default_value = "sim")]
    pub name: String,
    /// Chance (0 to 1) that a task goes wrong on purpose: crash, hang, permission question,
    /// rate limit, idle without commit, lost Enter, trap text, or a failing verify.
    #[arg(long, default_value_t = 0.0, value_parser = parse_rate)]
    pub chaos: f64,
}

fn parse_rate(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(r) if (0.0..=1.0).contains(&r) => Ok(r),
        _ => Err(format!("{s:?} is not a rate between 0 and 1")),
    }
}

/// `czar review approve|reject`.
#[derive(Debug, Subcommand)]
pub enum ReviewCmd {
    /// The change may land.
    Approve {
        /// The task reviewed (default: the one this worker reviews).
        #[arg(long)]
        task: Option<String>,
    },
    /// The change goes back to its author with this review.
    Reject {
        /// What must change.
        why: String,
        /// The task reviewed (default: the one this worker reviews).
        #[arg(long)]
        task: Option<String>,
    },
}
