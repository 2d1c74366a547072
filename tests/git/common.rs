//! Real git repositories in temp dirs, driven by the git CLI (tests only).
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

use tempfile::TempDir;

pub struct TestRepo {
    _dir: TempDir,
    /// Folder holding the main checkout and sibling worktrees.
    pub home: PathBuf,
    /// The main checkout.
    pub root: PathBuf,
}

impl TestRepo {
    /// A repo on `main` with one commit: README.md, gone.txt and a .gitignore for *.log.
    pub fn new() -> TestRepo {
        let dir = tempfile::tempdir().unwrap();
        let home = dir.path().canonicalize().unwrap();
        let root = home.join("main");
        std::fs::create_dir(&root).unwrap();
        git(&root, &["init", "-q", "-b", "main"]);
        write(&root.join("README.md"), "hello\n");
        write(&root.join("gone.txt"), "to be deleted\n");
        write(&root.join(".gitignore"), "*.log\n");
        git(&root, &["add", "-A"]);
        git(&root, &["commit", "-q", "-m", "initial"]);
        TestRepo {
            _dir: dir,
            home,
            root,
        }
    }

    pub fn wt(&self, name: &str) -> PathBuf {
        self.home.join(name)
    }
}

/// Runs git in `dir` with a fixed identity and no system config; panics with stderr on failure.
pub fn git(dir: &Path, args: &[&str]) -> String {
    let out = git_output(dir, args);
    assert!(
        out.status.success(),
        "git {args:?} in {} failed: {}",
        dir.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

pub fn git_output(dir: &Path, args: &[&str]) -> std::process::Output {
    Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(["-c", "commit.gpgsign=false"])
        .args(args)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_AUTHOR_NAME", "Tester")
        .env("GIT_AUTHOR_EMAIL", "tester@example.org")
        .env("GIT_COMMITTER_NAME", "Tester")
        .env("GIT_COMMITTER_EMAIL", "tester@example.org")
        .output()
        .unwrap()
}

pub fn write(path: &Path, text: &str) {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).unwrap();
    }
    std::fs::write(path, text).unwrap();
}

pub fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap()
}

/// Writes a file and commits it on whatever is checked out in `dir`.
pub fn commit_file(dir: &Path, file: &str, text: &str, message: &str) {
    write(&dir.join(file), text);
    git(dir, &["add", "-A"]);
    git(dir, &["commit", "-q", "-m", message]);
}

pub fn rev(dir: &Path, rev: &str) -> String {
    git(dir, &["rev-parse", "--verify", "-q", rev])
}
