//! `czar pane-log`, the way the czar starts every agent, in real tmux panes: the agent's output
//! reaches the pane and the log, pastes and keys reach the agent unchanged, its terminal follows
//! the pane's size, and its exit or killing signal is what tmux reports.

use std::path::Path;

use crate::common::{
    RAW_READER, TestServer, spec, wait_for, wait_for_file, wait_for_text, write_script,
};
use crate::delivery::{after, assert_same_bytes, tricky_text};
use crate::support::{CZAR, gone};
use czar::adapters::tmux::{PaneInfo, SubmitKey};

/// `command` started as the czar starts an agent: under `czar pane-log`.
async fn start(server: &TestServer, name: &str, dir: &Path, log: &Path, command: &[&str]) {
    let command: Vec<String> = command.iter().map(|w| w.to_string()).collect();
    let mut spec = spec(name, dir, &[]);
    spec.command = czar::pane_log::wrap(CZAR, log.to_str().unwrap(), &command);
    server.tmux.new_session(&spec).await.unwrap();
}

async fn wait_for_log(log: &Path, needle: &str) -> String {
    wait_for(&format!("{needle:?} in {}", log.display()), 10, || async {
        let text = String::from_utf8_lossy(&std::fs::read(log).unwrap_or_default()).into_owned();
        text.contains(needle).then_some(text)
    })
    .await
}

/// The pane once tmux has collected its exit.
async fn dead_pane(server: &TestServer, name: &str) -> PaneInfo {
    wait_for(&format!("{name} dead"), 10, || async {
        let panes = server.tmux.list_panes().await.unwrap_or_default();
        panes
            .into_iter()
            .find(|p| p.session == name && p.dead && !p.exit_pending())
    })
    .await
}

#[tokio::test]
async fn output_reaches_the_pane_and_the_log_from_the_first_byte() {
    let server = TestServer::new();
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("it's a log.txt");
    // Prints at once: a log set up after the start would miss it.
    let program = [
        "sh",
        "-c",
        "echo first-line; sleep 0.3; echo second-line; sleep 30",
    ];
    start(&server, "out", dir.path(), &log, &program).await;
    let text = wait_for_log(&log, "second-line").await;
    assert!(text.starts_with("first-line\r\n"), "log holds: {text:?}");
    wait_for_text(&server.tmux, "=out:", "second-line").await;
}

#[tokio::test]
async fn a_paste_and_the_submit_key_reach_the_agent_byte_for_byte() {
    let server = TestServer::new();
    let dir = tempfile::tempdir().unwrap();
    let (log, out) = (dir.path().join("log"), dir.path().join("out"));
    let reader = dir.path().join("reader.py");
    write_script(&reader, RAW_READER);
    let (reader, out_s) = (reader.to_str().unwrap(), out.to_str().unwrap());
    start(
        &server,
        "paste",
        dir.path(),
        &log,
        &["python3", reader, "paste", out_s],
    )
    .await;
    // READY comes after the agent asked for bracketed paste: tmux saw that through the wrapper.
    wait_for_text(&server.tmux, "=paste:", "READY").await;
    let text = tricky_text("P", 100_000);
    server.tmux.paste("=paste:", &text).await.unwrap();
    assert_same_bytes(&wait_for_file(&out).await, &text);
    server
        .tmux
        .send_submit("=paste:", SubmitKey::Enter)
        .await
        .unwrap();
    assert_eq!(wait_for_file(&after(&out)).await, b"\r");
}

#[tokio::test]
async fn the_agents_terminal_follows_the_panes_size() {
    let server = TestServer::new();
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("log");
    let script = "import os, signal, time\n\
                  show = lambda *_: print('size', *os.get_terminal_size(), flush=True)\n\
                  signal.signal(signal.SIGWINCH, show)\n\
                  show()\n\
                  while True: time.sleep(1)\n";
    start(
        &server,
        "size",
        dir.path(),
        &log,
        &["python3", "-c", script],
    )
    .await;
    wait_for_log(&log, "size 200 30").await;
    server.raw(&["resize-window", "-t", "=size:", "-x", "120", "-y", "40"]);
    wait_for_log(&log, "size 120 40").await;
}

