//! The state folder is the user's alone: the store holds every task's text and what agents
//! asked, the logs hold everything agents printed (an agent may echo a key), and an agent's
//! environment passes through it on its way to the agent. So the folder and everything in it is
//! created 0700 / 0600 whatever the umask, and what an older czar left with looser modes is
//! tightened when czar opens it.
//!
//! The process umask is left alone on purpose: agents inherit it, and a 077 umask would make
//! every file they write into the user's worktree private.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::Path;

/// A folder of the state: only its owner may list or enter it.
pub const DIR_MODE: u32 = 0o700;
/// A file of the state: only its owner may read or write it.
pub const FILE_MODE: u32 = 0o600;

/// Creates `path` (and missing parents, which keep the ordinary mode: they are not czar's)
/// and makes it 0700.
pub fn dir(path: &Path) -> io::Result<()> {
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        fs::create_dir_all(parent)?;
    }
    match fs::DirBuilder::new().mode(DIR_MODE).create(path) {
        Ok(()) => {}
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists && path.is_dir() => {}
        Err(e) => return Err(e),
    }
    set_mode(path, DIR_MODE)
}

/// Opens `path` for appending, creating it 0600 (an existing file is made 0600).
pub fn open_append(path: &Path) -> io::Result<File> {
    let file = OpenOptions::new()
        .append(true)
        .create(true)
        .mode(FILE_MODE)
        .open(path)?;
    fix_file(&file)?;
    Ok(file)
}

/// Creates `path` 0600 if it does not exist, without touching its content (the SQLite db before
/// SQLite opens it: its -wal and -shm files are created with the db's mode).
pub fn touch(path: &Path) -> io::Result<()> {
    let file = OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(false)
        .mode(FILE_MODE)
        .open(path)?;
    fix_file(&file)
}

/// Creates a new file 0600; fails if `path` exists (a name nobody else can have prepared).
pub fn create_new(path: &Path) -> io::Result<File> {
    let file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(FILE_MODE)
        .open(path)?;
    fix_file(&file)?;
    Ok(file)
}

/// `fs::write`, but the file is 0600.
pub fn write(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let mut file = OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(FILE_MODE)
        .open(path)?;
    fix_file(&file)?;
    file.write_all(bytes)
}

/// Makes an existing file 0600; a file that is not there is fine.
pub fn tighten_file(path: &Path) -> io::Result<()> {
    match fs::symlink_metadata(path) {
        Ok(m) if m.is_file() => set_mode(path, FILE_MODE),
        Ok(_) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(e),
    }
}

/// Takes group and other permissions off `root` and everything under it (symbolic links are
/// neither followed nor changed). Only those bits: a script the user keeps there stays
/// executable. Fails naming the first path that cannot be changed.
pub fn tighten_tree(root: &Path) -> io::Result<()> {
    let meta = fs::symlink_metadata(root).map_err(|e| at(root, e))?;
    if meta.file_type().is_symlink() {
        return Ok(());
    }
    let mode = meta.permissions().mode() & 0o7777;
    if mode & 0o077 != 0 {
        fs::set_permissions(root, fs::Permissions::from_mode(mode & !0o077))
            .map_err(|e| at(root, e))?;
    }
    if meta.is_dir() {
        for entry in fs::read_dir(root).map_err(|e| at(root, e))? {
            let entry = entry.map_err(|e| at(root, e))?;
            match tighten_tree(&entry.path()) {
                // Gone between the listing and the change (a status file replaced): nothing left
                // to protect.
                Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                other => other?,
            }
        }
    }
    Ok(())
}

fn at(path: &Path, e: io::Error) -> io::Error {
    io::Error::new(e.kind(), format!("{}: {e}", path.display()))
}

fn fix_file(file: &File) -> io::Result<()> {
    let mode = file.metadata()?.permissions().mode() & 0o7777;
    if mode != FILE_MODE {
        file.set_permissions(fs::Permissions::from_mode(FILE_MODE))?;
    }
    Ok(())
}

fn set_mode(path: &Path, want: u32) -> io::Result<()> {
    let mode = fs::metadata(path)?.permissions().mode() & 0o7777;
    if mode != want {
        fs::set_permissions(path, fs::Permissions::from_mode(want))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mode(p: &Path) -> u32 {
        fs::symlink_metadata(p).unwrap().permissions().mode() & 0o7777
    }

    #[test]
    fn files_and_folders_are_private_and_loose_ones_are_tightened() {
        let tmp = tempfile::tempdir().unwrap();
        let state = tmp.path().join("a/state");
        dir(&state).unwrap();
        assert_eq!(mode(&state), 0o700);
        assert_eq!(mode(&tmp.path().join("a")) & 0o700, 0o700);
        write(&state.join("w"), b"x").unwrap();
        assert_eq!(mode(&state.join("w")), 0o600);
        open_append(&state.join("log")).unwrap();
        assert_eq!(mode(&state.join("log")), 0o600);
        touch(&state.join("db")).unwrap();
        assert_eq!(mode(&state.join("db")), 0o600);
        create_new(&state.join("n")).unwrap();
        assert!(create_new(&state.join("n")).is_err(), "an existing name");

        // What an older czar left under umask 022.
        let loose = state.join("logs");
        fs::create_dir(&loose).unwrap();
        fs::set_permissions(&loose, fs::Permissions::from_mode(0o755)).unwrap();
        let old = loose.join("old.log");
        fs::write(&old, "x").unwrap();
        fs::set_permissions(&old, fs::Permissions::from_mode(0o644)).unwrap();
        let script = state.join("hook.sh");
        fs::write(&script, "x").unwrap();
        fs::set_permissions(&script, fs::Permissions::from_mode(0o755)).unwrap();
        fs::set_permissions(&state, fs::Permissions::from_mode(0o755)).unwrap();
        std::os::unix::fs::symlink("/etc/hostname", state.join("link")).unwrap();
        tighten_tree(&state).unwrap();
        assert_eq!(mode(&state), 0o700);
        assert_eq!(mode(&loose), 0o700);
        assert_eq!(mode(&old), 0o600);
        assert_eq!(mode(&script), 0o700, "the owner's bits stay");

        fs::set_permissions(state.join("w"), fs::Permissions::from_mode(0o666)).unwrap();
        write(&state.join("w"), b"y").unwrap();
        assert_eq!(mode(&state.join("w")), 0o600, "rewriting tightens");
        fs::set_permissions(&state, fs::Permissions::from_mode(0o777)).unwrap();
        dir(&state).unwrap();
        assert_eq!(mode(&state), 0o700, "opening tightens");
    }
}
