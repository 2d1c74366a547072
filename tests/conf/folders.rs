//! czar's folders and tmux socket: values that would have czar write into the system, the
//! repository's .git, the home folder, or into each other, are refused at load with the line.

use crate::config::{error_at, load, repo};
use czar::adapters::tmux::Socket as TmuxSocket;
use std::path::Path;

/// The error for `text` loaded in `root`; asserts it names czar.toml, `line` and `key`.
fn refused_in(root: &Path, text: &str, line: usize, key: &str) -> String {
    let msg = load(root, text).expect_err(text).to_string();
    let prefix = format!("{}:{line}: {key}: ", root.join("czar.toml").display());
    assert!(
        msg.starts_with(&prefix),
        "{text:?}: expected {prefix:?}, got {msg:?}"
    );
    msg
}

#[test]
fn system_folders_the_root_and_git_are_refused_for_every_folder() {
    let bad = [
        ("/", "filesystem root"),
        ("/etc", "system folder /etc"),
        ("/etc/czar", "inside the system folder /etc"),
        ("/usr/lib/czar", "inside the system folder /usr"),
        ("/lib64/czar", "inside the system folder /lib64"),
        ("/boot", "system folder /boot"),
        ("/dev/shm/czar", "inside the system folder /dev"),
        ("/proc", "system folder /proc"),
        ("/sys/kernel", "inside the system folder /sys"),
        ("/var", "system folder /var"),
        ("/var/lib/czar", "inside the system folder /var/lib"),
        ("/tmp", "system folder /tmp"),
        (".git", "is the repository's .git folder"),
        (".git/czar", "inside the repository's .git folder"),
        ("sub/../.git/hooks", "inside the repository's .git folder"),
        ("..", "holds the repository"),
        (".", "the repository root itself"),
    ];
    for key in ["tasks_dir", "worktrees_dir", "state_dir"] {
        for (value, why) in bad {
            let msg = error_at(&format!("workers = 1\n{key} = \"{value}\"\n"), 2, key);
            assert!(msg.contains(why), "{key} = {value:?}: {msg}");
            assert!(msg.contains("a folder of its own"), "{msg}");
        }
    }
}

#[test]
fn the_home_folder_itself_is_refused() {
    let Some(home) = std::env::var_os("HOME").filter(|h| !h.is_empty()) else {
        eprintln!("SKIPPED the_home_folder_itself_is_refused: HOME is not set");
        return;
    };
    let home = home.to_string_lossy().into_owned();
    let msg = error_at(&format!("state_dir = \"{home}\"\n"), 1, "state_dir");
    // A home folder that is also a system folder (/root) is refused as that.
    assert!(
        msg.contains("home folder") || msg.contains("system folder"),
        "{msg}"
    );
    // Inside it is fine: that is where repositories live.
    let (_dir, root) = repo();
    let cfg = load(&root, &format!("worktrees_dir = \"{home}/czar-wt\"\n")).unwrap();
    assert_eq!(cfg.paths.worktrees_dir, Path::new(&home).join("czar-wt"));
}

#[test]
fn a_symlink_to_a_system_folder_is_refused_as_what_it_reaches() {
    let (_dir, root) = repo();
    std::os::unix::fs::symlink("/etc", root.join("etc-link")).unwrap();
    let msg = refused_in(&root, "state_dir = \"etc-link/czar\"\n", 1, "state_dir");
    assert!(msg.contains("system folder /etc"), "{msg}");
}

#[test]
fn the_folders_must_not_nest() {
    // Both set: the inner one is named, and the message says where the other was set.
    let msg = error_at(
        "worktrees_dir = \"../wt\"\nstate_dir = \"../wt/state\"\n",
        2,
        "state_dir",
    );
    assert!(msg.contains("is inside worktrees_dir"), "{msg}");
    assert!(msg.contains("czar.toml:1)"), "{msg}");
    // One set, against a default: the one set is named.
    let msg = error_at("worktrees_dir = \".czar/wt\"\n", 1, "worktrees_dir");
    assert!(msg.contains("is inside state_dir"), "{msg}");
    assert!(msg.contains("built-in config/defaults.toml"), "{msg}");
    let msg = error_at("state_dir = \"tasks/state\"\n", 1, "state_dir");
    assert!(msg.contains("is inside tasks_dir"), "{msg}");
    let msg = error_at("workers = 1\ntasks_dir = \".czar\"\n", 2, "tasks_dir");
    assert!(msg.contains("is the same folder as state_dir"), "{msg}");
    let msg = error_at("tasks_dir = \"../{project}-worktrees/t\"\n", 1, "tasks_dir");
    assert!(msg.contains("is inside worktrees_dir"), "{msg}");
    error_at("state_dir = \"x/..//tasks/\"\n", 1, "state_dir");
}

