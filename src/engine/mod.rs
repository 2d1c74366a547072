//! The one engine behind both front ends: owns the model, turns observations into commands with
//! `core::update`, makes each step durable in the store, then carries the commands out. It
//! reaches the world only through its ports (`ports`), opened once.

mod branches;
pub mod dispatch;
mod exec;
mod exits;
mod fault;
pub mod fleet_view;
mod handle;
mod hosts;
mod landing;
mod launch;
mod meter;
mod monitor;
mod notify;
mod on_host;
pub mod ports;
pub mod preflight;
mod reading;
mod real;
pub mod remote;
mod run;
mod schedule;
pub mod setup;
pub mod status;
pub mod status_files;
mod survey;
#[cfg(test)]
mod tests;
mod worktrees;

pub use handle::Handle;
pub use launch::profile_env;
pub use meter::session_report;
pub use setup::{Paths, Profile, Setup, Timing};

use crate::adapters::git::GitError;
use crate::adapters::store::{EventRow, Step, StoreError};
use crate::core::command::{Command, Event};
use crate::core::model::{Model, WorkerId};
use crate::core::observation::Observation;
use crate::core::update;
use ports::{Clock, Panes, Ports, Processes, Repo, State};
use std::sync::Arc;
use tokio::sync::{mpsc, oneshot, watch};

/// The time by this machine's clock, for the commands that run without an engine.
pub fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

/// What the adapters' tasks and the front ends send the loop.
pub(crate) enum Msg {
    Obs(Observation),
    /// A batch of screen reads ended (with or without readings).
    BatchDone,
    /// Sessions came, went or died: list them now rather than in a while.
    ListSoon,
    /// A listing of the panes came back.
    Listed(Result<Vec<crate::adapters::tmux::PaneInfo>, String>),
    /// git says refs moved: refresh branch figures soon.
    RefsMoved,
    /// A worker wrote to the inbox.
    Signals,
    /// Read this worker's screen at the next round, whether or not it printed.
    ReadSoon(WorkerId),
    /// A front end asks for a worker's screen as it is now (with colours when `ansi`).
    Screen {
        worker: WorkerId,
        ansi: bool,
        reply: oneshot::Sender<Result<String, String>>,
    },
    /// A front end asks for the event log as stored: the latest `limit` events, oldest first.
    History {
        limit: usize,
        reply: oneshot::Sender<Result<Vec<EventRow>, String>>,
    },
    /// A front end asks for a task branch's figures.
    Branch {
        task: String,
        reply: oneshot::Sender<Result<crate::adapters::git::BranchStats, String>>,
    },
    /// A front end asks how to attach to a worker: the argv for one on a host, `None` here.
    Attach {
        worker: WorkerId,
        reply: oneshot::Sender<Result<Option<Vec<String>>, String>>,
    },
    /// A front end asks for a finished task's diff (what it brings, or brought, to the target).
    Diff {
        task: String,
        reply: oneshot::Sender<Result<String, String>>,
    },
}

/// Shared by the engine and the tasks it spawns.
pub(crate) struct Ctx {
    pub setup: Setup,
    pub panes: Arc<dyn Panes>,
    pub repo: Arc<dyn Repo>,
    pub processes: Arc<dyn Processes>,
    pub clock: Arc<dyn Clock>,
    pub prs: Arc<dyn ports::PullRequests>,
    pub tx: mpsc::UnboundedSender<Msg>,
    /// What earlier surveys learned (see `survey`).
    pub survey: survey::SharedCache,
    /// Which branch figures were sent (see `branches`).
    pub branches: branches::SentFor,
    /// Where each output log ended at its worker's latest start (see `exits`).
    pub log_marks: exits::Marks,
    /// What the token meter read last (see `meter`).
    pub meter: meter::Meter,
    /// `[notify]` commands still running (see `notify`).
    pub notifying: notify::InFlight,
    /// `[hosts]`: where workers beyond this machine run (`None`: all here).
    pub hosts: Option<hosts::Fleet>,
}

impl Ctx {
    pub fn now(&self) -> u64 {
        self.clock.now_ms()
    }

    /// An outcome back to the loop. The loop is gone only when the czar is shutting down, and
    /// the outcome no longer matters then.
    pub fn send(&self, obs: Observation) {
        let _ = self.tx.send(Msg::Obs(obs));
    }
}

type EventSink = Box<dyn FnMut(&Event) + Send>;
type CommandTap = Box<dyn FnMut(&Command) + Send>;

/// Events a front end can show without asking the store.
const RECENT_EVENTS: usize = 200;

