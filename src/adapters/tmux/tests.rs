//! Exact-argv tests against the recording fake.

use std::path::PathBuf;

use super::*;

fn s(words: &[&str]) -> Vec<String> {
    words.iter().map(|w| w.to_string()).collect()
}

fn spec(command: &[&str]) -> SessionSpec {
    SessionSpec {
        name: "proj-worker-1".into(),
        cwd: PathBuf::from("/tmp/wt 1"),
        command: s(command),
        env: vec![
            ("CZAR_TASK".into(), "t-1".into()),
            ("PROMPT".into(), "a b; $(x);".into()),
        ],
        width: 120,
        height: 40,
    }
}

#[tokio::test]
async fn new_session_argv_execs_words_and_sets_remain_on_exit() {
    let tmux = Tmux::with_runner(RecordingRunner::new());
    tmux.new_session(&spec(&["claude", "--model", "x;"]))
        .await
        .unwrap();
    let expected = s(&[
        "new-session",
        "-d",
        "-c",
        "/tmp/wt 1",
        "-e",
        "CZAR_TASK=t-1",
        "-e",
        "PROMPT=a b; $(x)\\;",
        "-s",
        "proj-worker-1",
        "-x",
        "120",
        "-y",
        "40",
        "--",
        "claude",
        "--model",
        "x\\;",
        ";",
        "set-option",
        "-w",
        "-t",
        "=proj-worker-1:",
        "remain-on-exit",
        "on",
    ]);
    assert_eq!(tmux.runner().argvs(), vec![expected]);
    assert_eq!(tmux.runner().calls()[0].stdin, None);
}

#[tokio::test]
async fn new_session_single_word_goes_through_env_not_shell() {
    let tmux = Tmux::with_runner(RecordingRunner::new());
    tmux.new_session(&spec(&["claude"])).await.unwrap();
    let argv = &tmux.runner().argvs()[0];
    let dashes = argv.iter().position(|w| w == "--").unwrap();
    assert_eq!(argv[dashes..dashes + 4], s(&["--", "env", "--", "claude"]));
    assert_eq!(argv[dashes + 4], ";");
}

#[tokio::test]
async fn new_session_rejects_bad_specs_without_running_tmux() {
    let tmux = Tmux::with_runner(RecordingRunner::new());
    for bad in [
        SessionSpec {
            command: vec![],
            ..spec(&[])
        },
        SessionSpec {
            name: "a.b".into(),
            ..spec(&["x"])
        },
        SessionSpec {
            width: 0,
            ..spec(&["x"])
        },
        SessionSpec {
            env: vec![("A=B".into(), "c".into())],
            ..spec(&["x"])
        },
    ] {
        let err = tmux.new_session(&bad).await.unwrap_err();
        assert!(matches!(err, TmuxError::Invalid(_)), "{err}");
    }
    assert!(tmux.runner().calls().is_empty());
}

#[tokio::test]
async fn paste_loads_from_stdin_then_pastes_and_deletes_in_one_client_run() {
    let tmux = Tmux::with_runner(RecordingRunner::new());
    let text = b"line 1\nEnter C-c $(rm -rf ~);\n\xff";
    tmux.paste("%3", text).await.unwrap();
    let calls = tmux.runner().calls();
    assert_eq!(calls.len(), 1);
    let name = calls[0].args[2].clone();
    assert!(name.starts_with(&format!("czar-{}-", std::process::id())));
    assert_eq!(
        calls[0].args,
        s(&[
            "load-buffer",
            "-b",
            &name,
            "-",
            ";",
            "paste-buffer",
            "-d",
            "-p",
            "-r",
            "-b",
            &name,
            "-t",
            "%3"
        ])
    );
    assert_eq!(calls[0].stdin.as_deref(), Some(&text[..]));
    assert_eq!(tmux.counts().commands, 2);
}

#[tokio::test]
async fn paste_buffer_names_are_unique() {
    let tmux = Tmux::with_runner(RecordingRunner::new());
    tmux.paste("%1", b"a").await.unwrap();
    tmux.paste("%1", b"a").await.unwrap();
    let argvs = tmux.runner().argvs();
    assert_ne!(argvs[0][2], argvs[1][2]);
}