#[tokio::test]
async fn ctrl_c_interrupts_the_agent_as_in_a_bare_pane() {
    let server = TestServer::new();
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("log");
    let script = "echo started; exec sleep 30";
    start(&server, "int", dir.path(), &log, &["sh", "-c", script]).await;
    wait_for_log(&log, "started").await;
    server.tmux.send_key("=int:", "C-c").await.unwrap();
    let pane = dead_pane(&server, "int").await;
    assert_eq!((pane.dead_status, pane.dead_signal), (None, Some(2)));
}

#[tokio::test]
async fn the_agents_exit_status_or_signal_is_the_panes() {
    let server = TestServer::new();
    let dir = tempfile::tempdir().unwrap();
    let log = |n: &str| dir.path().join(n);
    start(
        &server,
        "exit",
        dir.path(),
        &log("a"),
        &["sh", "-c", "exit 3"],
    )
    .await;
    let segv = ["sh", "-c", "sleep 0.1; kill -SEGV $$"];
    start(&server, "segv", dir.path(), &log("b"), &segv).await;
    let missing = ["/nonexistent/agent", "--flag"];
    start(&server, "missing", dir.path(), &log("c"), &missing).await;
    let exit = dead_pane(&server, "exit").await;
    assert_eq!((exit.dead_status, exit.dead_signal), (Some(3), None));
    let segv = dead_pane(&server, "segv").await;
    assert_eq!((segv.dead_status, segv.dead_signal), (None, Some(11)));
    let missing = dead_pane(&server, "missing").await;
    assert_eq!(missing.dead_status, Some(127));
    let text = wait_for_log(&log("c"), "cannot run /nonexistent/agent").await;
    assert!(text.contains("No such file"), "{text}");
}

#[test]
fn an_agent_that_cannot_get_a_terminal_of_its_own_still_runs_unlogged() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("log");
    // Four descriptors: the three standard ones and the log; opening the pty fails (EMFILE).
    let script = r#"ulimit -n 4; exec "$0" pane-log --log "$1" -- sh -c 'echo ran; exit 5'"#;
    let out = std::process::Command::new("sh")
        .args(["-c", script, CZAR, log.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(5), "{out:?}");
    assert_eq!(String::from_utf8_lossy(&out.stdout), "ran\n");
    let text = std::fs::read_to_string(&log).unwrap();
    assert!(
        text.starts_with("czar pane-log: no terminal for the agent (")
            && text.ends_with("; no log\n"),
        "{text}"
    );
}

#[tokio::test]
async fn killing_the_session_ends_the_agent_and_its_children_even_those_deaf_to_hangups() {
    let server = TestServer::new();
    let dir = tempfile::tempdir().unwrap();
    let mut started = Vec::new();
    // "plain" ignores nothing; "deaf" and the child it starts ignore SIGHUP and SIGTERM, so
    // only SIGKILL ends them (ignored signals stay ignored across exec).
    for (name, traps) in [("plain", ""), ("deaf", "trap '' HUP TERM; ")] {
        let log = dir.path().join(format!("{name}.log"));
        let pids = dir.path().join(format!("{name}.pids"));
        let script = format!(
            "{traps}sleep 300 & echo $$ $! > '{}'; echo started; wait",
            pids.display()
        );
        start(&server, name, dir.path(), &log, &["sh", "-c", &script]).await;
        wait_for_log(&log, "started").await;
        let text = std::fs::read_to_string(&pids).unwrap();
        let pids: Vec<u32> = text
            .split_whitespace()
            .map(|p| p.parse().unwrap())
            .collect();
        assert_eq!(pids.len(), 2, "{text:?}");
        assert!(pids.iter().all(|p| !gone(*p)), "{name}: not running yet");
        started.push((name, pids));
    }
    for (name, _) in &started {
        server.tmux.kill_session(name).await.unwrap();
    }
    for (name, pids) in &started {
        for pid in pids {
            wait_for(&format!("{name}: pid {pid} gone"), 15, || async {
                gone(*pid).then_some(())
            })
            .await;
        }
    }
}
