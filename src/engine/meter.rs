//! Reads the tokens each worker's agent reports from where its client writes them, every few
//! seconds, off the loop: Codex CLI's session rollout (the newest under `$CODEX_HOME/sessions`
//! that ran in the worker's worktree), Gemini CLI's chat file (the newest under
//! `~/.gemini/tmp/*/chats` of the worktree's project), Aider's lines in the worker's output
//! log, Claude Code's transcript (its path came with a hook). What changed goes to the core as
//! `Observation::Metered`; the figures themselves are read by `core::reports`.

use super::{Ctx, Profile};
use crate::core::model::{Model, WorkerId};
use crate::core::observation::Observation;
use crate::core::reports::Source;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

/// How often the files are looked at.
const EVERY_MS: u64 = 2_000;
/// Session folders looked into at each level (years, months, days; newest first), so a
/// folder of months of sessions is not walked each time.
const NEWEST: usize = 2;

/// What the meter remembers between rounds.
#[derive(Default)]
pub struct Meter {
    last: Mutex<u64>,
    state: Arc<Mutex<Seen>>,
}

#[derive(Default)]
struct Seen {
    /// A round is out.
    running: bool,
    /// Each session file's size and time when last read: unchanged, it is not read again.
    stamps: HashMap<PathBuf, (u64, Option<SystemTime>)>,
    /// A session file's folder or project (its first line), read once.
    owners: HashMap<PathBuf, Option<String>>,
}

/// Where one worker's agent reports.
struct Job {
    worker: WorkerId,
    source: Source,
    find: Find,
    /// Its worker waits for a reading (its task just ended): sent even if the file has not
    /// changed since the last, so the wait ends at once.
    force: bool,
}

enum Find {
    /// This file.
    File(PathBuf),
    /// The newest Codex rollout under this home whose session ran in one of these folders.
    Codex(PathBuf, Vec<String>),
    /// The newest Gemini chat under this home of one of these projects (hashes).
    Gemini(PathBuf, Vec<String>),
}

/// Starts a round when one is due and none is out.
pub(super) fn round(ctx: &Arc<Ctx>, model: &Model, now: u64) {
    {
        let Ok(mut last) = ctx.meter.last.lock() else {
            return;
        };
        if now.saturating_sub(*last) < EVERY_MS {
            return;
        }
        *last = now;
    }
    let jobs: Vec<Job> = model
        .workers
        .values()
        .filter(|w| !w.retired && (w.live || w.vitals.tokens.usage_seen.is_some()))
        .filter_map(|w| {
            let profile = ctx.setup.profile(&w.profile)?;
            job(ctx, profile, w.id, w.vitals.tokens.account.as_deref(), w)
        })
        .map(|mut j| {
            j.force = model
                .workers
                .get(&j.worker)
                .is_some_and(|w| w.vitals.tokens.meter_wait.is_some());
            j
        })
        .collect();
    if jobs.is_empty() {
        return;
    }
    {
        let Ok(mut seen) = ctx.meter.state.lock() else {
            return;
        };
        if seen.running {
            return;
        }
        seen.running = true;
    }
    let ctx = Arc::clone(ctx);
    tokio::task::spawn_blocking(move || {
        for job in jobs {
            if let Some((session, report)) = read(&ctx.meter.state, &job) {
                // The round's start: every file is read after it.
                ctx.send(Observation::Metered {
                    worker: job.worker,
                    session,
                    report,
                    read_at: now,
                });
            }
        }
        if let Ok(mut seen) = ctx.meter.state.lock() {
            seen.running = false;
        }
    });
}

fn job(
    ctx: &Ctx,
    profile: &Profile,
    worker: WorkerId,
    account: Option<&str>,
    w: &crate::core::Worker,
) -> Option<Job> {
    let source = profile.usage?;
    let env = super::launch::with_account(profile, account).ok()?.env;
    let var = |name: &str| {
        env.iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .or_else(|| std::env::var(name).ok())
            .filter(|v| !v.is_empty())
    };
    let home = var("HOME").map(PathBuf::from);
    let tree = ctx.setup.paths.worktree(worker);
    let mut folders = vec![tree.display().to_string()];
    if let Ok(real) = std::fs::canonicalize(&tree) {
        let real = real.display().to_string();
        if !folders.contains(&real) {
            folders.push(real);
        }
    }
    let find = match source {
        Source::Claude => Find::File(PathBuf::from(&w.vitals.tokens.usage_seen.as_ref()?.0)),
        Source::Aider => Find::File(ctx.setup.paths.output_log(worker)),
        Source::Codex => Find::Codex(
            var("CODEX_HOME")
                .map(PathBuf::from)
                .or_else(|| Some(home?.join(".codex")))?,
            folders,
        ),
        Source::Gemini => Find::Gemini(
            var("GEMINI_CLI_HOME")
                .map(PathBuf::from)
                .or(home)?
                .join(".gemini"),
            folders.iter().map(|f| sha256_hex(f.as_bytes())).collect(),
        ),
    };
    Some(Job {
        worker,
        source,
        find,
        force: false,
    })
}

/// The job's session file and its figures, when it changed since the last round.
fn read(state: &Mutex<Seen>, job: &Job) -> Option<(String, crate::core::reports::Report)> {
    let file = match &job.find {
        Find::File(f) => f.clone(),
        Find::Codex(home, folders) => newest(state, &codex_files(home), folders, |l| {
            crate::core::reports::codex_rollout_cwd(l)
        })?,
        Find::Gemini(home, projects) => newest(state, &gemini_files(home), projects, |l| {
            crate::core::reports::gemini_chat_project(l)
        })?,
    };
    let meta = std::fs::metadata(&file).ok()?;
    let stamp = (meta.len(), meta.modified().ok());
    {
        let mut seen = state.lock().ok()?;
        if seen.stamps.get(&file) == Some(&stamp) && !job.force {
            return None;
        }
        seen.stamps.insert(file.clone(), stamp);
    }
    let report = session_report(job.source, &file)?;
    Some((file.display().to_string(), report))
}

