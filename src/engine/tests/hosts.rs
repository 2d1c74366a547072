//! The loop on a fleet spread over machines: this one and a host, each with its own panes,
//! joined by `Dispatch`. The core is the same; only where each worker's pane lives differs.

use super::fakes::{Fakes, MemState, Shows};
use super::{Run, setup, task};
use crate::adapters::tmux::{PaneInfo, PaneScreen, TmuxError};
use crate::core::command::{Command, EventKind};
use crate::core::observation::Signal;
use crate::engine::dispatch::Dispatch;
use crate::engine::ports::Panes;
use crate::engine::{Engine, Handle};
use std::sync::Arc;
use tokio::sync::mpsc;

#[tokio::test]
async fn tasks_reach_workers_on_this_machine_and_on_a_host_through_one_dispatch() {
    let dir = tempfile::tempdir().unwrap();
    task(dir.path(), "a", "", "Build a.");
    task(dir.path(), "b", "", "Build b.");
    // `here` holds the repository and worker 1's pane; `host` worker 2's pane only.
    let (here, host, state) = (Fakes::new(), Fakes::new(), MemState::default());
    let local: Arc<dyn Panes> = Arc::new(here.clone());
    let dispatch = Arc::new(Dispatch::new(local, vec![Arc::new(host.clone())]));
    dispatch.place(2, Some(0));
    let mut ports = here.ports(state.clone());
    ports.panes = dispatch;
    let mut engine = Engine::with_ports(setup(dir.path(), 2), ports).unwrap();
    let (tx, commands) = mpsc::unbounded_channel();
    engine.on_command(move |c| {
        let _ = tx.send(c.clone());
    });
    let handle: Handle = engine.handle();
    let task_handle = tokio::spawn(async move { engine.run(|m| m.stopping).await });
    let mut run = Run {
        commands,
        seen: Vec::new(),
        handle,
        task: task_handle,
    };
    for _ in 0..2 {
        run.event(EventKind::Delivered, "confirmed").await;
    }
    let session_of = |w: u32| format!("t-worker-{w}");
    assert!(here.world().agents.contains_key(&session_of(1)));
    assert!(
        !here.world().agents.contains_key(&session_of(2)),
        "worker 2 is not here"
    );
    let on_host = host.world().agents[&session_of(2)].received.clone();
    assert_eq!(on_host.len(), 1, "{on_host:?}");
    let here_got = here.world().agents[&session_of(1)].received.clone();
    assert_eq!(here_got.len(), 1, "{here_got:?}");
    // Each agent finishes where it runs; the branches are in the one repository.
    for (fakes, worker) in [(&here, 1u32), (&host, 2)] {
        let branch = run
            .seen
            .iter()
            .find_map(|c| match c {
                Command::PrepareBranch {
                    worker: w, branch, ..
                } if *w == worker => Some(branch.clone()),
                _ => None,
            })
            .unwrap_or_else(|| panic!("no branch for worker {worker}: {:#?}", run.seen));
        here.commit(&branch);
        fakes.show(&session_of(worker), Shows::Prompt);
        state.signal(
            worker,
            Signal::Done {
                branch: Some(branch),
            },
        );
    }
    for _ in 0..2 {
        run.event(EventKind::Done, "").await;
    }
    run.stop().await;
}

/// A host that cannot be reached: every call fails.
struct Down;

