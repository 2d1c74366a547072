//! `[hosts.<name>]` in czar.toml: read, defaults, and every error naming file, line and key.

use crate::config::{error_at, load, repo};

#[test]
fn hosts_read_with_their_defaults() {
    let (_dir, root) = repo();
    let text = r#"
[hosts.gpu-box]
ssh = "me@gpu-box:2222"
workers = 4
dir = "/srv/czar-node"
agents = ["claude", "sim"]
labels = ["gpu", "big-mem"]
grace_secs = 30

[hosts.mac]
ssh = "mac"
dir = "czar-node"
czar = "/opt/homebrew/bin/czar"
"#;
    let cfg = load(&root, text).unwrap();
    assert_eq!(cfg.hosts.len(), 2);
    let gpu = cfg.hosts.iter().find(|h| h.name == "gpu-box").unwrap();
    assert_eq!(gpu.ssh, "me@gpu-box:2222");
    assert_eq!(gpu.workers, 4);
    assert_eq!(gpu.dir, "/srv/czar-node");
    assert_eq!(gpu.agents, ["claude", "sim"]);
    assert_eq!(gpu.labels, ["gpu", "big-mem"]);
    assert_eq!(gpu.czar, "czar");
    assert_eq!(gpu.grace_secs, 30);
    let mac = cfg.hosts.iter().find(|h| h.name == "mac").unwrap();
    assert_eq!(
        (mac.workers, mac.czar.as_str()),
        (1, "/opt/homebrew/bin/czar")
    );
    assert!(mac.agents.is_empty() && mac.labels.is_empty());
    assert_eq!(mac.grace_secs, 120, "the default grace");
    assert!(load(&root, "").unwrap().hosts.is_empty());
}

#[test]
fn host_errors_name_the_file_line_and_key() {
    let msg = error_at(
        "[hosts.a]\nssh = \"h\"\ndir = \"/d\"\nport = 22\n",
        4,
        "hosts.a.port",
    );
    assert!(msg.contains("unknown key") && msg.contains("ssh"), "{msg}");
    let msg = error_at(
        "[hosts.a]\nssh = \"me@h:x\"\ndir = \"/d\"\n",
        2,
        "hosts.a.ssh",
    );
    assert!(msg.contains("port"), "{msg}");
    let msg = error_at(
        "[hosts.a]\nssh = \"-oProxyCommand=x\"\ndir = \"/d\"\n",
        2,
        "hosts.a.ssh",
    );
    assert!(msg.contains("option"), "{msg}");
    let msg = error_at(
        "[hosts.a]\nssh = \"h\"\ndir = \"/d\"\nworkers = 999\n",
        4,
        "hosts.a.workers",
    );
    assert!(msg.contains("out of range"), "{msg}");
    let msg = error_at(
        "[hosts.a]\nssh = \"h\"\ndir = \"/d\"\nagents = [\"claude\", \"nope\"]\n",
        4,
        "hosts.a.agents[1]",
    );
    assert!(msg.contains("no agent profile named \"nope\""), "{msg}");
    let msg = error_at(
        "[hosts.a]\nssh = \"h\"\ndir = \"/d\"\nlabels = [\"a b\"]\n",
        4,
        "hosts.a.labels[0]",
    );
    assert!(msg.contains("labels use"), "{msg}");
    for bad in ["0", "-5", "86401"] {
        let msg = error_at(
            &format!("[hosts.a]\nssh = \"h\"\ndir = \"/d\"\ngrace_secs = {bad}\n"),
            4,
            "hosts.a.grace_secs",
        );
        assert!(msg.contains("out of range"), "{bad}: {msg}");
    }
    let msg = error_at(
        "[hosts.a]\nssh = \"h\"\ndir = \"/d\"\ngrace_secs = \"2m\"\n",
        4,
        "hosts.a.grace_secs",
    );
    assert!(msg.contains("integer"), "{msg}");
    let msg = error_at("[hosts.a]\nssh = \"h\"\n", 1, "hosts.a");
    assert!(msg.contains("needs `dir`"), "{msg}");
    let msg = error_at(
        "[hosts.\"a b\"]\nssh = \"h\"\ndir = \"/d\"\n",
        1,
        "hosts.\"a b\"",
    );
    assert!(msg.contains("host names"), "{msg}");
    let msg = error_at("hosts = 3\n", 1, "hosts");
    assert!(msg.contains("a table"), "{msg}");
}