#[tokio::test]
async fn a_failed_load_or_paste_deletes_the_buffer_and_says_which_run_failed() {
    let runner = RecordingRunner::new();
    runner.push_reply(RunOutput::failed("can't find pane: %9"));
    let tmux = Tmux::with_runner(runner);
    let err = tmux.paste("%9", b"text").await.unwrap_err();
    assert!(err.is_not_found(), "{err}");
    assert!(
        err.to_string().contains("load-buffer; paste-buffer"),
        "{err}"
    );
    let argvs = tmux.runner().argvs();
    assert_eq!(argvs.len(), 2);
    assert_eq!(argvs[1], s(&["delete-buffer", "-b", &argvs[0][2]]));
}

#[tokio::test]
async fn capture_then_submit_reads_the_screen_and_presses_the_key_in_one_run() {
    let runner = RecordingRunner::new();
    runner.push_reply(RunOutput::ok("> the task\n"));
    let tmux = Tmux::with_runner(runner);
    let screen = tmux
        .capture_then_submit("%2", SubmitKey::Enter)
        .await
        .unwrap();
    assert_eq!(screen, "> the task\n");
    assert_eq!(
        tmux.runner().argvs(),
        vec![s(&[
            "capture-pane",
            "-p",
            "-t",
            "%2",
            ";",
            "send-keys",
            "-t",
            "%2",
            "--",
            "Enter"
        ])]
    );
}

#[tokio::test]
async fn paste_refuses_the_bracketed_paste_end_marker() {
    let tmux = Tmux::with_runner(RecordingRunner::new());
    let err = tmux
        .paste("%1", b"task\x1b[201~\rrm -rf ~\r")
        .await
        .unwrap_err();
    assert!(matches!(err, TmuxError::Invalid(_)), "{err}");
    assert!(tmux.runner().calls().is_empty());
    // A lone ESC or the start marker is fine.
    tmux.paste("%1", b"\x1b \x1b[200~").await.unwrap();
}

#[tokio::test]
async fn empty_paste_runs_nothing() {
    let tmux = Tmux::with_runner(RecordingRunner::new());
    tmux.paste("%1", b"").await.unwrap();
    assert!(tmux.runner().calls().is_empty());
}

#[tokio::test]
async fn send_submit_argv() {
    let tmux = Tmux::with_runner(RecordingRunner::new());
    tmux.send_submit("%2", SubmitKey::Enter).await.unwrap();
    tmux.send_submit("%2", SubmitKey::CarriageReturn)
        .await
        .unwrap();
    assert_eq!(
        tmux.runner().argvs(),
        vec![
            s(&["send-keys", "-t", "%2", "--", "Enter"]),
            s(&["send-keys", "-H", "-t", "%2", "--", "0d"]),
        ]
    );
}

#[tokio::test]
async fn send_literal_and_key_argv() {
    let tmux = Tmux::with_runner(RecordingRunner::new());
    tmux.send_literal("%2", "-x Enter;").await.unwrap();
    tmux.send_key("%2", "C-c").await.unwrap();
    assert_eq!(
        tmux.runner().argvs(),
        vec![
            s(&["send-keys", "-l", "-t", "%2", "--", "-x Enter\\;"]),
            s(&["send-keys", "-t", "%2", "--", "C-c"]),
        ]
    );
}

#[tokio::test]
async fn session_queries_use_exact_names() {
    let runner = RecordingRunner::new();
    runner.push_reply(RunOutput::failed("can't find session: w-1"));
    runner.push_reply(RunOutput::failed(
        "error connecting to /tmp/tmux-0/x (No such file or directory)",
    ));
    let tmux = Tmux::with_runner(runner);
    assert!(!tmux.has_session("w-1").await.unwrap());
    tmux.kill_session("w-1").await.unwrap();
    assert!(tmux.has_session("w-1").await.unwrap());
    assert_eq!(
        tmux.runner().argvs(),
        vec![
            s(&["has-session", "-t", "=w-1"]),
            s(&["kill-session", "-t", "=w-1"]),
            s(&["has-session", "-t", "=w-1"]),
        ]
    );
}

