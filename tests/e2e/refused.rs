//! Settings the binary must refuse before it starts anything: folders in the wrong place, a
//! tmux socket tmux cannot use, a base that names no branch, a repository with no commits.
//! Each exits 2 with the file, the line and the key.

use crate::common::Project;
use crate::support::{CZAR, TempRepo, git, text};
use std::process::{Command, Stdio};
use std::time::Duration;

/// Puts `line` first in czar.toml and runs `czar --auto`: it must exit 2 naming czar.toml,
/// line 1 and `key`, and start nothing. Returns stderr.
fn refused_first_line(line: &str, key: &str) -> String {
    let p = Project::new(1, "");
    p.task("a", "title = \"A\"", "x\n\nsim: duration=0.2\n");
    let cfg = p.root.join("czar.toml");
    let old = std::fs::read_to_string(&cfg).unwrap();
    let rest: Vec<&str> = old
        .lines()
        .filter(|l| !l.starts_with(&format!("{key} =")))
        .collect();
    std::fs::write(&cfg, format!("{line}\n{}\n", rest.join("\n"))).unwrap();
    let out = p.run_auto(Duration::from_secs(30));
    assert_eq!(out.status.code(), Some(2), "{line}: {}", text(&out));
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    let want = format!("{}:1: {key}: ", cfg.display());
    assert!(err.contains(&want), "{line}: expected {want:?} in {err}");
    assert!(
        p.tmux(&["list-sessions"]).is_none(),
        "{line}: a session started"
    );
    assert!(
        !p.root.parent().unwrap().join("wt").exists(),
        "{line}: a worktree was made"
    );
    err
}

#[test]
fn folders_in_system_places_in_git_or_in_each_other_exit_2() {
    for (line, key, why) in [
        ("state_dir = \"/\"", "state_dir", "filesystem root"),
        (
            "worktrees_dir = \"/etc\"",
            "worktrees_dir",
            "system folder /etc",
        ),
        (
            "tasks_dir = \"/usr/share\"",
            "tasks_dir",
            "system folder /usr",
        ),
        ("state_dir = \".git\"", "state_dir", ".git folder"),
        ("tasks_dir = \".git/tasks\"", "tasks_dir", ".git folder"),
        (
            "state_dir = \"../wt/state\"",
            "state_dir",
            "inside worktrees_dir",
        ),
        (
            "state_dir = \"tasks/.czar\"",
            "state_dir",
            "inside tasks_dir",
        ),
    ] {
        let err = refused_first_line(line, key);
        assert!(err.contains(why), "{line}: {err}");
    }
}

#[test]
fn a_socket_path_tmux_cannot_use_exits_2() {
    let err = refused_first_line("tmux_socket = \"/\"", "tmux_socket");
    assert!(err.contains("names a folder"), "{err}");
    let err = refused_first_line("tmux_socket = \"/tmp\"", "tmux_socket");
    assert!(err.contains("is a folder"), "{err}");
    let err = refused_first_line("tmux_socket = \"/no-such-dir-czar/s.sock\"", "tmux_socket");
    assert!(err.contains("does not exist"), "{err}");
}

#[test]
fn a_base_that_names_no_branch_exits_2_listing_branches() {
    let err = refused_first_line("base = \"mian\"", "base");
    assert!(
        err.contains("\"mian\"") && err.contains("names no branch"),
        "{err}"
    );
    assert!(err.contains("branches: main"), "{err}");
}

#[test]
fn a_repository_without_commits_says_to_make_the_first_one() {
    let fresh = TempRepo::unborn("fresh");
    let root = &fresh.root;
    let czar = |args: &[&str]| {
        Command::new(CZAR)
            .args(args)
            .current_dir(root)
            .env_remove("TMUX")
            .stdin(Stdio::null())
            .output()
            .unwrap()
    };
    // `czar init` works before the first commit: that is when people run it.
    let out = czar(&["init"]);
    assert!(out.status.success(), "{}", text(&out));
    for args in [&["--auto"][..], &["status"]] {
        let out = czar(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", text(&out));
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("no commits yet"), "{err}");
        assert!(err.contains("first commit"), "{err}");
        assert!(!err.contains("HEAD is not on a branch"), "{err}");
    }
    // After the first commit it loads.
    git(root, &["add", "-A"]);
    git(root, &["commit", "-q", "-m", "first"]);
    let out = czar(&["status"]);
    assert!(out.status.success(), "{}", text(&out));
}
