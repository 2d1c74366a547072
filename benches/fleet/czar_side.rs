//! The czar's half: one link per host as the czar holds it, 50 node-owned panes per host, CPU
//! and protocol lines over an idle and a streaming window, and the latency probes.

use super::probe::{Probes, Target};
use super::{PER_HOST, PROBE_LIMIT, PROBES, STREAMERS, cpu};
use crate::shared::support::{CZAR, sshd::Sshd};
use czar::node::link::{Link, OnEvent};
use czar::node::proto::{Answer, Event, Op, Spawn};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// One measuring window.
#[derive(Debug, Clone, Copy, Default)]
pub struct Window {
    pub wall: f64,
    /// CPU seconds of the watcher (this process, with its ssh clients).
    pub watcher: f64,
    /// CPU seconds of each host's `czar node`, with the tmux and git it ran.
    pub nodes: [f64; 2],
    /// Protocol lines received from each host.
    pub lines: [u64; 2],
}

impl Window {
    pub fn pct(&self, cpu: f64) -> f64 {
        100.0 * cpu / self.wall
    }
    pub fn per_sec(&self, n: u64) -> f64 {
        n as f64 / self.wall
    }
}

pub struct CzarRun {
    pub idle: Window,
    pub streaming: Window,
    pub idle_probes: Arc<Probes>,
    pub idle_missed: usize,
    pub stream_probes: Arc<Probes>,
    pub stream_missed: usize,
    /// Every pane, host by host.
    pub panes: [Vec<Target>; 2],
}

type Current = Arc<Mutex<Arc<Probes>>>;

fn current(c: &Current) -> Arc<Probes> {
    Arc::clone(&c.lock().unwrap_or_else(|p| p.into_inner()))
}

