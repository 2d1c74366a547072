//! In-memory ports for the engine's own tests: panes holding scripted agents that draw what the
//! shipped `sim` profile reads, a repository of branches as lists of commits, a store in
//! memory that outlives an engine (for restarts), verify results the test decides, and the
//! clock (this machine's: the tests' timings are short).

use crate::adapters::claims::Claim;
use crate::adapters::git::{BranchStats, FileChange, GitError, SwitchOutcome};
use crate::adapters::output_watch::Outputs;
use crate::adapters::store::{EventRow, Saved, Step, StoreError};
use crate::adapters::tmux::{PaneInfo, PaneScreen, SessionSpec, SubmitKey, TmuxCounts, TmuxError};
use crate::core::model::WorkerId;
use crate::core::observation::Signal;
use crate::engine::ports::{Clock, Guard, OnChange, Panes, Ports, Processes, Ran, Repo, State};
use futures::future::BoxFuture;
use std::collections::{BTreeMap, VecDeque};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

/// What an agent in a fake pane shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Shows {
    Prompt,
    Working,
    RateLimited,
}

#[derive(Debug)]
pub struct Agent {
    pub shows: Shows,
    /// What sits typed in its input box.
    pub input: String,
    /// Enters it will miss, as a real agent does while it is still drawing.
    pub lose_enters: u32,
    /// Every text it was given, one per submit.
    pub received: Vec<String>,
    pub dead: bool,
}

/// Everything the fakes share; the tests look inside and change it.
#[derive(Default)]
pub struct World {
    pub agents: BTreeMap<String, Agent>,
    /// Branch → its commits, oldest first; `main` has one.
    pub branches: BTreeMap<String, Vec<String>>,
    /// Worktree → the branch it is on.
    pub worktrees: BTreeMap<PathBuf, Option<String>>,
    pub verify: VecDeque<Ran>,
    /// Enters each new agent misses at first.
    pub lose_enters_at_start: u32,
    outputs: Option<Arc<Outputs>>,
    commits: u64,
}

#[derive(Clone, Default)]
pub struct Fakes(pub Arc<Mutex<World>>);

impl Fakes {
    pub fn new() -> Fakes {
        let fakes = Fakes::default();
        fakes
            .world()
            .branches
            .insert("main".into(), vec!["c0".into()]);
        fakes
    }

    pub fn world(&self) -> MutexGuard<'_, World> {
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Ports on this world; `state` is the store (shared with a later engine for a restart).
    pub fn ports(&self, state: MemState) -> Ports {
        Ports {
            panes: Arc::new(self.clone()),
            repo: Arc::new(self.clone()),
            state: Box::new(state),
            processes: Arc::new(self.clone()),
            clock: Arc::new(self.clone()),
        }
    }

    /// The agent of `session` changes what it shows; its pane printed.
    pub fn show(&self, session: &str, shows: Shows) {
        let mut w = self.world();
        if let Some(a) = w.agents.get_mut(session) {
            a.shows = shows;
        }
        w.printed(session);
    }

    /// A commit on `branch`.
    pub fn commit(&self, branch: &str) {
        let mut w = self.world();
        w.commits += 1;
        let id = format!("c{}", w.commits);
        w.branches.entry(branch.into()).or_default().push(id);
    }
}

impl World {
    fn now(&self) -> u64 {
        crate::engine::now_ms()
    }

    fn printed(&self, session: &str) {
        let worker = session.rsplit('-').next().and_then(|n| n.parse().ok());
        if let (Some(o), Some(w)) = (&self.outputs, worker) {
            o.mark(w, self.now());
        }
    }

    fn agent(&mut self, target: &str) -> Result<&mut Agent, TmuxError> {
        let session = target.trim_start_matches('=').trim_end_matches(':');
        self.agents
            .get_mut(session)
            .filter(|a| !a.dead)
            .ok_or_else(|| TmuxError::Invalid(format!("no pane {target}")))
    }
}

/// What the `sim` profile reads: its prompt with the box, its spinner, its rate limit.
fn screen(a: &Agent) -> String {
    match a.shows {
        // A paste shows as a placeholder, as agents draw one.
        Shows::Prompt if a.input.is_empty() => {
            "────\n❯\n────\n? for shortcuts · sim-agent\n".into()
        }
        Shows::Prompt => format!(
            "────\n❯ [Pasted text: {} bytes]\n────\n? for shortcuts · sim-agent\n",
            a.input.len()
        ),
        Shows::Working => "✻ Working… (1s · esc to interrupt)\n".into(),
        Shows::RateLimited => "Rate limited: resets in 30s\n".into(),
    }
}

fn ready<T: Send + 'static>(value: T) -> BoxFuture<'static, T> {
    Box::pin(async move { value })
}

