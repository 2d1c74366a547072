//! `czar node install <host>` against a real sshd: the binary put where the host's config says
//! (its `dir`'s bin/, or its `czar` path), a second run that changes nothing, a stand-in of
//! another version replaced, and the node's connection finding the installed binary.

use crate::support::{self, sshd, text};
use czar::node::proto::Hello;
use std::os::unix::fs::PermissionsExt;
use std::process::{Command, Output};
use std::time::Duration;

fn install(root: &std::path::Path, config: &std::path::Path, args: &[&str]) -> Output {
    let mut cmd = Command::new(support::CZAR);
    cmd.args(["node", "install"])
        .args(args)
        .current_dir(root)
        .env("CZAR_SSH_CONFIG", config);
    support::run_within(&mut cmd, Duration::from_secs(120))
}

fn json(out: &Output) -> serde_json::Value {
    assert!(out.status.success(), "{}", text(out));
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", text(out)))
}

#[test]
fn install_puts_this_binary_on_the_host_once_and_replaces_another_version() {
    let Some(host) = sshd::start_or_skip("node install", "czar-install") else {
        return;
    };
    let repo = support::czar_repo();
    let pinned = host.home.join("tools/czar");
    let toml = format!(
        "project = \"inst\"\nworkers = 1\n\n[hosts.box]\nssh = \"{alias}\"\ndir = \"{dir}\"\n\n\
         [hosts.pinned]\nssh = \"{alias}\"\ndir = \"{dir}\"\nczar = \"{pinned}\"\n",
        alias = host.alias,
        dir = host.node_dir.display(),
        pinned = pinned.display(),
    );
    std::fs::write(repo.root.join("czar.toml"), toml).unwrap();
    let ours = std::fs::read(support::CZAR).unwrap();
    let version = env!("CARGO_PKG_VERSION");

    // Missing: installed under the host's dir.
    let first = json(&install(&repo.root, &host.ssh_config, &["box", "--json"]));
    let dest = host.node_dir.join("bin/czar");
    assert_eq!(first["action"], "installed", "{first}");
    assert_eq!(first["path"], dest.display().to_string());
    assert_eq!(first["version"], version);
    assert_eq!(first["was"], serde_json::Value::Null);
    assert!(std::fs::read(&dest).unwrap() == ours, "the same binary");
    assert_eq!(
        std::fs::metadata(&dest).unwrap().permissions().mode() & 0o777,
        0o755
    );
    let mtime = std::fs::metadata(&dest).unwrap().modified().unwrap();

    // Again: nothing to do, and nothing touched.
    let again = install(&repo.root, &host.ssh_config, &["box"]);
    assert!(again.status.success(), "{}", text(&again));
    let said = String::from_utf8_lossy(&again.stdout);
    assert!(
        said.contains(&format!("box: already at version {version}")),
        "{said}"
    );
    assert_eq!(std::fs::metadata(&dest).unwrap().modified().unwrap(), mtime);

    // The node's connection, with the default `czar`, runs the installed one (the login's PATH
    // has no czar of its own).
    let remote = czar::node::link::ssh_command(
        std::slice::from_ref(&host.alias),
        "czar",
        &host.node_dir.display().to_string(),
    );
    let remote = remote.as_std().get_args().last().unwrap().to_owned();
    let node = support::node::start(host.ssh(&remote.to_string_lossy()), Hello::ours());
    let node = node.unwrap_or_else(|(_, said)| panic!("{said:?}\n{}", host.log()));
    assert_eq!(node.hello.czar, version);
    drop(node);

    // Another version at the configured path: replaced.
    std::fs::create_dir_all(pinned.parent().unwrap()).unwrap();
    std::fs::write(&pinned, "#!/bin/sh\necho 'czar 0.0.1-old'\n").unwrap();
    std::fs::set_permissions(&pinned, std::fs::Permissions::from_mode(0o755)).unwrap();
    let replaced = json(&install(
        &repo.root,
        &host.ssh_config,
        &["pinned", "--json"],
    ));
    assert_eq!(replaced["action"], "installed", "{replaced}");
    assert_eq!(replaced["was"], "czar 0.0.1-old");
    assert_eq!(replaced["path"], pinned.display().to_string());
    assert!(
        std::fs::read(&pinned).unwrap() == ours,
        "replaced by this binary"
    );
    let leftovers: Vec<_> = std::fs::read_dir(pinned.parent().unwrap())
        .unwrap()
        .flatten()
        .map(|e| e.file_name())
        .collect();
    assert_eq!(leftovers, ["czar"], "no temporary file left");

    // A host that is not configured: named, with the ones that are.
    let none = install(&repo.root, &host.ssh_config, &["nope"]);
    assert!(!none.status.success());
    let err = String::from_utf8_lossy(&none.stderr);
    assert!(
        err.contains("[hosts.nope]") && err.contains("box, pinned"),
        "{err}"
    );
}

#[test]
fn an_install_path_the_remote_shell_could_misread_is_refused_naming_the_host_and_key() {
    let host = |czar: &str, dir: &str| czar::config::hosts::Host {
        name: "gpu".into(),
        ssh: "me@gpu".into(),
        workers: 1,
        dir: dir.into(),
        agents: Vec::new(),
        labels: Vec::new(),
        czar: czar.into(),
        grace_secs: 120,
    };
    use czar::node::install::destination;
    assert_eq!(
        destination(&host("czar", "/srv/n/")).unwrap(),
        "/srv/n/bin/czar"
    );
    assert_eq!(destination(&host("czar", "node")).unwrap(), "node/bin/czar");
    assert_eq!(
        destination(&host("/opt/c z/czar", "/n")).unwrap(),
        "/opt/c z/czar"
    );
    for (czar, dir, key) in [
        ("~/bin/czar", "/n", "czar"),
        ("-o/x", "/n", "czar"),
        ("/opt/", "/n", "czar"),
        ("/opt/../etc/czar", "/n", "czar"),
        ("czar", "~/n", "dir"),
    ] {
        let err = destination(&host(czar, dir)).unwrap_err().to_string();
        assert!(
            err.contains(&format!("[hosts.gpu] {key}")),
            "{czar} {dir}: {err}"
        );
    }
}
