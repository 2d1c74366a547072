//! `czar node --dir DIR`: serves one czar on standard input and output until it hangs up.
//! The sessions it started keep running in the node's tmux server after that (its own socket
//! under DIR), so a czar that reconnects finds them again.
//!
//! Pushed, not polled: output events come from the agents' output logs growing (`output_watch`,
//! as on the czar's own machine), exits and branch moves from one node-local look a second that
//! sends nothing while nothing changes.

use super::layout::{self, Layout};
use super::proto::{
    self, Answer, Event, FromNode, Hello, Op, Outcome, Pane, Reply, Screen, Spawn, Submit, ToNode,
};
use super::{git, wire};
use crate::adapters::output_watch::{self, Outputs};
use crate::adapters::tmux::{PaneInfo, SessionSpec, Socket, SubmitKey, Tmux, TmuxError};
use std::collections::HashMap;
use std::ffi::OsString;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncWriteExt, BufReader};
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender, unbounded_channel};

/// Output of one pane is told at most this often: a pane that streams costs a few events a
/// second, each followed by one reading on the czar's side.
const OUTPUT_COALESCE: Duration = Duration::from_millis(50);
/// How often the node looks at its own panes and branches for exits and moves.
const LOOK_EVERY: Duration = Duration::from_secs(1);

struct Node {
    layout: Layout,
    tmux: Tmux,
    czar: String,
}

/// Serves until the czar hangs up; an error when the handshake fails.
pub async fn serve(dir: &std::path::Path) -> anyhow::Result<i32> {
    let mut input = BufReader::new(tokio::io::stdin());
    let (tx, rx) = unbounded_channel::<String>();
    let writer = tokio::spawn(write_lines(rx));
    let mut buf = Vec::new();
    if !wire::read_line(&mut input, &mut buf).await? {
        return Ok(0);
    }
    let theirs = match proto::decode::<ToNode>(&buf)? {
        ToNode::Hello(h) => h,
        ToNode::Req { .. } => anyhow::bail!("the czar sent a request before its hello"),
    };
    let ours = Hello::ours();
    if let Err(e) = ours.check(&theirs) {
        let _ = tx.send(proto::encode(&FromNode::Refused {
            reason: e.to_string(),
        }));
        drop(tx);
        let _ = writer.await;
        return Err(e.into());
    }
    let node = Arc::new(open(dir).await?);
    let _ = tx.send(proto::encode(&FromNode::Hello(Hello {
        dir: Some(node.layout.dir.to_string_lossy().into_owned()),
        repo: Some(node.layout.repo().to_string_lossy().into_owned()),
        ..ours
    })));
    let outputs = Arc::new(Outputs::default());
    let names = output_watch::LogNames {
        dir: &node.layout.logs(),
        worker_of: layout::worker_of_log,
        file_of: layout::log_name,
    };
    // Without it the czar hears of output only from exits; it says so in its log.
    let _watch = output_watch::watch(names, Arc::clone(&outputs))
        .map_err(|e| eprintln!("czar node: not watching output logs: {e}"))
        .ok();
    let inbox = crate::adapters::store::Store::open(&node.layout.state())
        .map_err(|e| anyhow::anyhow!("opening the node's inbox: {e}"))?;
    let pushers = [
        tokio::spawn(push_outputs(outputs, tx.clone())),
        tokio::spawn(push_changes(Arc::clone(&node), tx.clone())),
        tokio::spawn(push_signals(inbox, tx.clone())),
    ];
    loop {
        match wire::read_line(&mut input, &mut buf).await {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => {
                eprintln!("czar node: {e}");
                break;
            }
        }
        match proto::decode::<ToNode>(&buf) {
            Ok(ToNode::Req { id, op }) => {
                let (node, tx) = (Arc::clone(&node), tx.clone());
                tokio::spawn(async move {
                    let result = match handle(&node, op).await {
                        Ok(answer) => Outcome::Ok(answer),
                        Err(e) => Outcome::Err(e),
                    };
                    let _ = tx.send(proto::encode(&FromNode::Reply(Reply { id, result })));
                });
            }
            Ok(ToNode::Hello(_)) => eprintln!("czar node: a second hello, ignored"),
            // A line this build does not know: answered when it has an id, else only said;
            // the stream goes on.
            Err(e) => match proto::request_id(&buf) {
                Some(id) => {
                    let result = Outcome::Err(e.to_string());
                    let _ = tx.send(proto::encode(&FromNode::Reply(Reply { id, result })));
                }
                None => eprintln!("czar node: {e}"),
            },
        }
    }
    for p in pushers {
        p.abort();
    }
    drop(tx);
    let _ = writer.await;
    Ok(0)
}

