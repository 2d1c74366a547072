//! The OpenAI side of the stand-in: the Responses API as Codex CLI streams it (SSE events), and
//! Chat Completions as Aider (through litellm) asks for it, streamed or whole.

use super::{Reply, Turn, USAGE, Wire, all_text};
use crate::support::http::{end_stream, rand_id, start_stream, write_chunk, write_json};
use serde_json::{Value, json};
use std::net::TcpStream;

/// A Responses request is a main turn when it offers tools (Codex's title requests do not).
pub(super) fn responses_turn(body: &Value) -> Option<Turn> {
    let tools = body["tools"].as_array().is_some_and(|t| !t.is_empty());
    if !tools {
        return None;
    }
    let input = body["input"].as_array()?;
    let mut prompt = String::new();
    for item in input {
        if item["role"] != "user" {
            continue;
        }
        for c in item["content"].as_array().into_iter().flatten() {
            // Codex sends its own context as user items in angle brackets.
            if let Some(t) = c["text"].as_str()
                && !t.trim_start().starts_with('<')
            {
                prompt = t.to_string();
            }
        }
    }
    let last = input.last()?;
    let after_tool = last["type"] == "function_call_output";
    let mut output = String::new();
    if after_tool {
        all_text(&last["output"], &mut output);
    }
    Some(Turn {
        wire: Wire::Responses,
        prompt,
        after_tool,
        output,
    })
}

/// Every Chat Completions request is a turn (Aider has no tools; its commit-message requests
/// come here too, and the script answers them as any text it has no task in).
pub(super) fn chat_turn(body: &Value) -> Turn {
    let mut prompt = String::new();
    for m in body["messages"].as_array().into_iter().flatten() {
        if m["role"] == "user" {
            prompt.clear();
            all_text(&m["content"], &mut prompt);
        }
    }
    Turn {
        wire: Wire::Chat,
        prompt,
        after_tool: false,
        output: String::new(),
    }
}

fn error(out: &mut TcpStream, code: u16, message: &str, retry_after: Option<u64>) -> bool {
    let kind = match code {
        429 => "rate_limit_exceeded",
        401 => "invalid_api_key",
        _ => "server_error",
    };
    let v = json!({"error": {"message": message, "type": kind, "code": kind, "param": null}});
    write_json(out, code, &v, retry_after)
}

pub(super) fn answer_responses(out: &mut TcpStream, reply: &Reply) -> bool {
    let (text, call) = match reply {
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
        } => return error(out, *code, message, *retry_after),
        Reply::Text(t) | Reply::Slow { text: t, .. } => (t.clone(), None),
        Reply::Shell { text, command, ask } => {
            let mut args = json!({ "cmd": command });
            if *ask {
                args["sandbox_permissions"] = json!("require_escalated");
                args["justification"] = json!("Run this command outside the sandbox?");
            }
            (text.clone(), Some(args))
        }
    };
    if !start_stream(out) {
        return false;
    }
    let id = format!("resp_{:x}", rand_id());
    let ev = |out: &mut TcpStream, data: Value| {
        let kind = data["type"].as_str().unwrap_or_default().to_string();
        write_chunk(out, &format!("event: {kind}\ndata: {data}\n\n"))
    };
    let mut ok = ev(
        out,
        json!({"type": "response.created", "response": {"id": id}}),
    );
    let mut items = Vec::new();
    if !text.is_empty() {
        items.push(
            json!({"type": "message", "role": "assistant", "id": format!("msg_{:x}", rand_id()),
            "content": [{"type": "output_text", "text": text, "annotations": []}]}),
        );
    }
    if let Some(args) = call {
        items.push(
            json!({"type": "function_call", "id": format!("fc_{:x}", rand_id()),
            "call_id": format!("call_{:x}", rand_id()), "name": "exec_command",
            "arguments": args.to_string()}),
        );
    }
    for (i, item) in items.into_iter().enumerate() {
        ok &= ev(
            out,
            json!({"type": "response.output_item.done", "output_index": i, "item": item}),
        );
    }
    let usage = json!({"input_tokens": USAGE.0, "input_tokens_details": {"cached_tokens": 0},
        "output_tokens": USAGE.1, "output_tokens_details": {"reasoning_tokens": 0},
        "total_tokens": USAGE.0 + USAGE.1});
    ok &= ev(
        out,
        json!({"type": "response.completed", "response": {"id": id, "usage": usage}}),
    );
    ok && end_stream(out)
}

pub(super) fn answer_chat(out: &mut TcpStream, body: &Value, reply: &Reply) -> bool {
    let text = match reply {
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
        } => return error(out, *code, message, *retry_after),
        Reply::Text(t) | Reply::Slow { text: t, .. } => t.clone(),
        // Aider offers to run the shell blocks of a reply.
        Reply::Shell { text, command, .. } => format!("{text}\n\n```bash\n{command}\n```\n"),
    };
    let model = body["model"].as_str().unwrap_or("gpt-4o").to_string();
    let (input, output) = super::usage(Wire::Chat);
    let usage = json!({"prompt_tokens": input, "completion_tokens": output,
        "total_tokens": input + output});
    let id = format!("chatcmpl-{:x}", rand_id());
    if body["stream"] != true {
        let v = json!({"id": id, "object": "chat.completion", "created": 1, "model": model,
            "choices": [{"index": 0, "message": {"role": "assistant", "content": text},
            "finish_reason": "stop"}], "usage": usage});
        return write_json(out, 200, &v, None);
    }
    if !start_stream(out) {
        return false;
    }
    let chunk = |delta: Value, finish: Value, usage: Option<&Value>| {
        let mut v = json!({"id": id, "object": "chat.completion.chunk", "created": 1,
            "model": model, "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]});
        if let Some(u) = usage {
            v["usage"] = u.clone();
        }
        format!("data: {v}\n\n")
    };
    write_chunk(
        out,
        &chunk(
            json!({"role": "assistant", "content": text}),
            Value::Null,
            None,
        ),
    ) && write_chunk(out, &chunk(json!({}), json!("stop"), Some(&usage)))
        && write_chunk(out, "data: [DONE]\n\n")
        && end_stream(out)
}
