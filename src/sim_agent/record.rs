//! Keeps a copy of every task exactly as received, for tests and the demo.

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// Numbers received tasks from 1; skips numbers already on disk so a restarted
/// sim with the same directory never overwrites an earlier record.
#[derive(Debug)]
pub struct Recorder {
    dir: PathBuf,
    next: u32,
}

impl Recorder {
    pub fn new(dir: PathBuf) -> Self {
        Self { dir, next: 1 }
    }

    /// Writes via a temp file + rename so a reader never sees a partial file.
    pub fn record(&mut self, bytes: &[u8]) -> io::Result<PathBuf> {
        fs::create_dir_all(&self.dir)?;
        let target = loop {
            let candidate = self.dir.join(format!("received-{}.txt", self.next));
            if !candidate.exists() {
                break candidate;
            }
            self.next += 1;
        };
        let tmp = self.dir.join(format!(
            ".received-{}.txt.tmp-{}",
            self.next,
            std::process::id()
        ));
        write_synced(&tmp, bytes)?;
        if let Err(e) = fs::rename(&tmp, &target) {
            let _ = fs::remove_file(&tmp);
            return Err(e);
        }
        self.next += 1;
        Ok(target)
    }
}

fn write_synced(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let mut f = fs::File::create(path)?;
    f.write_all(bytes)?;
    f.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_from_one_and_skips_existing() {
        let dir = tempfile::tempdir().unwrap();
        let rec_dir = dir.path().join("rec");
        let mut r = Recorder::new(rec_dir.clone());
        assert_eq!(r.record(b"a").unwrap(), rec_dir.join("received-1.txt"));
        let mut again = Recorder::new(rec_dir.clone());
        assert_eq!(
            again.record(b"b\r\n").unwrap(),
            rec_dir.join("received-2.txt")
        );
        assert_eq!(fs::read(rec_dir.join("received-2.txt")).unwrap(), b"b\r\n");
        assert_eq!(fs::read_dir(&rec_dir).unwrap().count(), 2);
    }
}
