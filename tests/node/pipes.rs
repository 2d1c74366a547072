use crate::support::{self, node::NodeClient};
use czar::node::proto::{Answer, Event, FromNode, Hello, Op, PROTOCOL, Spawn, Submit};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

fn node_command(dir: &Path) -> Command {
    let mut cmd = Command::new(support::CZAR);
    cmd.arg("node").arg("--dir").arg(dir).env_remove("TMUX");
    cmd
}

/// A node on `base/node`, and the czar's repository at `base/repo` (a README on main).
fn node_and_repo() -> (support::TempRepo, NodeClient, PathBuf) {
    let repo = support::czar_repo();
    let dir = repo.base.join("node");
    let node = support::node::start(node_command(&dir), Hello::ours())
        .unwrap_or_else(|(_, got)| panic!("no hello from the node: {got:?}"));
    (repo, node, dir)
}

fn screen_of(node: &mut NodeClient, target: &str) -> String {
    match node.ask(Op::Capture {
        target: target.to_string(),
        ansi: false,
    }) {
        Ok(Answer::Text(t)) => t,
        other => panic!("capture: {other:?}"),
    }
}

#[test]
fn a_czar_of_another_protocol_is_refused_with_both_versions_named() {
    let base = tempfile::tempdir().unwrap();
    let theirs = Hello {
        czar: "0.0.1-old".into(),
        protocol: PROTOCOL + 7,
        dir: None,
        repo: None,
    };
    let (mut child, got) = match support::node::start(node_command(&base.path().join("n")), theirs)
    {
        Ok(_) => panic!("the node served a czar of another protocol"),
        Err(e) => e,
    };
    let Some(FromNode::Refused { reason }) = got else {
        panic!("expected a refusal, got {got:?}");
    };
    assert!(reason.contains(&format!("protocol {PROTOCOL}")), "{reason}");
    assert!(
        reason.contains(&format!("speaks {}", PROTOCOL + 7)),
        "{reason}"
    );
    assert!(reason.contains("0.0.1-old"), "{reason}");
    let status = support::wait_exit(&mut child, Duration::from_secs(20)).expect("node exits");
    assert!(!status.success());
}

