//! Where czar may keep its folders. It creates, rewrites and deletes files in `tasks_dir`,
//! `worktrees_dir` and `state_dir` (worktrees are removed whole), so a slip such as
//! `state_dir = "/"` or `worktrees_dir = "/etc"` must be refused at load, with the line, and
//! not found out by what it destroyed. The folders must also stay apart: worktrees inside the
//! state folder, or the state inside the tasks folder, would have czar read its own files as
//! task files or sweep its state away with a worktree.

use std::path::{Path, PathBuf};

use super::Paths;
use super::error::{ConfigError, ConfigErrorKind, Location};
use crate::core::model::WorkerId;

/// One of czar's folders as configured.
pub(super) struct Dir {
    pub key: &'static str,
    pub path: PathBuf,
    pub at: Location,
    /// Set in the user's czar.toml (not a shipped default): the one to blame in a clash.
    pub user_set: bool,
}

/// The system's own folders: never one of czar's, whatever the repository.
const SYSTEM: &[&str] = &[
    "/bin",
    "/boot",
    "/dev",
    "/etc",
    "/home",
    "/media",
    "/mnt",
    "/opt",
    "/proc",
    "/root",
    "/run",
    "/sbin",
    "/srv",
    "/sys",
    "/tmp",
    "/usr",
    "/usr/local",
    "/var",
    "/var/tmp",
    "/Applications",
    "/Library",
    "/System",
    "/Users",
    "/Volumes",
    "/private",
    "/private/etc",
    "/private/tmp",
    "/private/var",
];

/// Trees that belong to the system as a whole: nothing inside them either, unless the
/// repository itself lives there (a container's /usr/src/app keeps its `.czar` next to it).
const SYSTEM_TREES: &[&str] = &[
    "/bin",
    "/boot",
    "/dev",
    "/etc",
    "/proc",
    "/sbin",
    "/sys",
    "/usr",
    "/var/cache",
    "/var/lib",
    "/var/log",
    "/var/spool",
    "/System",
    "/private/etc",
];

/// `/lib`, `/lib32`, `/lib64`, `/libx32`: a top-level `lib*` folder (not `/library`).
fn lib_tree(path: &Path) -> Option<PathBuf> {
    let mut parts = path.components();
    parts
        .next()
        .filter(|c| c == &std::path::Component::RootDir)?;
    let first = parts.next()?.as_os_str().to_str()?;
    let rest = first.strip_prefix("lib")?;
    (rest.len() <= 3 && rest.chars().all(|c| c.is_ascii_alphanumeric()))
        .then(|| Path::new("/").join(first))
}

/// Why `path` is no place for czar's files, if it is not.
fn system_folder(path: &Path, repo_root: &Path) -> Option<String> {
    if path.parent().is_none() {
        return Some("is the filesystem root".into());
    }
    if SYSTEM.iter().any(|s| path == Path::new(s)) {
        return Some(format!("is the system folder {}", path.display()));
    }
    let trees = SYSTEM_TREES.iter().map(PathBuf::from).chain(lib_tree(path));
    for tree in trees {
        if path.starts_with(&tree) && !repo_root.starts_with(&tree) {
            let what = if path == tree { "is" } else { "is inside" };
            return Some(format!("{what} the system folder {}", tree.display()));
        }
    }
    None
}

/// `path` with its existing part's symlinks resolved: `/tmp/x/../etc-link` is checked as what
/// it reaches. The rest (not created yet) is kept as written.
fn real(path: &Path) -> PathBuf {
    let mut rest = Vec::new();
    let mut existing = path;
    loop {
        if let Ok(found) = std::fs::canonicalize(existing) {
            let mut out = found;
            out.extend(rest.iter().rev());
            return out;
        }
        match (existing.parent(), existing.file_name()) {
            (Some(parent), Some(name)) => {
                rest.push(name.to_os_string());
                existing = parent;
            }
            _ => return path.to_path_buf(),
        }
    }
}

fn refuse(dir: &Dir, reason: String) -> ConfigError {
    let value = dir.path.display().to_string();
    let kind = ConfigErrorKind::Invalid { value, reason };
    ConfigError::new(dir.at.clone(), kind)
}

/// Why a folder on its own is refused, if it is.
fn alone(path: &Path, repo_root: &Path, home: Option<&Path>) -> Option<String> {
    if let Some(why) = system_folder(path, repo_root) {
        return Some(why);
    }
    if home.is_some_and(|h| path == h) {
        return Some("is your home folder".into());
    }
    if path == repo_root {
        return Some("is the repository root itself".into());
    }
    if repo_root.starts_with(path) {
        return Some(format!("holds the repository {}", repo_root.display()));
    }
    let git = repo_root.join(".git");
    if path.starts_with(&git) {
        let what = if path == git { "is" } else { "is inside" };
        return Some(format!("{what} the repository's .git folder"));
    }
    None
}

