//! A fleet over this machine and two hosts, end to end: `czar --auto` with `[hosts.a]` and
//! `[hosts.b]` (two real sshd, each with its own HOME and node folder), the simulated agent on
//! all three machines, every task done, verified on the machine that did it, fetched back and
//! landed on main here. Host b declares the label `gpu`: the task requiring it is done there.

use crate::support::{self, TmuxServer, git, sshd, text};
use czar::adapters::store::Store;
use std::collections::BTreeMap;
use std::process::{Command, Stdio};
use std::time::Duration;

const TASKS: [&str; 6] = ["t1", "t2", "t3", "t4", "t5", "t6"];
/// Requires the label `gpu`, which only host b (worker 3) declares.
const LABELLED: &str = "g1";

#[test]
fn tasks_spread_over_this_machine_and_two_hosts_are_all_done_fetched_and_landed() {
    let Some(a) = sshd::start_or_skip("fleet over two hosts", "fleet-a") else {
        return;
    };
    let Some(b) = sshd::start_or_skip("fleet over two hosts", "fleet-b") else {
        return;
    };
    let tmux = TmuxServer::new("czar-fleet");
    let repo = support::czar_repo();
    let root = repo.root.clone();
    // One ssh config naming both hosts, as a user's own would.
    let config = root.parent().unwrap().join("ssh_config");
    let both = std::fs::read_to_string(&a.ssh_config).unwrap()
        + &std::fs::read_to_string(&b.ssh_config).unwrap();
    std::fs::write(&config, both).unwrap();
    let host = |name: &str, h: &sshd::Sshd, labels: &str| {
        format!(
            "\n[hosts.{name}]\nssh = \"{}\"\ndir = \"{}\"\nworkers = 1\nczar = \"{}\"\nlabels = [{labels}]\n",
            h.alias,
            h.node_dir.display(),
            support::CZAR
        )
    };
    let toml = format!(
        "project = \"fleet\"\nworkers = 1\nagent = \"sim\"\nworktrees_dir = \"../wt\"\n\
         tmux_socket = \"{}\"\nland = \"merge\"\n\n[timing]\npoll_ms = 200\nsettle_ms = 150\n{}{}",
        tmux.socket(),
        host("a", &a, ""),
        host("b", &b, "\"gpu\"")
    );
    std::fs::write(root.join("czar.toml"), toml).unwrap();
    for id in TASKS.into_iter().chain([LABELLED]) {
        let body = format!("Write out/{id}.txt.\n\nsim: duration=0.4 touch=out/{id}.txt\n");
        let mut front = format!("title = \"Task {id}\"\nverify = \"test -s out/{id}.txt\"");
        if id == LABELLED {
            // Highest first: it is routed while every worker is free, so only its label keeps
            // it off worker 1 and host a.
            front.push_str("\nlabels = [\"gpu\"]\npriority = 9");
        }
        let text = format!("+++\n{front}\n+++\n{body}");
        std::fs::write(root.join("tasks").join(format!("{id}.md")), text).unwrap();
    }
    let mut czar = Command::new(support::CZAR);
    czar.arg("--auto")
        .current_dir(&root)
        .stdin(Stdio::null())
        .env_remove("TMUX")
        .env_remove("TMUX_PANE")
        .env("CZAR_SSH_CONFIG", &config);
    let out = support::run_within(&mut czar, Duration::from_secs(180));
    let logs = || {
        format!(
            "{}\nczar.log:\n{}\nsshd a:\n{}\nsshd b:\n{}",
            text(&out),
            std::fs::read_to_string(root.join(".czar/logs/czar.log")).unwrap_or_default(),
            a.log(),
            b.log()
        )
    };
    assert!(out.status.success(), "exit {:?}\n{}", out.status, logs());

    let events = Store::open(&root.join(".czar"))
        .unwrap()
        .events(100_000)
        .unwrap();
    // Which worker was given each task: worker 1 is here, 2 on host a, 3 on host b.
    let mut by_worker: BTreeMap<u32, Vec<String>> = BTreeMap::new();
    for e in events.iter().filter(|e| e.kind == "assigned") {
        let (Some(w), Some(t)) = (e.worker, e.task.clone()) else {
            continue;
        };
        by_worker.entry(w).or_default().push(t);
    }
    for w in [1, 2, 3] {
        assert!(
            by_worker.get(&w).is_some_and(|t| !t.is_empty()),
            "worker {w} did no task: {by_worker:?}\n{}",
            logs()
        );
    }
    eprintln!("tasks by worker (1 here, 2 on a, 3 on b): {by_worker:?}");
    let given: Vec<u32> = by_worker
        .iter()
        .filter(|(_, t)| t.iter().any(|t| t == LABELLED))
        .map(|(w, _)| *w)
        .collect();
    assert_eq!(
        given,
        [3],
        "{LABELLED} given only to host b's worker\n{}",
        logs()
    );
    let main_files = git(&root, &["ls-tree", "-r", "--name-only", "main"]);
    for id in TASKS.into_iter().chain([LABELLED]) {
        let done: Vec<_> = events
            .iter()
            .filter(|e| e.kind == "done" && e.task.as_deref() == Some(id))
            .collect();
        assert_eq!(done.len(), 1, "{id} not done exactly once\n{}", logs());
        assert!(
            main_files.contains(&format!("out/{id}.txt")),
            "{id} not landed on main: {main_files}\n{}",
            logs()
        );
    }
    // A host's tasks were made there: its clone has their branches with their files, and
    // the other host's clone has none of them.
    for (w, on, other) in [(2, &a, &b), (3, &b, &a)] {
        for id in &by_worker[&w] {
            let branch = format!("czar/{id}");
            let there = on.node_dir.join("repo.git");
            let files = git(&there, &["ls-tree", "-r", "--name-only", &branch]);
            assert!(
                files.contains(&format!("out/{id}.txt")),
                "{branch} on its host: {files}"
            );
            let elsewhere = support::git_output(
                &other.node_dir.join("repo.git"),
                &["rev-parse", "--verify", "--quiet", &branch],
            );
            assert!(!elsewhere.status.success(), "{branch} made on both hosts");
        }
    }
    // Worker 1's tasks were made here: no host has their branches.
    for id in &by_worker[&1] {
        let branch = format!("czar/{id}");
        for h in [&a, &b] {
            let there = support::git_output(
                &h.node_dir.join("repo.git"),
                &["rev-parse", "--verify", "--quiet", &branch],
            );
            assert!(
                !there.status.success(),
                "{branch} of a local worker on a host"
            );
        }
    }
    // `czar status` names each worker's host.
    let status = Command::new(support::CZAR)
        .args(["status", "--json"])
        .current_dir(&root)
        .output()
        .unwrap();
    assert!(status.status.success(), "{}", text(&status));
    let json: serde_json::Value = serde_json::from_slice(&status.stdout).unwrap();
    let hosts: BTreeMap<u64, Option<String>> = json["workers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| {
            (
                w["id"].as_u64().unwrap(),
                w["host"].as_str().map(String::from),
            )
        })
        .collect();
    let want: BTreeMap<u64, Option<String>> =
        [(1, None), (2, Some("a".into())), (3, Some("b".into()))].into();
    assert_eq!(hosts, want);
    drop(tmux);
}
