//! The commands agents run from their worktrees: `czar done`, `report`, `claim` and `hook`.
//! They talk to the czar through the store's inbox, and work while the czar is down.

use crate::adapters::store::Store;
use crate::core::model::{AgentState, WorkerId};
use crate::core::observation::Signal;
use crate::engine::now_ms;
use crate::project::{self, UsageError};
use anyhow::Context;
use std::path::{Path, PathBuf};

/// Hook event names of Claude Code, Codex and Gemini CLI, and what each says about the agent.
const HOOK_EVENTS: [(&str, AgentState); 10] = [
    ("stop", AgentState::Idle),
    ("sessionstart", AgentState::Idle),
    ("afteragent", AgentState::Idle),
    ("userpromptsubmit", AgentState::Busy),
    ("pretooluse", AgentState::Busy),
    ("posttooluse", AgentState::Busy),
    ("beforeagent", AgentState::Busy),
    ("notification", AgentState::Waiting),
    ("permissionrequest", AgentState::Waiting),
    ("subagentstop", AgentState::Busy),
];

/// Whether `czar hook <event>` knows this event (any case, punctuation ignored).
pub fn is_hook_event(event: &str) -> bool {
    let key = hook_key(event);
    HOOK_EVENTS.iter().any(|(name, _)| *name == key)
}

fn hook_key(event: &str) -> String {
    event
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect::<String>()
        .to_ascii_lowercase()
}

/// `czar hook <event>`, called by an agent's hook settings. Outside a czar worker it does
/// nothing and succeeds: a hook must never break the agent that runs it.
pub fn hook(dir: &Path, event: &str) -> anyhow::Result<i32> {
    let key = hook_key(event);
    let Some((_, state)) = HOOK_EVENTS.iter().find(|(name, _)| *name == key) else {
        let known: Vec<&str> = HOOK_EVENTS.iter().map(|(n, _)| *n).collect();
        return Err(UsageError(format!(
            "unknown hook event {event:?} (known: {})",
            known.join(", ")
        ))
        .into());
    };
    let Ok((worker, state_dir)) = whoami(dir) else {
        return Ok(0);
    };
    let store = Store::open(&state_dir)?;
    // Claude Code hands its hooks a JSON object on standard input, with the session's
    // transcript path: the tokens used so far are in it. Sent before the hook's state, so
    // they count for the task a `Stop` may end.
    if let Some(path) = hook_transcript() {
        match std::fs::read_to_string(&path) {
            Ok(text) => {
                let totals = crate::core::tokens::claude_transcript_usage(&text);
                let session = path.display().to_string();
                store.push_signal(worker, &Signal::Usage { session, totals }, now_ms())?;
            }
            // The transcript may not be written yet at the first hook of a session.
            Err(e) => tracing::debug!("reading {}: {e}", path.display()),
        }
    }
    store.push_signal(
        worker,
        &Signal::Hook {
            state: *state,
            event: event.to_string(),
        },
        now_ms(),
    )?;
    Ok(0)
}

/// The `transcript_path` of the hook's input, when standard input is not a terminal and holds
/// a JSON object naming one. A terminal is never read, and a pipe nobody closes is given up on
/// after a moment: a hook must never keep its agent waiting.
fn hook_transcript() -> Option<PathBuf> {
    use std::io::{IsTerminal, Read};
    if std::io::stdin().is_terminal() {
        return None;
    }
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut text = String::new();
        // A hook's input is small; more than this is not one.
        let read = std::io::stdin()
            .lock()
            .take(1 << 20)
            .read_to_string(&mut text);
        let _ = tx.send(read.map(|_| text));
    });
    let text = rx
        .recv_timeout(std::time::Duration::from_secs(2))
        .ok()?
        .ok()?;
    let v: serde_json::Value = serde_json::from_str(&text).ok()?;
    v["transcript_path"].as_str().map(PathBuf::from)
}

/// Exit 0 when claimed, 3 when another worker holds one of the files (so scripts can tell).
pub fn claim(dir: &Path, paths: &[PathBuf]) -> anyhow::Result<i32> {
    let (worker, state_dir) = whoami(dir)?;
    let root = crate::adapters::git::checkout_root(dir).map_err(|e| UsageError(e.to_string()))?;
    let here = std::fs::canonicalize(dir).unwrap_or_else(|_| dir.to_path_buf());
    let mut rel = Vec::new();
    for p in paths {
        rel.push(
            relative_to(&root, &here.join(p))
                .ok_or_else(|| UsageError(format!("{}: outside this worktree", p.display())))?,
        );
    }
    let mut store = Store::open(&state_dir)?;
    let (_, workers) = store.load()?;
    let Some(task) = workers.get(&worker).and_then(|w| w.task.clone()) else {
        return Err(UsageError(format!(
            "worker {worker} holds no task; nothing to claim for"
        ))
        .into());
    };
    let refused = store.claim(worker, &task, &rel, now_ms())?;
    if refused.is_empty() {
        println!("czar: worker {worker} claimed {}", rel.join(", "));
        return Ok(0);
    }
    for c in &refused {
        eprintln!(
            "czar: {} is claimed by worker {} (task {})",
            c.path, c.worker, c.task
        );
    }
    eprintln!("czar: nothing claimed");
    Ok(3)
}