/// Reads `worker`'s screen until it shows the pending marker (a few tries: the event can come
/// a moment before tmux has drawn what the pane printed), as the czar reads a pane that printed.
async fn read_marker(link: &Link, probes: &Probes, worker: u32, pane: &str) {
    for _ in 0..5 {
        if probes.marker(worker).is_none() {
            return;
        }
        let op = Op::Read {
            targets: vec![pane.to_string()],
        };
        if let Ok(Answer::Screens(s)) = link.ask(op).await
            && let Some(Ok(screen)) = s.first()
        {
            probes.screen(worker, &screen.text);
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

struct Opened {
    link: Arc<Link>,
    panes: Vec<Target>,
}

/// Connects to `host`, puts 50 `sh` panes there, and starts the consumer of its events.
fn open(
    rt: &tokio::runtime::Runtime,
    h: usize,
    host: &Sshd,
    repo: &Path,
    lines: Arc<[AtomicU64; 2]>,
    probes: Current,
) -> Opened {
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<(u32, Instant)>();
    let on_event: OnEvent = Arc::new(move |e| {
        lines[h].fetch_add(1, Ordering::Relaxed);
        if let Event::Output { worker } = e {
            let _ = tx.send((worker, Instant::now()));
        }
    });
    let remote = format!("{CZAR} node --dir {}", host.node_dir.display());
    let link = rt
        .block_on(Link::open(
            tokio::process::Command::from(host.ssh(&remote)),
            on_event,
        ))
        .unwrap_or_else(|e| panic!("link to {}: {e}\n{}", host.alias, host.log()));
    let link = Arc::new(link);
    let ask = |op: Op| {
        rt.block_on(link.ask(op))
            .unwrap_or_else(|e| panic!("{}: {e}", host.alias))
    };
    ask(Op::Sync {
        url: repo.display().to_string(),
        branches: vec!["main".into()],
    });
    ask(Op::Worktree {
        name: "bench".into(),
        branch: "bench".into(),
        base: "main".into(),
    });
    let first = h as u32 * PER_HOST + 1;
    for worker in first..first + PER_HOST {
        ask(Op::Spawn(Spawn {
            worker,
            session: format!("fleet-{worker}"),
            worktree: "bench".into(),
            command: vec!["sh".into()],
            env: Vec::new(),
            width: 80,
            height: 24,
        }));
    }
    let Answer::Panes(listed) = ask(Op::List) else {
        panic!("{}: list answered something else", host.alias);
    };
    let socket =
        PathBuf::from(link.hello.dir.clone().expect("the node names its folder")).join("tmux.sock");
    let mut panes = Vec::new();
    for p in listed {
        let worker = p
            .session
            .strip_prefix("fleet-")
            .and_then(|w| w.parse().ok());
        if let Some(worker) = worker.filter(|_| !p.dead) {
            panes.push(Target {
                worker,
                socket: socket.clone(),
                pane: p.pane_id,
            });
        }
    }
    assert_eq!(
        panes.len(),
        PER_HOST as usize,
        "{}: panes alive",
        host.alias
    );
    panes.sort_by_key(|t| t.worker);
    let by_worker: HashMap<u32, String> =
        panes.iter().map(|t| (t.worker, t.pane.clone())).collect();
    let consumer = Arc::clone(&link);
    rt.spawn(async move {
        while let Some((worker, at)) = rx.recv().await {
            let p = current(&probes);
            p.event(worker, at);
            if let Some(pane) = by_worker.get(&worker) {
                read_marker(&consumer, &p, worker, pane).await;
            }
        }
    });
    Opened { link, panes }
}

pub fn keys(t: &Target, keys: &[&str]) {
    let ok = Command::new("tmux")
        .arg("-S")
        .arg(&t.socket)
        .args(["send-keys", "-t", &t.pane])
        .args(keys)
        .stdin(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    assert!(ok, "send-keys to {}", t.pane);
}

fn measure(win: Duration, ssh: &[u32], nodes: &[u32; 2], lines: &[AtomicU64; 2]) -> Window {
    let watcher = || cpu::own_cpu() + cpu::sum(ssh, false);
    let node = || nodes.map(|p| cpu::proc_cpu(p, true));
    let count = || [0, 1].map(|h| lines[h].load(Ordering::Relaxed));
    let (w0, n0, l0, t0) = (watcher(), node(), count(), Instant::now());
    std::thread::sleep(win);
    let (w1, n1, l1) = (watcher(), node(), count());
    Window {
        wall: t0.elapsed().as_secs_f64(),
        watcher: w1 - w0,
        nodes: [n1[0] - n0[0], n1[1] - n0[1]],
        lines: [l1[0] - l0[0], l1[1] - l0[1]],
    }
}

pub fn run(hosts: &[Sshd; 2], repo: &Path, win: Duration) -> CzarRun {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("tokio runtime");
    let lines = Arc::new([AtomicU64::new(0), AtomicU64::new(0)]);
    let probes: Current = Arc::default();
    let opened = [0, 1].map(|h| {
        let o = open(
            &rt,
            h,
            &hosts[h],
            repo,
            Arc::clone(&lines),
            Arc::clone(&probes),
        );
        println!(
            "  {}: {} panes through its node",
            hosts[h].alias,
            o.panes.len()
        );
        o
    });
    let ssh: Vec<u32> = opened.iter().filter_map(|o| o.link.pid()).collect();
    let nodes = [0, 1].map(|h| cpu::node_pid(&hosts[h].node_dir).expect("czar node runs"));
    // The shells' first prompts and the node's first looks settle.
    std::thread::sleep(Duration::from_secs(3));
    println!("czar: idle window");
    let idle = measure(win, &ssh, &nodes, &lines);
    let quiet: Vec<Target> = interleave(&opened, STREAMERS as usize);
    let idle_probes = Arc::clone(&probes.lock().unwrap_or_else(|p| p.into_inner()));
    let idle_missed = idle_probes.run(&quiet, PROBES, PROBE_LIMIT);
    let streamers: Vec<&Target> = opened
        .iter()
        .flat_map(|o| o.panes.iter().take(STREAMERS as usize))
        .collect();
    for t in &streamers {
        keys(
            t,
            &["while :; do echo streaming line; sleep 0.1; done", "Enter"],
        );
    }
    std::thread::sleep(Duration::from_secs(2));
    println!("czar: streaming window");
    let streaming = measure(win, &ssh, &nodes, &lines);
    let stream_probes = Arc::new(Probes::default());
    *probes.lock().unwrap_or_else(|p| p.into_inner()) = Arc::clone(&stream_probes);
    let stream_missed = stream_probes.run(&quiet, PROBES, PROBE_LIMIT);
    for t in &streamers {
        keys(t, &["C-c"]);
    }
    let panes = opened.map(|o| o.panes);
    drop(rt);
    // The links closed: each node exits, its panes stay for the naive half.
    let deadline = Instant::now() + Duration::from_secs(10);
    while nodes
        .iter()
        .any(|p| Path::new(&format!("/proc/{p}")).exists())
        && Instant::now() < deadline
    {
        std::thread::sleep(Duration::from_millis(100));
    }
    CzarRun {
        idle,
        streaming,
        idle_probes,
        idle_missed,
        stream_probes,
        stream_missed,
        panes,
    }
}

/// The panes past the first `skip` of each host, alternating hosts.
fn interleave(opened: &[Opened; 2], skip: usize) -> Vec<Target> {
    let a = opened[0].panes.iter().skip(skip);
    let b = opened[1].panes.iter().skip(skip);
    a.zip(b).flat_map(|(x, y)| [x.clone(), y.clone()]).collect()
}
