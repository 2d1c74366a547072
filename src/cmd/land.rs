//! `czar land [<task>]`: the landing queue, or one task landed now: through the inbox to the
//! running czar, or, when none runs, here (holding the lock), with each step stored before it
//! is carried out as the engine does. `czar gc`: what a crashed czar left of its landings.

use crate::adapters::git::{Git, MergeStyle, Moved};
use crate::adapters::lock;
use crate::adapters::store::{Step, Store};
use crate::config::ProjectConfig;
use crate::core::command::{Event, EventKind};
use crate::core::model::{LandMode, Landing, Task, TaskState, branch_for};
use crate::core::observation::Signal;
use crate::engine::now_ms;
use crate::project::{self, UsageError};
use crate::visible::one_line;
use std::path::Path;

pub fn run(dir: &Path, task: Option<&str>) -> anyhow::Result<i32> {
    let cfg = project::load(dir)?;
    let Some(task) = task else {
        show(&cfg)?;
        return Ok(0);
    };
    if cfg.land.mode == LandMode::Off {
        return Err(UsageError(
            "landing is off (land = \"off\" in czar.toml); set land = \"merge\" to land tasks"
                .into(),
        )
        .into());
    }
    let state_dir = &cfg.paths.state_dir;
    if let Some(holder) = lock::holder(state_dir) {
        let store = Store::open(state_dir)?;
        let signal = Signal::LandNow {
            task: task.to_string(),
        };
        store.push_signal(0, &signal, now_ms())?;
        let pid = holder.pid.map_or("?".into(), |p| p.to_string());
        println!(
            "czar: asked the running czar (pid {pid}) to land {} now",
            one_line(task)
        );
        return Ok(0);
    }
    if cfg.land.mode == LandMode::Pr {
        println!(
            "czar: with land = \"pr\" a task lands when its pull request is merged; run czar to \
             open and follow it"
        );
        return Ok(1);
    }
    let _lock = project::own_state(state_dir, lock::Mode::Land)?;
    land_here(&cfg, task)
}

fn show(cfg: &ProjectConfig) -> anyhow::Result<()> {
    let store = Store::open(&cfg.paths.state_dir)?;
    let (tasks, _) = store.load()?;
    println!(
        "landing: {} into {}",
        cfg.land.mode.as_str(),
        one_line(&cfg.land.into)
    );
    for t in tasks.values() {
        let Some(l) = &t.land else {
            continue;
        };
        let what = match &l.state {
            Landing::Landed { commit, .. } => commit.get(..12).unwrap_or(commit).to_string(),
            Landing::Waiting { why, .. } => why.clone(),
            Landing::Returned { files, .. } => files.join(", "),
            _ => String::new(),
        };
        let review = crate::core::review::summary(l, cfg.land.max_review_rounds)
            .map_or(String::new(), |r| format!(" (review: {r})"));
        println!(
            "{:<24} {:<8} {:<14} {}{}",
            one_line(&t.def.id),
            t.state.as_str(),
            l.state.as_str(),
            one_line(&what),
            one_line(&review)
        );
    }
    Ok(())
}

/// One landing while no czar runs: merge and verify in the integration worktree, the move
/// stored before it is made, then the compare-and-swap. A conflict or a failing verify is only
/// reported: agents resolve it when a czar runs.
fn land_here(cfg: &ProjectConfig, task: &str) -> anyhow::Result<i32> {
    let mut store = Store::open(&cfg.paths.state_dir)?;
    let (tasks, _) = store.load()?;
    let Some(mut t) = tasks.get(task).cloned() else {
        return Err(UsageError(format!("no task {}", one_line(task))).into());
    };
    let waiting = t.land.as_ref().is_some_and(|l| {
        matches!(
            l.state,
            Landing::Queued | Landing::Waiting { .. } | Landing::Moving { .. } | Landing::Merging
        )
    });
    if t.state != TaskState::Done || !waiting {
        let land = t.land.as_ref().map_or("-", |l| l.state.as_str());
        println!(
            "czar: {} is {} (landing: {land}); nothing to land",
            one_line(task),
            t.state.as_str()
        );
        return Ok(1);
    }
    let unlanded: Vec<&String> = t
        .def
        .needs
        .iter()
        .filter(|n| {
            !tasks.get(*n).is_some_and(|d| {
                matches!(
                    d.land.as_ref().map(|l| &l.state),
                    Some(Landing::Landed { .. })
                )
            })
        })
        .collect();
    if !unlanded.is_empty() {
        let names: Vec<String> = unlanded.iter().map(|s| one_line(s).into_owned()).collect();
        println!("czar: {task} needs {} to land first", names.join(", "));
        return Ok(1);
    }
    let git = Git::discover(&cfg.paths.repo_root)?;
    let into = &cfg.land.into;
    let (from, to) = match t.land.as_ref().map(|l| l.state.clone()) {
        // A czar killed in the move: ask the move again (the compare-and-swap knows).
        Some(Landing::Moving { from, to }) => (from, to),
        _ => match merge_and_verify(cfg, &git, &t)? {
            Some(pair) => pair,
            None => return Ok(1),
        },
    };
    set(
        &mut store,
        &mut t,
        Landing::Moving {
            from: from.clone(),
            to: to.clone(),
        },
        None,
    )?;
    match git.move_target(into, &from, &to)? {
        Moved::Done => {
            let state = Landing::Landed {
                commit: to.clone(),
                from,
                at: now_ms(),
            };
            let event = (EventKind::Landed, format!("{into} is at {to} (czar land)"));
            set(&mut store, &mut t, state, Some(event))?;
            if !cfg.land.keep_branches {
                let _ = git.delete_branch(&branch_for(task));
            }
            println!("czar: {} landed: {into} is at {to}", one_line(task));
            Ok(0)
        }
        Moved::Stale(now) => {
            set(&mut store, &mut t, Landing::Queued, None)?;
            println!("czar: {into} moved to {now} meanwhile; run `czar land {task}` again");
            Ok(1)
        }
        Moved::Blocked(why) => {
            let state = Landing::Waiting {
                why: why.clone(),
                since: now_ms(),
            };
            set(
                &mut store,
                &mut t,
                state,
                Some((EventKind::LandWaiting, why.clone())),
            )?;
            println!("czar: {} waits: {}", one_line(task), one_line(&why));
            Ok(1)
        }
    }
}