async fn open(dir: &std::path::Path) -> anyhow::Result<Node> {
    if !dir.is_absolute() {
        anyhow::bail!(
            "czar node --dir needs an absolute folder, not {}",
            dir.display()
        );
    }
    let layout = Layout::open(dir)
        .map_err(|e| anyhow::anyhow!("preparing the node folder {}: {e}", dir.display()))?;
    git::init(&layout).await.map_err(anyhow::Error::msg)?;
    let czar = std::env::current_exe()
        .ok()
        .and_then(|p| p.to_str().map(str::to_string))
        .ok_or_else(|| anyhow::anyhow!("czar's own path is unknown or not UTF-8"))?;
    let tmux = Tmux::new(Socket::Path(layout.socket()));
    Ok(Node { layout, tmux, czar })
}

/// One writer, so replies and events never interleave within a line.
async fn write_lines(mut rx: UnboundedReceiver<String>) {
    let mut out = tokio::io::stdout();
    while let Some(line) = rx.recv().await {
        if out.write_all(line.as_bytes()).await.is_err() || out.flush().await.is_err() {
            return;
        }
    }
}

async fn handle(node: &Node, op: Op) -> Result<Answer, String> {
    let t = &node.tmux;
    let done = |r: Result<(), TmuxError>| r.map(|()| Answer::Done).map_err(|e| e.to_string());
    match op {
        Op::Spawn(spawn) => done(start(node, spawn).await),
        Op::Kill { session } => done(t.kill_session(&session).await),
        Op::Exists { session } => match t.has_session(&session).await {
            Ok(b) => Ok(Answer::Bool(b)),
            // A server whose last session just went is on its way out: it has none.
            Err(e) if e.to_string().contains("no current target") => Ok(Answer::Bool(false)),
            Err(e) => Err(e.to_string()),
        },
        Op::List => t
            .list_panes()
            .await
            .map(|ps| Answer::Panes(ps.into_iter().map(pane).collect()))
            .map_err(|e| e.to_string()),
        Op::Read { targets } => Ok(Answer::Screens(
            t.capture_many(&targets)
                .await
                .into_iter()
                .map(|r| {
                    r.map(|s| Screen {
                        dead: s.dead,
                        title: s.title,
                        text: s.text,
                    })
                    .map_err(|e| e.to_string())
                })
                .collect(),
        )),
        Op::Capture { target, ansi } => t
            .capture(&target, ansi)
            .await
            .map(Answer::Text)
            .map_err(|e| e.to_string()),
        Op::Paste { target, text } => done(t.paste(&target, &text).await),
        Op::Submit { target, key } => {
            let key = match key {
                Submit::Enter => SubmitKey::Enter,
                Submit::CarriageReturn => SubmitKey::CarriageReturn,
            };
            done(t.send_submit(&target, key).await)
        }
        Op::Key { target, key } => done(t.send_key(&target, &key).await),
        Op::Literal { target, text } => done(t.send_literal(&target, &text).await),
        Op::Sync { url, branches } => git::sync(&node.layout, &url, &branches)
            .await
            .map(|()| Answer::Done),
        Op::Worktree { name, branch, base } => git::worktree(&node.layout, &name, &branch, &base)
            .await
            .map(|()| Answer::Done),
        Op::Tip { branch } => git::tip(&node.layout, &branch).await.map(Answer::Tip),
        Op::BranchAt { worktree } => git::branch_at(&node.layout, &worktree).await,
        Op::Run {
            worktree,
            command,
            timeout_secs,
        } => {
            let cwd = node.layout.worktree(&worktree).map_err(|e| e.to_string())?;
            let (passed, output) =
                super::run::verify(&command, &cwd, Duration::from_secs(timeout_secs)).await;
            Ok(Answer::Ran { passed, output })
        }
    }
}

