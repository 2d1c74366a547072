//! Sessions and pane listing against a real tmux on a private socket.

use std::time::Duration;

use crate::common::{TestServer, spec, wait_for, wait_for_text, write_script};
use czar::adapters::tmux::{PaneInfo, RealRunner, Runner, Socket, Tmux, TmuxError};

#[tokio::test]
async fn new_session_passes_env_and_start_dir() {
    let server = TestServer::new();
    let dir = tempfile::tempdir().unwrap();
    let value = "spaced value $(nope) 'q' é;";
    let mut spec = spec(
        "env-test",
        dir.path(),
        &["sh", "-c", "echo \"X=[$CZAR_X]\"; pwd; sleep 30"],
    );
    spec.env = vec![("CZAR_X".into(), value.into())];
    // Not in our own environment: only -e can have put it into the pane.
    assert!(std::env::var_os("CZAR_X").is_none());
    server.tmux.new_session(&spec).await.unwrap();
    let screen = wait_for_text(&server.tmux, "=env-test:", "X=[").await;
    assert!(screen.contains(&format!("X=[{value}]")), "{screen}");
    let cwd = dir.path().canonicalize().unwrap();
    wait_for_text(&server.tmux, "=env-test:", cwd.to_str().unwrap()).await;
    // The status bar has room for `[env-test] `, not tmux's default 10 columns.
    let len = server.raw(&[
        "show-options",
        "-t",
        "=env-test:",
        "-v",
        "status-left-length",
    ]);
    assert_eq!(len.trim(), "11");
}

#[tokio::test]
async fn multi_word_command_is_execed_without_a_shell() {
    let server = TestServer::new();
    let dir = tempfile::tempdir().unwrap();
    // A trailing ';' would end the tmux command if it were not escaped.
    let literal = "$(echo hi); `id` \"q\" 'q' ~ #{pane_id} *;";
    // The program stays alive after printing: tmux 3.3a sometimes drops the
    // last output of a process that exits at once.
    let script = "import sys, time; print('<' + sys.argv[1] + '>', flush=True); time.sleep(30)";
    let spec = spec("exec-test", dir.path(), &["python3", "-c", script, literal]);
    server.tmux.new_session(&spec).await.unwrap();
    let text = wait_for_text(&server.tmux, "=exec-test:", "<").await;
    assert!(text.contains(&format!("<{literal}>")), "{text}");
}

#[tokio::test]
async fn plain_tmux_runs_a_single_word_through_the_shell() {
    // The trap new_session works around: one argv word is handed to `sh -c`.
    let server = TestServer::new();
    server.raw(&[
        "new-session",
        "-d",
        "-s",
        "raw",
        "echo shell-$((40+2)); sleep 30",
    ]);
    wait_for_text(&server.tmux, "=raw:", "shell-42").await;
}

#[tokio::test]
async fn single_word_command_is_not_shell_interpreted() {
    let server = TestServer::new();
    let dir = tempfile::tempdir().unwrap();
    // Through `sh -c` this name would split at the space and run `$(...)`.
    let program = dir.path().join("my prog;$(echo x)");
    write_script(&program, "#!/bin/sh\necho ran-ok-$#\nexec sleep 30\n");
    let program = program.to_str().unwrap();
    let spec = spec("one-word", dir.path(), &[program]);
    server.tmux.new_session(&spec).await.unwrap();
    let text = wait_for_text(&server.tmux, "=one-word:", "ran-ok").await;
    assert!(text.contains("ran-ok-0"), "{text}");
}

#[tokio::test]
async fn list_panes_reports_live_and_dead_panes() {
    let server = TestServer::new();
    let dir = tempfile::tempdir().unwrap();
    assert_eq!(server.tmux.list_panes().await.unwrap(), vec![]);

    let title = "Title with  spaces — wörld 日本 🎉";
    let set_title = format!(
        "import sys, time; sys.stdout.write('\\033]2;{title}\\033\\\\'); sys.stdout.flush(); time.sleep(30)"
    );
    let mut alive = spec("alive", dir.path(), &["python3", "-c", &set_title]);
    alive.width = 100;
    alive.height = 25;
    server.tmux.new_session(&alive).await.unwrap();
    let dead = spec("dead", dir.path(), &["sh", "-c", "exit 3"]);
    server.tmux.new_session(&dead).await.unwrap();
    let killed = spec(
        "killed",
        dir.path(),
        &["sh", "-c", "sleep 0.1; kill -SEGV $$"],
    );
    server.tmux.new_session(&killed).await.unwrap();

    let panes = wait_for("dead panes and title", 10, || async {
        let panes = server.tmux.list_panes().await.unwrap();
        // tmux marks a pane dead when its pty closes and fills in the status
        // only once it reaped the child: wait until no exit is pending.
        let settled = |p: &PaneInfo| p.session == "alive" || (p.dead && !p.exit_pending());
        let ready = panes.len() == 3
            && panes.iter().all(settled)
            && panes
                .iter()
                .any(|p| p.session == "alive" && p.title == title);
        ready.then_some(panes)
    })
    .await;
    let alive = panes.iter().find(|p| p.session == "alive").unwrap();
    let dead = panes.iter().find(|p| p.session == "dead").unwrap();
    assert!(!alive.dead);
    assert_eq!(alive.dead_status, None);
    assert_eq!((alive.width, alive.height), (100, 25));
    assert_eq!(alive.current_command, "python3");
    assert!(alive.pane_id.starts_with('%'));
    assert!(alive.pane_pid > 0);
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    assert!((now - alive.activity).abs() < 60, "{}", alive.activity);
    assert_eq!((dead.dead_status, dead.dead_signal), (Some(3), None));
    assert_ne!(alive.pane_id, dead.pane_id);
    let killed = panes.iter().find(|p| p.session == "killed").unwrap();
    assert_eq!((killed.dead_status, killed.dead_signal), (None, Some(11)));

    // A pane id is a valid target for later commands.
    let screen = server.tmux.capture(&alive.pane_id, false).await.unwrap();
    assert_eq!(screen.lines().count(), 25);
}