/// The merged and verified (from, to), or `None` after saying why not.
fn merge_and_verify(
    cfg: &ProjectConfig,
    git: &Git,
    t: &Task,
) -> anyhow::Result<Option<(String, String)>> {
    let style = match cfg.land.mode {
        LandMode::Squash => MergeStyle::Squash,
        LandMode::Rebase => MergeStyle::Rebase,
        _ => MergeStyle::Merge,
    };
    let wt = cfg.paths.land_worktree();
    let message = format!("czar: land {}: {}\n", t.def.id, t.def.title);
    let merged = git.land_merge(&wt, &cfg.land.into, &t.branch(), style, &message)?;
    let Some(to) = merged.to else {
        println!(
            "czar: {} conflicts with {} in: {}\n{}\nrun czar: its agent is given the conflict to resolve",
            one_line(&t.def.id),
            one_line(&cfg.land.into),
            merged.conflicts.join(", "),
            merged.hunks
        );
        return Ok(None);
    };
    for command in t.def.verify.iter().chain(cfg.land.verify.iter()) {
        let out = std::process::Command::new("sh")
            .arg("-c")
            .arg(command)
            .current_dir(&wt)
            .stdin(std::process::Stdio::null())
            .output()?;
        if !out.status.success() {
            println!(
                "czar: `{command}` failed on the merged result:\n{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
            return Ok(None);
        }
    }
    Ok(Some((merged.from, to)))
}

fn set(
    store: &mut Store,
    t: &mut Task,
    state: Landing,
    event: Option<(EventKind, String)>,
) -> anyhow::Result<()> {
    if let Some(l) = t.land.as_mut() {
        l.state = state;
    }
    let events: Vec<Event> = event
        .into_iter()
        .map(|(kind, detail)| Event {
            worker: None,
            task: Some(t.def.id.clone()),
            kind,
            detail,
        })
        .collect();
    store.commit_step(&Step {
        now: now_ms(),
        tasks: &[&*t],
        workers: &[],
        events: &events,
        inbox_taken: &[],
    })?;
    Ok(())
}

/// `czar gc`: with no czar running, the integration worktree a crash may have left mid-merge is
/// removed, and landed tasks' branches (unless `keep_branches`) are deleted, a worker's worktree
/// still on one let go of it first (its files stay, detached at the same commit).
pub fn gc(dir: &Path) -> anyhow::Result<i32> {
    let cfg = project::load(dir)?;
    let _lock = project::own_state(&cfg.paths.state_dir, lock::Mode::Land)?;
    let git = Git::discover(&cfg.paths.repo_root)?;
    let wt = cfg.paths.land_worktree();
    if wt.exists() {
        git.remove_worktree(&wt)?;
        println!("czar gc: removed the integration worktree {}", wt.display());
    }
    let store = Store::open(&cfg.paths.state_dir)?;
    let (tasks, workers) = store.load()?;
    if cfg.land.keep_branches {
        return Ok(0);
    }
    for t in tasks.values() {
        let landed = matches!(
            t.land.as_ref().map(|l| &l.state),
            Some(Landing::Landed { .. })
        );
        let branch = t.branch();
        if !landed || !git.branch_exists(&branch) {
            continue;
        }
        for w in workers.keys() {
            let path = cfg.paths.worktree(*w);
            if crate::adapters::git::branch_at(&path).as_deref() == Some(branch.as_str()) {
                git.release_worktree(&path, "landed branch removed by czar gc")?;
            }
        }
        if git.delete_branch(&branch)? {
            println!("czar gc: deleted {branch} (landed)");
        } else {
            println!("czar gc: kept {branch}: it is checked out outside czar's worktrees");
        }
    }
    Ok(0)
}
