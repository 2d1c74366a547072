//! The state folder and its lock. The folder holds every task's text, what agents printed and,
//! for an instant, their environment: it must be the user's alone (0700, files 0600). The lock
//! says whether a czar runs on it now, and which: its sessions and worktrees are then its own.
//! Both are only looked at: nothing is created or tightened here.

use super::check::Check;
use crate::adapters::lock::{self, Holder};
use crate::engine::preflight::shown;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};

/// How many loose paths the report names before it counts the rest.
const NAMED: usize = 5;

pub fn state_dir(dir: &Path) -> Check {
    let name = "state_dir";
    let at = dir.display();
    let meta = match std::fs::symlink_metadata(dir) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Check::ok(
                name,
                format!("{at} does not exist yet (the first czar run makes it, 0700)"),
            );
        }
        Err(e) => {
            return Check::problem(
                name,
                format!("{at} cannot be read: {e}"),
                "make it yours and readable, or set state_dir in czar.toml to another folder",
            );
        }
    };
    if !meta.is_dir() {
        return Check::problem(
            name,
            format!("{at} exists and is not a folder"),
            format!(
                "move {} away, or set state_dir in czar.toml to another folder",
                shown(&[at.to_string()])
            ),
        );
    }
    let me = rustix::process::geteuid().as_raw();
    if meta.uid() != me {
        return Check::problem(
            name,
            format!("{at} belongs to user id {}, not to you ({me})", meta.uid()),
            format!(
                "sudo chown -R {me} {} (or set state_dir in czar.toml to a folder of yours)",
                shown(&[at.to_string()])
            ),
        );
    }
    let mut loose = Vec::new();
    let mut unreadable = Vec::new();
    let mut count = 0;
    walk(dir, &mut |path, meta| {
        count += 1;
        let mode = meta.permissions().mode() & 0o7777;
        if mode & 0o077 != 0 {
            loose.push((path.to_path_buf(), mode, meta.is_dir()));
        }
    })
    .unwrap_or_else(|(p, e)| unreadable.push(format!("{}: {e}", p.display())));
    if !loose.is_empty() {
        let mut named: Vec<String> = loose
            .iter()
            .take(NAMED)
            .map(|(p, mode, is_dir)| {
                let rel = p.strip_prefix(dir).unwrap_or(p);
                let rel = if rel.as_os_str().is_empty() {
                    Path::new(".")
                } else {
                    rel
                };
                let kind = if *is_dir { "folder" } else { "file" };
                format!("{} ({kind}, {mode:04o})", rel.display())
            })
            .collect();
        if loose.len() > NAMED {
            named.push(format!("{} more", loose.len() - NAMED));
        }
        return Check::problem(
            name,
            format!(
                "{at} lets other users in: folders should be 0700 and files 0600, and these are \
                 looser: {}",
                named.join(", ")
            ),
            format!(
                "chmod -R go-rwx {} (a czar run on this repository tightens them too)",
                shown(&[at.to_string()])
            ),
        );
    }
    if !unreadable.is_empty() {
        return Check::warning(
            name,
            format!("{at}: some of it cannot be read: {}", unreadable.join(", ")),
            format!("chmod -R u+rwX {}", shown(&[at.to_string()])),
        );
    }
    Check::ok(
        name,
        format!(
            "{at} is private (0700, {} entries in it 0600 or 0700)",
            count - 1
        ),
    )
}

/// Calls `each` on `root` and everything under it; symbolic links are neither followed nor
/// looked at (their own mode means nothing). Stops at the first folder that cannot be read.
fn walk(
    root: &Path,
    each: &mut dyn FnMut(&Path, &std::fs::Metadata),
) -> Result<(), (PathBuf, std::io::Error)> {
    let meta = std::fs::symlink_metadata(root).map_err(|e| (root.to_path_buf(), e))?;
    if meta.file_type().is_symlink() {
        return Ok(());
    }
    each(root, &meta);
    if meta.is_dir() {
        let entries = std::fs::read_dir(root).map_err(|e| (root.to_path_buf(), e))?;
        for entry in entries {
            let entry = entry.map_err(|e| (root.to_path_buf(), e))?;
            match walk(&entry.path(), each) {
                // Gone between the listing and the look (a status file replaced).
                Err((_, e)) if e.kind() == std::io::ErrorKind::NotFound => {}
                other => other?,
            }
        }
    }
    Ok(())
}

