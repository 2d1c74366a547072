//! The engine's `Panes` port on another host: `RemotePanes` over a `Link` that runs real `ssh`
//! to a real sshd, the node's events marking the czar's `Outputs`.

use crate::support::{self, sshd};
use czar::adapters::output_watch::Outputs;
use czar::adapters::tmux::{SessionSpec, SubmitKey};
use czar::engine::ports::Panes;
use czar::engine::remote::RemotePanes;
use czar::node::link::Link;
use czar::node::proto::Op;
use std::path::PathBuf;
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_panes_port_drives_a_remote_host_over_one_ssh_connection() {
    let Some(host) = sshd::start_or_skip("remote panes", "czar-test-b") else {
        return;
    };
    let repo = support::czar_repo();
    let remote = format!("{} node --dir {}", support::CZAR, host.node_dir.display());
    let state = tempfile::tempdir().unwrap();
    let inbox = Arc::new(std::sync::Mutex::new(
        czar::adapters::store::Store::open(state.path()).unwrap(),
    ));
    let follow = Arc::new(czar::node::git_remote::Follower::new(
        repo.root.clone(),
        "czar/",
    ));
    let (sink, on_event) =
        RemotePanes::on_event(Some(Arc::clone(&inbox)), Some(Arc::clone(&follow)));
    let link = Link::open(tokio::process::Command::from(host.ssh(&remote)), on_event)
        .await
        .unwrap_or_else(|e| panic!("link: {e}\n{}", host.log()));
    let link = Arc::new(link);
    let remote_repo = link.hello.repo.clone().unwrap();
    let git_remote =
        czar::node::git_remote::GitRemote::new(&host.alias, &remote_repo, Some(&host.ssh_config))
            .unwrap();
    let _ = follow.remote.set(git_remote);
    let mut push = Command::new("git");
    push.arg("-C").arg(&repo.root).args([
        "push",
        "-q",
        &format!("{}:{remote_repo}", host.alias),
        "main",
    ]);
    push.env(
        "GIT_SSH_COMMAND",
        format!("ssh -F {}", host.ssh_config.display()),
    );
    let out = support::run_within(&mut push, Duration::from_secs(60));
    assert!(out.status.success(), "{}", support::text(&out));
    link.ask(Op::Worktree {
        name: "worker-4".into(),
        branch: "czar/t4".into(),
        base: "main".into(),
    })
    .await
    .unwrap();

    let asker: Arc<dyn czar::node::link::Asker> = link.clone();
    let panes = RemotePanes::new(Arc::clone(&asker), sink);
    let outputs = Arc::new(Outputs::default());
    let _guard = panes.watch_outputs(Arc::clone(&outputs)).expect("watched");
    let session = "proj-worker-4".to_string();
    panes
        .start(SessionSpec {
            name: session.clone(),
            // Only its name counts: the worktree of that name on the node.
            cwd: PathBuf::from("/czar/side/worktrees/worker-4"),
            command: vec![
                "sh".into(),
                "-c".into(),
                format!(
                    "printf %s \"$CZAR_WORKER:$AGENT_KEY\" > env.out; \
                     git -c user.name=a -c user.email=a@a commit -q --allow-empty -m work; \
                     {} done; echo READY; exec cat",
                    support::CZAR
                ),
            ],
            env: vec![("AGENT_KEY".into(), "k-123".into())],
            width: 100,
            height: 30,
        })
        .await
        .unwrap();
    tokio::time::timeout(Duration::from_secs(20), outputs.changed())
        .await
        .expect("the node's output event marks the czar's outputs");
    assert!(outputs.get(4).unread_since.is_some());
    let listed = panes.list().await.unwrap();
    let pane = listed
        .iter()
        .find(|p| p.session == session)
        .expect("listed");
    assert!(!pane.dead);
    let target = pane.pane_id.clone();
    panes
        .paste(target.clone(), b"through the port\n".to_vec())
        .await
        .unwrap();
    panes
        .submit(target.clone(), SubmitKey::Enter)
        .await
        .unwrap();
    panes.literal(target.clone(), "typed".into()).await.unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    let screen = loop {
        let s = panes.read(vec![target.clone()]).await.remove(0).unwrap();
        if (s.text.matches("through the port").count() >= 2 && s.text.contains("typed"))
            || Instant::now() > deadline
        {
            break s.text;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert!(screen.matches("through the port").count() >= 2, "{screen}");
    assert!(screen.contains("typed"), "{screen}");
    let wt = host.node_dir.join("worktrees/worker-4");
    assert_eq!(
        std::fs::read_to_string(wt.join("env.out")).unwrap(),
        "4:k-123"
    );
    // Its `czar done` ran on the host and reached this czar's inbox.
    let deadline = Instant::now() + Duration::from_secs(20);
    let signals = loop {
        let s = inbox.lock().unwrap().pending_signals().unwrap();
        if !s.is_empty() || Instant::now() > deadline {
            break s;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let done = czar::core::observation::Signal::Done {
        branch: Some("czar/t4".into()),
    };
    assert_eq!(
        signals
            .iter()
            .map(|(_, w, s)| (*w, s.clone()))
            .collect::<Vec<_>>(),
        [(4, done)]
    );
    // Its commit came back by itself: the node told the tip, the czar fetched the branch.
    let node_tip = support::git(
        &host.node_dir.join("worktrees/worker-4"),
        &["rev-parse", "HEAD"],
    );
    let deadline = Instant::now() + Duration::from_secs(20);
    let here = loop {
        let out = support::git_output(&repo.root, &["rev-parse", "--verify", "-q", "czar/t4"]);
        let here = String::from_utf8_lossy(&out.stdout).into_owned();
        if here == node_tip || Instant::now() > deadline {
            break here;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(
        here, node_tip,
        "the task branch fetched into the czar's repository"
    );
    // Its verify runs there, in its worktree.
    let verify = czar::engine::remote::RemoteProcesses { link: asker };
    let ran = czar::engine::ports::Processes::run(
        &verify,
        "git log -1 --format=%s".into(),
        PathBuf::from("/czar/side/worktrees/worker-4"),
        Duration::from_secs(60),
    )
    .await;
    assert_eq!(ran, (true, "work\n".to_string()));
    let ansi = panes.capture(target.clone(), true).await.unwrap();
    assert!(ansi.contains("READY"), "{ansi}");
    panes.key(target.clone(), "C-d".into()).await.unwrap();
    panes.key(target.clone(), "C-d".into()).await.unwrap();
    assert!(panes.exists(session.clone()).await.unwrap());
    panes.kill(session.clone()).await.unwrap();
    assert!(!panes.exists(session.clone()).await.unwrap());
    assert!(panes.counts().runs >= 10);
    assert!(link.alive());
    link.close();
}
