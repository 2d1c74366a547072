//! `czar --auto`: the same engine with nobody watching. Prints one line per event that matters,
//! exits when the queue is drained, and ends with a summary table.

use crate::core::command::{Event, EventKind};
use crate::core::model::{Model, TaskState, branch_for};
use crate::engine::{Engine, Setup};
use crate::visible::one_line;
use std::io::Write;

pub struct Outcome {
    pub interrupted: bool,
    pub failed: usize,
    pub done: usize,
    pub wall_secs: f64,
    /// Task files that still did not load at the end: their tasks never ran.
    pub broken_files: Vec<String>,
    /// Done tasks left waiting to land on what only a person can change (see `LAND_STALL`).
    pub unlanded: usize,
}

impl Outcome {
    pub fn exit_code(&self) -> i32 {
        if self.interrupted {
            130
        } else if self.failed > 0 || !self.broken_files.is_empty() || self.unlanded > 0 {
            1
        } else {
            0
        }
    }
}

/// How long a run with nobody watching goes on once all that is left is landings waiting on
/// something only a person can change (the target's checkout with uncommitted changes): a wait
/// git itself causes (a lock, a ref moving) is over within seconds, that one never is.
const LAND_STALL: std::time::Duration = std::time::Duration::from_secs(30);

/// With `watch`, a drained queue does not end the run: only Ctrl-C does. Without it, a profile
/// whose agents keep failing to start is never tried again, and the tasks no agent can run
/// fail with the cause, so the run ends (see `core::park`).
pub async fn run(mut setup: Setup, watch: bool) -> anyhow::Result<Outcome> {
    if !watch {
        setup.policy.spawn.probe_after_ms = None;
    }
    // No terminal to ring here: without a command there is nobody to tell.
    if setup.notify.command.is_empty() {
        setup.policy.notify.clear();
    }
    let (log, _guard) = crate::front::logging::init(&setup.paths.state_dir)?;
    println!(
        "czar: project {} on {}, {} workers; log: {}",
        setup.project,
        setup.base,
        setup.policy.workers,
        log.display()
    );
    let start = std::time::Instant::now();
    let mut engine = Engine::start(setup).await?;
    engine.on_event(move |e| print_event(start.elapsed().as_secs_f64(), e));
    // `until` is asked after each poll, and the first poll reads the task files: an empty model
    // is never mistaken for a drained queue.
    let stall_ms = LAND_STALL.as_millis() as u64;
    engine
        .run(|m| {
            let over = m.stopping || m.drained();
            if watch {
                return m.stopping;
            }
            over || crate::core::land::only_waits_left(m, crate::engine::now_ms(), stall_ms)
                .is_some()
        })
        .await?;
    let wall_secs = start.elapsed().as_secs_f64();
    let model = engine.model();
    let interrupted = model.stopping;
    if interrupted {
        println!("czar: stopped. Worker sessions keep running; run czar again to resume.");
    }
    print_summary(&engine);
    print_blocked(engine.setup(), model);
    let unlanded = if interrupted || model.drained() {
        0
    } else {
        print_unlanded(model, stall_ms)
    };
    if !interrupted {
        print_still_running(engine.setup(), model);
    }
    let broken_files: Vec<String> = model.task_file_errors.values().cloned().collect();
    if !broken_files.is_empty() {
        println!("czar: task files that did not load, whose tasks never ran:");
        for e in &broken_files {
            for line in e.lines() {
                println!("  {}", one_line(line));
            }
        }
    }
    let failed = model
        .tasks
        .values()
        .filter(|t| t.state == TaskState::Failed)
        .count();
    let done = model
        .tasks
        .values()
        .filter(|t| t.state == TaskState::Done)
        .count();
    Ok(Outcome {
        interrupted,
        failed,
        done,
        wall_secs,
        broken_files,
        unlanded,
    })
}

fn print_event(at: f64, e: &Event) {
    let shown = matches!(
        e.kind,
        EventKind::Assigned
            | EventKind::Done
            | EventKind::Failed
            | EventKind::Requeued
            | EventKind::DeliveryFailed
            | EventKind::VerifyFailed
            | EventKind::WorkerCrashed
            | EventKind::WorkerFailed
            | EventKind::WorkerRetired
            | EventKind::WorkerAdded
            | EventKind::EarlyExit
            | EventKind::ProfileUnavailable
            | EventKind::ProfileAvailable
            | EventKind::Throttled
            | EventKind::Report
            | EventKind::TaskFileError
            | EventKind::TaskFileFixed
            | EventKind::Landed
            | EventKind::LandConflict
            | EventKind::LandVerifyFailed
            | EventKind::LandWaiting
            | EventKind::Waiting
            | EventKind::RateLimit
            | EventKind::Budget
            | EventKind::Compact
            | EventKind::Routed
            | EventKind::Plan
            | EventKind::HostDown
            | EventKind::HostUp
    );
    if !shown {
        return;
    }
    let who = e.worker.map_or(String::new(), |w| format!(" worker {w}"));
    let task = e
        .task
        .as_deref()
        .map_or(String::new(), |t| format!(" {}", one_line(t)));
    let first = if e.kind == EventKind::TaskFileError {
        one_line(&e.detail.replace('\n', "; ")).into_owned()
    } else {
        one_line(&head(&e.detail)).into_owned()
    };
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "[{at:7.1}s]{who}{task}: {} {first}", e.kind.as_str());
}

