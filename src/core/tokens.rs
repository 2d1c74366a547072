//! Tokens an agent reports using, per worker and task: read from what the agent writes (Claude
//! Code's transcript, whose path its hooks receive: one JSON object per line, the assistant's
//! messages carrying `usage`). Pure: the text comes in, the sums go out.

use super::model::{Model, Usage, WorkerId};
use serde_json::Value;
use std::collections::BTreeMap;

/// The usage a Claude Code transcript records, summed over its assistant messages. A message is
/// written once per content block with the same usage, so each message id counts once (its
/// last line wins). Lines that are not JSON, or carry no usage, are skipped.
pub fn claude_transcript_usage(text: &str) -> Usage {
    let mut by_message: BTreeMap<String, Usage> = BTreeMap::new();
    for (n, line) in text.lines().enumerate() {
        let Ok(v) = serde_json::from_str::<Value>(line) else {
            continue;
        };
        if v["type"] != "assistant" {
            continue;
        }
        let msg = &v["message"];
        let u = &msg["usage"];
        if !u.is_object() {
            continue;
        }
        let n64 = |k: &str| u[k].as_u64().unwrap_or(0);
        let id = msg["id"]
            .as_str()
            .map_or_else(|| format!("line-{n}"), str::to_string);
        by_message.insert(
            id,
            Usage {
                input: n64("input_tokens"),
                output: n64("output_tokens"),
                cache_read: n64("cache_read_input_tokens"),
                cache_write: n64("cache_creation_input_tokens"),
            },
        );
    }
    by_message.values().fold(Usage::default(), |a, u| a.plus(u))
}

/// What the agent's session used since its last report goes to the worker and to the task
/// last delivered to it. Pure, so `czar stats` can count reports no czar has taken yet.
pub fn credit(model: &mut Model, id: WorkerId, session: String, totals: Usage) {
    let Some(w) = model.workers.get_mut(&id) else {
        return;
    };
    let grew = match &w.vitals.tokens.usage_seen {
        Some((s, before)) if *s == session => totals.since(before),
        _ => totals,
    };
    w.vitals.tokens.usage_seen = Some((session, totals));
    w.vitals.tokens.usage = w.vitals.tokens.usage.plus(&grew);
    if let Some(t) = w
        .vitals
        .tokens
        .usage_task
        .clone()
        .and_then(|t| model.tasks.get_mut(&t))
    {
        t.usage = t.usage.plus(&grew);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_message_counts_once_and_other_lines_are_skipped() {
        let text = [
            r#"{"type":"user","message":{"role":"user","content":"hi"}}"#,
            r#"{"type":"assistant","message":{"id":"m1","usage":{"input_tokens":10,"output_tokens":5,"cache_read_input_tokens":2,"cache_creation_input_tokens":1}}}"#,
            r#"{"type":"assistant","message":{"id":"m1","usage":{"input_tokens":10,"output_tokens":7,"cache_read_input_tokens":2,"cache_creation_input_tokens":1}}}"#,
            "not json",
            r#"{"type":"assistant","message":{"id":"m2","usage":{"input_tokens":20,"output_tokens":3}}}"#,
        ]
        .join("\n");
        let u = claude_transcript_usage(&text);
        assert_eq!(
            u,
            Usage {
                input: 30,
                output: 10,
                cache_read: 2,
                cache_write: 1
            }
        );
        assert_eq!(u.total(), 43);
    }
}
