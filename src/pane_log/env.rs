//! An agent's environment on its way from the czar to `czar pane-log`. Sessions need the czar's
//! environment (API keys among it), not the tmux server's; given as `tmux new-session -e
//! KEY=VALUE` it would sit on the tmux server's command line, which `ps` shows every local
//! user for the server's whole life. So the czar writes it to a file only the user can read,
//! in the state folder, and names the file on the command line instead; pane-log reads it,
//! deletes it at once, and starts the agent with it.
//!
//! Format: `KEY=VALUE` records, each ended by a NUL (a value may hold newlines; no variable can
//! hold a NUL).

use std::ffi::{OsStr, OsString};
use std::io::{self, Write};
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use crate::adapters::private;

/// What the pane's own environment says about the pane the agent draws in and the folder it
/// runs in, as tmux set them for pane-log. These win over the file, as they did over `-e`.
pub const FROM_PANE: [&str; 4] = ["TERM", "TMUX", "TMUX_PANE", "PWD"];

const PREFIX: &str = "agent-env-";

/// A file no pane-log took this long after it was written belongs to an agent that never
/// started (its session failed, or the tmux server went away).
const STALE: Duration = Duration::from_secs(60);

/// Whether `key` can be a variable's name.
pub fn valid_name(key: &OsStr) -> bool {
    !key.is_empty() && !key.as_bytes().contains(&b'=') && !key.as_bytes().contains(&0)
}

/// Writes `vars` (later ones win) to a new 0600 file in `dir` and returns its path. An invalid
/// name, or a value holding a NUL, is an error naming the variable (never its value).
pub fn write_file(dir: &Path, worker: u32, vars: &[(OsString, OsString)]) -> io::Result<PathBuf> {
    let mut bytes = Vec::new();
    for (key, value) in vars {
        if !valid_name(key) || value.as_bytes().contains(&0) {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!(
                    "environment variable {key:?} cannot be passed (a name with '=' or NUL, or a value with NUL)"
                ),
            ));
        }
        bytes.extend_from_slice(key.as_bytes());
        bytes.push(b'=');
        bytes.extend_from_slice(value.as_bytes());
        bytes.push(0);
    }
    let nanos = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let path = dir.join(format!("{PREFIX}{worker}-{}-{nanos}", std::process::id()));
    let written = private::create_new(&path).and_then(|mut f| f.write_all(&bytes));
    if let Err(e) = written {
        let _ = std::fs::remove_file(&path);
        return Err(e);
    }
    Ok(path)
}

/// Reads the file, deletes it, and returns its variables.
pub fn take(path: &Path) -> io::Result<Vec<(OsString, OsString)>> {
    let bytes = std::fs::read(path)?;
    std::fs::remove_file(path)?;
    decode(&bytes)
}

fn decode(bytes: &[u8]) -> io::Result<Vec<(OsString, OsString)>> {
    let mut vars = Vec::new();
    let records = bytes.strip_suffix(&[0]).unwrap_or(bytes);
    if records.is_empty() {
        return Ok(vars);
    }
    for (n, record) in records.split(|b| *b == 0).enumerate() {
        let eq = record
            .iter()
            .position(|b| *b == b'=')
            .filter(|at| *at > 0)
            .ok_or_else(|| {
                io::Error::new(
                    io::ErrorKind::InvalidData,
                    format!("record {} is not KEY=VALUE", n + 1),
                )
            })?;
        vars.push((
            OsString::from_vec(record[..eq].to_vec()),
            OsString::from_vec(record[eq + 1..].to_vec()),
        ));
    }
    Ok(vars)
}

/// The agent's environment: the file's, with the pane's own [`FROM_PANE`] variables over it.
pub fn for_agent(
    file: Vec<(OsString, OsString)>,
    own: impl Iterator<Item = (OsString, OsString)>,
) -> Vec<(OsString, OsString)> {
    let pane: Vec<_> = own
        .filter(|(k, _)| FROM_PANE.iter().any(|p| OsStr::new(p) == k))
        .collect();
    let mut vars: Vec<_> = file
        .into_iter()
        .filter(|(k, _)| !pane.iter().any(|(p, _)| p == k))
        .collect();
    vars.extend(pane);
    vars
}

/// Deletes environment files in `dir` that nobody took in time (best effort).
pub fn sweep(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let old = entry
            .metadata()
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| t.elapsed().ok())
            .is_some_and(|age| age > STALE);
        if old && entry.file_name().as_bytes().starts_with(PREFIX.as_bytes()) {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn os(k: &str, v: &str) -> (OsString, OsString) {
        (k.into(), v.into())
    }

    #[test]
    fn values_with_newlines_and_equals_signs_round_trip_through_a_private_file_read_once() {
        let dir = tempfile::tempdir().unwrap();
        let vars = vec![
            os("A", "line one\nline two"),
            os("B", "x=y=z"),
            os("EMPTY", ""),
            (OsString::from("RAW"), OsString::from_vec(vec![0xff, b'a'])),
        ];
        let path = write_file(dir.path(), 3, &vars).unwrap();
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        assert_eq!(take(&path).unwrap(), vars);
        assert!(!path.exists(), "the file outlived its reading");
        assert!(take(&path).is_err(), "read twice");
    }

    #[test]
    fn a_name_that_cannot_be_a_variable_is_refused_without_its_value() {
        let dir = tempfile::tempdir().unwrap();
        let err = write_file(dir.path(), 1, &[os("A=B", "secret-value")]).unwrap_err();
        assert!(!err.to_string().contains("secret-value"), "{err}");
        assert!(err.to_string().contains("A=B"), "{err}");
        assert!(decode(b"=x\0").is_err());
        assert!(decode(b"novalue\0").is_err());
        assert_eq!(decode(b"").unwrap(), vec![]);
    }

    #[test]
    fn the_panes_terminal_variables_win_over_the_czars() {
        let file = vec![os("TERM", "xterm"), os("KEY", "v"), os("PWD", "/czar")];
        let own = vec![
            os("TERM", "tmux-256color"),
            os("PWD", "/wt"),
            os("OTHER", "no"),
        ];
        let got = for_agent(file, own.into_iter());
        assert_eq!(
            got,
            vec![
                os("KEY", "v"),
                os("TERM", "tmux-256color"),
                os("PWD", "/wt")
            ]
        );
    }
}
