//! `czar explain <worker> [--json]`: what the czar believes about a worker and why: its
//! recorded state and reason, the agent process, and a fresh reading of its screen with every
//! signal behind it.

use crate::adapters::store::Store;
use crate::adapters::tmux::{PaneInfo, Tmux};
use crate::cmd::classify::{as_json, as_text};
use crate::core::explain::explain;
use crate::core::model::WorkerId;
use crate::engine::now_ms;
use crate::project::{self, UsageError};
use crate::visible::{one_line, visible};
use serde_json::json;
use std::path::Path;

pub async fn run(dir: &Path, worker: WorkerId, json: bool) -> anyhow::Result<()> {
    let cfg = project::load(dir)?;
    let setup = crate::engine::Setup::from_config(&cfg)?;
    let store = Store::open(&cfg.paths.state_dir)?;
    let (_, workers) = store.load()?;
    let Some(w) = workers.get(&worker) else {
        let known: Vec<String> = workers.keys().map(|k| k.to_string()).collect();
        return Err(UsageError(format!(
            "no worker {worker} in this project (known: {})",
            known.join(", ")
        ))
        .into());
    };
    let tmux = Tmux::new(setup.socket.clone());
    let pane: Option<PaneInfo> = tmux
        .list_panes()
        .await
        .map_err(|e| UsageError(format!("reading tmux sessions: {e}")))?
        .into_iter()
        .find(|p| p.session == w.session);
    let profile = cfg.profile(&w.profile).ok_or_else(|| {
        UsageError(format!(
            "worker {worker} runs unknown profile {:?}",
            w.profile
        ))
    })?;
    let reading = match &pane {
        Some(p) if !p.dead => {
            let screen = tmux
                .capture(&w.session, false)
                .await
                .map_err(|e| UsageError(e.to_string()))?;
            Some(explain(&profile.rules(), &screen, &p.title))
        }
        _ => None,
    };
    let since = now_ms().saturating_sub(w.since) / 1000;
    let process = process(pane.as_ref());
    if json {
        let out = json!({
            "worker": worker,
            "session": w.session,
            "profile": w.profile,
            "task": w.task,
            "recorded": { "state": w.agent.as_str(), "reason": w.reason, "for_secs": since },
            "process": process,
            "title": pane.as_ref().map(|p| p.title.clone()),
            "screen": reading.as_ref().map(|e| as_json(&w.profile, e)),
        });
        println!("{}", serde_json::to_string_pretty(&out)?);
        return Ok(());
    }
    // Everything below quotes the agent (its screen, its title) or the task: shown escaped.
    println!(
        "worker {worker} ({}), profile {}, task {}",
        one_line(&w.session),
        one_line(&w.profile),
        one_line(w.task.as_deref().unwrap_or("-"))
    );
    println!(
        "czar's view: {} for {since}s: {}",
        w.agent.as_str(),
        one_line(&w.reason)
    );
    println!("process: {}", one_line(&process));
    if let Some(p) = &pane {
        println!("title: {}", one_line(&p.title));
    }
    match &reading {
        Some(e) => print!("screen now:\n{}", indent(&visible(&as_text(e)))),
        None => println!("screen now: none (no live pane)"),
    }
    Ok(())
}

fn indent(text: &str) -> String {
    text.lines().map(|l| format!("  {l}\n")).collect()
}

fn process(pane: Option<&PaneInfo>) -> String {
    match pane {
        None => "no session".to_string(),
        Some(p) if p.dead => match (p.dead_status, p.dead_signal) {
            (Some(status), _) => format!("exited (status {status})"),
            (None, Some(signal)) => format!("killed by signal {signal}"),
            (None, None) => "exited (status not collected yet)".to_string(),
        },
        Some(p) => match logged_agent(p.pane_pid) {
            Some((name, pid)) => format!(
                "running {name} (pid {pid}; its output logged by czar pane-log, pid {})",
                p.pane_pid
            ),
            None => format!("running {} (pid {})", p.current_command, p.pane_pid),
        },
    }
}

/// The agent under `czar pane-log`, which is the pane's own process and so what tmux names as
/// the pane's command. Read from Linux's /proc; elsewhere the pane's command is shown.
fn logged_agent(pane_pid: u32) -> Option<(String, u32)> {
    let cmdline = std::fs::read(format!("/proc/{pane_pid}/cmdline")).ok()?;
    if !crate::pane_log::is_pane_log(&cmdline) {
        return None;
    }
    let children =
        std::fs::read_to_string(format!("/proc/{pane_pid}/task/{pane_pid}/children")).ok()?;
    let pid: u32 = children.split_whitespace().next()?.parse().ok()?;
    let name = std::fs::read_to_string(format!("/proc/{pid}/comm")).ok()?;
    Some((name.trim().to_string(), pid))
}
