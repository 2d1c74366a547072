//! Lines off a byte stream, bounded: a peer that never sends a newline cannot make either side
//! hold more than `proto::MAX_LINE` bytes.

use super::proto::{MAX_LINE, ProtoError};
use tokio::io::{AsyncBufRead, AsyncBufReadExt};

#[derive(Debug, thiserror::Error)]
pub enum WireError {
    #[error(transparent)]
    Proto(#[from] ProtoError),
    #[error("reading the protocol stream: {0}")]
    Io(#[from] std::io::Error),
}

/// The next line into `buf` (cleared first, newline dropped); `false` at the end of the stream.
/// A last line without its newline still counts.
pub async fn read_line<R: AsyncBufRead + Unpin>(
    r: &mut R,
    buf: &mut Vec<u8>,
) -> Result<bool, WireError> {
    buf.clear();
    loop {
        let chunk = r.fill_buf().await?;
        if chunk.is_empty() {
            return Ok(!buf.is_empty());
        }
        let (take, done) = match chunk.iter().position(|b| *b == b'\n') {
            Some(i) => (i + 1, true),
            None => (chunk.len(), false),
        };
        let body = if done { take - 1 } else { take };
        if buf.len() + body > MAX_LINE {
            return Err(ProtoError::TooLong {
                len: buf.len() + body,
                max: MAX_LINE,
            }
            .into());
        }
        buf.extend_from_slice(&chunk[..body]);
        r.consume(take);
        if done {
            return Ok(true);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn lines_come_one_at_a_time_and_the_last_may_lack_its_newline() {
        let mut r = tokio::io::BufReader::with_capacity(4, &b"ab\n\ncdefgh\nij"[..]);
        let mut buf = Vec::new();
        let mut got = Vec::new();
        while read_line(&mut r, &mut buf).await.unwrap() {
            got.push(String::from_utf8(buf.clone()).unwrap());
        }
        assert_eq!(got, ["ab", "", "cdefgh", "ij"]);
    }

    #[tokio::test]
    async fn a_line_longer_than_the_limit_is_an_error() {
        let long = vec![b'x'; MAX_LINE + 10];
        let mut r = tokio::io::BufReader::new(&long[..]);
        let mut buf = Vec::new();
        let err = read_line(&mut r, &mut buf).await.unwrap_err();
        assert!(
            matches!(err, WireError::Proto(ProtoError::TooLong { .. })),
            "{err}"
        );
        assert!(buf.len() <= MAX_LINE);
    }
}
