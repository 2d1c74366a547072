//! What the engine looks at: task files, the session listing (one tmux call for all workers,
//! every few seconds), which screens are worth reading (those whose output log grew, see
//! `schedule`), and which branches to re-read.

use super::Ctx;
use super::schedule::{PaneClock, next_read};
use super::setup::Setup;
use crate::adapters::output_watch::Outputs;
use crate::core::model::{AgentState, Model, TaskDef, WorkerId};
use crate::core::observation::SessionSeen;
use crate::tasks::{self, TaskSpec};
use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

const TASK_SCAN_MS: u64 = 2_000;
/// Output shows in the logs at once; the listing is for what prints nothing: a pane that died
/// silently, a session killed from outside, a title change.
const LIST_EVERY_MS: u64 = 2_000;
/// Rounds of reading are at least this far apart, so a fleet that streams is read in batches.
const ROUND_GAP_MS: u64 = 40;
/// Longer than any batch can take: each tmux run in it times out after 10 s.
const BATCH_LOST_MS: u64 = 120_000;

#[derive(Default)]
pub(crate) struct Monitor {
    last_task_scan: Option<u64>,
    last_defs: Vec<TaskDef>,
    reported: BTreeSet<String>,
    /// Problems with task files, as the operator should read them.
    pub task_errors: Vec<String>,
    pub outputs: Arc<Outputs>,
    panes: HashMap<WorkerId, Pane>,
    last_list: Option<u64>,
    /// A read found a dead pane: list the sessions at the next round.
    pub list_soon: bool,
    /// When the batch of reads in flight started; one batch at a time.
    pub batch_since: Option<u64>,
    last_round: u64,
    pub refs_moved: bool,
    last_rescan: u64,
    pub last_survey: u64,
}

/// What the monitor knows of one worker's pane between listings.
struct Pane {
    /// `=session:`, exact.
    target: String,
    read_at: Option<u64>,
    /// tmux's activity stamp (seconds) at the last listing.
    activity: i64,
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

    fn list_due(&self, now: u64) -> bool {
        self.list_soon
            || self
                .last_list
                .is_none_or(|t| now.saturating_sub(t) >= LIST_EVERY_MS)
    }

    /// One `list-panes -a` for all workers, when due: which sessions live, died or vanished.
    pub async fn sessions(&mut self, ctx: &Ctx, now: u64) -> Option<Vec<SessionSeen>> {
        if !self.list_due(now) {
            return None;
        }
        self.last_list = Some(now);
        self.list_soon = false;
        let panes = match ctx.tmux.list_panes().await {
            Ok(p) => p,
            Err(e) => {
                tracing::warn!("listing tmux panes failed: {e}");
                return None;
            }
        };
        let mut sessions: Vec<SessionSeen> = Vec::new();
        let mut live = HashMap::new();
        for p in panes {
            let Some(worker) = ctx.setup.worker_of_session(&p.session) else {
                continue;
            };
            if sessions.iter().any(|s| s.worker == worker) {
                continue;
            }
            sessions.push(SessionSeen {
                worker,
                dead: p.dead,
                exit_status: p.dead_status,
                activity: p.activity,
            });
            if p.dead {
                continue;
            }
            let mut pane = self.panes.remove(&worker).unwrap_or(Pane {
                target: format!("={}:", p.session),
                read_at: None,
                activity: p.activity,
            });
            // A pane whose output log is not watched (it could not be opened) still shows in
            // tmux's own activity stamp, a second coarse.
            let seen_ms = (p.activity.max(0) as u64) * 1000;
            if p.activity != pane.activity && self.outputs.get(worker).last < seen_ms {
                self.outputs.mark(worker, now);
            }
            pane.activity = p.activity;
            live.insert(worker, pane);
        }
        self.panes = live;
        Some(sessions)
    }

    fn clock(&self, model: &Model, worker: WorkerId, pane: &Pane) -> PaneClock {
        let out = self.outputs.get(worker);
        let w = model.workers.get(&worker);
        PaneClock {
            read_at: pane.read_at,
            last_output: out.last,
            unread_since: out.unread_since,
            busy: w.is_some_and(|w| w.agent == AgentState::Busy),
            // Only a starting worker waits on a reading to move on; any other state stands
            // until its screen changes.
            stale: w.is_some_and(|w| {
                w.agent == AgentState::Starting && pane.read_at.is_some_and(|r| r < w.since)
            }),
        }
    }

    /// Whether a batch is in flight. One that never reported back (its task died) is given up
    /// after a while rather than stopping all reading.
    fn batch_running(&mut self, now: u64) -> bool {
        match self.batch_since {
            Some(t) if now.saturating_sub(t) >= BATCH_LOST_MS => {
                tracing::warn!("a batch of screen reads never finished; reading again");
                self.batch_since = None;
                false
            }
            Some(_) => true,
            None => false,
        }
    }

    /// The screens to read now, as (worker, target); each counts as read from this moment.
    pub fn due_reads(&mut self, model: &Model, now: u64) -> Vec<(WorkerId, String)> {
        if self.batch_running(now) {
            return Vec::new();
        }
        let due: Vec<WorkerId> = self
            .panes
            .iter()
            .filter(|(w, p)| next_read(&self.clock(model, **w, p)).is_some_and(|t| t <= now))
            .map(|(w, _)| *w)
            .collect();
        let mut out = Vec::with_capacity(due.len());
        for w in due {
            self.outputs.read(w);
            if let Some(p) = self.panes.get_mut(&w) {
                p.read_at = Some(now);
                out.push((w, p.target.clone()));
            }
        }
        self.last_round = now;
        out
    }

    /// When the next round is due: a listing, or a screen worth reading.
    pub fn next_round(&self, model: &Model) -> u64 {
        let list = if self.list_soon {
            0
        } else {
            self.last_list.map_or(0, |t| t + LIST_EVERY_MS)
        };
        let read = if self.batch_since.is_some() {
            None
        } else {
            self.panes
                .iter()
                .filter_map(|(w, p)| next_read(&self.clock(model, *w, p)))
                .min()
        };
        let at = read.map_or(list, |r| r.min(list));
        at.max(self.last_round + ROUND_GAP_MS)
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
