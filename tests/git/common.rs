//! Real git repositories in temp dirs, driven by the git CLI (tests only).
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use crate::support::{TempRepo, git};

pub struct TestRepo {
    _repo: TempRepo,
    /// Folder holding the main checkout and sibling worktrees.
    pub home: PathBuf,
    /// The main checkout.
    pub root: PathBuf,
}

impl TestRepo {
    /// A repo on `main` with one commit: README.md, gone.txt and a .gitignore for *.log.
    pub fn new() -> TestRepo {
        let repo = TempRepo::new(
            "main",
            &[
                ("README.md", "hello\n"),
                ("gone.txt", "to be deleted\n"),
                (".gitignore", "*.log\n"),
            ],
        );
        TestRepo {
            home: repo.base.clone(),
            root: repo.root.clone(),
            _repo: repo,
        }
    }

    pub fn wt(&self, name: &str) -> PathBuf {
        self.home.join(name)
    }
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
        .trim()
        .to_string()
}
