//! One czar per state folder. Two engines on one repository would both start workers, hand out
//! every task and record it twice, so the commands that run the engine hold an exclusive lock on
//! `<state_dir>/czar.lock` for as long as they run. It is a kernel lock on the open file
//! (`flock`): it goes with the process however that ends, SIGKILL included, so a stale file
//! never keeps the next czar out. The file also says who holds it (pid, start time, mode), for
//! the message a second czar prints and for `holder`.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use super::private;

pub const FILE_NAME: &str = "czar.lock";

/// Which command holds the lock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Auto,
    Dashboard,
    Demo,
    /// `czar land <task>` or `czar gc` working while no czar runs.
    Land,
    /// `czar task hold|release|rm|retry|priority` changing the store while no czar runs.
    Task,
}

impl Mode {
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Auto => "--auto",
            Mode::Dashboard => "dashboard",
            Mode::Demo => "demo",
            Mode::Land => "land",
            Mode::Task => "czar task",
        }
    }
}

/// Who holds a state folder's lock, as the holder wrote it. A field is `None` when the file
/// does not say (being written this instant, or written by something else).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Holder {
    pub pid: Option<u32>,
    /// UTC, e.g. `2025-06-01 12:34:56 UTC`.
    pub started: Option<String>,
    /// `--auto`, `dashboard` or `demo`.
    pub mode: Option<String>,
}

impl std::fmt::Display for Holder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.pid {
            Some(pid) => write!(f, "pid {pid}")?,
            None => write!(f, "pid unknown")?,
        }
        if let Some(started) = &self.started {
            write!(f, ", started {started}")?;
        }
        match self.mode.as_deref() {
            Some("dashboard") => write!(f, ", running the dashboard")?,
            Some(mode) => write!(f, ", running czar {mode}")?,
            None => {}
        }
        Ok(())
    }
}

#[derive(Debug, thiserror::Error)]
pub enum LockError {
    #[error(
        "another czar already runs on {state_dir} ({holder}). One czar drives a state folder at \
         a time: stop that one first{stop}, or leave it running and use `czar status`, `czar \
         stats` or `czar explain` beside it"
    )]
    Held {
        state_dir: PathBuf,
        holder: Holder,
        stop: String,
    },
    #[error("locking {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
}

/// Held for as long as it lives; dropping it (or the process ending) releases the lock.
#[derive(Debug)]
pub struct Lock {
    _file: File,
    path: PathBuf,
}

impl Lock {
    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// How long a czar that finds the lock taken keeps trying: the holder writes its name right
/// after locking, and `holder` takes a shared lock for an instant.
const SETTLE: Duration = Duration::from_millis(500);

/// Takes the state folder's lock for `mode`, creating the folder (0700) and the file (0600).
/// Fails at once with [`LockError::Held`] when another process holds it.
pub fn acquire(state_dir: &Path, mode: Mode) -> Result<Lock, LockError> {
    let path = state_dir.join(FILE_NAME);
    let io_err = |source| LockError::Io {
        path: path.clone(),
        source,
    };
    private::dir(state_dir).map_err(io_err)?;
    // Not truncated on open: until the lock is ours, what the file says is the holder's.
    let mut file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .mode(private::FILE_MODE)
        .open(&path)
        .map_err(io_err)?;
    private::tighten_file(&path).map_err(io_err)?;
    let deadline = Instant::now() + SETTLE;
    loop {
        match file.try_lock() {
            Ok(()) => break,
            // Kept trying for a moment even when the file names someone: it may be a stale name
            // and `holder` looking at it.
            Err(TryLockError::WouldBlock) => {
                if Instant::now() >= deadline {
                    let holder = read_holder(&mut file);
                    let stop = holder.pid.map_or(String::new(), |p| format!(" (kill {p})"));
                    return Err(LockError::Held {
                        state_dir: state_dir.to_path_buf(),
                        holder,
                        stop,
                    });
                }
                std::thread::sleep(Duration::from_millis(20));
            }
            Err(TryLockError::Error(e)) => return Err(io_err(e)),
        }
    }
    let text = format!(
        "pid={}\nstarted={}\nmode={}\n",
        std::process::id(),
        utc(SystemTime::now()),
        mode.as_str()
    );
    file.set_len(0)
        .and_then(|()| file.seek(SeekFrom::Start(0)))
        .and_then(|_| file.write_all(text.as_bytes()))
        .map_err(io_err)?;
    Ok(Lock { _file: file, path })
}

/// Who holds `state_dir`'s lock now; `None` when nobody does (no lock file, or a file left by a
/// czar that is gone) or the file cannot be opened.
pub fn holder(state_dir: &Path) -> Option<Holder> {
    let mut file = File::open(state_dir.join(FILE_NAME)).ok()?;
    match file.try_lock_shared() {
        // We got it, so nobody holds it: a stale file.
        Ok(()) => None,
        Err(TryLockError::WouldBlock) => {
            let deadline = Instant::now() + SETTLE;
            loop {
                let h = read_holder(&mut file);
                if h.pid.is_some() || Instant::now() >= deadline {
                    return Some(h);
                }
                std::thread::sleep(Duration::from_millis(20));
            }
        }
        Err(TryLockError::Error(_)) => None,
    }
}

fn read_holder(file: &mut File) -> Holder {
    let mut text = String::new();
    let _ = file
        .seek(SeekFrom::Start(0))
        .and_then(|_| file.read_to_string(&mut text));
    parse(&text)
}

fn parse(text: &str) -> Holder {
    let field = |key: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(key)?.strip_prefix('='))
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_string)
    };
    Holder {
        pid: field("pid").and_then(|p| p.parse().ok()),
        started: field("started"),
        mode: field("mode"),
    }
}

