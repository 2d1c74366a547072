//! No secret on any command line: an agent gets the czar's environment and its profile's `env`
//! through a private file `czar pane-log` reads and deletes, so neither `ps` nor any file the
//! czar writes shows a value; and a profile's PATH is the agent's, used to find its program.

use crate::background::{Running, wait_until, walk};
use crate::common::Project;
use crate::support::text;
use std::path::Path;
use std::process::Command;

fn unique(tag: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!("{tag}-{}-{nanos}", std::process::id())
}

/// A project whose one worker runs profile `probe`: `command` with `env`.
fn project(command: &str, env: &str) -> Project {
    let p = Project::new(1, "");
    let cfg = std::fs::read_to_string(p.root.join("czar.toml")).unwrap();
    let cfg = cfg.replace("agent = \"sim\"", "agent = \"probe\"");
    let profile = format!("\n[agents.probe]\ncommand = {command}\nenv = {env}\n");
    std::fs::write(p.root.join("czar.toml"), cfg + &profile).unwrap();
    p
}

fn read_when_has(path: &Path, needles: &[&str]) -> String {
    let mut text = String::new();
    wait_until(&format!("{needles:?} in {}", path.display()), 60, || {
        text = std::fs::read_to_string(path).unwrap_or_default();
        needles.iter().all(|n| text.contains(n))
    });
    text
}

fn assert_absent(what: &str, haystack: &[u8], secrets: &[&str]) {
    for s in secrets {
        let found = haystack.windows(s.len()).any(|w| w == s.as_bytes());
        assert!(!found, "{what} holds the secret {s}");
    }
}

#[test]
fn the_agent_gets_both_secrets_and_no_command_line_or_state_file_shows_them() {
    let outside = tempfile::tempdir().unwrap();
    let received = outside.path().join("received-env");
    let (czar_secret, profile_secret) = (unique("czar-secret"), unique("profile-secret"));
    let command = format!(
        "[\"sh\", \"-c\", \"env > '{}'; exec cat\"]",
        received.display()
    );
    let p = project(
        &command,
        &format!("{{ PROFILE_KEY = \"{profile_secret}\" }}"),
    );
    let mut cmd = p.czar(&["--auto", "--watch"]);
    cmd.env("CZAR_TEST_API_KEY", &czar_secret)
        // Everything tracing has to say goes to the log the test searches.
        .env("CZAR_LOG", "debug");
    let _czar = Running::start(cmd);
    let env = read_when_has(&received, &["CZAR_WORKER=1", &czar_secret, &profile_secret]);
    let lines: Vec<&str> = env.lines().collect();
    assert!(
        lines.contains(&format!("CZAR_TEST_API_KEY={czar_secret}").as_str()),
        "{env}"
    );
    assert!(
        lines.contains(&format!("PROFILE_KEY={profile_secret}").as_str()),
        "{env}"
    );
    let state = p.root.join(".czar");
    assert!(
        lines.contains(&format!("CZAR_STATE_DIR={}", state.display()).as_str()),
        "{env}"
    );
    // The pane's own terminal and tmux, as tmux set them, not the czar's.
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("TMUX=") && l.contains(p.socket())),
        "{env}"
    );
    assert!(
        lines.contains(&"TERM=tmux-256color") || lines.contains(&"TERM=screen"),
        "{env}"
    );

    let secrets = [czar_secret.as_str(), profile_secret.as_str()];
    let ps = Command::new("ps")
        .args(["-eww", "-o", "args"])
        .output()
        .unwrap();
    assert!(ps.status.success());
    assert!(
        String::from_utf8_lossy(&ps.stdout).contains("pane-log"),
        "ps shows no agent at all"
    );
    assert_absent("ps -eww -o args", &ps.stdout, &secrets);
    for (args, what) in [
        (&["status"][..], "status"),
        (&["status", "--json"], "status --json"),
        (&["explain", "1"], "explain"),
    ] {
        let out = p.czar(args).output().unwrap();
        assert!(out.status.success(), "{what}: {}", text(&out));
        assert_absent(what, &out.stdout, &secrets);
    }
    // The czar.toml where the test wrote the profile's key is the operator's own file.
    let wt = p.root.parent().unwrap().join("wt");
    let mut searched = 0;
    for root in [&state, &wt, &p.root] {
        for path in walk(root) {
            if path == p.root.join("czar.toml") || !path.is_file() {
                continue;
            }
            assert_absent(
                &path.display().to_string(),
                &std::fs::read(&path).unwrap(),
                &secrets,
            );
            searched += 1;
            let name = path.file_name().unwrap().to_string_lossy();
            assert!(
                !name.starts_with("agent-env-"),
                "{} was not deleted",
                path.display()
            );
        }
    }
    assert!(
        state.join("logs/czar.log").exists() && state.join("logs/worker-1.log").exists(),
        "no logs to search"
    );
    assert!(searched > 10, "only {searched} files searched");
}

#[test]
fn a_profiles_path_is_the_agents_and_finds_its_program() {
    let outside = tempfile::tempdir().unwrap();
    let bin = outside.path().join("agent-bin");
    std::fs::create_dir(&bin).unwrap();
    let seen = outside.path().join("agent-path");
    let draft = outside.path().join("draft");
    std::fs::write(
        &draft,
        format!(
            "#!/bin/sh\necho \"$PATH\" > '{}'\nexec cat\n",
            seen.display()
        ),
    )
    .unwrap();
    // Installed, never held open for writing here: a fork elsewhere in this process could
    // inherit such a descriptor and make the exec fail with ETXTBSY.
    let installed = Command::new("install")
        .args(["-m", "755"])
        .arg(&draft)
        .arg(bin.join("probe-agent"))
        .status()
        .unwrap();
    assert!(installed.success());
    let path = format!("{}:/usr/bin:/bin", bin.display());
    let p = project("[\"probe-agent\"]", &format!("{{ PATH = \"{path}\" }}"));
    let czar_path = std::env::var("PATH").unwrap_or_default();
    assert!(!czar_path.contains(&bin.display().to_string()));
    let _czar = Running::start(p.czar(&["--auto", "--watch"]));
    let got = read_when_has(&seen, &["\n"]);
    assert_eq!(got.trim_end(), path);
}
