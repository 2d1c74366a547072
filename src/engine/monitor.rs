//! What the engine looks at on each tick: task files, the session listing (one tmux call for all
//! workers), which screens are worth capturing, and which branches to re-read.

use super::Ctx;
use super::setup::Setup;
use crate::core::model::{AgentState, Model, TaskDef, WorkerId};
use crate::core::observation::SessionSeen;
use crate::tasks::{self, TaskSpec};
use std::collections::{BTreeSet, HashMap};

const TASK_SCAN_MS: u64 = 2_000;
/// tmux's activity stamp has one-second resolution: look again shortly after a capture taken in
/// the same second as the last output, and now and then regardless.
const RECAPTURE_SAME_SECOND_MS: u64 = 700;
const RECAPTURE_ANYWAY_MS: u64 = 5_000;

#[derive(Default)]
pub(crate) struct Monitor {
    last_task_scan: Option<u64>,
    last_defs: Vec<TaskDef>,
    reported: BTreeSet<String>,
    /// Problems with task files, as the operator should read them.
    pub task_errors: Vec<String>,
    screens: HashMap<WorkerId, Seen>,
    pub refs_moved: bool,
    last_rescan: u64,
    pub last_survey: u64,
}

#[derive(Clone, Copy)]
struct Seen {
    activity: i64,
    captured_at: u64,
}

pub(crate) struct SessionsSeen {
    pub sessions: Vec<SessionSeen>,
    /// Workers whose screen is worth reading, with their pane title.
    pub to_capture: Vec<(WorkerId, String)>,
}

impl Monitor {
    pub fn tasks_if_changed(&mut self, setup: &Setup, now: u64) -> Option<Vec<TaskDef>> {
        if self
            .last_task_scan
            .is_some_and(|t| now.saturating_sub(t) < TASK_SCAN_MS)
        {
            return None;
        }
        self.last_task_scan = Some(now);
        let set = tasks::load_dir(&setup.paths.tasks_dir);
        self.task_errors = set.errors.iter().map(|e| e.to_string()).collect();
        for e in &self.task_errors {
            if self.reported.insert(e.clone()) {
                tracing::warn!("task skipped: {e}");
            }
        }
        let defs: Vec<TaskDef> = set.tasks.into_iter().map(to_def).collect();
        if defs == self.last_defs {
            return None;
        }
        self.last_defs = defs.clone();
        Some(defs)
    }

    pub async fn sessions(&mut self, ctx: &Ctx, model: &Model) -> Option<SessionsSeen> {
        let panes = match ctx.tmux.list_panes().await {
            Ok(p) => p,
            Err(e) => {
                tracing::warn!("listing tmux panes failed: {e}");
                return None;
            }
        };
        let now = super::now_ms();
        let mut out = SessionsSeen {
            sessions: Vec::new(),
            to_capture: Vec::new(),
        };
        for p in panes {
            let Some(worker) = ctx.setup.worker_of_session(&p.session) else {
                continue;
            };
            if out.sessions.iter().any(|s| s.worker == worker) {
                continue;
            }
            out.sessions.push(SessionSeen {
                worker,
                dead: p.dead,
                exit_status: p.dead_status,
                activity: p.activity,
            });
            if p.dead {
                continue;
            }
            // A starting agent is about to be ready, and a waiting one may show a dialog the czar
            // answers once it has been up a moment (core::update): both are worth a quick look.
            let look_soon = model
                .workers
                .get(&worker)
                .is_none_or(|w| matches!(w.agent, AgentState::Starting | AgentState::Waiting));
            let due = match self.screens.get(&worker) {
                None => true,
                Some(seen) => {
                    let age = now.saturating_sub(seen.captured_at);
                    let output_since = p.activity != seen.activity;
                    let same_second = (p.activity.max(0) as u64) * 1000 + 1000 >= seen.captured_at;
                    output_since
                        || (same_second && age >= RECAPTURE_SAME_SECOND_MS)
                        || age >= RECAPTURE_ANYWAY_MS
                        || (look_soon && age >= RECAPTURE_SAME_SECOND_MS)
                }
            };
            if due {
                self.screens.insert(
                    worker,
                    Seen {
                        activity: p.activity,
                        captured_at: now,
                    },
                );
                out.to_capture.push((worker, p.title.clone()));
            }
        }
        Some(out)
    }

    /// Workers holding a task, when refs moved or the slow rescan is due.
    pub fn branches_to_refresh(&mut self, setup: &Setup, model: &Model, now: u64) -> Vec<WorkerId> {
        let rescan =
            now.saturating_sub(self.last_rescan) >= setup.timing.branch_rescan.as_millis() as u64;
        if !(self.refs_moved || rescan) {
            return Vec::new();
        }
        self.refs_moved = false;
        self.last_rescan = now;
        model
            .workers
            .values()
            .filter(|w| w.task.is_some())
            .map(|w| w.id)
            .collect()
    }
}

pub(crate) fn to_def(t: TaskSpec) -> TaskDef {
    TaskDef {
        id: t.id,
        title: t.title,
        priority: t.priority,
        needs: t.needs,
        agent: t.agent,
        verify: t.verify,
        body: t.body,
    }
}