#[test]
fn the_defaults_and_ordinary_choices_still_load() {
    let (_dir, root) = repo();
    for text in [
        "",
        "worktrees_dir = \"../{project}-worktrees\"\n",
        "worktrees_dir = \"/var/tmp/czar-wt\"\nstate_dir = \"/tmp/czar-state\"\n",
        "tasks_dir = \"todo\"\nstate_dir = \"var/czar\"\nworktrees_dir = \"../wt\"\n",
        "tasks_dir = \".czar-tasks\"\n",
    ] {
        load(&root, text).unwrap_or_else(|e| panic!("{text:?}: {e}"));
    }
}

#[test]
fn socket_paths_that_tmux_cannot_use_are_refused() {
    let (dir, root) = repo();
    let tmp = dir.path().canonicalize().unwrap();
    std::fs::write(tmp.join("plain"), "").unwrap();
    let long = format!("{}/{}.sock", tmp.display(), "s".repeat(120));
    let cases = [
        ("/".to_string(), "names a folder"),
        (format!("{}/", tmp.display()), "names a folder"),
        (tmp.display().to_string(), "is a folder"),
        (format!("{}/nope/x.sock", tmp.display()), "does not exist"),
        (format!("{}/plain", tmp.display()), "is not a socket"),
        (format!("{}/plain/x.sock", tmp.display()), "is not a folder"),
        (long, "longer than a socket path"),
        (" ".to_string(), "blank"),
        (".".to_string(), "names a folder"),
        ("..".to_string(), "names a folder"),
    ];
    for (value, why) in cases {
        let msg = refused_in(
            &root,
            &format!("tmux_socket = \"{value}\"\n"),
            1,
            "tmux_socket",
        );
        assert!(msg.contains(why), "{value:?}: {msg}");
    }
    let ok = tmp.join("czar.sock");
    let cfg = load(&root, &format!("tmux_socket = \"{}\"\n", ok.display())).unwrap();
    assert_eq!(cfg.tmux, TmuxSocket::Path(ok));
    let cfg = load(&root, "tmux_socket = \"\"\n").unwrap();
    assert_eq!(cfg.tmux, TmuxSocket::Default);
}

#[test]
fn the_state_folder_goes_into_gitignore_once() {
    let (_dir, root) = repo();
    let ignore = root.join(".gitignore");
    let state = root.join(".czar");
    // Missing: created with the line.
    assert_eq!(
        czar::config::ignore_state_dir(&root, &state)
            .unwrap()
            .as_deref(),
        Some("/.czar/")
    );
    assert_eq!(std::fs::read_to_string(&ignore).unwrap(), "/.czar/\n");
    // Present: not again.
    assert_eq!(czar::config::ignore_state_dir(&root, &state).unwrap(), None);
    // Any spelling of it counts; a file without a last newline gets one before the line.
    for (text, added) in [
        (".czar\n", false),
        ("target/\n.czar/", false),
        ("  /.czar  \n", false),
        ("target/", true),
    ] {
        std::fs::write(&ignore, text).unwrap();
        let got = czar::config::ignore_state_dir(&root, &state).unwrap();
        assert_eq!(got.is_some(), added, "{text:?}");
        let after = std::fs::read_to_string(&ignore).unwrap();
        let want = if added {
            format!("{text}\n/.czar/\n")
        } else {
            text.to_string()
        };
        assert_eq!(after, want);
    }
    // A nested or configured state folder is written as its path; one outside needs nothing.
    std::fs::write(&ignore, "").unwrap();
    let nested = root.join("var/czar");
    assert_eq!(
        czar::config::ignore_state_dir(&root, &nested)
            .unwrap()
            .as_deref(),
        Some("/var/czar/")
    );
    let outside = root.parent().unwrap().join("state");
    assert_eq!(
        czar::config::ignore_state_dir(&root, &outside).unwrap(),
        None
    );
    assert_eq!(std::fs::read_to_string(&ignore).unwrap(), "/var/czar/\n");
}
