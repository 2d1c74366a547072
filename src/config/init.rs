//! `czar init`: the starter czar.toml and example task, and the state folder in .gitignore, so
//! czar's database and logs never end up in a commit (`git add -A` is what agents run).

use std::fs::OpenOptions;
use std::io::{ErrorKind, Write};
use std::path::{Path, PathBuf};

use super::error::{ConfigError, ConfigErrorKind, Location};
use super::{CONFIG_FILE_NAME, EXAMPLE_TASK, INIT_TOML};

/// Writes the starter czar.toml (never over an existing one) and tasks/example.md
/// (skipped when present). Returns the files written.
pub fn init(repo_root: &Path) -> Result<Vec<PathBuf>, ConfigError> {
    let config = repo_root.join(CONFIG_FILE_NAME);
    let mut written = Vec::new();
    if !write_new(&config, INIT_TOML)? {
        let at = Location {
            file: config.display().to_string(),
            key: String::new(),
            line: None,
        };
        return Err(ConfigError::new(at, ConfigErrorKind::AlreadyExists(config)));
    }
    written.push(config);
    let tasks = repo_root.join("tasks");
    std::fs::create_dir_all(&tasks).map_err(|e| ConfigError::io(&tasks, "create it", e))?;
    let example = tasks.join("example.md");
    if write_new(&example, EXAMPLE_TASK)? {
        written.push(example);
    }
    Ok(written)
}

/// Creates `path` with `text`; `Ok(false)` when it already exists. `create_new` makes the
/// existence check and the creation one step, so a concurrent init cannot be clobbered.
fn write_new(path: &Path, text: &str) -> Result<bool, ConfigError> {
    let mut file = match OpenOptions::new().write(true).create_new(true).open(path) {
        Ok(file) => file,
        Err(err) if err.kind() == ErrorKind::AlreadyExists => return Ok(false),
        Err(err) => return Err(ConfigError::io(path, "create it", err)),
    };
    file.write_all(text.as_bytes())
        .and_then(|()| file.sync_all())
        .map_err(|err| ConfigError::io(path, "write it", err))?;
    Ok(true)
}

/// Adds `state_dir` to the repository's .gitignore (created if missing) unless a line already
/// ignores it; returns the line added. A state folder outside the repository needs none.
pub fn ignore_state_dir(repo_root: &Path, state_dir: &Path) -> Result<Option<String>, ConfigError> {
    let Ok(rel) = state_dir.strip_prefix(repo_root) else {
        return Ok(None);
    };
    let rel: Vec<String> = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    if rel.is_empty() {
        return Ok(None);
    }
    let rel = rel.join("/");
    let path = repo_root.join(".gitignore");
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) if e.kind() == ErrorKind::NotFound => String::new(),
        Err(e) => return Err(ConfigError::io(&path, "read it", e)),
    };
    // `.czar`, `.czar/`, `/.czar` and `/.czar/` all ignore it.
    let present = text
        .lines()
        .any(|line| line.trim().trim_start_matches('/').trim_end_matches('/') == rel);
    if present {
        return Ok(None);
    }
    let line = format!("/{rel}/");
    let mut added = String::new();
    if !text.is_empty() && !text.ends_with('\n') {
        added.push('\n');
    }
    added.push_str(&line);
    added.push('\n');
    OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .and_then(|mut f| f.write_all(added.as_bytes()))
        .map_err(|e| ConfigError::io(&path, "add the state folder to it", e))?;
    Ok(Some(line))
}
