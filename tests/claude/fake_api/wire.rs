//! The wire side of the fake Messages API: JSON answers and streamed (SSE) turns the way the
//! Anthropic API sends them, over tests/support/http.rs.

use super::{Reply, Request};
use crate::support::http::{end_stream, rand_id, start_stream, write_chunk, write_json};
use serde_json::{Value, json};
use std::net::TcpStream;
use std::sync::atomic::{AtomicBool, Ordering};

/// The usage every streamed answer reports: (input, output, cache read, cache write) tokens.
/// Distinct numbers, so a sum that mixes them up shows.
pub const USAGE: (u64, u64, u64, u64) = (21, 13, 5, 3);

pub(super) fn answer(
    out: &mut TcpStream,
    req: &Request,
    reply: &Reply,
    stream: bool,
    stop: &AtomicBool,
) -> bool {
    let (reply, input_tokens) = match reply {
        Reply::Sized { input, reply } => (reply.as_ref(), *input),
        other => (other, USAGE.0),
    };
    if let Reply::Status {
        code,
        kind,
        message,
        retry_after,
    } = reply
    {
        let v = json!({"type": "error", "error": {"type": kind, "message": message}});
        // The SDK retries only when told it may; say so explicitly either way.
        return write_json(out, *code, &v, *retry_after);
    }
    let model = req.body["model"]
        .as_str()
        .unwrap_or("claude-fake")
        .to_string();
    let (text, tool, pace) = match reply {
        Reply::Text(t) => (t.clone(), None, None),
        Reply::SlowText { text, over } => (text.clone(), None, Some(*over)),
        Reply::Tool { text, name, input } => {
            (text.clone(), Some((name.clone(), input.clone())), None)
        }
        Reply::Status { .. } | Reply::Sized { .. } => unreachable!("handled above"),
    };
    // Each message its own id: the client's transcript, and what czar reads from it, tell
    // messages apart by it.
    let id = format!("msg_{:x}", rand_id());
    if !stream {
        let mut content = vec![json!({"type": "text", "text": text})];
        if let Some((name, input)) = &tool {
            content.push(
                json!({"type": "tool_use", "id": "toolu_fake", "name": name, "input": input}),
            );
        }
        let stop_reason = if tool.is_some() {
            "tool_use"
        } else {
            "end_turn"
        };
        let v = json!({"id": id, "type": "message", "role": "assistant", "model": model,
            "content": content, "stop_reason": stop_reason, "stop_sequence": null,
            "usage": {"input_tokens": 10, "output_tokens": 10}});
        return write_json(out, 200, &v, None);
    }
    if !start_stream(out) {
        return false;
    }
    let mut ev = |name: &str, data: Value| -> bool {
        let frame = format!("event: {name}\ndata: {data}\n\n");
        write_chunk(out, &frame)
    };
    let usage = json!({"input_tokens": input_tokens, "output_tokens": 1, "cache_creation_input_tokens": USAGE.3, "cache_read_input_tokens": USAGE.2});
    let mut ok = ev(
        "message_start",
        json!({"type": "message_start", "message": {"id": id, "type": "message",
        "role": "assistant", "model": model, "content": [], "stop_reason": null, "stop_sequence": null, "usage": usage}}),
    );
    let mut index = 0;
    if !text.is_empty() {
        ok &= ev(
            "content_block_start",
            json!({"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}}),
        );
        let pieces: Vec<String> = match pace {
            // Word by word, spread over the whole duration.
            Some(_) => text.split_inclusive(' ').map(str::to_string).collect(),
            None => vec![text.clone()],
        };
        let gap = pace.map(|d| d / pieces.len().max(1) as u32);
        for p in pieces {
            if let Some(g) = gap {
                std::thread::sleep(g);
                if stop.load(Ordering::SeqCst) {
                    return false;
                }
            }
            ok &= ev(
                "content_block_delta",
                json!({"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": p}}),
            );
        }
        ok &= ev(
            "content_block_stop",
            json!({"type": "content_block_stop", "index": 0}),
        );
        index = 1;
    }
    if let Some((name, input)) = &tool {
        let tool_id = format!("toolu_{:x}", rand_id());
        ok &= ev(
            "content_block_start",
            json!({"type": "content_block_start", "index": index,
            "content_block": {"type": "tool_use", "id": tool_id, "name": name, "input": {}}}),
        );
        ok &= ev(
            "content_block_delta",
            json!({"type": "content_block_delta", "index": index,
            "delta": {"type": "input_json_delta", "partial_json": input.to_string()}}),
        );
        ok &= ev(
            "content_block_stop",
            json!({"type": "content_block_stop", "index": index}),
        );
    }
    let stop_reason = if tool.is_some() {
        "tool_use"
    } else {
        "end_turn"
    };
    ok &= ev(
        "message_delta",
        json!({"type": "message_delta", "delta": {"stop_reason": stop_reason, "stop_sequence": null}, "usage": {"output_tokens": USAGE.1}}),
    );
    ok &= ev("message_stop", json!({"type": "message_stop"}));
    ok && end_stream(out)
}