pub struct Engine {
    ctx: Arc<Ctx>,
    model: Model,
    /// The model as the store has it, to write only what changed.
    saved: Model,
    state: Box<dyn State>,
    rx: mpsc::UnboundedReceiver<Msg>,
    monitor: monitor::Monitor,
    on_event: Option<EventSink>,
    on_command: Option<CommandTap>,
    last_status: String,
    last_counts: crate::adapters::tmux::TmuxCounts,
    published: watch::Sender<Arc<Model>>,
    /// The latest events, oldest first, and the sequence number the next one gets.
    recent: watch::Sender<Arc<Vec<EventRow>>>,
    next_seq: i64,
    /// A previous czar left a model: the loop takes it over first (see `Observation::Resumed`).
    resuming: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Git(#[from] GitError),
    #[error("hosts: {0}")]
    Hosts(String),
}

impl Engine {
    /// Checks what the czar needs before it starts anything (the task files, the agents'
    /// programs, the tmux socket), then opens the engine. Both front ends start this way.
    pub async fn start(setup: Setup) -> anyhow::Result<Engine> {
        check_tasks(&setup)?;
        crate::engine::preflight::check(&setup).await?;
        Ok(Engine::open(setup)?)
    }

    /// Opens the real ports and takes over whatever a previous czar left: its model and its
    /// sessions.
    pub fn open(setup: Setup) -> Result<Engine, EngineError> {
        let mut ports = real::open(&setup)?;
        let fleet = match hosts::open(&setup, Arc::clone(&ports.panes)) {
            Ok(Some((panes, fleet))) => {
                ports.panes = panes;
                Some(fleet)
            }
            Ok(None) => None,
            Err(e) => return Err(EngineError::Hosts(e)),
        };
        Engine::on_ports(setup, ports, fleet)
    }

    /// The engine on the given ports (the real ones, or the tests' own).
    pub fn with_ports(setup: Setup, ports: Ports) -> Result<Engine, EngineError> {
        Engine::on_ports(setup, ports, None)
    }

    fn on_ports(
        setup: Setup,
        ports: Ports,
        hosts: Option<hosts::Fleet>,
    ) -> Result<Engine, EngineError> {
        let (tasks, workers) = ports.state.load()?;
        let mut model = Model::new(&setup.project, &setup.base, setup.policy.clone());
        let resumed = !tasks.is_empty() || !workers.is_empty();
        model.tasks = tasks;
        model.workers = workers;
        let recent = ports.state.events(RECENT_EVENTS)?;
        let next_seq = recent.last().map_or(1, |e| e.seq + 1);
        let (tx, rx) = mpsc::unbounded_channel();
        let ctx = Arc::new(Ctx {
            setup,
            panes: ports.panes,
            repo: ports.repo,
            processes: ports.processes,
            clock: ports.clock,
            prs: ports.prs,
            tx,
            survey: Default::default(),
            branches: Default::default(),
            log_marks: Default::default(),
            meter: Default::default(),
            notifying: Default::default(),
            hosts,
        });
        Ok(Engine {
            ctx,
            saved: model.clone(),
            model,
            state: ports.state,
            rx,
            monitor: monitor::Monitor::default(),
            on_event: None,
            on_command: None,
            last_status: String::new(),
            last_counts: Default::default(),
            published: watch::Sender::new(Arc::new(Model::default())),
            recent: watch::Sender::new(Arc::new(recent)),
            next_seq,
            resuming: resumed,
        })
    }

    /// Called with every event as it is recorded (headless prints them).
    pub fn on_event(&mut self, f: impl FnMut(&Event) + Send + 'static) {
        self.on_event = Some(Box::new(f));
    }

    /// Called with every command as it is carried out (the engine's own tests watch them).
    pub fn on_command(&mut self, f: impl FnMut(&Command) + Send + 'static) {
        self.on_command = Some(Box::new(f));
    }

    pub fn handle(&self) -> Handle {
        Handle::new(
            self.ctx.tx.clone(),
            self.published.subscribe(),
            self.recent.subscribe(),
            fleet_view::subscribe(self.ctx.hosts.as_ref()),
        )
    }

    pub fn model(&self) -> &Model {
        &self.model
    }

    pub fn setup(&self) -> &Setup {
        &self.ctx.setup
    }

    /// Commits the task's branch has beyond the base, as the repository says now.
    pub fn commits_ahead(&self, task: &str) -> Option<usize> {
        let branch = crate::core::model::branch_for(task);
        let stats = self.ctx.repo.branch_stats(&self.ctx.setup.base, &branch);
        stats.ok().map(|s| s.ahead)
    }