impl Panes for Down {
    fn start(
        &self,
        _: crate::adapters::tmux::SessionSpec,
    ) -> futures::future::BoxFuture<'_, Result<(), TmuxError>> {
        Box::pin(async { Err(unreachable_host()) })
    }
    fn kill(&self, _: String) -> futures::future::BoxFuture<'_, Result<(), TmuxError>> {
        Box::pin(async { Err(unreachable_host()) })
    }
    fn exists(&self, _: String) -> futures::future::BoxFuture<'_, Result<bool, TmuxError>> {
        Box::pin(async { Err(unreachable_host()) })
    }
    fn list(&self) -> futures::future::BoxFuture<'_, Result<Vec<PaneInfo>, TmuxError>> {
        Box::pin(async { Err(unreachable_host()) })
    }
    fn read(
        &self,
        targets: Vec<String>,
    ) -> futures::future::BoxFuture<'_, Vec<Result<PaneScreen, TmuxError>>> {
        Box::pin(async move { targets.iter().map(|_| Err(unreachable_host())).collect() })
    }
    fn capture(
        &self,
        _: String,
        _: bool,
    ) -> futures::future::BoxFuture<'_, Result<String, TmuxError>> {
        Box::pin(async { Err(unreachable_host()) })
    }
    fn paste(
        &self,
        _: String,
        _: Vec<u8>,
    ) -> futures::future::BoxFuture<'_, Result<(), TmuxError>> {
        Box::pin(async { Err(unreachable_host()) })
    }
    fn submit(
        &self,
        _: String,
        _: crate::adapters::tmux::SubmitKey,
    ) -> futures::future::BoxFuture<'_, Result<(), TmuxError>> {
        Box::pin(async { Err(unreachable_host()) })
    }
    fn key(&self, _: String, _: String) -> futures::future::BoxFuture<'_, Result<(), TmuxError>> {
        Box::pin(async { Err(unreachable_host()) })
    }
    fn literal(
        &self,
        _: String,
        _: String,
    ) -> futures::future::BoxFuture<'_, Result<(), TmuxError>> {
        Box::pin(async { Err(unreachable_host()) })
    }
    fn counts(&self) -> crate::adapters::tmux::TmuxCounts {
        Default::default()
    }
    fn watch_outputs(
        &self,
        _: Arc<crate::adapters::output_watch::Outputs>,
    ) -> Option<crate::engine::ports::Guard> {
        None
    }
}

fn unreachable_host() -> TmuxError {
    TmuxError::Invalid("node: the connection to the node is closed".into())
}

#[tokio::test]
async fn screens_come_back_in_the_order_asked_and_a_host_down_is_left_out_of_the_listing() {
    let (here, host) = (Fakes::new(), Fakes::new());
    let spec = |w: u32| crate::adapters::tmux::SessionSpec {
        name: format!("t-worker-{w}"),
        cwd: "/w".into(),
        command: vec!["sim".into()],
        env: vec![],
        width: 80,
        height: 24,
    };
    let dispatch = Dispatch::new(
        Arc::new(here.clone()),
        vec![Arc::new(host.clone()), Arc::new(Down)],
    );
    dispatch.place(2, Some(0));
    dispatch.place(4, Some(0));
    for w in [1, 2, 4] {
        dispatch.start(spec(w)).await.unwrap();
    }
    host.show("t-worker-4", Shows::Working);
    let targets = ["=t-worker-4:", "=t-worker-1:", "=t-worker-2:"];
    let screens = dispatch
        .read(targets.iter().map(|t| t.to_string()).collect())
        .await;
    let texts: Vec<String> = screens.into_iter().map(|s| s.unwrap().text).collect();
    assert!(texts[0].contains("Working"), "{texts:?}");
    assert!(
        texts[1].contains("❯") && texts[2].contains("❯"),
        "{texts:?}"
    );
    assert!(here.world().agents.contains_key("t-worker-1"));
    assert_eq!(host.world().agents.len(), 2);
    // All machines up: one listing of every pane.
    let up = Dispatch::new(Arc::new(here.clone()), vec![Arc::new(host.clone())]);
    assert_eq!(up.list().await.unwrap().len(), 3);
    assert!(up.unlisted().is_empty());
    // A host that is down: left out of the listing and noted, so the engine can tell the core
    // before its panes would be read as gone; the other machines are listed.
    assert_eq!(dispatch.list().await.unwrap().len(), 3);
    assert_eq!(dispatch.unlisted().into_iter().collect::<Vec<_>>(), [1]);
    dispatch.place(3, Some(1));
    assert!(dispatch.exists("t-worker-3".into()).await.is_err());
    dispatch.place(3, None);
    assert_eq!(dispatch.host_of(3), None);
    assert_eq!(dispatch.exists("t-worker-3".into()).await.ok(), Some(false));
}