#[tokio::test]
async fn has_and_kill_session_match_exact_names() {
    let server = TestServer::new();
    let dir = tempfile::tempdir().unwrap();
    assert!(!server.tmux.has_session("w-1").await.unwrap());
    server
        .tmux
        .new_session(&spec("w-10", dir.path(), &["sleep", "30"]))
        .await
        .unwrap();
    // "w-1" is a prefix of "w-10"; plain tmux targets would match it.
    assert!(!server.tmux.has_session("w-1").await.unwrap());
    assert!(server.tmux.has_session("w-10").await.unwrap());
    server.tmux.kill_session("w-1").await.unwrap();
    assert!(server.tmux.has_session("w-10").await.unwrap());

    server
        .tmux
        .new_session(&spec("w-2", dir.path(), &["sleep", "30"]))
        .await
        .unwrap();
    server.tmux.kill_session("w-10").await.unwrap();
    assert!(!server.tmux.has_session("w-10").await.unwrap());
    server.tmux.kill_session("w-10").await.unwrap(); // already gone: fine

    let err = server
        .tmux
        .new_session(&spec("w-2", dir.path(), &["sleep", "30"]))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("new-session"), "{err}");

    server.tmux.kill_server().await.unwrap();
    assert_eq!(server.tmux.list_panes().await.unwrap(), vec![]);
    server.tmux.kill_server().await.unwrap();
}

#[tokio::test]
async fn missing_tmux_binary_is_a_distinct_error() {
    let runner = RealRunner::new(Socket::Name("czar-test-none".into()))
        .with_program("/nonexistent/tmux-binary")
        .with_timeout(Duration::from_secs(1));
    let err = Tmux::with_runner(runner).list_panes().await.unwrap_err();
    assert!(matches!(err, TmuxError::NotInstalled { .. }), "{err}");
}

#[tokio::test]
async fn slow_tmux_times_out() {
    let dir = tempfile::tempdir().unwrap();
    let fake = dir.path().join("slow-tmux");
    write_script(&fake, "#!/bin/sh\nexec sleep 5\n");
    let runner = RealRunner::new(Socket::Default)
        .with_program(&fake)
        .with_timeout(Duration::from_millis(200));
    let started = std::time::Instant::now();
    let err = Tmux::with_runner(runner).list_panes().await.unwrap_err();
    assert!(matches!(err, TmuxError::Timeout { .. }), "{err}");
    assert!(started.elapsed() < Duration::from_secs(2));
}

/// `wait-for CH` blocks until another client signals CH: with one slot the signal cannot run
/// before the waiter gives up; with two it can.
async fn wait_and_signal(server: &TestServer, slots: usize, channel: &str) -> (bool, bool) {
    let runner = RealRunner::new(Socket::Name(server.socket_name().to_string()))
        .with_config_file("/dev/null")
        .with_max_clients(slots)
        .with_timeout(Duration::from_millis(1_500));
    let waiter = {
        let r = runner.clone();
        let args = vec!["wait-for".to_string(), channel.to_string()];
        tokio::spawn(async move { r.run(args, None).await })
    };
    tokio::time::sleep(Duration::from_millis(300)).await;
    let signal = runner
        .run(vec!["wait-for".into(), "-S".into(), channel.into()], None)
        .await;
    let waited = waiter.await.unwrap();
    let timed_out = matches!(waited, Err(TmuxError::Timeout { .. }));
    (timed_out, signal.is_ok_and(|o| o.success()))
}

#[tokio::test]
async fn clients_beyond_the_runners_limit_wait_for_a_free_slot() {
    let server = TestServer::new();
    let dir = tempfile::tempdir().unwrap();
    server
        .tmux
        .new_session(&spec("s", dir.path(), &["sleep", "30"]))
        .await
        .unwrap();
    // One slot: the signal waits behind the waiter, which times out; then the signal runs.
    assert_eq!(wait_and_signal(&server, 1, "czar-one").await, (true, true));
    // Two slots: the signal reaches the waiter.
    assert_eq!(wait_and_signal(&server, 2, "czar-two").await, (false, true));
}
