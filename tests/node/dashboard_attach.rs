//! Attach from the dashboard to a worker on a host: `czar` (the dashboard) runs in a pane of a
//! private tmux server (the operator's terminal) with `[hosts.a]` on a real sshd; the attach
//! key on the host's worker hands the terminal to `ssh -t … tmux attach` and the host's agent
//! shows; the host's tmux detach key ends ssh and the dashboard is back.

use crate::support::{self, TmuxServer, pane::Pane, sshd};
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

/// Polls `ok` every 200 ms until it holds or `limit` passes; the last value either way.
fn wait<T>(limit: Duration, mut get: impl FnMut() -> T, ok: impl Fn(&T) -> bool) -> (bool, T) {
    let start = Instant::now();
    loop {
        let v = get();
        if ok(&v) || start.elapsed() > limit {
            return (ok(&v), v);
        }
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// The clients attached to `session` on the node's own tmux server (the host is this machine
/// behind sshd, so its socket is readable here).
fn clients(node_dir: &Path, session: &str) -> String {
    let out = Command::new("tmux")
        .arg("-S")
        .arg(node_dir.join("tmux.sock"))
        .args(["list-clients", "-t", &format!("={session}")])
        .stderr(std::process::Stdio::null())
        .output();
    out.map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
        .unwrap_or_default()
}

/// The czar's connections to the host: the ssh clients it started with this test's own ssh
/// config (a temporary path no other process uses) running `czar node`.
fn node_links(ssh_config: &Path) -> Vec<i32> {
    let config = ssh_config.to_string_lossy();
    let Ok(procs) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    procs
        .flatten()
        .filter_map(|e| {
            let pid: i32 = e.file_name().to_str()?.parse().ok()?;
            let raw = std::fs::read(e.path().join("cmdline")).ok()?;
            let args: Vec<String> = raw
                .split(|b| *b == 0)
                .map(|a| String::from_utf8_lossy(a).into_owned())
                .collect();
            let ours = args.first().is_some_and(|a| a.ends_with("ssh"))
                && args.iter().any(|a| *a == config)
                && args.iter().any(|a| a.contains(" node --dir "));
            ours.then_some(pid)
        })
        .collect()
}

#[test]
fn the_attach_key_on_a_host_s_worker_shows_it_and_the_dashboard_comes_back() {
    // Dropped last to first: the operator's terminal (and the dashboard in it), then the local
    // workers' tmux, then the host (its node's tmux server and sshd), even on a failure.
    let Some(mut host) = sshd::start_or_skip("dashboard attach to a host", "dash-a") else {
        return;
    };
    let workers = TmuxServer::new("czar-dash-attach-w");
    let repo = support::czar_repo();
    let root = repo.root.clone();
    let toml = format!(
        "project = \"dash\"\nworkers = 1\nagent = \"sim\"\nworktrees_dir = \"../wt\"\n\
         tmux_socket = \"{}\"\n\n[timing]\npoll_ms = 200\nsettle_ms = 150\n\n\
         [hosts.a]\nssh = \"{}\"\ndir = \"{}\"\nworkers = 1\nczar = \"{}\"\n",
        workers.socket(),
        host.alias,
        host.node_dir.display(),
        support::CZAR
    );
    std::fs::write(root.join("czar.toml"), toml).unwrap();
    let env = [
        ("CZAR_SSH_CONFIG", host.ssh_config.display().to_string()),
        ("LANG", "C.UTF-8".into()),
        ("EDITOR", String::new()),
    ]
    .map(|(k, v)| (k.to_string(), v));
    let operator = Pane::start("czar-dash-attach", &root, &[support::CZAR.into()], &env);
    let sshd_log = host.root.path().join("etc/sshd.log");
    let log = || {
        format!(
            "czar.log:\n{}\nsshd:\n{}",
            std::fs::read_to_string(root.join(".czar/logs/czar.log")).unwrap_or_default(),
            std::fs::read_to_string(&sshd_log).unwrap_or_default()
        )
    };

    // The dashboard shows the host up, and worker 2 placed there.
    let (ok, screen) = wait(
        Duration::from_secs(60),
        || operator.screen(),
        |s| s.contains(" hosts  a up w2") && s.contains("Workers (2)"),
    );
    assert!(ok, "the host in the dashboard:\n{screen}\n{}", log());
    // Its agent runs on the host: its session is on the node's tmux server.
    let session = "dash-worker-2";
    let (ok, _) = wait(
        Duration::from_secs(60),
        || {
            Command::new("tmux")
                .arg("-S")
                .arg(host.node_dir.join("tmux.sock"))
                .args(["has-session", "-t", &format!("={session}")])
                .stderr(std::process::Stdio::null())
                .status()
                .is_ok_and(|s| s.success())
        },
        |up| *up,
    );
    assert!(ok, "worker 2's session on the host\n{}", log());
    assert!(
        clients(&host.node_dir, session).is_empty(),
        "nobody attached yet"
    );

    // Select worker 2 and press the attach key (Enter).
    operator.keys(&["Down"]);
    let (ok, screen) = wait(
        Duration::from_secs(20),
        || operator.screen(),
        |s| s.lines().any(|l| l.starts_with("┃▶2 ")),
    );
    assert!(ok, "worker 2 selected:\n{screen}");
    operator.keys(&["Enter"]);
    // The terminal is ssh's: the host's tmux has a client on that session, and the operator's
    // terminal shows the agent's screen instead of the dashboard.
    let (ok, seen) = wait(
        Duration::from_secs(30),
        || (clients(&host.node_dir, session), operator.screen()),
        |(c, s)| !c.is_empty() && !s.contains("Workers (") && s.contains("sim-agent"),
    );
    assert!(
        ok,
        "attached to the host's worker: clients {:?}\n{}\n{}",
        seen.0,
        seen.1,
        log()
    );
    // Detach with the host's tmux keys: ssh ends and the dashboard is back, saying so.
    operator.keys(&["C-b", "d"]);
    let (ok, screen) = wait(
        Duration::from_secs(30),
        || operator.screen(),
        |s| s.contains("Workers (2)") && s.contains("back from dash-worker-2"),
    );
    assert!(
        ok,
        "the dashboard back after the detach:\n{screen}\n{}",
        log()
    );
    assert!(
        clients(&host.node_dir, session).is_empty(),
        "the host's client is gone"
    );
    // The health is the engine's data: status.json carries it too.
    let status = || -> serde_json::Value {
        std::fs::read_to_string(root.join(".czar/status.json"))
            .ok()
            .and_then(|t| serde_json::from_str(&t).ok())
            .unwrap_or_default()
    };
    let (ok, json) = wait(Duration::from_secs(30), status, |j| {
        j["hosts"] == serde_json::json!([{"name": "a", "health": "up", "workers": [2]}])
    });
    assert!(ok, "hosts in status.json: {json:#}");
    // The host goes away: the dashboard says it is reconnecting, status.json since when.
    // Stopping sshd leaves the connections it served; the czar's own one is cut too, so its
    // next request finds the host unreachable.
    host.stop();
    let links = node_links(&host.ssh_config);
    assert!(!links.is_empty(), "the czar's ssh to the host not found");
    for pid in links {
        // SAFETY: signalling an ssh client the czar under test started for this test's host.
        unsafe { libc::kill(pid, libc::SIGKILL) };
    }
    let (ok, screen) = wait(
        Duration::from_secs(60),
        || operator.screen(),
        |s| s.contains(" hosts  a reconnecting "),
    );
    assert!(
        ok,
        "the host down in the dashboard:
{screen}
{}",
        log()
    );
    let (ok, json) = wait(Duration::from_secs(30), status, |j| {
        j["hosts"][0]["health"] == "down" && j["hosts"][0]["since"].as_u64().is_some()
    });
    assert!(ok, "the host down in status.json: {json:#}");
    // Attaching to a worker on a host that is down says why and leaves the dashboard as it is.
    operator.keys(&["Enter"]);
    let (ok, screen) = wait(
        Duration::from_secs(30),
        || operator.screen(),
        |s| s.contains("cannot attach to worker 2") && s.contains("Workers (2)"),
    );
    assert!(ok, "attach to a down host refused:\n{screen}\n{}", log());
    // The dashboard still works: quitting it ends its process.
    operator.keys(&["q"]);
    let (ok, dead) = wait(
        Duration::from_secs(30),
        || {
            operator
                .tmux(&["display-message", "-p", "-t", "agent", "#{pane_dead}"])
                .unwrap_or_default()
        },
        |d| d.trim() == "1",
    );
    assert!(ok, "the dashboard quit ({dead}):\n{}", operator.screen());
    drop(operator);
    drop(workers);
    drop(host);
}
