//! The one engine behind both front ends: owns the model, turns observations into commands with
//! `core::update`, makes each step durable in the store, then carries the commands out.

mod branches;
mod exec;
mod exits;
mod fault;
mod launch;
mod monitor;
mod reading;
mod schedule;
pub mod setup;
pub mod status;
mod survey;
pub use launch::profile_env;

use crate::adapters::store::{Step, Store, StoreError};
use crate::adapters::tmux::Tmux;
use crate::core::command::{Command, Event};
use crate::core::model::Model;
use crate::core::observation::{Intent, Observation};
use crate::core::update;
pub use setup::{Paths, Profile, Setup, Timing};
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};
use tokio::sync::{mpsc, watch};

pub fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

/// What the adapters' tasks send back to the loop.
#[derive(Debug)]
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
    /// A worker wrote to the inbox (see `adapters::bell`).
    Signals,
    /// Read this worker's screen at the next round, whether or not it printed.
    ReadSoon(crate::core::model::WorkerId),
}

/// Shared by the engine and the tasks it spawns.
pub(crate) struct Ctx {
    pub setup: Setup,
    pub tmux: Tmux,
    pub tx: mpsc::UnboundedSender<Msg>,
    /// What earlier surveys learned (see `survey`).
    pub survey: survey::SharedCache,
    /// Which branch figures were sent (see `branches`).
    pub branches: branches::SentFor,
    /// Where each output log ended at its worker's latest start (see `exits`).
    pub log_marks: exits::Marks,
}

type EventSink = Box<dyn FnMut(&Event) + Send>;

/// Messages taken at once before the loop looks at its timers again.
const MAX_TAKEN: usize = 256;

pub struct Engine {
    ctx: Arc<Ctx>,
    model: Model,
    /// The model as the store has it, to write only what changed.
    saved: Model,
    store: Store,
    rx: mpsc::UnboundedReceiver<Msg>,
    monitor: monitor::Monitor,
    on_event: Option<EventSink>,
    last_status: String,
    last_counts: crate::adapters::tmux::TmuxCounts,
    published: watch::Sender<Arc<Model>>,
}

/// How a front end talks to a running engine: intents in, snapshots of the model out.
#[derive(Clone)]
pub struct Handle {
    tx: mpsc::UnboundedSender<Msg>,
    model: watch::Receiver<Arc<Model>>,
}

impl Handle {
    /// Returns false when the engine is gone.
    pub fn send(&self, intent: Intent) -> bool {
        self.tx.send(Msg::Obs(Observation::Intent(intent))).is_ok()
    }

    /// The model as of the engine's last step that changed it.
    pub fn model(&self) -> Arc<Model> {
        self.model.borrow().clone()
    }

    /// Resolves when a newer model is published; Err when the engine is gone.
    pub async fn changed(&mut self) -> Result<(), watch::error::RecvError> {
        self.model.changed().await
    }
}

