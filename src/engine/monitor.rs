//! What the engine looks at: task files, the session listing (one tmux call for all workers,
//! every few seconds), which screens are worth reading (those whose output log grew, see
//! `schedule`), and which branches to re-read.

use super::Ctx;
use super::schedule::{PaneClock, next_read, streaming_every};
use super::setup::Setup;
use crate::adapters::output_watch::{Output, Outputs};
use crate::adapters::tmux::PaneInfo;
use crate::core::model::{AgentState, Model, TaskDef, WorkerId};
use crate::core::observation::{Observation, SessionSeen};
use crate::tasks;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

const TASK_SCAN_MS: u64 = 2_000;
/// Output shows in the logs at once; the listing is for what prints nothing: a pane that died
/// silently, a session killed from outside, a title change.
const LIST_EVERY_MS: u64 = 2_000;
/// Rounds of reading are at least this far apart, so a fleet that streams is read in batches.
const ROUND_GAP_MS: u64 = 20;
/// Lines of a dead agent's last output passed on, to say why it exited.
const EXIT_LINES: usize = 3;
/// Longer than any tmux run can take (each times out after 10 s).
const LOST_MS: u64 = 120_000;

/// tmux runs the loop does not wait for (listings, batches of reads): at most `max` at once, and
/// one that never reports back (its task died) is given up after a while rather than stopping
/// all.
pub(crate) struct InFlight {
    /// When each run in flight started, oldest first.
    started: Vec<u64>,
    max: usize,
    what: &'static str,
}

impl InFlight {
    fn new(what: &'static str, max: usize) -> InFlight {
        InFlight {
            started: Vec::new(),
            max,
            what,
        }
    }

    pub fn start(&mut self, now: u64) {
        self.started.push(now);
    }

    /// One run reported back. Runs are alike, so which one does not matter.
    pub fn done(&mut self) {
        if !self.started.is_empty() {
            self.started.remove(0);
        }
    }

    fn lost(&mut self, now: u64) {
        let before = self.started.len();
        self.started.retain(|t| now.saturating_sub(*t) < LOST_MS);
        if self.started.len() < before {
            tracing::warn!("{} never finished; trying again", self.what);
        }
    }

    /// No more may start now.
    fn full(&mut self, now: u64) -> bool {
        self.lost(now);
        self.started.len() >= self.max
    }

    fn is_full(&self) -> bool {
        self.started.len() >= self.max
    }
}

pub(crate) struct Monitor {
    pub(super) last_task_scan: Option<u64>,
    last_defs: Vec<TaskDef>,
    reported: BTreeSet<String>,
    /// The task files that did not load at the last scan, file → why.
    last_errors: BTreeMap<String, String>,
    pub outputs: Arc<Outputs>,
    panes: HashMap<WorkerId, Pane>,
    last_list: Option<u64>,
    /// A read found a dead pane: list the sessions at the next round.
    pub list_soon: bool,
    pub listing: InFlight,
    pub batch: InFlight,
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
    /// When its worker last signalled (a report, a hook): its screen is worth a look then.
    signalled_at: Option<u64>,
}

impl Default for Monitor {
    fn default() -> Monitor {
        Monitor {
            last_task_scan: None,
            last_defs: Vec::new(),
            reported: BTreeSet::new(),
            last_errors: BTreeMap::new(),
            outputs: Arc::default(),
            panes: HashMap::new(),
            last_list: None,
            list_soon: false,
            listing: InFlight::new("a session listing", 1),
            // A second batch may go while a slow one (a tmux client starting on a loaded
            // machine) is still out, so panes due meanwhile are not held back by it.
            batch: InFlight::new("a batch of screen reads", 2),
            last_round: 0,
            refs_moved: false,
            last_rescan: 0,
            last_survey: 0,
        }
    }
}

