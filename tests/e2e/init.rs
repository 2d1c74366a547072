//! `czar init` in a fresh repository: the starter files, and the state folder in .gitignore
//! (created when missing, never twice).

use crate::support::{CZAR, TempRepo, git, text};
use std::process::{Command, Stdio};

#[test]
fn init_ignores_the_state_folder_once() {
    let fresh = TempRepo::unborn("fresh");
    let root = &fresh.root;
    let init = || {
        Command::new(CZAR)
            .arg("init")
            .current_dir(root)
            .stdin(Stdio::null())
            .output()
            .unwrap()
    };
    let out = init();
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("added /.czar/ to"),
        "{}",
        text(&out)
    );
    let ignore = root.join(".gitignore");
    assert_eq!(std::fs::read_to_string(&ignore).unwrap(), "/.czar/\n");
    // git agrees: czar's state is not something to commit.
    std::fs::create_dir_all(root.join(".czar/logs")).unwrap();
    std::fs::write(root.join(".czar/logs/czar.log"), "x").unwrap();
    let status = git(root, &["status", "--porcelain", "--untracked-files=all"]);
    assert!(!status.contains(".czar"), "{status}");

    // Again (after czar.toml is removed): the line is not added twice.
    std::fs::remove_file(root.join("czar.toml")).unwrap();
    std::fs::write(&ignore, "target/\n.czar/").unwrap();
    let out = init();
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        !String::from_utf8_lossy(&out.stdout).contains("added"),
        "{}",
        text(&out)
    );
    assert_eq!(std::fs::read_to_string(&ignore).unwrap(), "target/\n.czar/");
}