impl Panes for Fakes {
    fn start(&self, spec: SessionSpec) -> BoxFuture<'_, Result<(), TmuxError>> {
        let mut w = self.world();
        let agent = Agent {
            shows: Shows::Prompt,
            input: String::new(),
            lose_enters: w.lose_enters_at_start,
            received: Vec::new(),
            dead: false,
        };
        w.agents.insert(spec.name.clone(), agent);
        w.printed(&spec.name);
        ready(Ok(()))
    }

    fn kill(&self, session: String) -> BoxFuture<'_, Result<(), TmuxError>> {
        self.world().agents.remove(&session);
        ready(Ok(()))
    }

    fn exists(&self, session: String) -> BoxFuture<'_, Result<bool, TmuxError>> {
        ready(Ok(self.world().agents.contains_key(&session)))
    }

    fn list(&self) -> BoxFuture<'_, Result<Vec<PaneInfo>, TmuxError>> {
        let w = self.world();
        let panes = w
            .agents
            .iter()
            .map(|(name, a)| PaneInfo {
                session: name.clone(),
                pane_id: format!("%{name}"),
                pane_pid: 1,
                dead: a.dead,
                dead_status: a.dead.then_some(1),
                dead_signal: None,
                current_command: "sim".into(),
                title: String::new(),
                activity: 0,
                width: 80,
                height: 24,
            })
            .collect();
        ready(Ok(panes))
    }

    fn read(&self, targets: Vec<String>) -> BoxFuture<'_, Vec<Result<PaneScreen, TmuxError>>> {
        let mut w = self.world();
        let screens = targets
            .iter()
            .map(|t| {
                w.agent(t).map(|a| PaneScreen {
                    dead: false,
                    title: String::new(),
                    text: screen(a),
                })
            })
            .collect();
        ready(screens)
    }

    fn capture(&self, target: String, _ansi: bool) -> BoxFuture<'_, Result<String, TmuxError>> {
        ready(self.world().agent(&target).map(|a| screen(a)))
    }

    fn paste(&self, target: String, text: Vec<u8>) -> BoxFuture<'_, Result<(), TmuxError>> {
        let mut w = self.world();
        let pasted = w.agent(&target).map(|a| {
            a.input.push_str(&String::from_utf8_lossy(&text));
        });
        w.printed(target.trim_start_matches('=').trim_end_matches(':'));
        ready(pasted)
    }

    fn submit(&self, target: String, _key: SubmitKey) -> BoxFuture<'_, Result<(), TmuxError>> {
        let mut w = self.world();
        let done = w.agent(&target).map(|a| {
            if a.lose_enters > 0 {
                a.lose_enters -= 1;
                return false;
            }
            if !a.input.is_empty() {
                a.received.push(std::mem::take(&mut a.input));
                a.shows = Shows::Working;
            }
            true
        });
        if matches!(done, Ok(true)) {
            w.printed(target.trim_start_matches('=').trim_end_matches(':'));
        }
        ready(done.map(drop))
    }

    fn key(&self, target: String, key: String) -> BoxFuture<'_, Result<(), TmuxError>> {
        let mut w = self.world();
        let pressed = w.agent(&target).map(|a| match key.as_str() {
            "C-c" => a.input.clear(),
            "Escape" if a.shows != Shows::Prompt => a.shows = Shows::Prompt,
            _ => {}
        });
        w.printed(target.trim_start_matches('=').trim_end_matches(':'));
        ready(pressed)
    }

    fn literal(&self, target: String, text: String) -> BoxFuture<'_, Result<(), TmuxError>> {
        ready(self.world().agent(&target).map(|a| a.input.push_str(&text)))
    }

    fn counts(&self) -> TmuxCounts {
        TmuxCounts::default()
    }

    fn watch_outputs(&self, outputs: Arc<Outputs>) -> Option<Guard> {
        self.world().outputs = Some(outputs);
        Some(Box::new(()))
    }
}

impl World {
    /// The commits of a revision: a branch's, or a commit's (with its ancestors).
    fn history(&self, rev: &str) -> Option<Vec<String>> {
        if let Some(b) = self.branches.get(rev) {
            return Some(b.clone());
        }
        self.branches.values().find_map(|b| {
            let at = b.iter().position(|c| c == rev)?;
            Some(b[..=at].to_vec())
        })
    }

    fn stats(&self, base: &str, branch: &str) -> Result<BranchStats, GitError> {
        let invalid = |what: &str| GitError::InvalidName {
            name: what.to_string(),
            what: "revision",
        };
        let b = self.history(branch).ok_or_else(|| invalid(branch))?;
        let base_commits = self.history(base).ok_or_else(|| invalid(base))?;
        let ahead: Vec<&String> = b.iter().filter(|c| !base_commits.contains(c)).collect();
        Ok(BranchStats {
            branch: branch.into(),
            base: base.into(),
            ahead: ahead.len(),
            files: ahead
                .iter()
                .map(|c| FileChange {
                    path: format!("{c}.txt"),
                    added: 1,
                    removed: 0,
                })
                .collect(),
            ..BranchStats::default()
        })
    }
}

impl Repo for Fakes {
    fn ensure_worktree(&self, path: &Path, _name: &str, _base: &str) -> Result<(), GitError> {
        std::fs::create_dir_all(path).map_err(|source| GitError::Io {
            action: "create".into(),
            path: path.into(),
            source,
        })?;
        self.world().worktrees.entry(path.into()).or_insert(None);
        Ok(())
    }