impl Monitor {
    /// Reads the task files when a scan is due: the tasks, when they changed, and the files
    /// that do not load, when that changed (the core records each new error as an event).
    pub fn scan_tasks(&mut self, setup: &Setup, now: u64) -> Vec<Observation> {
        if self
            .last_task_scan
            .is_some_and(|t| now.saturating_sub(t) < TASK_SCAN_MS)
        {
            return Vec::new();
        }
        self.last_task_scan = Some(now);
        let agents = crate::tasks::known_names(&setup.profiles, &setup.hosts);
        let set = tasks::load_dir(&setup.paths.tasks_dir, &agents);
        let mut out = Vec::new();
        let errors = set.errors_by_file();
        for e in errors.values() {
            if self.reported.insert(e.clone()) {
                tracing::warn!("task skipped: {e}");
            }
        }
        if errors != self.last_errors {
            self.last_errors = errors.clone();
            out.push(Observation::TaskFileErrors(errors));
        }
        let defs: Vec<TaskDef> = set.tasks;
        if defs != self.last_defs {
            self.last_defs = defs.clone();
            out.push(Observation::TasksLoaded(defs));
        }
        out
    }

    fn list_due(&self, now: u64) -> bool {
        self.list_soon
            || self
                .last_list
                .is_none_or(|t| now.saturating_sub(t) >= LIST_EVERY_MS)
    }

    /// Whether to list the sessions now (one `list-panes -a` for all workers); if so, the
    /// listing counts as started.
    pub fn listing_due(&mut self, now: u64) -> bool {
        if self.listing.full(now) || !self.list_due(now) {
            return false;
        }
        self.last_list = Some(now);
        self.list_soon = false;
        self.listing.start(now);
        true
    }

    /// What a listing says: which sessions live, died or vanished.
    pub fn listed(&mut self, ctx: &Ctx, panes: Vec<PaneInfo>, now: u64) -> Vec<SessionSeen> {
        self.listing.done();
        let mut sessions: Vec<SessionSeen> = Vec::new();
        let mut live = HashMap::new();
        for p in panes {
            let Some(worker) = ctx.setup.worker_of_session(&p.session) else {
                continue;
            };
            if sessions.iter().any(|s| s.worker == worker) {
                continue;
            }
            let output = if p.dead {
                let log = ctx.setup.paths.output_log(worker);
                ctx.log_marks.tail(worker, &log, EXIT_LINES)
            } else {
                Vec::new()
            };
            sessions.push(SessionSeen {
                worker,
                dead: p.dead,
                exit_status: p.dead_status,
                activity: p.activity,
                output,
                attached: p.attached,
            });
            if p.dead {
                continue;
            }
            let mut pane = self.panes.remove(&worker).unwrap_or(Pane {
                target: format!("={}:", p.session),
                read_at: None,
                activity: p.activity,
                signalled_at: None,
            });
            // A pane whose output log is not watched (it could not be opened) still shows in
            // tmux's own activity stamp, a second coarse.
            let seen_ms = (p.activity.max(0) as u64) * 1000;
            if p.activity != pane.activity && self.outputs.refresh(worker).last < seen_ms {
                self.outputs.mark(worker, now);
            }
            pane.activity = p.activity;
            live.insert(worker, pane);
        }
        self.panes = live;
        sessions
    }

    /// `every`: how often a busy pane that never falls quiet is read, for the fleet as it is.
    fn clock(
        &self,
        model: &Model,
        worker: WorkerId,
        pane: &Pane,
        out: Output,
        every: u64,
    ) -> PaneClock {
        let w = model.workers.get(&worker);
        PaneClock {
            streaming_every: every,
            read_at: pane.read_at,
            last_output: out.last,
            unread_since: out.unread_since,
            busy: w.is_some_and(|w| w.agent == AgentState::Busy),
            // Only a starting worker waits on a reading to move on, and one whose screen was asked
            // for since (a signal, a delivery's step); any other state stands until it changes.
            stale: pane
                .read_at
                .is_some_and(|r| w.is_some_and(|w| w.agent == AgentState::Starting && r < w.since)),
            asked: pane
                .signalled_at
                .filter(|s| pane.read_at.is_none_or(|r| r < *s)),
        }
    }

