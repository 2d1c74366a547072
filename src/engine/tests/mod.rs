//! The engine's real loop, driven through in-memory ports (see `fakes`): every command it issues
//! is watched, and every wait for one has a timeout. Tmux and git themselves are tested for
//! real in `tests/`; here it is the loop's part: the right commands, in order, and none twice.

mod fakes;
mod hosts;
mod routing;
mod scenarios;

use super::{Engine, EngineError, Handle, Setup};
use crate::core::command::{Command, EventKind};
use fakes::{Fakes, MemState};
use std::time::Duration;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

/// How long any one wait for the engine may take before the test fails.
const PATIENCE: Duration = Duration::from_secs(10);

/// The shipped configuration with this test's folders, `workers` sim workers, and timings
/// short enough for a test (a lost Enter is pressed again after 300 ms).
fn setup(dir: &std::path::Path, workers: usize) -> Setup {
    let mut cfg =
        crate::config::load_with(dir, None, Some("main")).unwrap_or_else(|e| panic!("{e}"));
    cfg.project = "t".into();
    cfg.workers = workers;
    cfg.agent = "sim".into();
    cfg.paths.tasks_dir = dir.join("tasks");
    cfg.paths.state_dir = dir.join("state");
    cfg.paths.worktrees_dir = dir.join("wt");
    cfg.timing.poll = Duration::from_millis(20);
    cfg.timing.settle = Duration::from_millis(10);
    cfg.timing.submit_confirm = Duration::from_millis(300);
    cfg.timing.branch_rescan = Duration::from_millis(100);
    if let Some(sim) = cfg.profiles.get("sim").cloned() {
        let mut other = sim;
        other.name = "sim2".into();
        cfg.profiles.insert("sim2".into(), other);
    }
    crate::engine::Setup::from_config(&cfg).unwrap_or_else(|e| panic!("{e}"))
}

/// One engine running on the fakes, its commands watched.
struct Run {
    commands: mpsc::UnboundedReceiver<Command>,
    /// Every command seen so far.
    seen: Vec<Command>,
    handle: Handle,
    task: JoinHandle<Result<(), EngineError>>,
}

impl Run {
    fn start(fakes: &Fakes, state: &MemState, setup: Setup) -> Run {
        let mut engine =
            Engine::with_ports(setup, fakes.ports(state.clone())).unwrap_or_else(|e| panic!("{e}"));
        let (tx, commands) = mpsc::unbounded_channel();
        engine.on_command(move |c| {
            let _ = tx.send(c.clone());
        });
        let handle = engine.handle();
        let task = tokio::spawn(async move { engine.run(|m| m.stopping).await });
        Run {
            commands,
            seen: Vec::new(),
            handle,
            task,
        }
    }

    /// The next command that `wanted` picks out; the ones before it are kept in `seen`.
    async fn next(&mut self, what: &str, wanted: impl Fn(&Command) -> bool) -> Command {
        loop {
            let c = tokio::time::timeout(PATIENCE, self.commands.recv())
                .await
                .unwrap_or_else(|_| panic!("no {what} within {PATIENCE:?}; seen: {:#?}", self.seen))
                .unwrap_or_else(|| panic!("the engine stopped before {what}"));
            self.seen.push(c.clone());
            if wanted(&c) {
                return c;
            }
        }
    }

    /// Waits for an event of `kind` whose detail holds `words`.
    async fn event(&mut self, kind: EventKind, words: &str) -> Command {
        self.next(
            &format!("a {} event", kind.as_str()),
            |c| matches!(c, Command::Record(e) if e.kind == kind && e.detail.contains(words)),
        )
        .await
    }

    fn count(&self, what: impl Fn(&Command) -> bool) -> usize {
        self.seen.iter().filter(|c| what(c)).count()
    }

    /// The engine is gone as a killed czar is: nothing more of its loop runs.
    async fn kill(self) {
        self.task.abort();
        let _ = self.task.await;
    }

    async fn stop(self) {
        self.handle.send(crate::core::observation::Intent::Stop);
        let ended = tokio::time::timeout(PATIENCE, self.task).await;
        assert!(ended.is_ok(), "the engine did not stop");
    }
}

/// A task file in the test's tasks folder.
fn task(dir: &std::path::Path, id: &str, front: &str, body: &str) {
    let tasks = dir.join("tasks");
    std::fs::create_dir_all(&tasks).unwrap_or_else(|e| panic!("{e}"));
    let text = format!("+++\ntitle = \"{id}\"\n{front}\n+++\n{body}\n");
    std::fs::write(tasks.join(format!("{id}.md")), text).unwrap_or_else(|e| panic!("{e}"));
}