/// Checks the three folders, alone and against each other.
pub(super) fn check(
    dirs: &[Dir],
    repo_root: &Path,
    home: Option<&Path>,
) -> Result<(), ConfigError> {
    let home_real = home.map(real);
    let repo_real = real(repo_root);
    let reals: Vec<PathBuf> = dirs.iter().map(|d| real(&d.path)).collect();
    for (dir, real_path) in dirs.iter().zip(&reals) {
        let why = alone(&dir.path, repo_root, home)
            .or_else(|| alone(real_path, &repo_real, home_real.as_deref()));
        if let Some(why) = why {
            let why =
                format!("{why}; czar creates and deletes files there, give it a folder of its own");
            return Err(refuse(dir, why));
        }
    }
    for (i, a) in dirs.iter().enumerate() {
        for (j, b) in dirs.iter().enumerate().skip(i + 1) {
            let nested = |x: usize, y: usize| {
                dirs[x].path.starts_with(&dirs[y].path) || reals[x].starts_with(&reals[y])
            };
            let (a_in_b, b_in_a) = (nested(i, j), nested(j, i));
            if !a_in_b && !b_in_a {
                continue;
            }
            // Blame the one the user set; when both (or neither) are, the inner one.
            let blame_a = match (a.user_set, b.user_set) {
                (true, false) => true,
                (false, true) => false,
                _ => a_in_b,
            };
            let (this, other) = if blame_a { (a, b) } else { (b, a) };
            let relation = if a_in_b && b_in_a {
                "is the same folder as"
            } else if a_in_b == blame_a {
                "is inside"
            } else {
                "holds"
            };
            let why = format!(
                "{relation} {} ({}, {}); czar's folders must be apart",
                other.key,
                other.path.display(),
                where_set(&other.at)
            );
            return Err(refuse(this, why));
        }
    }
    Ok(())
}

fn where_set(at: &Location) -> String {
    match at.line {
        Some(line) => format!("{}:{line}", at.file),
        None => at.file.clone(),
    }
}

impl Paths {
    pub fn worktree(&self, worker: WorkerId) -> PathBuf {
        self.worktrees_dir.join(format!("worker-{worker}"))
    }

    /// The czar's own worktree where landings are merged and verified (never a user's tree).
    pub fn land_worktree(&self) -> PathBuf {
        self.worktrees_dir.join("czar-land")
    }

    pub fn log_dir(&self) -> PathBuf {
        self.state_dir.join("logs")
    }

    /// Everything worker `worker`'s pane ever printed.
    pub fn output_log(&self, worker: WorkerId) -> PathBuf {
        self.log_dir().join(Self::log_name(worker))
    }

    /// The file name of worker `worker`'s output log.
    pub fn log_name(worker: WorkerId) -> String {
        format!("worker-{worker}.log")
    }

    /// The worker whose output log this file name is (see [`Paths::output_log`]).
    pub fn worker_of_log(name: &std::ffi::OsStr) -> Option<WorkerId> {
        name.to_str()?
            .strip_prefix("worker-")?
            .strip_suffix(".log")?
            .parse()
            .ok()
    }

    pub fn status_md(&self) -> PathBuf {
        self.state_dir.join("status.md")
    }

    pub fn status_json(&self) -> PathBuf {
        self.state_dir.join("status.json")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn system_folders_and_what_is_inside_them() {
        let repo = Path::new("/home/me/repo");
        for bad in [
            "/",
            "/etc",
            "/etc/czar",
            "/usr",
            "/usr/share/x",
            "/lib64/y",
            "/var",
            "/tmp",
        ] {
            assert!(system_folder(Path::new(bad), repo).is_some(), "{bad}");
        }
        for ok in [
            "/home/me/repo/.czar",
            "/tmp/wt",
            "/var/tmp/wt",
            "/srv/czar",
            "/library",
        ] {
            assert_eq!(system_folder(Path::new(ok), repo), None, "{ok}");
        }
        // A repository that lives under /usr keeps its folders next to it.
        let in_usr = Path::new("/usr/src/app");
        assert_eq!(system_folder(Path::new("/usr/src/app/.czar"), in_usr), None);
        assert!(system_folder(Path::new("/usr"), in_usr).is_some());
    }

    #[test]
    fn real_resolves_the_part_that_exists() {
        let tmp = tempfile::tempdir().unwrap();
        let base = tmp.path().canonicalize().unwrap();
        std::os::unix::fs::symlink("/etc", base.join("link")).unwrap();
        let etc = std::fs::canonicalize("/etc").unwrap();
        assert_eq!(real(&base.join("link/new/dir")), etc.join("new/dir"));
        assert_eq!(real(&base.join("not/yet")), base.join("not/yet"));
    }
}