    fn commit_wip(&self, _path: &Path, _reason: &str) -> Result<Option<String>, GitError> {
        Ok(None)
    }

    fn switch_worktree(
        &self,
        path: &Path,
        branch: &str,
        base: &str,
    ) -> Result<SwitchOutcome, GitError> {
        let mut w = self.world();
        let created = !w.branches.contains_key(branch);
        if created {
            let from = w.branches.get(base).cloned().unwrap_or_default();
            w.branches.insert(branch.into(), from);
        }
        w.worktrees.insert(path.into(), Some(branch.into()));
        Ok(SwitchOutcome {
            created,
            ..SwitchOutcome::default()
        })
    }

    fn release_worktree(&self, path: &Path, _reason: &str) -> Result<Option<String>, GitError> {
        self.world().worktrees.insert(path.into(), None);
        Ok(None)
    }

    fn branch_at(&self, worktree: &Path) -> Option<String> {
        self.world().worktrees.get(worktree).cloned().flatten()
    }

    fn branch_stats(&self, base: &str, branch: &str) -> Result<BranchStats, GitError> {
        self.world().stats(base, branch)
    }

    fn branch_tip(&self, branch: &str) -> Option<String> {
        self.world().branches.get(branch)?.last().cloned()
    }

    fn commit_of(&self, rev: &str) -> Result<String, GitError> {
        self.branch_tip(rev).ok_or_else(|| GitError::InvalidName {
            name: rev.into(),
            what: "revision",
        })
    }

    fn commits_since(&self, from: &str, to: &str) -> Option<usize> {
        let w = self.world();
        let on = w
            .branches
            .values()
            .find(|b| b.last().is_some_and(|t| t == to))?;
        let at = on.iter().position(|c| c == from)?;
        Some(on.len() - 1 - at)
    }

    fn put_branch(&self, branch: &str, at: &str, _keep: Option<&str>) -> Result<(), GitError> {
        let mut w = self.world();
        let b = w.branches.entry(branch.into()).or_default();
        if let Some(i) = b.iter().position(|c| c == at) {
            b.truncate(i + 1);
        }
        Ok(())
    }

    fn uncommitted_paths(&self, _worktree: &Path) -> Result<Vec<String>, GitError> {
        Ok(Vec::new())
    }

    fn predict_conflicts(&self, _a: &str, _b: &str) -> Result<Vec<String>, GitError> {
        Ok(Vec::new())
    }

    fn watch(&self, _on_move: OnChange) -> Option<Guard> {
        None
    }
}

impl Processes for Fakes {
    fn run(&self, _command: String, _cwd: PathBuf, _timeout: Duration) -> BoxFuture<'_, Ran> {
        let ran = self.world().verify.pop_front();
        ready(ran.unwrap_or((true, "ok".into())))
    }
}

impl Clock for Fakes {
    fn now_ms(&self) -> u64 {
        self.world().now()
    }
}

/// The store in memory; clones share it, so a second engine finds what the first stored.
#[derive(Clone, Default)]
pub struct MemState(pub Arc<Mutex<Stored>>);

#[derive(Default)]
pub struct Stored {
    pub saved: Saved,
    pub events: Vec<EventRow>,
    pub inbox: Vec<(i64, WorkerId, Signal)>,
    next: i64,
}

impl MemState {
    fn get(&self) -> MutexGuard<'_, Stored> {
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// A worker's signal (`czar done`, a report) in the inbox.
    pub fn signal(&self, worker: WorkerId, signal: Signal) {
        let mut s = self.get();
        s.next += 1;
        let seq = s.next;
        s.inbox.push((seq, worker, signal));
    }
}

impl State for MemState {
    fn load(&self) -> Result<Saved, StoreError> {
        Ok(self.get().saved.clone())
    }

    fn commit_step(&mut self, step: &Step<'_>) -> Result<(), StoreError> {
        let mut s = self.get();
        for t in step.tasks {
            s.saved.0.insert(t.def.id.clone(), (*t).clone());
        }
        for w in step.workers {
            s.saved.1.insert(w.id, (*w).clone());
        }
        for e in step.events {
            let seq = s.events.len() as i64 + 1;
            s.events.push(EventRow {
                seq,
                at: step.now,
                worker: e.worker,
                task: e.task.clone(),
                kind: e.kind.as_str().into(),
                detail: e.detail.clone(),
            });
        }
        s.inbox
            .retain(|(seq, _, _)| !step.inbox_taken.contains(seq));
        Ok(())
    }

    fn pending_signals(&self) -> Result<Vec<(i64, WorkerId, Signal)>, StoreError> {
        Ok(self.get().inbox.clone())
    }

    fn claims(&self) -> Result<Vec<Claim>, StoreError> {
        Ok(Vec::new())
    }

    fn events(&self, limit: usize) -> Result<Vec<EventRow>, StoreError> {
        let s = self.get();
        Ok(s.events[s.events.len().saturating_sub(limit)..].to_vec())
    }

    fn listen(&self, _on_signal: OnChange) -> Option<Guard> {
        None
    }
}
