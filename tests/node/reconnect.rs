//! A host's connection killed mid-run comes back and finds the node's sessions; a host stopped
//! for good is down, and says since when.

use crate::support::{self, sshd};
use czar::node::git_remote::GitRemote;
use czar::node::host_link::{Health, HostLink};
use czar::node::link::LinkError;
use czar::node::proto::{Answer, Op, Spawn};
use std::sync::Arc;
use std::time::{Duration, Instant};

fn screen(a: Answer) -> String {
    match a {
        Answer::Screens(mut s) => s.remove(0).unwrap().text,
        other => panic!("{other:?}"),
    }
}

fn kill_ssh(pid: u32) {
    // SAFETY: signalling the ssh client this test's link started.
    unsafe { libc::kill(pid as i32, libc::SIGKILL) };
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_connection_reconnects_to_the_same_sessions_and_types_nothing_twice() {
    let Some(mut host) = sshd::start_or_skip("reconnect", "czar-test-r") else {
        return;
    };
    let repo = support::czar_repo();
    let remote = format!("{} node --dir {}", support::CZAR, host.node_dir.display());
    let ssh = host.ssh(&remote);
    let (program, args): (String, Vec<String>) = (
        ssh.get_program().to_string_lossy().into_owned(),
        ssh.get_args()
            .map(|a| a.to_string_lossy().into_owned())
            .collect(),
    );
    let link = HostLink::new(
        Box::new(move || {
            let mut c = tokio::process::Command::new(&program);
            c.args(&args);
            c
        }),
        Arc::new(|_| {}),
    );
    let first = link
        .link()
        .await
        .unwrap_or_else(|e| panic!("{e}\n{}", host.log()));
    let git = GitRemote::new(
        &host.alias,
        first.hello.repo.as_deref().unwrap(),
        Some(&host.ssh_config),
    )
    .unwrap();
    git.push(&repo.root, &["main".into()]).unwrap();
    link.ask(Op::Worktree {
        name: "worker-1".into(),
        branch: "czar/r1".into(),
        base: "main".into(),
    })
    .await
    .unwrap();
    link.ask(Op::Spawn(Spawn {
        worker: 1,
        session: "r-worker-1".into(),
        worktree: "worker-1".into(),
        command: vec!["cat".into()],
        env: vec![],
        width: 80,
        height: 24,
    }))
    .await
    .unwrap();
    let target = "=r-worker-1:".to_string();

    // The connection dies under a harmless request: sent again on a new one, same session.
    kill_ssh(first.pid().unwrap());
    let exists = link
        .ask(Op::Exists {
            session: "r-worker-1".into(),
        })
        .await;
    assert_eq!(exists.unwrap(), Answer::Bool(true), "re-adopted");
    assert_eq!(link.opened().await, 2);
    assert_eq!(link.health(), Health::Up);

    // It dies under a paste: not sent again (the node may have typed it), an error instead.
    let second = link.link().await.unwrap();
    kill_ssh(second.pid().unwrap());
    let deadline = Instant::now() + Duration::from_secs(10);
    while second.alive() && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let pasted = link
        .ask(Op::Paste {
            target: target.clone(),
            text: b"once-only-marker".to_vec(),
        })
        .await;
    // Either the dead link was noticed first (a new connection carried the paste once) or
    // the paste met the dead connection and was not sent again.
    let typed_now = match pasted {
        Ok(_) => 1,
        Err(LinkError::Closed) => 0,
        Err(e) => panic!("{e}"),
    };
    tokio::time::sleep(Duration::from_millis(300)).await;
    let seen = screen(
        link.ask(Op::Read {
            targets: vec![target.clone()],
        })
        .await
        .unwrap(),
    );
    assert_eq!(
        seen.matches("once-only-marker").count(),
        typed_now,
        "{seen}"
    );

    // A host stopped for good: down, since its first failed connection, tries spaced out.
    host.stop();
    link.drop_connection().await;
    assert!(link.ask(Op::List).await.is_err());
    let Health::Down { since, attempts } = link.health() else {
        panic!("the host should be down: {:?}", link.health());
    };
    assert_eq!(attempts, 1);
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert!(link.ask(Op::List).await.is_err());
    assert_eq!(link.health(), Health::Down { since, attempts: 2 });
}
