//! The operator attaches to a worker on a host (`ssh -t … tmux attach`) from a terminal (here a
//! pane of a private local tmux server), sees its screen, detaches, and has the terminal back;
//! the worker keeps running there.

use crate::support::{self, pane::Pane, sshd};
use czar::node::link::attach_command;
use czar::node::proto::{Answer, Hello, Op, Spawn};
use std::time::Duration;

#[test]
fn an_operator_attaches_to_a_remote_worker_and_comes_back() {
    let Some(host) = sshd::start_or_skip("remote attach", "czar-test-t") else {
        return;
    };
    let repo = support::czar_repo();
    let remote = format!("{} node --dir {}", support::CZAR, host.node_dir.display());
    let mut node = support::node::start(host.ssh(&remote), Hello::ours())
        .unwrap_or_else(|(_, got)| panic!("{got:?}\n{}", host.log()));
    let git = czar::node::git_remote::GitRemote::new(
        &host.alias,
        node.hello.repo.as_deref().unwrap(),
        Some(&host.ssh_config),
    )
    .unwrap();
    git.push(&repo.root, &["main".into()]).unwrap();
    node.ask(Op::Worktree {
        name: "worker-2".into(),
        branch: "czar/a".into(),
        base: "main".into(),
    })
    .unwrap();
    node.ask(Op::Spawn(Spawn {
        worker: 2,
        session: "t-worker-2".into(),
        worktree: "worker-2".into(),
        command: vec![
            "sh".into(),
            "-c".into(),
            "echo REMOTE-SCREEN; exec cat".into(),
        ],
        env: vec![],
        width: 80,
        height: 24,
    }))
    .unwrap();
    let attach = attach_command(
        Some(&host.ssh_config),
        std::slice::from_ref(&host.alias),
        node.hello.dir.as_deref().unwrap(),
        "t-worker-2",
    );
    let argv: Vec<String> = std::iter::once(attach.get_program())
        .chain(attach.get_args())
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    let operator = Pane::start("czar-attach", &repo.root, &argv, &[]);
    let seen = operator.wait_for("REMOTE-SCREEN", Duration::from_secs(20));
    assert!(
        seen.is_some(),
        "the remote screen in the operator's terminal: {}",
        operator.screen()
    );
    std::thread::sleep(Duration::from_millis(300));
    let alive = operator.tmux(&["display-message", "-p", "-t", "agent", "#{pane_dead}"]);
    assert_eq!(alive.as_deref().map(str::trim), Some("0"), "still attached");
    // Detach: the remote tmux's prefix, then d. ssh ends and the terminal is the operator's.
    operator.keys(&["C-b", "d"]);
    // ssh ended: the terminal is the operator's again (the pane is kept, dead, to be read).
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    let ended = loop {
        let dead = operator
            .tmux(&["display-message", "-p", "-t", "agent", "#{pane_dead}"])
            .unwrap_or_default();
        if dead.trim() == "1" || std::time::Instant::now() > deadline {
            break dead.trim() == "1";
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(ended, "ssh ended after the detach: {}", operator.screen());
    assert_eq!(
        node.ask(Op::Exists {
            session: "t-worker-2".into()
        }),
        Ok(Answer::Bool(true)),
        "the worker keeps running on the host"
    );
}