/// The lock: free, held (by whom), or a file left by a czar that is gone, which is fine.
pub fn lock(dir: &Path) -> (Check, Option<Holder>) {
    let name = "lock";
    let file = dir.join(lock::FILE_NAME);
    if let Some(h) = lock::holder(dir) {
        let detail = format!(
            "held by a czar: {h}; its sessions and worktrees are in use (`czar status` shows \
             them)"
        );
        return (Check::ok(name, detail), Some(h));
    }
    let check = match std::fs::File::open(&file) {
        Ok(_) => Check::ok(
            name,
            format!(
                "free: {} is left by a czar that ended, and its lock went with it (nothing to \
                 remove)",
                file.display()
            ),
        ),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            Check::ok(name, "free (no czar has run on this state folder yet)")
        }
        Err(e) => Check::problem(
            name,
            format!(
                "{} cannot be opened ({e}), so nobody can tell whether a czar runs",
                file.display()
            ),
            format!("chmod 600 {}", shown(&[file.display().to_string()])),
        ),
    };
    (check, None)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cmd::doctor::check::Status;

    fn set(p: &Path, mode: u32) {
        std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode)).unwrap();
    }

    #[test]
    fn loose_modes_are_named_and_nothing_is_changed() {
        let tmp = tempfile::tempdir().unwrap();
        let state = tmp.path().join("state");
        assert_eq!(state_dir(&state).status, Status::Ok, "not made yet");
        std::fs::create_dir_all(state.join("logs")).unwrap();
        std::fs::write(state.join("czar.db"), "").unwrap();
        std::fs::write(state.join("logs/worker-1.log"), "").unwrap();
        set(&state, 0o700);
        set(&state.join("logs"), 0o700);
        set(&state.join("czar.db"), 0o600);
        set(&state.join("logs/worker-1.log"), 0o600);
        let c = state_dir(&state);
        assert_eq!(c.status, Status::Ok, "{c:?}");
        assert!(c.detail.contains("3 entries"), "{c:?}");

        set(&state, 0o755);
        set(&state.join("logs/worker-1.log"), 0o644);
        let c = state_dir(&state);
        assert_eq!(c.status, Status::Problem, "{c:?}");
        assert!(c.detail.contains(". (folder, 0755)"), "{c:?}");
        assert!(c.detail.contains("logs/worker-1.log (file, 0644)"), "{c:?}");
        assert!(!c.detail.contains("czar.db"), "{c:?}");
        let fix = c.fix.unwrap();
        assert!(fix.starts_with("chmod -R go-rwx "), "{fix}");
        assert!(fix.contains(&state.display().to_string()), "{fix}");
        let mode = std::fs::metadata(&state).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o755, "the doctor changed a mode");

        std::fs::remove_dir_all(&state).unwrap();
        std::fs::write(&state, "").unwrap();
        assert_eq!(state_dir(&state).status, Status::Problem, "a file");
    }

    #[test]
    fn a_lock_is_free_held_or_left_over() {
        let tmp = tempfile::tempdir().unwrap();
        let state = tmp.path().join("state");
        let (c, h) = lock(&state);
        assert!(c.detail.contains("no czar has run"), "{c:?}");
        assert!(h.is_none());
        let held =
            crate::adapters::lock::acquire(&state, crate::adapters::lock::Mode::Auto).unwrap();
        let (c, h) = lock(&state);
        assert_eq!(c.status, Status::Ok);
        assert!(
            c.detail.contains(&format!("pid {}", std::process::id())),
            "{c:?}"
        );
        assert_eq!(h.and_then(|h| h.pid), Some(std::process::id()));
        drop(held);
        let (c, h) = lock(&state);
        assert!(c.detail.contains("left by a czar that ended"), "{c:?}");
        assert!(h.is_none());
    }
}
