//! In-memory ports for the engine's own tests: panes holding scripted agents that draw what the
//! shipped `sim` profile reads, a repository of branches as lists of commits, a store in
//! memory that outlives an engine (for restarts), verify results the test decides, and the
//! clock (this machine's: the tests' timings are short).

use crate::adapters::output_watch::Outputs;
use crate::adapters::tmux::{PaneInfo, PaneScreen, SessionSpec, SubmitKey, TmuxCounts, TmuxError};
mod repo;
mod state;

pub use state::MemState;

use crate::engine::ports::{Clock, Guard, Panes, Ports, Processes, Ran};
use futures::future::BoxFuture;
use std::collections::{BTreeMap, VecDeque};
use std::path::PathBuf;
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
    /// A client is attached to its session.
    pub attached: bool,
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
    /// Branch → the files its next landing merge conflicts on (taken once).
    pub land_conflicts: BTreeMap<String, Vec<String>>,
    /// Pull requests opened (branch, into, title), and what the next looks at them say.
    pub prs_opened: Vec<(String, String, String)>,
    pub pr_answers: VecDeque<crate::core::observation::PrStatus>,
    /// Every `[notify]` command run.
    pub notified: Vec<crate::engine::ports::NotifyCall>,
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
            prs: Arc::new(self.clone()),
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
            attached: false,
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
                attached: a.attached,
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

impl Processes for Fakes {
    fn notify(&self, call: crate::engine::ports::NotifyCall) -> BoxFuture<'_, Ran> {
        self.world().notified.push(call);
        ready((true, String::new()))
    }

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
