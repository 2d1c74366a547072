//! Reading and writing raw descriptors (terminals, ptys) without std's buffering, for the
//! processes that sit in a pane: the simulated agent and `czar pane-log`.

use std::io;
use std::os::fd::AsFd;

use rustix::io::Errno;

/// Reads once, retrying when a signal interrupts; `Ok(0)` when the other side is gone for good
/// (EOF, or a pty whose other end every process closed, which Linux reports as EIO).
pub fn read(fd: impl AsFd, buf: &mut [u8]) -> io::Result<usize> {
    loop {
        match rustix::io::read(&fd, &mut *buf) {
            Ok(n) => return Ok(n),
            Err(Errno::INTR) => continue,
            Err(Errno::IO | Errno::BADF) => return Ok(0),
            Err(e) => return Err(e.into()),
        }
    }
}

/// Writes all of `bytes`, retrying when a signal interrupts.
pub fn write_all(fd: impl AsFd, mut bytes: &[u8]) -> io::Result<()> {
    while !bytes.is_empty() {
        match rustix::io::write(&fd, bytes) {
            Ok(n) => bytes = &bytes[n..],
            Err(Errno::INTR) => continue,
            Err(e) => return Err(e.into()),
        }
    }
    Ok(())
}
