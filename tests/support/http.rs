//! The HTTP/1.1 side of the loopback stand-in APIs (tests/claude's Messages API, tests/clients'
//! OpenAI and Gemini APIs): reading a request, writing a JSON answer, and a chunked
//! `text/event-stream` for streamed turns. Enough for the real clients, nothing more.

use serde_json::Value;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Request line, headers, and a Content-Length body. None when the peer closed or spoke nonsense.
pub fn read_request(r: &mut BufReader<TcpStream>) -> Option<(String, String, Vec<u8>)> {
    let mut line = String::new();
    if r.read_line(&mut line).ok()? == 0 {
        return None;
    }
    let mut parts = line.split_whitespace();
    let method = parts.next()?.to_string();
    let path = parts.next()?.to_string();
    let mut len = 0usize;
    loop {
        let mut h = String::new();
        if r.read_line(&mut h).ok()? == 0 {
            return None;
        }
        let h = h.trim_end();
        if h.is_empty() {
            break;
        }
        if let Some((k, v)) = h.split_once(':')
            && k.eq_ignore_ascii_case("content-length")
        {
            len = v.trim().parse().ok()?;
        }
    }
    let mut body = vec![0; len];
    r.read_exact(&mut body).ok()?;
    Some((method, path, body))
}

pub fn write_head(out: &mut TcpStream, code: u16) -> bool {
    let head = format!("HTTP/1.1 {code} X\r\ncontent-length: 0\r\n\r\n");
    out.write_all(head.as_bytes()).is_ok()
}

/// A JSON answer; `retry_after` (seconds) becomes the header the SDKs read before retrying.
pub fn write_json(out: &mut TcpStream, code: u16, v: &Value, retry_after: Option<u64>) -> bool {
    let body = v.to_string();
    let mut head = format!(
        "HTTP/1.1 {code} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\nrequest-id: req_fake\r\n",
        body.len()
    );
    if let Some(s) = retry_after {
        head.push_str(&format!("retry-after: {s}\r\n"));
    }
    head.push_str("\r\n");
    out.write_all(head.as_bytes()).is_ok() && out.write_all(body.as_bytes()).is_ok()
}

/// The head of a streamed (`text/event-stream`, chunked) answer.
pub fn start_stream(out: &mut TcpStream) -> bool {
    let head = "HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ncache-control: no-cache\r\ntransfer-encoding: chunked\r\nrequest-id: req_fake\r\n\r\n";
    out.write_all(head.as_bytes()).is_ok()
}

/// One chunk of a streamed answer, flushed at once (the client shows what it got so far).
pub fn write_chunk(out: &mut TcpStream, text: &str) -> bool {
    let chunk = format!("{:x}\r\n{text}\r\n", text.len());
    out.write_all(chunk.as_bytes()).is_ok() && out.flush().is_ok()
}

/// The last, empty chunk.
pub fn end_stream(out: &mut TcpStream) -> bool {
    out.write_all(b"0\r\n\r\n").is_ok() && out.flush().is_ok()
}

/// Ids that differ between turns; no need for real randomness.
pub fn rand_id() -> u64 {
    static N: AtomicUsize = AtomicUsize::new(1);
    let n = N.fetch_add(1, Ordering::SeqCst) as u64;
    n.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ u64::from(std::process::id())
}
