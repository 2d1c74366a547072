//! What earlier runs left behind: worktree registrations whose folder was deleted by hand,
//! folders in the worktrees folder git knows nothing of, worker sessions the store knows
//! nothing of (the next czar would adopt them as workers and hand them tasks), dead panes, and
//! workers the store holds as running whose session is gone. While a czar holds the lock all of
//! these are its own business, in use rather than stale.

use super::check::{Check, Finding, counted, running};
use crate::adapters::git::{Git, Registered};
use crate::adapters::lock::Holder;
use crate::adapters::store::Store;
use crate::adapters::tmux::PaneInfo;
use crate::adapters::tmux::Socket as TmuxSocket;
use crate::core::model::{Worker, WorkerId};
use crate::engine::Setup;
use crate::engine::preflight::shown;
use std::collections::BTreeMap;
use std::path::Path;

fn quoted(p: &Path) -> String {
    shown(&[p.display().to_string()])
}

pub fn worktrees(root: &Path, wt_dir: &Path, held: Option<&Holder>) -> Check {
    let name = "worktrees";
    let listed = Git::discover(root).and_then(|g| g.registered_worktrees(wt_dir));
    let (registered, dir) = match listed {
        Ok(found) => found,
        Err(e) => {
            return Check::warning(
                name,
                format!("the repository's worktrees cannot be listed: {e}"),
                format!("run `git -C {} worktree list` to see why", quoted(root)),
            );
        }
    };
    let ours: Vec<&Registered> = registered
        .iter()
        .filter(|r| r.path.starts_with(&dir))
        .collect();
    let at = wt_dir.display();
    if let Some(h) = held {
        return Check::ok(
            name,
            format!(
                "{} in {at}, {}: none is stale while it runs",
                counted(ours.len(), "worktree"),
                running(h)
            ),
        );
    }
    let git = |args: String| format!("git -C {} {args}", quoted(root));
    let mut findings = Vec::new();
    for r in ours.iter().filter(|r| !r.present) {
        let state = if r.path.exists() {
            "the folder there is no longer that worktree (emptied or replaced)"
        } else {
            "its folder is gone"
        };
        let fix = if r.locked {
            format!(
                "{} && {}",
                git(format!("worktree unlock {}", quoted(&r.path))),
                git("worktree prune".into())
            )
        } else {
            git("worktree prune".into())
        };
        let what = format!(
            "{} is registered as worktree {}, but {state} (git still counts its branch as \
             checked out there)",
            r.path.display(),
            r.name
        );
        findings.push(Finding::warning(what, fix));
    }
    let entries = std::fs::read_dir(&dir).into_iter().flatten().flatten();
    let mut folders = 0;
    for entry in entries {
        if !entry.file_type().is_ok_and(|t| t.is_dir()) {
            continue;
        }
        folders += 1;
        let path = dir.join(entry.file_name());
        if registered.iter().any(|r| r.path == path) {
            continue;
        }
        findings.push(unregistered(&path));
    }
    let ok = if ours.is_empty() && folders == 0 {
        format!("no worktrees in {at} yet")
    } else {
        format!(
            "{} in {at}, each registered with git and present",
            counted(ours.len(), "worktree")
        )
    };
    Check::of(name, ok, findings)
}

/// A folder in the worktrees folder that is no worktree git knows.
fn unregistered(path: &Path) -> Finding {
    let empty = std::fs::read_dir(path).is_ok_and(|mut d| d.next().is_none());
    let worker = path.file_name().and_then(|n| {
        n.to_str()?
            .strip_prefix("worker-")?
            .parse::<WorkerId>()
            .ok()
    });
    let mut what = format!(
        "{} is in the worktrees folder but is not a registered worktree",
        path.display()
    );
    if empty {
        what.push_str(" (it is empty)");
        return Finding::warning(what, format!("rmdir {}", quoted(path)));
    }
    if let Some(id) = worker {
        what.push_str(&format!(
            ": czar cannot make worker {id}'s worktree there while it holds files"
        ));
    }
    Finding::warning(
        what,
        format!(
            "look inside, then move it away or delete it (rm -r {}) if it holds nothing you need",
            quoted(path)
        ),
    )
}