/// `path` relative to `root`, with `.` and `..` resolved by hand (the file may not exist yet).
fn relative_to(root: &Path, path: &Path) -> Option<String> {
    let mut parts: Vec<String> = Vec::new();
    for c in path.strip_prefix(root).ok()?.components() {
        match c {
            std::path::Component::Normal(s) => parts.push(s.to_str()?.to_string()),
            std::path::Component::ParentDir => {
                parts.pop()?;
            }
            std::path::Component::CurDir => {}
            _ => return None,
        }
    }
    (!parts.is_empty()).then(|| parts.join("/"))
}

/// Which worker is asking: the session's environment says so; failing that, the worktree folder.
fn whoami(dir: &Path) -> anyhow::Result<(WorkerId, PathBuf)> {
    let env_worker = std::env::var("CZAR_WORKER")
        .ok()
        .and_then(|v| v.parse().ok());
    let env_state = std::env::var_os("CZAR_STATE_DIR").map(PathBuf::from);
    if let (Some(w), Some(state)) = (env_worker, env_state.clone()) {
        return Ok((w, state));
    }
    let cfg = project::load(dir)?;
    let here = std::fs::canonicalize(dir).unwrap_or_else(|_| dir.to_path_buf());
    let wts =
        std::fs::canonicalize(&cfg.paths.worktrees_dir).unwrap_or(cfg.paths.worktrees_dir.clone());
    let worker = here
        .strip_prefix(&wts)
        .ok()
        .and_then(|rest| rest.components().next())
        .and_then(|c| {
            c.as_os_str()
                .to_str()?
                .strip_prefix("worker-")?
                .parse()
                .ok()
        })
        .or(env_worker)
        .ok_or_else(|| {
            UsageError(format!(
                "{} is not a czar worker's worktree (and CZAR_WORKER is not set)",
                here.display()
            ))
        })?;
    Ok((worker, env_state.unwrap_or(cfg.paths.state_dir)))
}

/// `czar done`, naming the branch it was run on so a late one cannot finish the next task.
pub fn done(dir: &Path) -> anyhow::Result<()> {
    let branch = crate::adapters::git::branch_at(dir);
    signal(dir, Signal::Done { branch })
}

/// `czar review approve|reject`, through the inbox as `czar done` goes.
pub fn review(dir: &Path, cmd: crate::cli::ReviewCmd) -> anyhow::Result<()> {
    use crate::cli::ReviewCmd;
    use crate::core::review::Verdict;
    let (task, verdict) = match cmd {
        ReviewCmd::Approve { task } => (task, Verdict::Approve),
        ReviewCmd::Reject { why, .. } if why.trim().is_empty() => {
            return Err(UsageError("a rejection says what must change".into()).into());
        }
        ReviewCmd::Reject { why, task } => (task, Verdict::Reject(why)),
    };
    signal(dir, Signal::Review { task, verdict })
}

pub fn signal(dir: &Path, signal: Signal) -> anyhow::Result<()> {
    let (worker, state_dir) = whoami(dir)?;
    let store = Store::open(&state_dir)
        .with_context(|| format!("opening the czar's state in {}", state_dir.display()))?;
    store.push_signal(worker, &signal, now_ms())?;
    match signal {
        Signal::Done { .. } => {
            println!("czar: worker {worker}: task marked done; the czar will check it.")
        }
        Signal::Report(_) => println!("czar: worker {worker}: note recorded."),
        Signal::Review { .. } => println!("czar: worker {worker}: review verdict recorded."),
        Signal::Hook { .. }
        | Signal::LandNow { .. }
        | Signal::Operator(_)
        | Signal::Usage { .. } => {}
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    /// The settings the claude profile is started with call `czar hook` only with events it
    /// knows.
    #[test]
    fn every_event_the_hook_settings_name_is_one_czar_hook_knows() {
        for event in crate::config::hooks::EVENTS {
            assert!(super::is_hook_event(event), "{event}");
        }
    }
}
