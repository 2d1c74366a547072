//! The engine's loop: messages from the adapters' tasks and the front ends, the rounds of
//! reading screens and listing sessions, the core's own timers, and the slower poll (task
//! files, signals, branch figures, the survey, status files).

use super::{Engine, EngineError, Msg, branches, handle, reading, status_files, survey};
use crate::core::model::Model;
use crate::core::observation::{Intent, Observation};
use std::sync::Arc;

/// Messages taken at once before the loop looks at its timers again.
const MAX_TAKEN: usize = 256;

impl Engine {
    /// Runs until `until` says the work is over, or Ctrl-C. Worker sessions outlive it; the
    /// notifications under way (the run's end among them) are given their time to finish.
    pub async fn run(&mut self, until: impl FnMut(&Model) -> bool) -> Result<(), EngineError> {
        let result = self.run_loop(until).await;
        super::notify::finish(&self.ctx).await;
        result
    }

    async fn run_loop(&mut self, mut until: impl FnMut(&Model) -> bool) -> Result<(), EngineError> {
        if std::mem::take(&mut self.resuming) {
            self.step(Observation::Resumed, &[])?;
        }
        let mut tick = tokio::time::interval(self.ctx.setup.timing.poll);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let _watcher = reading::watch_refs(&self.ctx);
        let _outputs = reading::watch_outputs(&self.ctx, &self.monitor.outputs);
        let _signals = reading::listen_for_signals(&self.ctx, self.state.as_ref());
        let outputs = Arc::clone(&self.monitor.outputs);
        let ctrl_c = tokio::signal::ctrl_c();
        tokio::pin!(ctrl_c);
        loop {
            let now = self.ctx.now();
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
                    let now = self.ctx.now();
                    if now >= due_at {
                        self.step(Observation::Tick, &[])?;
                    }
                    if now >= round_at {
                        self.monitor_round();
                    }
                }
                _ = tick.tick() => {
                    self.poll().await?;
                    if until(&self.model) && self.nothing_new()? {
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
            Msg::ReadSoon(worker) => self.monitor.look_soon(worker, self.ctx.now()),
            Msg::Screen {
                worker,
                ansi,
                reply,
            } => handle::screen(&self.ctx, &self.model, worker, ansi, reply),
            Msg::Branch { task, reply } => handle::branch(&self.ctx, task, reply),
            Msg::Attach { worker, reply } => handle::attach(&self.ctx, &self.model, worker, reply),
            Msg::Diff { task, reply } => handle::diff(&self.ctx, &self.model, task, reply),
            Msg::History { limit, reply } => {
                let _ = reply.send(self.state.events(limit).map_err(|e| e.to_string()));
            }
        }
        Ok(())
    }

    /// Lists the sessions when that is due, and reads the screens worth reading, in one batch.
    /// Neither is waited for: the loop goes on taking observations while tmux answers.
    fn monitor_round(&mut self) {
        if self.monitor.listing_due(self.ctx.now()) {
            let ctx = Arc::clone(&self.ctx);
            tokio::spawn(async move {
                let panes = ctx.panes.list().await.map_err(|e| e.to_string());
                let _ = ctx.tx.send(Msg::Listed(panes));
            });
        }
        let reads = self.monitor.due_reads(&self.model, self.ctx.now());
        if !reads.is_empty() {
            self.monitor.batch.start(self.ctx.now());
            reading::read_screens(&self.ctx, &self.model, reads);
        }
    }

    fn listed(
        &mut self,
        panes: Result<Vec<crate::adapters::tmux::PaneInfo>, String>,
    ) -> Result<(), EngineError> {
        match panes {
            Ok(panes) => {
                // A host this listing missed is unreachable before the listing is taken in:
                // its panes are not there, and must not be read as gone.
                self.hosts_seen()?;
                let seen = self.monitor.listed(&self.ctx, panes, self.ctx.now());
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
        let pending = self.state.pending_signals()?;
        if pending.is_empty() {
            return Ok(());
        }
        let now = self.ctx.now();
        let mut seqs = Vec::with_capacity(pending.len());
        let mut signals = Vec::with_capacity(pending.len());
        for (seq, worker, signal) in pending {
            self.monitor.look_soon(worker, now);
            seqs.push(seq);
            signals.push(Observation::Signal { worker, signal });
        }
        self.step_all(signals, &seqs)
    }

    /// The task files, read once more before the run ends: one written just before (a
    /// planner's last `czar task add`, then its `czar done`) is work, not the end of it.
    fn nothing_new(&mut self) -> Result<bool, EngineError> {
        self.monitor.last_task_scan = None;
        let scanned = self.monitor.scan_tasks(&self.ctx.setup, self.ctx.now());
        if scanned.is_empty() {
            return Ok(true);
        }
        self.step_all(scanned, &[])?;
        Ok(false)
    }

    /// Each host's link as it is now, to the core; then each host follows only the branches
    /// its workers still hold.
    fn hosts_seen(&mut self) -> Result<(), EngineError> {
        let Some(fleet) = self.ctx.hosts.as_ref() else {
            return Ok(());
        };
        let seen = fleet.health(self.ctx.now());
        self.step_all(seen, &[])?;
        if let Some(fleet) = self.ctx.hosts.as_ref() {
            fleet.follow(&self.model);
        }
        Ok(())
    }

    async fn poll(&mut self) -> Result<(), EngineError> {
        self.hosts_seen()?;
        let now = self.ctx.now();
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
            .filter(|w| w.live && !w.starting && !w.retired && w.host.is_none())
            .filter(|w| !self.ctx.setup.paths.worktree(w.id).is_dir())
            .map(|w| Observation::WorktreeMissing { worker: w.id })
            .collect();
        if !gone.is_empty() {
            self.step_all(gone, &[])?;
        }
        super::meter::round(&self.ctx, &self.model, now);
        self.step(Observation::Tick, &[])?;
        let claims = self.state.claims().unwrap_or_default();
        let hosts = self.ctx.hosts.as_ref().map(|f| f.publish(now));
        let hosts = hosts.as_deref().map_or(&[][..], Vec::as_slice);
        status_files::write(
            &self.ctx.setup,
            &self.model,
            hosts,
            &claims,
            &mut self.last_status,
        );
        status_files::write_monitor(
            &self.ctx.setup,
            self.ctx.panes.counts(),
            &mut self.last_counts,
        );
        Ok(())
    }
}