/// Starts an agent in its worktree under `czar pane-log`, its environment (the node's own,
/// then the czar's for it) in a 0600 file that pane-log deletes once read.
async fn start(node: &Node, s: Spawn) -> Result<(), TmuxError> {
    let refused = |e: layout::LayoutError| TmuxError::Invalid(e.to_string());
    let cwd = node.layout.worktree(&s.worktree).map_err(refused)?;
    layout::plain("session", &s.session).map_err(refused)?;
    if !cwd.is_dir() {
        return Err(TmuxError::Invalid(format!(
            "worktree {} is not there: make it first",
            s.worktree
        )));
    }
    let mut vars: Vec<(OsString, OsString)> = std::env::vars_os()
        .filter(|(k, _)| k != "TMUX" && k != "TMUX_PANE")
        .collect();
    vars.extend(s.env.iter().map(|(k, v)| (k.into(), v.into())));
    vars.push(("CZAR_WORKER".into(), s.worker.to_string().into()));
    // `czar done` there writes to the node's inbox, which the node forwards.
    vars.push(("CZAR_STATE_DIR".into(), node.layout.state().into()));
    let file = crate::pane_log::env::write_file(&node.layout.env(), s.worker, &vars)
        .map_err(|e| TmuxError::Invalid(format!("writing the agent's environment: {e}")))?;
    let log = node.layout.logs().join(layout::log_name(s.worker));
    let command = crate::pane_log::wrap_agent(
        &node.czar,
        log.to_str(),
        &file.to_string_lossy(),
        &s.command,
    );
    let spec = SessionSpec {
        name: s.session,
        cwd,
        command,
        env: Vec::new(),
        width: s.width,
        height: s.height,
    };
    let started = node.tmux.new_session(&spec).await;
    if started.is_err() {
        let _ = std::fs::remove_file(&file);
    }
    started
}

fn pane(p: PaneInfo) -> Pane {
    Pane {
        session: p.session,
        pane_id: p.pane_id,
        pane_pid: p.pane_pid,
        dead: p.dead,
        dead_status: p.dead_status,
        dead_signal: p.dead_signal,
        current_command: p.current_command,
        title: p.title,
        activity: p.activity,
        width: p.width,
        height: p.height,
        attached: p.attached,
    }
}

/// An event for each pane that printed, at most one per pane per `OUTPUT_COALESCE`.
async fn push_outputs(outputs: Arc<Outputs>, tx: UnboundedSender<String>) {
    loop {
        outputs.changed().await;
        for worker in outputs.unread() {
            // Cleared and re-armed before the event goes: a write after it is told again.
            outputs.read(worker);
            let event = FromNode::Event(Event::Output { worker });
            if tx.send(proto::encode(&event)).is_err() {
                return;
            }
        }
        tokio::time::sleep(OUTPUT_COALESCE).await;
    }
}

/// How often the node looks in its inbox for its agents' signals.
const SIGNALS_EVERY: Duration = Duration::from_millis(200);

/// The agents' signals, each sent once to the czar and then taken from the node's inbox.
async fn push_signals(inbox: crate::adapters::store::Store, tx: UnboundedSender<String>) {
    loop {
        tokio::time::sleep(SIGNALS_EVERY).await;
        let rows = match inbox.pending_rows() {
            Ok(rows) => rows,
            Err(e) => {
                eprintln!("czar node: reading its inbox: {e}");
                continue;
            }
        };
        for (seq, worker, kind, text) in rows {
            let event = FromNode::Event(Event::Signal { worker, kind, text });
            if tx.send(proto::encode(&event)).is_err() {
                return;
            }
            if let Err(e) = inbox.take_row(seq) {
                eprintln!("czar node: taking signal {seq}: {e}");
            }
        }
    }
}

/// Exit and branch-tip events, from a look at the node's own tmux and clone each second.
async fn push_changes(node: Arc<Node>, tx: UnboundedSender<String>) {
    let mut dead: HashMap<String, bool> = HashMap::new();
    let mut tips: HashMap<String, String> = git::tips(&node.layout)
        .await
        .unwrap_or_default()
        .into_iter()
        .collect();
    loop {
        tokio::time::sleep(LOOK_EVERY).await;
        let mut events = Vec::new();
        if let Ok(panes) = node.tmux.list_panes().await {
            for p in panes {
                let was = dead.insert(p.session.clone(), p.dead);
                if p.dead && was != Some(true) && !p.exit_pending() {
                    events.push(Event::Exited {
                        session: p.session,
                        status: p.dead_status,
                    });
                } else if p.exit_pending() {
                    dead.insert(p.session, false);
                }
            }
        }
        if let Ok(now) = git::tips(&node.layout).await {
            let now: HashMap<String, String> = now.into_iter().collect();
            for (branch, tip) in &now {
                if tips.get(branch) != Some(tip) {
                    events.push(Event::Tip {
                        branch: branch.clone(),
                        tip: Some(tip.clone()),
                    });
                }
            }
            for branch in tips.keys().filter(|b| !now.contains_key(*b)) {
                events.push(Event::Tip {
                    branch: branch.clone(),
                    tip: None,
                });
            }
            tips = now;
        }
        for e in events {
            if tx.send(proto::encode(&FromNode::Event(e))).is_err() {
                return;
            }
        }
    }
}
