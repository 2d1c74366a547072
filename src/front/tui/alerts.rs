//! The alerts strip: which workers need the operator now and which recent events are worth
//! knowing. Apart from `rows` (the lists the panels show) because it reads events and workers'
//! questions, not the model's task lists; `rows` re-exports it so callers keep one path.

use crate::adapters::store::EventRow;
use crate::core::model::{AgentState, Model, Worker};
use crate::visible::one_line;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    /// Needs the operator.
    Act,
    Warn,
    Info,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Alert {
    pub level: Level,
    pub text: String,
}

/// The question an agent waits on, from the rule that matched (`... matched "<line>"`).
pub fn question(w: &Worker) -> String {
    w.question()
}

/// Workers that need the operator now, then recent events worth knowing, newest first.
pub fn alerts(model: &Model, events: &[EventRow]) -> Vec<Alert> {
    let mut out = Vec::new();
    // An agent profile that keeps failing to start needs the operator: its cause and its fix.
    for (name, h) in &model.profiles {
        if let Some(u) = &h.unavailable {
            out.push(Alert {
                level: Level::Act,
                text: format!("agent {name} unavailable: {}", u.cause),
            });
        }
    }
    for w in model.workers.values() {
        if !w.live {
            // A crash shows until the worker is started again (or given up on).
            if w.agent == AgentState::Crashed && !w.retired {
                out.push(Alert {
                    level: Level::Warn,
                    text: format!("w{} crashed: {}", w.id, one_line(&w.reason)),
                });
            }
            continue;
        }
        let (level, what) = match w.agent {
            AgentState::Waiting => (Level::Act, format!("waiting: {}", question(w))),
            AgentState::Stuck => (Level::Act, format!("stuck: {}", w.reason)),
            AgentState::RateLimited => (Level::Warn, format!("rate-limited: {}", w.last_line)),
            AgentState::Error => (Level::Act, format!("error: {}", w.last_line)),
            _ => continue,
        };
        out.push(Alert {
            level,
            text: format!("w{} {}", w.id, one_line(&what)),
        });
    }
    // A task file that does not load shows until it is fixed: its task cannot run meanwhile.
    // Its folder is the tasks folder, so the file name says which in the narrow panel.
    for (file, error) in &model.task_file_errors {
        let name = std::path::Path::new(file)
            .file_name()
            .map_or(file.clone(), |n| n.to_string_lossy().into_owned());
        let error = error.replace(file.as_str(), &name).replace('\n', "; ");
        out.push(Alert {
            level: Level::Warn,
            text: format!("task file {}", one_line(&error)),
        });
    }
    for e in events.iter().rev() {
        let level = match e.kind.as_str() {
            // Still broken: shown above already.
            "task_file_error" if model.task_file_errors.values().any(|m| *m == e.detail) => {
                continue;
            }
            "worker_crashed"
            | "failed"
            | "worker_retired"
            | "delivery_failed"
            | "stuck"
            | "overlap"
            | "conflict"
            | "early_exit"
            | "profile_unavailable"
            | "start_throttled"
            | "repair"
            | "task_file_error"
            | "waiting"
            | "rate_limit"
            | "budget" => Level::Warn,
            // The core records `czar done` as a report too; the `done` event says it better.
            "report" if e.detail == "worker said done" => continue,
            "done" | "operator" | "report" | "verify_failed" | "requeued" | "auto_answer"
            | "profile_available" | "worker_added" | "task_file_fixed" | "routed" | "plan" => {
                Level::Info
            }
            _ => continue,
        };
        let who = e.worker.map_or(String::new(), |w| format!("w{w} "));
        let task = e.task.as_deref().map_or(String::new(), |t| format!("{t} "));
        let first = e.detail.lines().next().unwrap_or("");
        let text = format!("{who}{task}{}: {first}", e.kind.replace('_', " "));
        out.push(Alert {
            level,
            text: one_line(&text).into_owned(),
        });
    }
    out
}

/// The task whose branch the worker's branch view shows: the one it holds, else the last one
/// it worked on.
pub fn branch_task(model: &Model, id: crate::core::model::WorkerId) -> Option<String> {
    if let Some(t) = model.workers.get(&id).and_then(|w| w.task.clone()) {
        return Some(t);
    }
    model
        .tasks
        .values()
        .filter(|t| t.worker == Some(id))
        .max_by_key(|t| (t.times.finished, t.times.started))
        .map(|t| t.def.id.clone())
}

/// How many workers need a look now (the header's count).
pub fn alert_count(model: &Model) -> usize {
    alerts(model, &[]).len()
}