#[test]
fn a_worker_on_a_node_gets_its_branch_its_secret_env_a_paste_and_pushes_events() {
    let (repo, mut node, dir) = node_and_repo();
    let hello_dir = PathBuf::from(node.hello.dir.clone().unwrap());
    assert_eq!(hello_dir, dir.canonicalize().unwrap());
    let url = repo.root.display().to_string();
    node.ask(Op::Sync {
        url,
        branches: vec!["main".into()],
    })
    .unwrap();
    let main_tip = support::git(&repo.root, &["rev-parse", "main"]);
    assert_eq!(
        node.ask(Op::Tip {
            branch: "main".into()
        }),
        Ok(Answer::Tip(Some(main_tip.trim().to_string())))
    );
    node.ask(Op::Worktree {
        name: "worker-1".into(),
        branch: "czar/t1".into(),
        base: "main".into(),
    })
    .unwrap();
    let wt = dir.join("worktrees/worker-1");
    assert!(
        wt.join("README.md").is_file(),
        "the worktree has main's files"
    );
    // What the czar checks before a paste: the worktree there and the branch it is on.
    assert_eq!(
        node.ask(Op::BranchAt {
            worktree: "worker-1".into()
        }),
        Ok(Answer::At {
            present: true,
            branch: Some("czar/t1".into())
        })
    );
    assert_eq!(
        node.ask(Op::BranchAt {
            worktree: "worker-9".into()
        }),
        Ok(Answer::At {
            present: false,
            branch: None
        })
    );

    // The agent: writes its secret to a file, then echoes what it is given.
    let secret = "s3cret-value-$(touch /tmp/pwned)";
    let script = "printf %s \"$NODE_SECRET\" > secret.out; echo READY; exec cat";
    node.ask(Op::Spawn(Spawn {
        worker: 1,
        session: "n-worker-1".into(),
        worktree: "worker-1".into(),
        command: vec!["sh".into(), "-c".into(), script.into()],
        env: vec![("NODE_SECRET".into(), secret.into())],
        width: 100,
        height: 30,
    }))
    .unwrap();
    assert!(
        node.wait_event(Duration::from_secs(20), |e| *e
            == Event::Output { worker: 1 }),
        "an output event for worker 1"
    );
    let target = "=n-worker-1:";
    let text = "hello node; `not run` $(nor this)\n";
    node.ask(Op::Paste {
        target: target.into(),
        text: text.as_bytes().to_vec(),
    })
    .unwrap();
    node.ask(Op::Submit {
        target: target.into(),
        key: Submit::Enter,
    })
    .unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    let mut screen = String::new();
    while std::time::Instant::now() < deadline {
        screen = screen_of(&mut node, target);
        if screen.matches("hello node").count() >= 2 {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    // Once typed (the terminal's echo) and once printed back by cat.
    assert!(
        screen.matches("hello node; `not run` $(nor this)").count() >= 2,
        "{screen}"
    );
    assert_eq!(
        std::fs::read_to_string(wt.join("secret.out")).unwrap(),
        secret
    );
    let left: Vec<_> = std::fs::read_dir(dir.join("env")).unwrap().collect();
    assert!(
        left.is_empty(),
        "pane-log took and deleted the env file: {left:?}"
    );
    let start = Command::new("tmux")
        .arg("-S")
        .arg(dir.join("tmux.sock"))
        .args(["list-panes", "-a", "-F", "#{pane_start_command}"])
        .output()
        .unwrap();
    let start = String::from_utf8_lossy(&start.stdout);
    assert!(
        start.contains("pane-log") && !start.contains("s3cret"),
        "{start}"
    );

    match node.ask(Op::List).unwrap() {
        Answer::Panes(p) => assert!(p.iter().any(|p| p.session == "n-worker-1" && !p.dead)),
        other => panic!("{other:?}"),
    }
    match node.ask(Op::Read {
        targets: vec![target.into(), "=no-such:".into()],
    }) {
        Ok(Answer::Screens(s)) => {
            assert!(s[0].as_ref().unwrap().text.contains("READY"), "{s:?}");
            assert!(s[1].is_err(), "{s:?}");
        }
        other => panic!("{other:?}"),
    }

    // A commit on the task branch is told as a tip event.
    support::git(&wt, &["commit", "-q", "--allow-empty", "-m", "work"]);
    let tip = support::git(&wt, &["rev-parse", "HEAD"]).trim().to_string();
    assert!(
        node.wait_event(Duration::from_secs(20), |e| *e
            == Event::Tip {
                branch: "czar/t1".into(),
                tip: Some(tip.clone())
            }),
        "a tip event for czar/t1 at {tip}: {:?}",
        node.events
    );
    // The czar's side fetches it back by git.
    let fetch = "+refs/heads/czar/t1:refs/heads/czar/t1";
    support::git(
        &repo.root,
        &[
            "fetch",
            "-q",
            &dir.join("repo.git").display().to_string(),
            fetch,
        ],
    );
    assert_eq!(
        support::git(&repo.root, &["rev-parse", "czar/t1"]).trim(),
        tip
    );

    // The program ends: an exit event, the pane kept dead.
    node.ask(Op::Key {
        target: target.into(),
        key: "C-d".into(),
    })
    .unwrap();
    assert!(
        node.wait_event(Duration::from_secs(20), |e| matches!(e,
            Event::Exited { session, .. } if session == "n-worker-1")),
        "an exit event: {:?}",
        node.events
    );
    assert_eq!(
        node.ask(Op::Exists {
            session: "n-worker-1".into()
        }),
        Ok(Answer::Bool(true))
    );
    node.ask(Op::Kill {
        session: "n-worker-1".into(),
    })
    .unwrap();
    assert_eq!(
        node.ask(Op::Exists {
            session: "n-worker-1".into()
        }),
        Ok(Answer::Bool(false))
    );
    assert!(node.hang_up().is_some_and(|s| s.success()));
}

#[test]
fn a_node_refuses_every_path_outside_its_folder() {
    let (_repo, mut node, dir) = node_and_repo();
    for name in ["../escape", "/tmp/x", "..", "-f"] {
        let got = node.ask(Op::Worktree {
            name: name.into(),
            branch: "b".into(),
            base: "main".into(),
        });
        assert!(
            got.as_ref().is_err_and(|e| e.contains("refused")),
            "{name}: {got:?}"
        );
    }
    let got = node.ask(Op::BranchAt {
        worktree: "../..".into(),
    });
    assert!(
        got.as_ref().is_err_and(|e| e.contains("refused")),
        "{got:?}"
    );
    let got = node.ask(Op::Spawn(Spawn {
        worker: 2,
        session: "s".into(),
        worktree: "../../etc".into(),
        command: vec!["true".into()],
        env: vec![],
        width: 80,
        height: 24,
    }));
    assert!(
        got.as_ref().is_err_and(|e| e.contains("refused")),
        "{got:?}"
    );
    let got = node.ask(Op::Sync {
        url: "--upload-pack=touch /tmp/x".into(),
        branches: vec!["main".into()],
    });
    assert!(got.is_err(), "{got:?}");
    assert!(!dir.parent().unwrap().join("escape").exists());
}

#[test]
fn a_nodes_sessions_outlive_its_czar_and_a_broken_line_costs_nothing() {
    let (repo, mut node, dir) = node_and_repo();
    node.ask(Op::Sync {
        url: repo.root.display().to_string(),
        branches: vec!["main".into()],
    })
    .unwrap();
    node.ask(Op::Worktree {
        name: "w".into(),
        branch: "czar/x".into(),
        base: "main".into(),
    })
    .unwrap();
    node.ask(Op::Spawn(Spawn {
        worker: 5,
        session: "n-worker-5".into(),
        worktree: "w".into(),
        command: vec!["cat".into()],
        env: vec![],
        width: 80,
        height: 24,
    }))
    .unwrap();
    node.send_raw(b"this is not a message\n{\"req\":{\"id\":99,\"op\":{\"warp\":{}}}}\n");
    let warp = node.reply(99);
    assert!(
        warp.as_ref().is_err_and(|e| e.contains("warp")),
        "an op of a newer czar is answered with an error: {warp:?}"
    );
    assert_eq!(
        node.ask(Op::Exists {
            session: "n-worker-5".into()
        }),
        Ok(Answer::Bool(true)),
        "the node still answers after lines it does not know"
    );
    // The czar goes away; the node with it, but not its tmux server.
    node.socket = None;
    assert!(node.hang_up().is_some_and(|s| s.success()));
    drop(node);
    let mut again = support::node::start(node_command(&dir), Hello::ours())
        .unwrap_or_else(|(_, got)| panic!("{got:?}"));
    assert_eq!(
        again.hello.repo.as_deref().map(PathBuf::from),
        Some(dir.canonicalize().unwrap().join("repo.git"))
    );
    assert_eq!(
        again.ask(Op::Exists {
            session: "n-worker-5".into()
        }),
        Ok(Answer::Bool(true)),
        "the session kept running for the next czar"
    );
    // HEAD is not a branch name a node takes.
    let got = again.ask(Op::Worktree {
        name: "w2".into(),
        branch: "czar/y".into(),
        base: "HEAD".into(),
    });
    assert!(got.is_err(), "{got:?}");
}

#[test]
fn a_verify_runs_in_its_worktree_on_the_node_and_is_ended_at_its_limit() {
    let (repo, mut node, _dir) = node_and_repo();
    node.ask(Op::Sync {
        url: repo.root.display().to_string(),
        branches: vec!["main".into()],
    })
    .unwrap();
    node.ask(Op::Worktree {
        name: "worker-3".into(),
        branch: "czar/v".into(),
        base: "main".into(),
    })
    .unwrap();
    let run = |node: &mut NodeClient, worktree: &str, command: &str, secs: u64| {
        node.ask(Op::Run {
            worktree: worktree.into(),
            command: command.into(),
            timeout_secs: secs,
        })
    };
    assert_eq!(
        run(&mut node, "worker-3", "cat README.md", 30),
        Ok(Answer::Ran {
            passed: true,
            output: "test\n".into()
        })
    );
    match run(&mut node, "worker-3", "echo broken >&2; exit 3", 30) {
        Ok(Answer::Ran { passed, output }) => {
            assert!(!passed);
            assert_eq!(output, "broken\n");
        }
        other => panic!("{other:?}"),
    }
    let started = std::time::Instant::now();
    match run(&mut node, "worker-3", "sleep 30 & sleep 30", 1) {
        Ok(Answer::Ran { passed, output }) => {
            assert!(!passed);
            assert!(output.contains("did not finish"), "{output}");
        }
        other => panic!("{other:?}"),
    }
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "ended at its limit"
    );
    let refused = run(&mut node, "../..", "true", 30);
    assert!(refused.is_err_and(|e| e.contains("refused")));
}