/// The figures of one session file as `source` writes it (`czar stats` reads them too).
pub fn session_report(source: Source, file: &Path) -> Option<crate::core::reports::Report> {
    let bytes = std::fs::read(file).ok()?;
    let text = match source {
        // Aider's lines are among the terminal's escapes.
        Source::Aider => super::exits::plain(&bytes),
        _ => String::from_utf8_lossy(&bytes).into_owned(),
    };
    Some(source.read(&text))
}

/// The most recently written of `files` whose owner (read from its first line) is one of
/// `owners`.
fn newest(
    state: &Mutex<Seen>,
    files: &[PathBuf],
    owners: &[String],
    owner_of: impl Fn(&str) -> Option<String>,
) -> Option<PathBuf> {
    let mut best: Option<(SystemTime, PathBuf)> = None;
    for f in files {
        let known = state.lock().ok()?.owners.get(f).cloned();
        let owner = match known {
            Some(o) => o,
            None => {
                let o = first_line(f).and_then(|l| owner_of(&l));
                // A file not written yet has no first line: it is looked at again.
                if o.is_some() {
                    state.lock().ok()?.owners.insert(f.clone(), o.clone());
                }
                o
            }
        };
        if !owner.is_some_and(|o| owners.contains(&o)) {
            continue;
        }
        let at = std::fs::metadata(f).and_then(|m| m.modified()).ok()?;
        if best.as_ref().is_none_or(|(t, _)| at > *t) {
            best = Some((at, f.clone()));
        }
    }
    best.map(|(_, f)| f)
}

fn first_line(f: &Path) -> Option<String> {
    use std::io::{BufRead, Read};
    let file = std::fs::File::open(f).ok()?;
    let mut line = String::new();
    // A rollout's first line holds the model's instructions: tens of KB.
    std::io::BufReader::new(file.take(1 << 20))
        .read_line(&mut line)
        .ok()?;
    (!line.trim().is_empty()).then_some(line)
}

/// `sessions/YYYY/MM/DD/rollout-*.jsonl`, in the newest folders only.
fn codex_files(home: &Path) -> Vec<PathBuf> {
    let mut dirs = vec![home.join("sessions")];
    for _ in 0..3 {
        dirs = dirs.iter().flat_map(|d| newest_dirs(d)).collect();
    }
    dirs.iter()
        .flat_map(|d| entries(d))
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("rollout-") && n.ends_with(".jsonl"))
        })
        .collect()
}

/// `tmp/<project>/chats/session-*.jsonl`.
fn gemini_files(home: &Path) -> Vec<PathBuf> {
    entries(&home.join("tmp"))
        .into_iter()
        .flat_map(|p| entries(&p.join("chats")))
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("session-") && n.ends_with(".jsonl"))
        })
        .collect()
}

fn entries(dir: &Path) -> Vec<PathBuf> {
    std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .collect()
}

/// The last `NEWEST` folders of `dir` by name.
fn newest_dirs(dir: &Path) -> Vec<PathBuf> {
    let mut all: Vec<PathBuf> = entries(dir).into_iter().filter(|p| p.is_dir()).collect();
    all.sort();
    all.split_off(all.len().saturating_sub(NEWEST))
}

/// Gemini CLI names a project by the SHA-256 of its folder, in hex.
fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gemini_project_names_are_the_folder_hash() {
        // As Gemini CLI 0.61.0 wrote it for this folder.
        assert_eq!(
            sha256_hex(b"/tmp/.tmpQHyt58/wt/worker-1"),
            "dc402ee4fac07e4568cfcdbf0ea5a95d797f5dfced1764ce709c0734b8b165e3"
        );
    }

    #[test]
    fn the_newest_rollout_of_the_worktree_is_read() {
        let dir = tempfile::tempdir().unwrap();
        let home = dir.path();
        let day = home.join("sessions/2026/12/02");
        std::fs::create_dir_all(&day).unwrap();
        let meta =
            |cwd: &str| format!(r#"{{"type":"session_meta","payload":{{"cwd":"{cwd}"}}}}"#) + "\n";
        let tc = |n: u64| {
            format!(
                r#"{{"type":"event_msg","payload":{{"type":"token_count","info":{{"total_token_usage":{{"input_tokens":{n},"cached_input_tokens":0,"output_tokens":1}},"last_token_usage":{{"input_tokens":{n}}}}}}}}}"#
            ) + "\n"
        };
        std::fs::write(day.join("rollout-a.jsonl"), meta("/w/1") + &tc(5)).unwrap();
        std::fs::write(day.join("rollout-b.jsonl"), meta("/w/2") + &tc(7)).unwrap();
        let state = Mutex::new(Seen::default());
        let job = Job {
            worker: 2,
            source: Source::Codex,
            find: Find::Codex(home.to_path_buf(), vec!["/w/2".into()]),
            force: false,
        };
        let (session, report) = read(&state, &job).unwrap();
        assert!(session.ends_with("rollout-b.jsonl"), "{session}");
        assert_eq!((report.totals.input, report.context), (7, Some(7)));
        assert!(
            read(&state, &job).is_none(),
            "an unchanged file is not read again"
        );
        let forced = Job { force: true, ..job };
        assert!(
            read(&state, &forced).is_some(),
            "unless its worker waits for a reading"
        );
    }
}
