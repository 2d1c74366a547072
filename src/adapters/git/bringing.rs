//! The note in a checkout's git folder from the moment czar brings its files from one commit
//! to another until the target's ref has moved too. A czar killed inside leaves the tree
//! half-way or ahead of its ref, which reads as changes, and may leave git's `index.lock`: the
//! next czar takes those for its own doing only when the note says a move from the same commit
//! was under way (see `checkout::bring_checkout`).
//!
//! One line per move tried from that commit, `<from> <to> <ms>`: a landing redone after a
//! restart merges anew (another commit id), or another landing goes first, and the files of
//! every move tried may be in the tree.

use super::error::GitError;
use super::locks;
use git2::{Oid, Repository};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

const FILE: &str = "czar-bringing";

/// A lock made this long after the last move noted is no longer taken for that move's.
const LOCK_WINDOW: Duration = Duration::from_secs(60);

/// A move of the checkout from `from` to `to` begins (noted once per pair).
pub(super) fn begin(repo: &Repository, from: Oid, to: Oid) -> Result<(), GitError> {
    if noted(repo, from).iter().any(|(t, _)| *t == to) {
        return Ok(());
    }
    let note = repo.path().join(FILE);
    let path = repo.workdir().unwrap_or(repo.path());
    let mut text = std::fs::read_to_string(&note).unwrap_or_default();
    text.push_str(&format!("{from} {to} {}\n", ms(SystemTime::now())));
    std::fs::write(&note, text)
        .map_err(|e| super::error::io_error("cannot note the checkout's move in", path, e))
}

/// The moves from `from` under way when a czar stopped: each one's target and when it began.
pub(super) fn noted(repo: &Repository, from: Oid) -> Vec<(Oid, Option<u64>)> {
    let note = std::fs::read_to_string(repo.path().join(FILE)).unwrap_or_default();
    note.lines()
        .filter_map(|line| {
            let mut words = line.split_whitespace();
            let noted_from = Oid::from_str(words.next()?).ok()?;
            let to = Oid::from_str(words.next()?).ok()?;
            let at = words.next().and_then(|w| w.parse().ok());
            (noted_from == from).then_some((to, at))
        })
        .collect()
}

/// The target's ref moved: no move is under way any more.
pub(super) fn end(repo: &Repository) {
    let note = repo.path().join(FILE);
    match std::fs::remove_file(&note) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => tracing::warn!("removing {}: {e}", note.display()),
    }
}

/// Removes the checkout's `index.lock` when a killed move left it: made while a noted move
/// was under way, and older than any write takes. A lock from any other time may be the
/// operator's (`git commit` holds it while its editor is open) and is left alone.
pub(super) fn clear_killed_lock(repo: &Repository, moves: &[(Oid, Option<u64>)]) {
    let times: Vec<u64> = moves.iter().filter_map(|(_, at)| *at).collect();
    let (Some(first), Some(last)) = (times.iter().min(), times.iter().max()) else {
        return;
    };
    let lock = repo.path().join("index.lock");
    let Some(made) = std::fs::symlink_metadata(&lock)
        .and_then(|m| m.modified())
        .ok()
        .map(ms)
    else {
        return;
    };
    // A second of slack: file times and the clock may round differently.
    let during = made + 1_000 >= *first && made <= last + LOCK_WINDOW.as_millis() as u64;
    if during {
        locks::clear_stale(&[lock]);
    }
}

fn ms(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}
