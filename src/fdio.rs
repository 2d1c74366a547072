//! Reading and writing raw descriptors (terminals, ptys) without std's buffering, for the
//! processes that sit in a pane: the simulated agent and `czar pane-log`.

use std::io;
use std::os::fd::RawFd;

/// Reads once, retrying when a signal interrupts; `Ok(0)` when the other side is gone for good
/// (EOF, or a pty whose other end every process closed, which Linux reports as EIO).
pub fn read(fd: RawFd, buf: &mut [u8]) -> io::Result<usize> {
    loop {
        // SAFETY: buf is writable for its length.
        let n = unsafe { libc::read(fd, buf.as_mut_ptr().cast(), buf.len()) };
        if n >= 0 {
            return Ok(n as usize);
        }
        let e = io::Error::last_os_error();
        match e.raw_os_error() {
            Some(libc::EINTR) => continue,
            Some(libc::EIO | libc::EBADF) => return Ok(0),
            _ => return Err(e),
        }
    }
}

/// Writes all of `bytes`, retrying when a signal interrupts.
pub fn write_all(fd: RawFd, mut bytes: &[u8]) -> io::Result<()> {
    while !bytes.is_empty() {
        // SAFETY: bytes is readable for its length.
        let n = unsafe { libc::write(fd, bytes.as_ptr().cast(), bytes.len()) };
        if n < 0 {
            let e = io::Error::last_os_error();
            if e.kind() == io::ErrorKind::Interrupted {
                continue;
            }
            return Err(e);
        }
        bytes = &bytes[n as usize..];
    }
    Ok(())
}
