//! `czar demo`: a sandbox repository with simulated agents, to see the czar work without any
//! real agent installed.

use crate::adapters::tmux::{Socket, Tmux};
use crate::cli::DemoArgs;
use crate::project::{self, UsageError};
use anyhow::Context;
use std::path::{Path, PathBuf};

struct DemoTask {
    id: String,
    duration: f64,
    text: String,
}

/// Two kinds of chains and some free tasks: tasks 1→2→3, 5→6→7, ... and every 4th on its own.
/// The tasks that need nothing (1, 4, 5, 8, ...) also add a line to a file they share in groups
/// of about four (`src/shared_<n>.txt`): started together, they edit the same lines, so the
/// ones that land later conflict and their agents bring `main` in and resolve.
fn plan(count: u32) -> Vec<DemoTask> {
    (1..=count)
        .map(|i| {
            let id = format!("task-{i:02}");
            let duration = 1.0 + f64::from((i * 7) % 5) * 0.5;
            let needs = if i % 4 == 2 || i % 4 == 3 {
                format!("needs = [\"task-{:02}\"]\n", i - 1)
            } else {
                String::new()
            };
            let verify = if i % 2 == 0 {
                format!("verify = \"test -s src/feature_{i}.txt\"\n")
            } else {
                String::new()
            };
            let shared = if i % 4 == 0 || i % 4 == 1 {
                format!(" touch=src/shared_{}.txt", i / 8)
            } else {
                String::new()
            };
            let text = format!(
                "+++\ntitle = \"Feature {i}\"\npriority = {}\n{needs}{verify}+++\n\
                 Build feature {i}: write `src/feature_{i}.txt` and commit it.\n\n\
                 sim: duration={duration} touch=src/feature_{i}.txt{shared}\n",
                (count - i) % 3
            );
            DemoTask { id, duration, text }
        })
        .collect()
}

/// What every merged result, and `main` at the end, must pass: no conflict markers left.
const LAND_VERIFY: &str = "! grep -rqsE \"^(<<<<<<<|=======|>>>>>>>)\" src";

/// The demo's tasks take seconds, so its patience is measured in seconds too.
fn config_text(args: &DemoArgs, socket: &str) -> String {
    let (workers, chaos, batch) = (args.workers, args.chaos, args.land_batch);
    let hosts = &args.hosts;
    let mut text = format!(
        "# czar demo sandbox: simulated agents on a private tmux socket\n\
         project = \"demo\"\nworkers = {workers}\nagent = \"sim\"\n\
         worktrees_dir = \"../worktrees\"\ntmux_socket = \"{socket}\"\n\
         land = \"merge\"\nland_verify = '{LAND_VERIFY}'\nland_batch = {batch}\n\n\
         [timing]\npoll_ms = 250\nsettle_ms = 200\nidle_grace_secs = 4\nstuck_secs = 20\n\
         max_task_secs = 15\nmax_attempts = 6\nsubmit_confirm_secs = 2\nmax_land_attempts = 6\n"
    );
    // Each host's node folder, under that login's home, named for this demo.
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    for (i, h) in hosts.iter().enumerate() {
        let h = h
            .strip_prefix("ssh://")
            .unwrap_or(h)
            .replace(['"', '\\'], "");
        // A path after the address names the node's folder; without one it is made in the
        // login's home.
        let (ssh, dir) = match h.split_once('/') {
            Some((ssh, path)) if !path.is_empty() => (ssh.to_string(), format!("/{path}")),
            _ => (
                h.trim_end_matches('/').to_string(),
                format!("czar-demo-{}-{nanos}", std::process::id()),
            ),
        };
        text.push_str(&format!(
            "\n[hosts.host{}]\nssh = \"{ssh}\"\nworkers = {workers}\ndir = \"{dir}\"\n",
            i + 1
        ));
    }
    if chaos > 0.0 {
        text.push_str(&format!(
            "\n[agents.sim]\ncommand = [\"{{czar}}\", \"sim-agent\", \"--chaos\", \"{chaos}\"]\n"
        ));
    }
    text
}

fn sandbox_root(dir: Option<&Path>) -> anyhow::Result<PathBuf> {
    let root = match dir {
        Some(d) => d.to_path_buf(),
        None => {
            let nanos = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.subsec_nanos());
            std::env::temp_dir().join(format!("czar-demo-{}-{nanos}", std::process::id()))
        }
    };
    if root.exists()
        && std::fs::read_dir(&root)
            .map(|mut d| d.next().is_some())
            .unwrap_or(true)
    {
        return Err(UsageError(format!(
            "{}: the demo needs an empty or new folder",
            root.display()
        ))
        .into());
    }
    std::fs::create_dir_all(&root).with_context(|| format!("creating {}", root.display()))?;
    Ok(root)
}

/// Makes the sandbox: a git repository on `main` with one commit, a czar.toml and the tasks.
/// Returns the repository path and the sum of the simulated task durations.
fn create(root: &Path, args: &DemoArgs, socket: &str) -> anyhow::Result<(PathBuf, f64)> {
    let repo_dir = root.join("repo");
    let tasks_dir = repo_dir.join("tasks");
    std::fs::create_dir_all(&tasks_dir)?;
    std::fs::write(
        repo_dir.join("README.md"),
        "# demo\n\nA sandbox for czar's simulated agents.\n",
    )?;
    std::fs::write(repo_dir.join(".gitignore"), ".czar/\n")?;
    std::fs::write(repo_dir.join("czar.toml"), config_text(args, socket))?;
    let tasks = plan(args.tasks);
    for t in &tasks {
        std::fs::write(tasks_dir.join(format!("{}.md", t.id)), &t.text)?;
    }
    crate::adapters::git::init_repo(&repo_dir, "main", "demo: initial commit")?;
    Ok((repo_dir, tasks.iter().map(|t| t.duration).sum()))
}