    /// One observation through the core: the result is stored before anything is carried out,
    /// so a crash between the two repeats harmless work instead of losing it.
    pub fn step(&mut self, obs: Observation, inbox_taken: &[i64]) -> Result<(), EngineError> {
        self.step_all(vec![obs], inbox_taken)
    }

    /// Observations through the core in turn, their results stored in one write before any is
    /// carried out. A burst (a batch of screens read, a hundred workers saying done) costs one
    /// write, not one each, and each write may have to wait for the workers' own writes to
    /// the inbox.
    pub fn step_all(
        &mut self,
        observations: Vec<Observation>,
        inbox_taken: &[i64],
    ) -> Result<(), EngineError> {
        let now = self.ctx.now();
        let mut commands = Vec::new();
        for obs in observations {
            commands.extend(update(&mut self.model, obs, now));
        }
        let events: Vec<Event> = commands
            .iter()
            .filter_map(|c| match c {
                Command::Record(e) => Some(e.clone()),
                _ => None,
            })
            .collect();
        let tasks: Vec<_> = self
            .model
            .tasks
            .values()
            .filter(|t| self.saved.tasks.get(&t.def.id) != Some(*t))
            .collect();
        let workers: Vec<_> = self
            .model
            .workers
            .values()
            .filter(|w| self.saved.workers.get(&w.id) != Some(*w))
            .collect();
        // Every change of the model shows as a changed record or an event (intents record one).
        let changed = !tasks.is_empty() || !workers.is_empty() || !events.is_empty();
        if changed || !inbox_taken.is_empty() {
            self.state.commit_step(&Step {
                now,
                tasks: &tasks,
                workers: &workers,
                events: &events,
                inbox_taken,
            })?;
            for t in tasks {
                self.saved.tasks.insert(t.def.id.clone(), t.clone());
            }
            for w in workers {
                self.saved.workers.insert(w.id, w.clone());
            }
        }
        // Rows the operator removed (see `Intent::Forget`): the step's Operator event is
        // stored above, the record goes now.
        let forgotten: Vec<WorkerId> = self
            .saved
            .workers
            .keys()
            .filter(|id| !self.model.workers.contains_key(id))
            .copied()
            .collect();
        if !forgotten.is_empty() {
            self.state.forget_workers(&forgotten)?;
            for id in &forgotten {
                self.saved.workers.remove(id);
            }
        }
        self.recorded(&events, now);
        for c in commands {
            if let Some(tap) = self.on_command.as_mut() {
                tap(&c);
            }
            exec::execute(&self.ctx, &self.model, c);
        }
        if changed {
            self.published.send_replace(Arc::new(self.model.clone()));
        }
        Ok(())
    }

    /// Events just stored: logged, handed to whoever listens, and kept for the front ends.
    fn recorded(&mut self, events: &[Event], now: u64) {
        if events.is_empty() {
            return;
        }
        let mut recent: Vec<EventRow> = self.recent.borrow().as_ref().clone();
        for e in events {
            tracing::info!(worker = ?e.worker, task = ?e.task, kind = e.kind.as_str(), "{}", e.detail);
            if let Some(f) = self.on_event.as_mut() {
                f(e);
            }
            recent.push(EventRow {
                seq: self.next_seq,
                at: now,
                worker: e.worker,
                task: e.task.clone(),
                kind: e.kind.as_str().to_string(),
                detail: e.detail.clone(),
            });
            self.next_seq += 1;
        }
        let excess = recent.len().saturating_sub(RECENT_EVENTS);
        recent.drain(..excess);
        self.recent.send_replace(Arc::new(recent));
    }
}

/// Refuses to start when a task file is malformed: the operator fixes it first, nothing runs.
/// `Engine::start` calls it for both front ends; the loader checks each task's `agent` against the profiles itself,
/// with the line. A file that breaks later is the engine's to report (`task_file_error`).
fn check_tasks(setup: &Setup) -> Result<(), crate::usage::UsageError> {
    let agents = crate::tasks::known_names(&setup.profiles, &setup.hosts);
    let set = crate::tasks::load_dir(&setup.paths.tasks_dir, &agents);
    let lines: Vec<String> = set.errors.iter().map(|e| format!("  {e}")).collect();
    if lines.is_empty() {
        return Ok(());
    }
    Err(crate::usage::UsageError(format!(
        "task files have errors; nothing was started:\n{}",
        lines.join("\n")
    )))
}