#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl Engine {
    /// Opens the store and takes over whatever a previous czar left: its model and its sessions.
    pub fn open(setup: Setup) -> Result<Engine, EngineError> {
        let store = Store::open(setup.state_dir())?;
        let (tasks, workers) = store.load()?;
        let mut model = Model::new(&setup.project, &setup.base, setup.policy.clone());
        let resumed = !tasks.is_empty() || !workers.is_empty();
        model.tasks = tasks;
        model.workers = workers;
        let saved = model.clone();
        let (tx, rx) = mpsc::unbounded_channel();
        let tmux = Tmux::new(setup.socket.clone());
        let ctx = Arc::new(Ctx {
            setup,
            tmux,
            tx,
            survey: Default::default(),
            branches: Default::default(),
            log_marks: Default::default(),
        });
        let mut engine = Engine {
            ctx,
            model,
            saved,
            store,
            rx,
            monitor: monitor::Monitor::default(),
            on_event: None,
            last_status: String::new(),
            last_counts: Default::default(),
            published: watch::Sender::new(Arc::new(Model::default())),
        };
        if resumed {
            engine.step(Observation::Resumed, &[])?;
        }
        Ok(engine)
    }

    /// Called with every event as it is recorded (headless prints them).
    pub fn on_event(&mut self, f: impl FnMut(&Event) + Send + 'static) {
        self.on_event = Some(Box::new(f));
    }

    pub fn handle(&self) -> Handle {
        Handle {
            tx: self.ctx.tx.clone(),
            model: self.published.subscribe(),
        }
    }

    pub fn tmux(&self) -> &Tmux {
        &self.ctx.tmux
    }

    pub fn model(&self) -> &Model {
        &self.model
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    pub fn setup(&self) -> &Setup {
        &self.ctx.setup
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
        let now = now_ms();
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
            self.store.commit_step(&Step {
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
        for e in &events {
            tracing::info!(worker = ?e.worker, task = ?e.task, kind = e.kind.as_str(), "{}", e.detail);
            if let Some(f) = self.on_event.as_mut() {
                f(e);
            }
        }
        for c in commands {
            exec::execute(&self.ctx, &self.model, c);
        }
        if changed {
            self.published.send_replace(Arc::new(self.model.clone()));
        }
        Ok(())
    }

    /// Runs until `until` says the work is over, or Ctrl-C. Worker sessions outlive it.
    pub async fn run(&mut self, mut until: impl FnMut(&Model) -> bool) -> Result<(), EngineError> {
        let mut tick = tokio::time::interval(self.ctx.setup.timing.poll);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let _watcher = reading::watch_refs(&self.ctx);
        let _outputs = reading::watch_outputs(&self.ctx, &self.monitor.outputs);
        let _signals = reading::listen_for_signals(&self.ctx);
        let outputs = Arc::clone(&self.monitor.outputs);
        let ctrl_c = tokio::signal::ctrl_c();
        tokio::pin!(ctrl_c);
        loop {
            let now = now_ms();
            let round_at = self.monitor.next_round(&self.model);
            // A delivery's steps keep time of their own (Enter once a paste settled, a look
            // after a while without a screen): the core says when it next has something to do.
            let due_at = crate::core::delivery::next_due(&self.model).unwrap_or(u64::MAX);
            let wait = round_at.min(due_at).saturating_sub(now);
            tokio::select! {
                _ = &mut ctrl_c => {
                    self.step(Observation::Intent(Intent::Stop), &[])?;
                    return Ok(());
                }
                msg = self.rx.recv() => {
                    match msg {
                        Some(msg) => self.take(msg)?,
                        None => return Ok(()),
                    }
                }
                // New output only wakes the loop to work out when to read it.
                _ = outputs.changed() => {}
                _ = tokio::time::sleep(std::time::Duration::from_millis(wait)) => {
                    let now = now_ms();
                    if now >= due_at {
                        self.step(Observation::Tick, &[])?;
                    }
                    if now >= round_at {
                        self.monitor_round();
                    }
                }
                _ = tick.tick() => {
                    self.poll().await?;
                    if until(&self.model) {
                        return Ok(());
                    }
                }
            }
        }
    }

    /// A message, and those already queued behind it, in order; observations in a row go
    /// through the core as one step.
    fn take(&mut self, first: Msg) -> Result<(), EngineError> {
        let mut observations = Vec::new();
        let mut next = Some(first);
        let mut taken = 0;
        while let Some(msg) = next.take() {
            taken += 1;
            match msg {
                Msg::Obs(obs) => observations.push(obs),
                other => {
                    if !observations.is_empty() {
                        self.step_all(std::mem::take(&mut observations), &[])?;
                    }
                    self.take_other(other)?;
                }
            }
            if taken < MAX_TAKEN {
                next = self.rx.try_recv().ok();
            }
        }
        if observations.is_empty() {
            Ok(())
        } else {
            self.step_all(observations, &[])
        }
    }

    fn take_other(&mut self, msg: Msg) -> Result<(), EngineError> {
        match msg {
            Msg::Obs(obs) => self.step(obs, &[])?,
            Msg::BatchDone => self.monitor.batch.done(),
            Msg::Listed(panes) => self.listed(panes)?,
            Msg::ListSoon => self.monitor.list_soon = true,
            Msg::RefsMoved => self.monitor.refs_moved = true,
            Msg::Signals => self.take_signals()?,
            Msg::ReadSoon(worker) => self.monitor.look_soon(worker, now_ms()),
        }
        Ok(())
    }

    /// Lists the sessions when that is due, and reads the screens worth reading, in one batch.
    /// Neither is waited for: the loop goes on taking observations while tmux answers.
    fn monitor_round(&mut self) {
        if self.monitor.listing_due(now_ms()) {
            let ctx = Arc::clone(&self.ctx);
            tokio::spawn(async move {
                let panes = ctx.tmux.list_panes().await.map_err(|e| e.to_string());
                let _ = ctx.tx.send(Msg::Listed(panes));
            });
        }
        let reads = self.monitor.due_reads(&self.model, now_ms());
        if !reads.is_empty() {
            self.monitor.batch.start(now_ms());
            reading::read_screens(&self.ctx, &self.model, reads);
        }
    }

    fn listed(
        &mut self,
        panes: Result<Vec<crate::adapters::tmux::PaneInfo>, String>,
    ) -> Result<(), EngineError> {
        match panes {
            Ok(panes) => {
                let seen = self.monitor.listed(&self.ctx, panes, now_ms());
                self.step(Observation::Sessions(seen), &[])
            }
            Err(e) => {
                self.monitor.listing.done();
                tracing::warn!("listing tmux panes failed: {e}");
                Ok(())
            }
        }
    }

    /// The workers' signals from the inbox, in one step. A worker that signalled has its screen
    /// looked at soon too: what it says (done, a hook's state) usually shows there at once.
    fn take_signals(&mut self) -> Result<(), EngineError> {
        let pending = self.store.pending_signals()?;
        if pending.is_empty() {
            return Ok(());
        }
        let now = now_ms();
        let mut seqs = Vec::with_capacity(pending.len());
        let mut signals = Vec::with_capacity(pending.len());
        for (seq, worker, signal) in pending {
            self.monitor.look_soon(worker, now);
            seqs.push(seq);
            signals.push(Observation::Signal { worker, signal });
        }
        self.step_all(signals, &seqs)
    }

    async fn poll(&mut self) -> Result<(), EngineError> {
        let now = now_ms();
        let scanned = self.monitor.scan_tasks(&self.ctx.setup, now);
        if !scanned.is_empty() {
            self.step_all(scanned, &[])?;
        }
        self.take_signals()?;
        let moved = self
            .monitor
            .branches_to_refresh(&self.ctx.setup, &self.model, now);
        branches::refresh(&self.ctx, &self.model, &moved, false);
        if now.saturating_sub(self.monitor.last_survey) >= survey::EVERY_MS
            && self.model.tasks.values().any(|t| t.state.is_active())
        {
            self.monitor.last_survey = now;
            survey::spawn(&self.ctx, &self.model, now);
        }
        // A worktree folder removed under a running agent: its worker must be put back together.
        let gone: Vec<Observation> = self
            .model
            .workers
            .values()
            .filter(|w| w.live && !w.starting && !w.retired)
            .filter(|w| !self.ctx.setup.paths.worktree(w.id).is_dir())
            .map(|w| Observation::WorktreeMissing { worker: w.id })
            .collect();
        if !gone.is_empty() {
            self.step_all(gone, &[])?;
        }
        self.step(Observation::Tick, &[])?;
        let claims = self.store.claims().unwrap_or_default();
        status::write(&self.ctx.setup, &self.model, &claims, &mut self.last_status);
        status::write_monitor(
            &self.ctx.setup,
            self.ctx.tmux.counts(),
            &mut self.last_counts,
        );
        Ok(())
    }
}
