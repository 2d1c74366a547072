//! `czar doctor [--json]`: everything czar needs from the machine and the repository, checked
//! in one go and reported with a fix for each thing that is not right: tmux and git, every
//! agent profile's program and version, task files, the state folder's modes, the lock and its
//! holder, and what earlier runs left behind (worktrees, sessions). It only looks: nothing is
//! created, tightened or started that outlives it (no tmux server, no agent). Exit 1 when a
//! check found a problem, 0 otherwise (warnings included), 2 for a repository czar cannot load.

mod check;
mod profiles;
mod render;
mod stale;
mod state;
mod tools;

pub use check::{Check, Status};

use crate::adapters::tmux::Tmux;
use crate::config::ProjectConfig;
use crate::engine::Setup;
use crate::project;
use std::io::IsTerminal;
use std::path::Path;

pub async fn run(dir: &Path, json: bool) -> anyhow::Result<i32> {
    let cfg = project::load(dir)?;
    let setup = crate::engine::Setup::from_config(&cfg)?;
    let checks = checks(&cfg, &setup).await;
    if json {
        println!("{}", serde_json::to_string_pretty(&render::json(&checks))?);
    } else {
        let color = std::io::stdout().is_terminal() && crate::front::tui::state::color_from_env();
        let title = format!(
            "{} (project {})",
            cfg.paths.repo_root.display(),
            cfg.project
        );
        print!("{}", render::text(&title, &checks, color));
    }
    Ok(check::exit_code(&checks))
}

/// Every check, in the order of the report.
pub async fn checks(cfg: &ProjectConfig, setup: &Setup) -> Vec<Check> {
    let root = &cfg.paths.repo_root;
    let state_dir = &cfg.paths.state_dir;
    // Before anything else: whether a czar runs decides what counts as stale.
    let (lock, holder) = state::lock(state_dir);
    let state = state::state_dir(state_dir);
    let ((tmux, tmux_runs), git, profiles) = tokio::join!(
        tools::tmux(root),
        tools::git(root),
        profiles::check_all(setup)
    );
    let (socket, panes) = socket(cfg, setup, tmux_runs).await;
    let mut checks = vec![tmux, socket, git];
    if cfg.land.mode == crate::core::model::LandMode::Pr {
        checks.push(tools::forge(root, &cfg.land.forge).await);
    }
    checks.extend(profiles);
    checks.push(tasks(setup));
    checks.push(state);
    checks.push(lock);
    checks.push(stale::worktrees(
        root,
        &cfg.paths.worktrees_dir,
        holder.as_ref(),
    ));
    checks.push(stale::sessions(&cfg.tmux, setup, panes, holder.as_ref()));
    checks
}

/// The configured tmux server can be used (never started here: listing a server that does not
/// run starts none). Also returns its panes, or why there are none, for the sessions check.
async fn socket(
    cfg: &ProjectConfig,
    setup: &Setup,
    tmux_runs: bool,
) -> (Check, Result<Vec<crate::adapters::tmux::PaneInfo>, String>) {
    let name = "tmux_socket";
    let server = stale::server(&cfg.tmux);
    if !tmux_runs {
        let why = "tmux cannot be run".to_string();
        let check = Check::warning(
            name,
            format!("{server}: not checked, {why}"),
            "fix what the tmux check says first",
        );
        return (check, Err(why));
    }
    if let Err(p) = crate::engine::preflight::probe_socket(&setup.socket).await {
        return (Check::problem(name, p.what.clone(), p.fix), Err(p.what));
    }
    match Tmux::new(setup.socket.clone()).list_panes().await {
        Ok(panes) => {
            let detail = if panes.is_empty() {
                format!("{server} can be used (no sessions on it now)")
            } else {
                format!("{server} answers ({} panes on it)", panes.len())
            };
            (Check::ok(name, detail), Ok(panes))
        }
        Err(e) => {
            let check = Check::problem(
                name,
                format!("{server} cannot be used: {e}"),
                "check tmux_socket in czar.toml, or stop the server that holds that socket",
            );
            (check, Err(e.to_string()))
        }
    }
}

/// The task files load: czar starts nothing while one does not.
fn tasks(setup: &Setup) -> Check {
    let name = "tasks";
    let agents = crate::tasks::known_names(&setup.profiles, &setup.hosts);
    let dir = &setup.paths.tasks_dir;
    let set = crate::tasks::load_dir(dir, &agents);
    if set.errors.is_empty() {
        return Check::ok(
            name,
            format!(
                "{} in {}, every file loads",
                check::counted(set.tasks.len(), "task"),
                dir.display()
            ),
        );
    }
    let errors: Vec<String> = set.errors.iter().map(ToString::to_string).collect();
    Check::problem(
        name,
        format!(
            "{} task file error{}: {}",
            errors.len(),
            if errors.len() == 1 { "" } else { "s" },
            errors.join("; ")
        ),
        "fix each file at the line named (czar starts nothing until they load)",
    )
}
