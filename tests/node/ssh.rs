//! The node behind real OpenSSH: the czar's side runs `ssh -F <config> <host> czar node --dir
//! DIR` as one process, and git reaches the node's clone through the same ssh.

use crate::support::{self, sshd};
use czar::node::proto::{Answer, Event, Hello, Op, Spawn, Submit};
use std::process::Command;
use std::time::{Duration, Instant};

fn git_ssh(cmd: &mut Command, sshd: &sshd::Sshd) {
    cmd.env(
        "GIT_SSH_COMMAND",
        format!("ssh -F {}", sshd.ssh_config.display()),
    );
}

#[test]
fn a_node_over_real_ssh_shakes_hands_runs_a_worker_and_trades_branches_by_git() {
    let Some(host) = sshd::start_or_skip("node over ssh", "czar-test-a") else {
        return;
    };
    let repo = support::czar_repo();
    let remote = format!("{} node --dir {}", support::CZAR, host.node_dir.display());
    let mut node = support::node::start(host.ssh(&remote), Hello::ours())
        .unwrap_or_else(|(_, got)| panic!("no hello over ssh: {got:?}\n{}", host.log()));
    assert_eq!(
        node.hello.dir.as_deref(),
        Some(host.node_dir.to_str().unwrap())
    );
    let remote_repo = node.hello.repo.clone().unwrap();

    // The czar pushes its base to the node's clone over the same ssh.
    let mut push = Command::new("git");
    push.arg("-C").arg(&repo.root).args([
        "push",
        "-q",
        &format!("{}:{remote_repo}", host.alias),
        "main",
    ]);
    git_ssh(&mut push, &host);
    let out = support::run_within(&mut push, Duration::from_secs(60));
    assert!(
        out.status.success(),
        "git push over ssh: {}",
        support::text(&out)
    );

    node.ask(Op::Worktree {
        name: "worker-1".into(),
        branch: "czar/t1".into(),
        base: "main".into(),
    })
    .unwrap();
    let script = "printf %s \"$HOME\" > home.out; echo READY; exec cat";
    node.ask(Op::Spawn(Spawn {
        worker: 1,
        session: "a-worker-1".into(),
        worktree: "worker-1".into(),
        command: vec!["sh".into(), "-c".into(), script.into()],
        env: vec![],
        width: 100,
        height: 30,
    }))
    .unwrap();
    assert!(
        node.wait_event(Duration::from_secs(20), |e| *e
            == Event::Output { worker: 1 }),
        "an output event over ssh"
    );
    let target = "=a-worker-1:";
    node.ask(Op::Paste {
        target: target.into(),
        text: b"over ssh; $(whoami)\n".to_vec(),
    })
    .unwrap();
    node.ask(Op::Submit {
        target: target.into(),
        key: Submit::Enter,
    })
    .unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    let screen = loop {
        let s = match node.ask(Op::Read {
            targets: vec![target.into()],
        }) {
            Ok(Answer::Screens(mut s)) => s.remove(0).unwrap().text,
            other => panic!("{other:?}"),
        };
        if s.matches("over ssh; $(whoami)").count() >= 2 || Instant::now() > deadline {
            break s;
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    assert!(
        screen.matches("over ssh; $(whoami)").count() >= 2,
        "{screen}"
    );
    let wt = host.node_dir.join("worktrees/worker-1");
    assert_eq!(
        std::fs::read_to_string(wt.join("home.out")).unwrap(),
        host.home.display().to_string(),
        "the host's own HOME"
    );

    // The work comes back by git over ssh.
    support::git(&wt, &["commit", "-q", "--allow-empty", "-m", "remote work"]);
    let tip = support::git(&wt, &["rev-parse", "HEAD"]).trim().to_string();
    let mut fetch = Command::new("git");
    fetch.arg("-C").arg(&repo.root).args([
        "fetch",
        "-q",
        &format!("{}:{remote_repo}", host.alias),
        "+refs/heads/czar/t1:refs/heads/czar/t1",
    ]);
    git_ssh(&mut fetch, &host);
    let out = support::run_within(&mut fetch, Duration::from_secs(60));
    assert!(
        out.status.success(),
        "git fetch over ssh: {}",
        support::text(&out)
    );
    assert_eq!(
        support::git(&repo.root, &["rev-parse", "czar/t1"]).trim(),
        tip
    );
    assert!(!repo.root.starts_with(host.root.path()) && !host.node_dir.starts_with(&repo.base));
    assert!(
        node.hang_up().is_some_and(|s| s.success()),
        "{}",
        host.log()
    );
}

#[test]
fn the_czar_trades_branches_with_a_node_through_git_remote() {
    use czar::node::git_remote::GitRemote;
    let Some(host) = sshd::start_or_skip("git remote", "czar-test-c") else {
        return;
    };
    let repo = support::czar_repo();
    let remote = format!("{} node --dir {}", support::CZAR, host.node_dir.display());
    let mut node = support::node::start(host.ssh(&remote), Hello::ours())
        .unwrap_or_else(|(_, got)| panic!("no hello over ssh: {got:?}\n{}", host.log()));
    let git = GitRemote::new(
        &host.alias,
        node.hello.repo.as_deref().unwrap(),
        Some(&host.ssh_config),
    )
    .unwrap();
    git.push(&repo.root, &["main".into()])
        .unwrap_or_else(|e| panic!("{e}\n{}", host.log()));
    node.ask(Op::Worktree {
        name: "worker-7".into(),
        branch: "czar/t7".into(),
        base: "main".into(),
    })
    .unwrap();
    let wt = host.node_dir.join("worktrees/worker-7");
    std::fs::write(wt.join("made-there.txt"), "remote\n").unwrap();
    support::git(&wt, &["add", "made-there.txt"]);
    support::git(&wt, &["commit", "-q", "-m", "made on the host"]);
    git.fetch(&repo.root, &["czar/t7".into()]).unwrap();
    let shown = support::git(&repo.root, &["show", "czar/t7:made-there.txt"]);
    assert_eq!(shown, "remote\n");
    // The base moves here; pushed again, the node starts new work from it.
    support::git(
        &repo.root,
        &["commit", "-q", "--allow-empty", "-m", "base moved"],
    );
    git.push(&repo.root, &["main".into()]).unwrap();
    let main = support::git(&repo.root, &["rev-parse", "main"])
        .trim()
        .to_string();
    assert_eq!(
        node.ask(Op::Tip {
            branch: "main".into()
        }),
        Ok(Answer::Tip(Some(main)))
    );
    assert!(git.fetch(&repo.root, &["../x".into()]).is_err());
}