/// `YYYY-MM-DD HH:MM:SS UTC`.
pub fn utc(t: SystemTime) -> String {
    let secs = t.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let (days, rem) = (secs / 86_400, secs % 86_400);
    let (y, m, d) = civil(days as i64);
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02} UTC",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// The proleptic Gregorian date `days` after 1970-01-01 (Howard Hinnant's `civil_from_days`).
fn civil(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_utc_calendar_dates() {
        let at = |s: u64| utc(UNIX_EPOCH + Duration::from_secs(s));
        assert_eq!(at(0), "1970-01-01 00:00:00 UTC");
        assert_eq!(at(951_782_400), "2000-02-29 00:00:00 UTC");
        assert_eq!(at(1_709_251_199), "2024-02-29 23:59:59 UTC");
        assert_eq!(at(4_102_444_800), "2100-01-01 00:00:00 UTC");
    }

    #[test]
    fn one_holder_at_a_time_and_a_released_lock_is_free_again() {
        let dir = tempfile::tempdir().unwrap();
        let state = dir.path().join("state");
        assert_eq!(holder(&state), None, "no file");
        let lock = acquire(&state, Mode::Auto).unwrap();
        let h = holder(&state).expect("held");
        assert_eq!(h.pid, Some(std::process::id()));
        assert_eq!(h.mode.as_deref(), Some("--auto"));
        assert!(h.started.as_deref().is_some_and(|s| s.ends_with(" UTC")));
        // flock locks belong to the open file, so a second open in this process conflicts too.
        let err = acquire(&state, Mode::Dashboard).unwrap_err();
        let msg = err.to_string();
        assert!(
            msg.contains(&format!("pid {}", std::process::id()))
                && msg.contains("started ")
                && msg.contains(&format!("kill {}", std::process::id())),
            "{msg}"
        );
        assert_eq!(lock.path(), state.join(FILE_NAME));
        drop(lock);
        assert_eq!(holder(&state), None, "a file nobody holds is stale");
        let again = acquire(&state, Mode::Demo).unwrap();
        assert_eq!(
            holder(&state).and_then(|h| h.mode),
            Some("demo".to_string())
        );
        drop(again);
    }

    #[test]
    fn a_file_that_says_nothing_reads_as_unknown() {
        assert_eq!(
            parse("garbage\npid=x\n"),
            Holder {
                pid: None,
                started: None,
                mode: None
            }
        );
        let h = parse("pid=12\nstarted=2025-01-01 00:00:00 UTC\nmode=--auto\n");
        assert_eq!(
            h.to_string(),
            "pid 12, started 2025-01-01 00:00:00 UTC, running czar --auto"
        );
    }
}
