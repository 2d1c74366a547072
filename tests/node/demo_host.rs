//! `czar demo --auto --host ssh://USER@127.0.0.1:PORT`: the demo's workers on this machine and
//! on a host behind real sshd (czar on that login's PATH), every task done and landed.

use crate::support::{self, TmuxServer, git, run_within, sshd, text};
use czar::adapters::store::Store;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

#[test]
fn demo_auto_puts_workers_on_a_host_and_lands_every_task() {
    let Some(host) = sshd::start_or_skip("demo --host", "demo-host") else {
        return;
    };
    let etc = host.root.path().canonicalize().unwrap().join("etc");
    // czar on the host's PATH, as the demo expects of a host: the login gets it from its key.
    let keys = etc.join("authorized_keys");
    let bin = Path::new(support::CZAR).parent().unwrap();
    let line = std::fs::read_to_string(&keys).unwrap().replacen(
        "environment=",
        &format!(
            "environment=\"PATH={}:/usr/bin:/bin\",environment=",
            bin.display()
        ),
        1,
    );
    std::fs::write(&keys, line).unwrap();
    // The user's ssh config for that address: its key and known host.
    let config = etc.join("ssh_config_by_address");
    std::fs::write(
        &config,
        format!(
            "Host 127.0.0.1\n  IdentityFile {}\n  IdentitiesOnly yes\n  UserKnownHostsFile {}\n  \
             StrictHostKeyChecking yes\n  LogLevel ERROR\n",
            etc.join("client_key").display(),
            etc.join("known_hosts").display()
        ),
    )
    .unwrap();
    let user = String::from_utf8(Command::new("id").arg("-un").output().unwrap().stdout).unwrap();
    // The node's folder named after the address: inside this host's own HOME, not the login's.
    let spec = format!(
        "ssh://{}@127.0.0.1:{}{}",
        user.trim(),
        host.port,
        host.node_dir.display()
    );
    let dir = tempfile::tempdir().unwrap();
    let sandbox = dir.path().join("sandbox");
    let tmux = TmuxServer::new("czar-demo-host");
    let out = run_within(
        Command::new(support::CZAR)
            .args(["demo", "--auto", "--workers", "2", "--tasks", "8", "--host"])
            .arg(&spec)
            .args(["--socket", tmux.socket(), "--dir"])
            .arg(&sandbox)
            .env("CZAR_SSH_CONFIG", &config)
            .env_remove("TMUX")
            .stdin(Stdio::null()),
        Duration::from_secs(180),
    );
    let repo = sandbox.join("repo");
    let log = std::fs::read_to_string(repo.join(".czar/logs/czar.log")).unwrap_or_default();
    assert!(
        out.status.success(),
        "{}\n{log}\nsshd:\n{}",
        text(&out),
        host.log()
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("8 done, 0 failed"), "{stdout}");
    // Workers 1 and 2 are here, 3 and 4 on the host; the host's did tasks, made in its clone.
    let events = Store::open(&repo.join(".czar"))
        .unwrap()
        .events(100_000)
        .unwrap();
    let on_host: Vec<String> = events
        .iter()
        .filter(|e| e.kind == "assigned" && e.worker.is_some_and(|w| w > 2))
        .filter_map(|e| e.task.clone())
        .collect();
    assert!(!on_host.is_empty(), "no task ran on the host\n{log}");
    // (The node's sessions outlive the demo on purpose; the sshd guard ends them.)
    let clone = host.node_dir.join("repo.git");
    let branches = git(&clone, &["branch", "--list", "czar/*"]);
    for t in &on_host {
        assert!(
            branches.contains(&format!("czar/{t}")),
            "{t} on the host: {branches}"
        );
    }
    let main_files = git(&repo, &["ls-tree", "-r", "--name-only", "main"]);
    for i in 1..=8 {
        assert!(
            main_files.contains(&format!("src/feature_{i}.txt")),
            "feature {i} not landed: {main_files}"
        );
    }
    drop(tmux);
}