/// `dir` is the global `-C/--dir`, which names the sandbox too; `--sandbox` is the demo's own.
pub async fn run(args: &DemoArgs, dir: Option<&Path>) -> anyhow::Result<i32> {
    let chosen = match (args.sandbox.as_deref(), dir) {
        (Some(sandbox), Some(dir)) if sandbox != dir => {
            return Err(UsageError(format!(
                "--sandbox {} and -C/--dir {} name different folders; give one",
                sandbox.display(),
                dir.display()
            ))
            .into());
        }
        (Some(sandbox), _) => Some(sandbox),
        (None, dir) => dir,
    };
    let root = sandbox_root(chosen)?;
    let socket = args
        .socket
        .clone()
        .unwrap_or_else(|| format!("czar-demo-{}", std::process::id()));
    let (repo, total) = create(&root, args, &socket)?;
    println!(
        "czar demo: sandbox {} ({} tasks, {} simulated workers, tmux -L {socket})",
        repo.display(),
        args.tasks,
        args.workers
    );
    let cfg = project::load(&repo)?;
    // A `czar -C <sandbox>` started beside the demo would drive the same workers.
    let _lock = project::own_state(&cfg.paths.state_dir, crate::adapters::lock::Mode::Demo)?;
    let setup = crate::engine::Setup::from_config(&cfg)?;
    if !args.auto {
        let code = crate::front::tui::run(&cfg, setup).await;
        println!(
            "czar demo: the workers keep running: `czar -C {}` picks them up, \
             `tmux -L {socket} kill-server` stops them. The sandbox stays at {}",
            repo.display(),
            root.display()
        );
        return code;
    }
    let cpu_before = cpu_secs();
    let outcome = crate::front::headless::run(setup, false).await;
    if args.socket.is_none() {
        let _ = Tmux::new(Socket::Name(socket.clone())).kill_server().await;
    }
    let outcome = outcome?;
    let all_workers = args.workers * (1 + args.hosts.len() as u32);
    let ideal = total / f64::from(all_workers);
    println!(
        "czar demo: {} done, {} failed in {:.1}s; ideal (sum of task durations / workers) {:.1}s; czar CPU {:.2}s",
        outcome.done,
        outcome.failed,
        outcome.wall_secs,
        ideal,
        cpu_secs() - cpu_before
    );
    let main_ok = check_main(&repo, &cfg)?;
    println!("czar demo: the sandbox stays at {}", root.display());
    Ok(if main_ok { outcome.exit_code() } else { 1 })
}

/// Runs main's own verify in the sandbox's checkout of `main` and checks every landed task's
/// file is there; prints what it found.
fn check_main(repo: &Path, cfg: &crate::config::ProjectConfig) -> anyhow::Result<bool> {
    let ran = std::process::Command::new("sh")
        .arg("-c")
        .arg(LAND_VERIFY)
        .current_dir(repo)
        .status()
        .context("running main's verify")?;
    let store = crate::adapters::store::Store::open(&cfg.paths.state_dir)?;
    let (tasks, _) = store.load()?;
    let landed: Vec<&String> = tasks
        .iter()
        .filter(|(_, t)| {
            matches!(
                t.land.as_ref().map(|l| &l.state),
                Some(crate::core::model::Landing::Landed { .. })
            )
        })
        .map(|(id, _)| id)
        .collect();
    // Each landing's commit is in main's history: what the task brought is there.
    let git = crate::adapters::git::Git::discover(repo)?;
    let main = git.commit_of("main")?;
    let missing: Vec<&String> = tasks
        .iter()
        .filter_map(|(id, t)| match t.land.as_ref().map(|l| &l.state) {
            Some(crate::core::model::Landing::Landed { commit, .. }) => Some((id, commit)),
            _ => None,
        })
        .filter(|(_, commit)| !git.contains(&main, commit))
        .map(|(id, _)| id)
        .collect();
    let resolved: u32 = tasks
        .values()
        .filter_map(|t| t.land.as_ref())
        .filter(|l| matches!(l.state, crate::core::model::Landing::Landed { .. }))
        .map(|l| l.conflicts)
        .sum();
    println!(
        "czar demo: {} of {} tasks landed on main, after {resolved} conflicts resolved by agents; \
         main's verify `{LAND_VERIFY}` {}; landed work missing from main: {}",
        landed.len(),
        tasks.len(),
        if ran.success() { "passed" } else { "FAILED" },
        if missing.is_empty() {
            "none".to_string()
        } else {
            missing
                .iter()
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        }
    );
    Ok(ran.success() && missing.is_empty())
}

/// User + system CPU time of this process (its children are not counted): the clock of the
/// process's own CPU time counts both, over all its threads, as getrusage(RUSAGE_SELF) does.
pub fn cpu_secs() -> f64 {
    use rustix::time::{ClockId, clock_gettime};
    let t = clock_gettime(ClockId::ProcessCPUTime);
    t.tv_sec as f64 + t.tv_nsec as f64 / 1e9
}
