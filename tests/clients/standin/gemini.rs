//! The Gemini side of the stand-in: `generateContent` and `streamGenerateContent?alt=sse` as
//! Gemini CLI calls them, with function calls to its `run_shell_command` tool.

use super::{Reply, Turn, USAGE, Wire, all_text};
use crate::support::http::{end_stream, start_stream, write_chunk, write_json};
use serde_json::{Value, json};
use std::net::TcpStream;

/// A main turn offers tools and asks for no JSON answer (routing and checks do).
pub(super) fn turn(body: &Value) -> Option<Turn> {
    let tools = body["tools"].as_array().is_some_and(|t| !t.is_empty());
    if !tools || body["generationConfig"]["responseMimeType"] == "application/json" {
        return None;
    }
    let contents = body["contents"].as_array()?;
    let mut prompt = String::new();
    for c in contents {
        if c["role"] != "user" {
            continue;
        }
        for p in c["parts"].as_array().into_iter().flatten() {
            // The client's own context comes in angle brackets.
            if let Some(t) = p["text"].as_str()
                && !t.trim_start().starts_with('<')
            {
                prompt = t.to_string();
            }
        }
    }
    let last = contents.last()?;
    let responses: Vec<&Value> = last["parts"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|p| p.get("functionResponse"))
        .collect();
    let mut output = String::new();
    for r in &responses {
        all_text(&r["response"], &mut output);
    }
    Some(Turn {
        wire: Wire::Gemini,
        prompt,
        after_tool: !responses.is_empty(),
        output,
    })
}

pub(super) fn answer(out: &mut TcpStream, path: &str, reply: &Reply) -> bool {
    let parts = match reply {
        Reply::Status {
            code,
            retry_after,
            body: Some(body),
            ..
        } => return write_json(out, *code, body, *retry_after),
        Reply::Status {
            code,
            message,
            retry_after,
            body: None,
        } => {
            let status = match code {
                429 => "RESOURCE_EXHAUSTED",
                401 | 403 => "PERMISSION_DENIED",
                _ => "UNAVAILABLE",
            };
            let v = json!({"error": {"code": code, "message": message, "status": status}});
            return write_json(out, *code, &v, *retry_after);
        }
        Reply::Text(t) | Reply::Slow { text: t, .. } => json!([{ "text": t }]),
        Reply::Shell { text, command, .. } => json!([
            { "text": text },
            { "functionCall": { "name": "run_shell_command",
                "args": { "command": command, "description": "Run the task's command" } } }
        ]),
    };
    let v = json!({
        "candidates": [{"content": {"role": "model", "parts": parts}, "finishReason": "STOP",
            "index": 0}],
        "usageMetadata": {"promptTokenCount": USAGE.0, "candidatesTokenCount": USAGE.1,
            "totalTokenCount": USAGE.0 + USAGE.1},
        "modelVersion": "gemini-stand-in",
    });
    if !path.contains("alt=sse") {
        return write_json(out, 200, &v, None);
    }
    start_stream(out) && write_chunk(out, &format!("data: {v}\r\n\r\n")) && end_stream(out)
}
