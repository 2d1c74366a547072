//! Faults on a real fleet (`czar --auto` over real sshd hosts, the simulated agent everywhere):
//! the czar's SSH connection to a host killed mid-run, and a host stopped for good. Every task
//! is done exactly once and landed, whatever happened: the simulated agent appends its task's
//! title to the task's file, so a task done twice would leave two lines there.

use crate::support::procs::{cmdline, descendants, kill, stop_everything_of};
use crate::support::{self, TmuxServer, events::dump, sshd};
use czar::adapters::store::{EventRow, Store};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

/// The czar under test; killed if the test ends before it does.
struct Czar {
    child: Child,
    root: PathBuf,
    out: PathBuf,
}

impl Drop for Czar {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Czar {
    fn start(root: &Path, config: &Path) -> Czar {
        let out = root.parent().unwrap().join("czar.out");
        let file = std::fs::File::create(&out).unwrap();
        let child = Command::new(support::CZAR)
            .arg("--auto")
            .current_dir(root)
            .stdin(Stdio::null())
            .stdout(file.try_clone().unwrap())
            .stderr(file)
            .env_remove("TMUX")
            .env_remove("TMUX_PANE")
            .env("CZAR_SSH_CONFIG", config)
            .spawn()
            .unwrap();
        Czar {
            child,
            root: root.to_path_buf(),
            out,
        }
    }

    fn events(&self) -> Vec<EventRow> {
        if !self.root.join(".czar").is_dir() {
            return Vec::new();
        }
        Store::open(&self.root.join(".czar"))
            .and_then(|s| s.events(100_000))
            .unwrap_or_default()
    }

    /// What went on, for a failure message.
    fn logs(&self) -> String {
        format!(
            "czar's output:\n{}\nczar.log:\n{}\nevents:\n{}",
            std::fs::read_to_string(&self.out).unwrap_or_default(),
            std::fs::read_to_string(self.root.join(".czar/logs/czar.log")).unwrap_or_default(),
            dump(&self.events()),
        )
    }