    /// The screens to read now, as (worker, target); each counts as read from this moment.
    pub fn due_reads(&mut self, model: &Model, now: u64) -> Vec<(WorkerId, String)> {
        if self.batch.full(now) {
            return Vec::new();
        }
        let every = fleet_streaming_every(model);
        let due_at = |c: &PaneClock| next_read(c).is_some_and(|t| t <= now);
        let due: Vec<WorkerId> = self
            .panes
            .iter()
            .filter(|(w, p)| {
                let c = self.clock(model, **w, p, self.outputs.get(**w), every);
                // A busy pane looks quiet by what the watcher last heard; its log says whether
                // it really is.
                due_at(&c)
                    && (!c.busy
                        || due_at(&self.clock(model, **w, p, self.outputs.refresh(**w), every)))
            })
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

    /// The worker said something (`czar done`, a hook): read its screen soon.
    pub fn look_soon(&mut self, worker: WorkerId, now: u64) {
        if let Some(p) = self.panes.get_mut(&worker) {
            p.signalled_at = Some(now);
        }
    }

    /// When the next round is due: a listing, or a screen worth reading.
    pub fn next_round(&self, model: &Model) -> u64 {
        let list = if self.listing.is_full() {
            u64::MAX
        } else if self.list_soon {
            0
        } else {
            self.last_list.map_or(0, |t| t + LIST_EVERY_MS)
        };
        let read = if self.batch.is_full() {
            None
        } else {
            let every = fleet_streaming_every(model);
            self.panes
                .iter()
                .filter_map(|(w, p)| {
                    next_read(&self.clock(model, *w, p, self.outputs.get(*w), every))
                })
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

/// Re-reads of busy panes that never fall quiet are spread over the fleet's busy workers.
fn fleet_streaming_every(model: &Model) -> u64 {
    let busy = model
        .workers
        .values()
        .filter(|w| w.agent == AgentState::Busy);
    streaming_every(busy.count())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::model::Worker;

    #[test]
    fn a_streaming_busy_pane_is_read_at_once_when_its_worker_signals() {
        let mut m = Monitor::default();
        let mut model = Model::default();
        let busy = Worker {
            id: 1,
            agent: AgentState::Busy,
            ..Default::default()
        };
        model.workers.insert(1, busy);
        m.panes.insert(
            1,
            Pane {
                target: "=w1:".into(),
                read_at: Some(1_000),
                activity: 0,
                signalled_at: None,
            },
        );
        // It keeps printing: a busy pane is read when it falls quiet, not before.
        m.outputs.mark(1, 1_100);
        m.outputs.mark(1, 1_950);
        assert!(m.due_reads(&model, 2_000).is_empty());
        // `czar done` (or a hook) from it: read at the next round, quiet or not.
        m.look_soon(1, 2_000);
        assert!(m.next_round(&model) <= 2_000 + ROUND_GAP_MS);
        assert_eq!(m.due_reads(&model, 2_010), vec![(1, "=w1:".to_string())]);
        // Read since: the signal is spent.
        m.outputs.mark(1, 2_300);
        assert!(m.due_reads(&model, 2_400).is_empty());
    }

    #[test]
    fn runs_in_flight_are_capped_and_a_lost_one_is_given_up() {
        let mut f = InFlight::new("a test run", 2);
        assert!(!f.full(0));
        f.start(0);
        assert!(!f.full(10), "one of two");
        f.start(10);
        assert!(f.full(20) && f.is_full());
        f.done();
        assert!(!f.full(30));
        f.start(30);
        // Neither reports back: both are given up once they are older than any run can be.
        assert!(f.full(LOST_MS + 9));
        assert!(!f.full(LOST_MS + 30));
        f.done();
        assert!(!f.is_full());
    }
}