pub fn print_summary(engine: &Engine) {
    let model = engine.model();
    let mut rows: Vec<[String; 7]> = vec![[
        "TASK".to_string(),
        "WORKER".into(),
        "BRANCH".into(),
        "COMMITS".into(),
        "DURATION".into(),
        "LANDED".into(),
        "OUTCOME".into(),
    ]];
    for t in model.tasks.values() {
        let branch = branch_for(&t.def.id);
        let commits = engine
            .commits_ahead(&t.def.id)
            .map_or("-".to_string(), |n| n.to_string());
        let duration = match (t.times.started, t.times.finished) {
            (Some(s), Some(f)) => format!("{:.1}s", f.saturating_sub(s) as f64 / 1000.0),
            _ => "-".into(),
        };
        let outcome = match (&t.state, &t.reason) {
            (TaskState::Failed, Some(r)) => format!("failed: {}", head(r)),
            (s, _) => s.as_str().to_string(),
        };
        let worker = t.worker.map_or("-".to_string(), |w| w.to_string());
        let landed = match t.land.as_ref().map(|l| &l.state) {
            Some(crate::core::model::Landing::Landed { commit, .. }) => {
                format!("yes {}", commit.get(..7).unwrap_or(commit))
            }
            Some(other) => other.as_str().to_string(),
            None => "-".into(),
        };
        rows.push([
            one_line(&t.def.id).into_owned(),
            worker,
            one_line(&branch).into_owned(),
            commits,
            duration,
            landed,
            one_line(&outcome).into_owned(),
        ]);
    }
    let widths: Vec<usize> = (0..6)
        .map(|i| rows.iter().map(|r| r[i].chars().count()).max().unwrap_or(0))
        .collect();
    for r in &rows {
        let mut line = String::new();
        for (i, w) in widths.iter().enumerate() {
            line.push_str(&format!("{:<w$}  ", r[i], w = *w));
        }
        line.push_str(&r[6]);
        println!("{line}");
    }
}

/// The first line of an event's detail; one that ends in a colon ("last output:") with the
/// lines it announces, so what it announces is not cut off.
fn head(detail: &str) -> String {
    let mut lines = detail.lines().map(str::trim).filter(|l| !l.is_empty());
    let first = lines.next().unwrap_or("").to_string();
    if !first.ends_with(':') {
        return first;
    }
    let rest: Vec<&str> = lines.collect();
    let shown: String = rest[rest.len().saturating_sub(3)..].join(" | ");
    let shown: String = shown.chars().take(300).collect();
    if shown.is_empty() {
        format!("{first} (nothing)")
    } else {
        format!("{first} {shown}")
    }
}

/// The run is over but the agents are not: their tmux sessions stay, to look at and to take
/// the next tasks when the czar runs again. Say so, and how to end them.
fn print_still_running(setup: &Setup, model: &Model) {
    let live: Vec<String> = model
        .workers
        .values()
        .filter(|w| w.live)
        .map(|w| w.session.clone())
        .collect();
    if live.is_empty() {
        return;
    }
    let socket: Vec<String> = setup
        .socket
        .args()
        .iter()
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    let tmux = std::iter::once("tmux".to_string())
        .chain(socket)
        .collect::<Vec<_>>()
        .join(" ");
    println!(
        "czar: {} agent session(s) keep running ({}); `czar` opens the dashboard on them.",
        live.len(),
        live.join(", ")
    );
    let kills: Vec<String> = live
        .iter()
        .map(|s| format!("{tmux} kill-session -t ={s}"))
        .collect();
    println!("czar: to stop them: {}", kills.join("; "));
}

/// The agent profiles found unavailable, each with its cause and how to fix it.
/// The done tasks the run ended without landing, each with why it waits, and what to do; how
/// many.
fn print_unlanded(model: &Model, stall_ms: u64) -> usize {
    let now = crate::engine::now_ms();
    let Some(waits) = crate::core::land::only_waits_left(model, now, stall_ms) else {
        return 0;
    };
    println!(
        "czar: {} done task(s) could not land, and nothing else was left to do; their work stays \
         on their branches:",
        waits.len()
    );
    for (task, why) in &waits {
        println!("  {}: {}", one_line(task), one_line(why));
    }
    println!("czar: once that is fixed, `czar --auto` again (or `czar land <task>`) lands them.");
    waits.len()
}

pub fn print_blocked(setup: &Setup, model: &Model) {
    for (name, health) in &model.profiles {
        let Some(u) = &health.unavailable else {
            continue;
        };
        println!("czar: the {name} agent is unavailable: {}", u.cause);
        println!(
            "czar:   fix: {}",
            crate::engine::preflight::advice(setup, name, u.worker)
        );
    }
}

#[cfg(test)]
mod tests {
    use super::head;

    #[test]
    fn a_line_that_announces_more_keeps_what_it_announces() {
        assert_eq!(head("task done\nmore"), "task done");
        assert_eq!(
            head("verify failed 3 times; last output:\nerror[E0308]\n\ntest x ... FAILED\n"),
            "verify failed 3 times; last output: error[E0308] | test x ... FAILED"
        );
        assert_eq!(head("last output:\n"), "last output: (nothing)");
    }
}