#[tokio::test]
async fn list_panes_without_server_is_empty() {
    let runner = RecordingRunner::new();
    runner.push_reply(RunOutput::failed("no server running on /tmp/tmux-0/x"));
    let tmux = Tmux::with_runner(runner);
    assert_eq!(tmux.list_panes().await.unwrap(), vec![]);
    assert_eq!(
        tmux.runner().argvs()[0],
        s(&["list-panes", "-a", "-F", &pane_format()])
    );
}

#[tokio::test]
async fn list_panes_nudges_tmux_to_reap_a_pending_exit() {
    let line = |status: &str| {
        format!("s\x1f%1\x1f42\x1f1\x1f{status}\x1f\x1fsh\x1f5\x1f80\x1f24\x1f0\x1ftitle\n")
    };
    let runner = RecordingRunner::new();
    runner.push_reply(RunOutput::ok(line("")));
    runner.push_reply(RunOutput::ok(""));
    runner.push_reply(RunOutput::ok(line("3")));
    let tmux = Tmux::with_runner(runner);
    let panes = tmux.list_panes().await.unwrap();
    assert_eq!(panes[0].dead_status, Some(3));
    let argvs = tmux.runner().argvs();
    assert_eq!(argvs.len(), 3);
    assert_eq!(argvs[1], s(&["run-shell", "true"]));
    assert_eq!(argvs[2][0], "list-panes");
}

#[tokio::test]
async fn other_failures_carry_subcommand_status_and_stderr() {
    let runner = RecordingRunner::new();
    runner.push_reply(RunOutput {
        status: Some(1),
        stdout: String::new(),
        stderr: "protocol version mismatch".into(),
    });
    let tmux = Tmux::with_runner(runner);
    let err = tmux.list_panes().await.unwrap_err();
    let msg = err.to_string();
    assert!(msg.contains("list-panes"), "{msg}");
    assert!(msg.contains("exit status 1"), "{msg}");
    assert!(msg.contains("protocol version mismatch"), "{msg}");
}

#[tokio::test]
async fn capture_argv() {
    let runner = RecordingRunner::new();
    runner.push_reply(RunOutput::ok("screen\n"));
    runner.push_reply(RunOutput::ok("screen\n"));
    runner.push_reply(RunOutput::ok("a\nb\nc\n\n\n"));
    let tmux = Tmux::with_runner(runner);
    assert_eq!(tmux.capture("%1", false).await.unwrap(), "screen\n");
    tmux.capture("%1", true).await.unwrap();
    assert_eq!(tmux.capture_history("%1", 2).await.unwrap(), "b\nc\n");
    assert_eq!(
        tmux.runner().argvs(),
        vec![
            s(&["capture-pane", "-p", "-t", "%1"]),
            s(&["capture-pane", "-e", "-p", "-t", "%1"]),
            s(&["capture-pane", "-p", "-J", "-S", "-2", "-t", "%1"]),
        ]
    );
}

#[test]
fn escape_word_only_touches_a_trailing_semicolon() {
    assert_eq!(escape_word("a;b"), "a;b");
    assert_eq!(escape_word("a;"), "a\\;");
    assert_eq!(escape_word(";"), "\\;");
    assert_eq!(escape_word("a\\;"), "a\\\\;");
    assert_eq!(
        escape_word("$(x) 'q' \"d\" ~ #{x}"),
        "$(x) 'q' \"d\" ~ #{x}"
    );
}

#[test]
fn no_server_detection() {
    let failed = |stderr: &str| TmuxError::Failed {
        subcommand: "x".into(),
        status: Some(1),
        stderr: stderr.into(),
    };
    assert!(failed("no server running on /tmp/tmux-0/default").is_no_server());
    assert!(failed("error connecting to /tmp/s (Connection refused)").is_no_server());
    assert!(!failed("error connecting to /tmp/s (Permission denied)").is_no_server());
    assert!(failed("server exited unexpectedly").is_no_server());
    assert!(!failed("can't find session: x").is_no_server());
}