    /// Waits until `want` holds of the events so far; fails with `what` and the logs when the
    /// czar ends first or `limit` passes.
    fn wait_for(&mut self, what: &str, limit: Duration, want: impl Fn(&[EventRow]) -> bool) {
        let start = Instant::now();
        loop {
            if want(&self.events()) {
                return;
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("the czar ended ({status}) before {what}\n{}", self.logs());
            }
            assert!(
                start.elapsed() < limit,
                "no {what} within {limit:?}\n{}",
                self.logs()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn finish(&mut self, limit: Duration) -> ExitStatus {
        match support::wait_exit(&mut self.child, limit) {
            Some(status) => status,
            None => panic!("the czar did not finish within {limit:?}\n{}", self.logs()),
        }
    }

    /// The ssh clients this czar runs to `alias`'s node (its link, not git's), by pid.
    fn node_links(&self, alias: &str) -> Vec<u32> {
        descendants(self.child.id())
            .into_iter()
            .filter(|pid| {
                let args = cmdline(*pid);
                args.first().is_some_and(|a| a.ends_with("ssh"))
                    && args.iter().any(|a| a == alias)
                    && args.iter().any(|a| a.contains(" node --dir "))
            })
            .collect()
    }
}

/// git's output, trimmed.
fn git(dir: &Path, args: &[&str]) -> String {
    support::git(dir, args).trim().to_string()
}

/// A project with `local` workers here, the hosts given (`(name, sshd, workers, grace)`), and
/// `tasks` that each take `secs` seconds of the simulated agent's time; the ssh config naming
/// every host.
fn project(
    name: &str,
    tmux: &TmuxServer,
    local: usize,
    hosts: &[(&str, &sshd::Sshd, usize, u64)],
    tasks: &[&str],
    secs: f64,
) -> (support::TempRepo, PathBuf) {
    let repo = support::czar_repo();
    let root = repo.root.clone();
    let config = root.parent().unwrap().join("ssh_config");
    let all: String = hosts
        .iter()
        .map(|h| std::fs::read_to_string(&h.1.ssh_config).unwrap())
        .collect();
    std::fs::write(&config, all).unwrap();
    let mut toml = format!(
        "project = \"{name}\"\nworkers = {local}\nagent = \"sim\"\nworktrees_dir = \"../wt\"\n\
         tmux_socket = \"{}\"\nland = \"merge\"\n\n[timing]\npoll_ms = 200\nsettle_ms = 150\n",
        tmux.socket()
    );
    for (host, h, workers, grace) in hosts {
        toml += &format!(
            "\n[hosts.{host}]\nssh = \"{}\"\ndir = \"{}\"\nworkers = {workers}\nczar = \"{}\"\n\
             grace_secs = {grace}\n",
            h.alias,
            h.node_dir.display(),
            support::CZAR
        );
    }
    std::fs::write(root.join("czar.toml"), toml).unwrap();
    for id in tasks {
        let body = format!("Write out/{id}.txt.\n\nsim: duration={secs} touch=out/{id}.txt\n");
        let front = format!("title = \"Task {id}\"\nverify = \"test -s out/{id}.txt\"");
        let text = format!("+++\n{front}\n+++\n{body}");
        std::fs::write(root.join("tasks").join(format!("{id}.md")), text).unwrap();
    }
    (repo, config)
}

/// Each task done exactly once, and on main with its one line: landed, not done twice.
fn all_done_once_and_landed(czar: &Czar, tasks: &[&str]) {
    let events = czar.events();
    for id in tasks {
        let done = events
            .iter()
            .filter(|e| e.kind == "done" && e.task.as_deref() == Some(*id))
            .count();
        assert_eq!(done, 1, "{id} done {done} times\n{}", czar.logs());
        let file = git(&czar.root, &["show", &format!("main:out/{id}.txt")]);
        assert_eq!(
            file.lines().count(),
            1,
            "out/{id}.txt on main should hold one agent's one line: {file:?}\n{}",
            czar.logs()
        );
    }
}

/// Tasks in flight on host `a` at the time: delivered to one of its workers, not yet done.
fn in_flight_on(events: &[EventRow], workers: &[u32], after: i64) -> bool {
    events.iter().any(|e| {
        e.seq > after
            && e.kind == "delivered"
            && e.worker.is_some_and(|w| workers.contains(&w))
            && !events
                .iter()
                .any(|d| d.kind == "done" && d.task == e.task && d.seq > e.seq)
    })
}

#[test]
fn a_hosts_connection_killed_mid_run_is_recovered_and_every_task_is_done_once() {
    // Enough that host a is still busy after the first kill, for the second.
    const TASKS: [&str; 9] = ["k1", "k2", "k3", "k4", "k5", "k6", "k7", "k8", "k9"];
    let Some(a) = sshd::start_or_skip("ssh connection killed mid-run", "faults-kill") else {
        return;
    };
    let tmux = TmuxServer::new("czar-kill");
    // Worker 1 here, 2 and 3 on host a.
    let (repo, config) = project("kill", &tmux, 1, &[("a", &a, 2, 120)], &TASKS, 2.0);
    let mut czar = Czar::start(&repo.root, &config);
    let mut after = 0;
    for round in 1..=2 {
        czar.wait_for(
            &format!("a task in flight on host a (round {round})"),
            Duration::from_secs(90),
            |ev| in_flight_on(ev, &[2, 3], after),
        );
        let links = czar.node_links(&a.alias);
        assert!(
            !links.is_empty(),
            "no ssh to host a found under the czar\n{}",
            czar.logs()
        );
        for pid in &links {
            kill(*pid);
        }
        eprintln!("round {round}: killed the ssh clients {links:?} of host a");
        // Recovered: a new connection to the host, from the czar itself.
        let start = Instant::now();
        loop {
            let now = czar.node_links(&a.alias);
            if now.iter().any(|p| !links.contains(p) && !support::gone(*p)) {
                break;
            }
            assert!(
                start.elapsed() < Duration::from_secs(60),
                "no new connection to host a after the kill\n{}",
                czar.logs()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        after = czar.events().last().map_or(0, |e| e.seq);
    }
    let status = czar.finish(Duration::from_secs(240));
    assert!(status.success(), "exit {status}\n{}", czar.logs());
    all_done_once_and_landed(&czar, &TASKS);
    // Host a did its share: the kills did not move its work elsewhere for good.
    let on_a = czar
        .events()
        .iter()
        .filter(|e| e.kind == "done" && e.worker.is_some_and(|w| w >= 2))
        .count();
    assert!(on_a > 0, "host a finished nothing\n{}", czar.logs());
    drop(tmux);
}

#[test]
fn a_host_stopped_for_good_gives_its_tasks_to_the_others_keeping_its_pushed_commits() {
    const TASKS: [&str; 4] = ["s1", "s2", "s3", "s4"];
    let Some(a) = sshd::start_or_skip("a host stopped for good", "faults-up") else {
        return;
    };
    let Some(mut b) = sshd::start_or_skip("a host stopped for good", "faults-down") else {
        return;
    };
    let tmux = TmuxServer::new("czar-stop");
    // Worker 1 here, 2 on host a, 3 on host b (stopped); b's grace is 3 s.
    let hosts = [("a", &a, 1, 120), ("b", &b, 1, 3)];
    let (repo, config) = project("stop", &tmux, 1, &hosts, &TASKS, 6.0);
    let root = repo.root.clone();
    let mut czar = Czar::start(&root, &config);
    czar.wait_for(
        "a task delivered on host b",
        Duration::from_secs(90),
        |ev| in_flight_on(ev, &[3], 0),
    );
    let moved = czar
        .events()
        .iter()
        .find(|e| e.kind == "delivered" && e.worker == Some(3))
        .and_then(|e| e.task.clone())
        .unwrap();
    let branch = format!("czar/{moved}");
    // Progress on b, as its agent would commit it: in its worktree there, on the task's
    // branch, and followed back to the czar's repository before b goes away.
    let wt = b.node_dir.join("worktrees/worker-3");
    std::fs::create_dir_all(wt.join("early")).unwrap();
    std::fs::write(wt.join(format!("early/{moved}.txt")), "early\n").unwrap();
    git(&wt, &["add", "early"]);
    git(&wt, &["commit", "-q", "-m", "early progress on b"]);
    let early = git(&wt, &["rev-parse", "HEAD"]);
    assert_eq!(
        git(&wt, &["symbolic-ref", "--short", "HEAD"]),
        branch,
        "b's worktree is on the task's branch"
    );
    let start = Instant::now();
    while support::git_output(&root, &["merge-base", "--is-ancestor", &early, &branch])
        .status
        .code()
        != Some(0)
    {
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "the early commit never reached the czar's repository\n{}",
            czar.logs()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    // b goes for good, as a machine switched off: no more logins, its node gone (the czar's
    // connection with it), then its tmux server and the agents in it.
    b.stop();
    stop_everything_of(&b.node_dir);
    eprintln!("stopped host b with {moved} in flight (early commit {early})");

    let status = czar.finish(Duration::from_secs(240));
    assert!(status.success(), "exit {status}\n{}", czar.logs());
    all_done_once_and_landed(&czar, &TASKS);
    let events = czar.events();
    let down = events
        .iter()
        .find(|e| e.kind == "host_down" && e.detail.contains("gave back"))
        .unwrap_or_else(|| panic!("no host_down giving tasks back\n{}", czar.logs()));
    assert!(
        down.detail.contains(&moved) && down.detail.contains("host b "),
        "{}",
        down.detail
    );
    let done = events
        .iter()
        .find(|e| e.kind == "done" && e.task.as_deref() == Some(moved.as_str()))
        .unwrap();
    assert!(
        done.worker.is_some_and(|w| w != 3),
        "{moved} was finished by b's worker\n{}",
        czar.logs()
    );
    // Not counted against the task: it was not given up, and b's worker got nothing after.
    assert!(
        !events.iter().any(|e| e.kind == "failed"),
        "{}",
        dump(&events)
    );
    assert!(
        !events
            .iter()
            .any(|e| e.kind == "assigned" && e.worker == Some(3) && e.seq > down.seq),
        "a task went to the down host\n{}",
        dump(&events)
    );
    // What b pushed before it went is kept: the early commit is in what landed.
    let kept = support::git_output(&root, &["merge-base", "--is-ancestor", &early, "main"]);
    assert_eq!(
        kept.status.code(),
        Some(0),
        "b's early commit {early} is not in main\n{}",
        czar.logs()
    );
    assert_eq!(
        git(&root, &["show", &format!("main:early/{moved}.txt")]),
        "early"
    );
    drop(tmux);
}