/// The tmux server the configuration names, as a person would.
pub fn server(socket: &TmuxSocket) -> String {
    match socket {
        TmuxSocket::Default => "your own tmux server".into(),
        TmuxSocket::Name(n) => format!("the tmux server -L {n}"),
        TmuxSocket::Path(p) => format!("the tmux server -S {}", p.display()),
    }
}

/// The worker sessions on the configured server against the store. `panes` is the server's
/// listing, or why there is none.
pub fn sessions(
    socket: &TmuxSocket,
    setup: &Setup,
    panes: Result<Vec<PaneInfo>, String>,
    held: Option<&Holder>,
) -> Check {
    let name = "sessions";
    let panes = match panes {
        Ok(p) => p,
        Err(e) => {
            return Check::warning(
                name,
                format!("not checked: {e}"),
                "fix what the tmux and tmux_socket checks say first",
            );
        }
    };
    // A session is dead when every pane of it is (a worker's has one).
    let mut sessions: BTreeMap<WorkerId, (&str, Vec<&PaneInfo>)> = BTreeMap::new();
    for p in &panes {
        if let Some(id) = setup.worker_of_session(&p.session) {
            sessions
                .entry(id)
                .or_insert((&p.session, Vec::new()))
                .1
                .push(p);
        }
    }
    let on = server(socket);
    if let Some(h) = held {
        return Check::ok(
            name,
            format!(
                "{} on {on}, {}: none is stale while it runs",
                counted(sessions.len(), "worker session"),
                running(h)
            ),
        );
    }
    let workers: BTreeMap<WorkerId, Worker> = match Store::open_read_only(setup.state_dir())
        .and_then(|s| match s {
            Some(s) => s.load().map(|(_, w)| w),
            None => Ok(BTreeMap::new()),
        }) {
        Ok(w) => w,
        Err(e) => {
            return Check::warning(
                name,
                format!("the store cannot be read ({e}), so sessions cannot be matched to workers"),
                "run `czar status` to see the error; move a damaged czar.db away to start afresh",
            );
        }
    };
    let kill = |session: &str| {
        let mut argv = vec!["tmux".to_string()];
        argv.extend(
            socket
                .args()
                .iter()
                .map(|a| a.to_string_lossy().into_owned()),
        );
        argv.extend(["kill-session".into(), "-t".into(), format!("={session}")]);
        shown(&argv)
    };
    let mut findings = Vec::new();
    for (id, (session, panes)) in &sessions {
        let command = panes.first().map_or("", |p| p.current_command.as_str());
        let dead = panes.iter().all(|p| p.dead);
        let what = match workers.get(id) {
            None => format!(
                "{session} (running `{command}`) is no worker the store knows: the next czar \
                 would adopt it as worker {id} and hand it tasks"
            ),
            Some(w) if w.retired => {
                format!("{session} is left from worker {id}, which czar retired (it kept failing)")
            }
            Some(_) if dead => {
                let how = panes.first().map_or(String::new(), |p| ended(p));
                format!("{session}: worker {id}'s agent {how}, and its pane is dead")
            }
            Some(_) => continue,
        };
        let mut fix = kill(session);
        if dead && workers.get(id).is_some_and(|w| !w.retired) {
            fix.push_str(&format!(
                " (or start czar: it restarts worker {id}'s agent)"
            ));
        }
        findings.push(Finding::warning(what, fix));
    }
    for w in workers.values() {
        if w.live && !w.retired && !sessions.contains_key(&w.id) {
            findings.push(Finding::warning(
                format!(
                    "worker {} is recorded as running in session {}, which is not on {on}",
                    w.id, w.session
                ),
                format!(
                    "start czar (or czar --auto): it records worker {} as crashed and starts it \
                     again",
                    w.id
                ),
            ));
        }
    }
    let ok = if sessions.is_empty() {
        format!("no worker sessions on {on}")
    } else {
        format!(
            "{} on {on}, each a live worker the store knows",
            counted(sessions.len(), "worker session")
        )
    };
    Check::of(name, ok, findings)
}

/// How a dead pane's process ended.
fn ended(p: &PaneInfo) -> String {
    match (p.dead_status, p.dead_signal) {
        (Some(s), _) => format!("exited with status {s}"),
        (None, Some(sig)) => format!("was killed by signal {sig}"),
        (None, None) => "exited".into(),
    }
}
