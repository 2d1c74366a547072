//! What Codex CLI, Gemini CLI and Aider write about the tokens they used, read: Codex's session
//! rollout (JSONL with `token_count` events), Gemini CLI's chat file (JSONL, each reply with
//! its `tokens`), Aider's "Tokens: … Cost: …" lines in its output. Pure: text in, figures out;
//! the engine finds the files (see `engine::meter`).

use super::model::Usage;
use serde_json::Value;
use std::collections::BTreeMap;

/// Where a profile's agent reports its tokens (`usage` in its profile).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    /// Claude Code's transcript, whose path its hooks receive.
    Claude,
    /// Codex CLI's session rollouts under `$CODEX_HOME/sessions`.
    Codex,
    /// Gemini CLI's chat files under `~/.gemini/tmp/<project>/chats`.
    Gemini,
    /// Aider's own lines in the worker's output log.
    Aider,
}

impl Source {
    pub const ALL: [(&'static str, Source); 4] = [
        ("claude", Source::Claude),
        ("codex", Source::Codex),
        ("gemini", Source::Gemini),
        ("aider", Source::Aider),
    ];

    pub fn parse(word: &str) -> Option<Source> {
        Source::ALL
            .iter()
            .find(|(n, _)| *n == word)
            .map(|(_, s)| *s)
    }

    /// The session's totals and last turn, from the text of its file.
    pub fn read(self, text: &str) -> Report {
        match self {
            Source::Claude => claude_transcript(text),
            Source::Codex => codex_rollout(text),
            Source::Gemini => gemini_chat(text),
            Source::Aider => aider_log(text),
        }
    }
}

/// A session's figures: all its turns together, and the input of its last turn (what its
/// context holds now).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Report {
    pub totals: Usage,
    pub context: Option<u64>,
}

/// Claude Code's transcript: each assistant message counts once (it is written once per
/// content block, with the same usage: its last line wins). Lines that are not JSON, or carry
/// no usage, are skipped. The context is the last message's input, cached parts included.
pub fn claude_transcript(text: &str) -> Report {
    let mut by_message: BTreeMap<String, Usage> = BTreeMap::new();
    let mut context = None;
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
        let usage = Usage {
            input: n64("input_tokens"),
            output: n64("output_tokens"),
            cache_read: n64("cache_read_input_tokens"),
            cache_write: n64("cache_creation_input_tokens"),
            ..Usage::default()
        };
        context = Some(usage.input + usage.cache_read + usage.cache_write);
        by_message.insert(id, usage);
    }
    let totals = by_message.values().fold(Usage::default(), |a, u| a.plus(u));
    Report { totals, context }
}

/// Codex CLI's rollout: its last `token_count` event holds the session's running totals
/// (`total_token_usage`) and the last request's (`last_token_usage`). Codex counts cached input
/// inside `input_tokens`, as the OpenAI API does: here it is told apart.
pub fn codex_rollout(text: &str) -> Report {
    let mut out = Report::default();
    for line in text.lines() {
        // Most lines are something else: skip them before parsing.
        if !line.contains("\"token_count\"") {
            continue;
        }
        let Ok(v) = serde_json::from_str::<Value>(line) else {
            continue;
        };
        let p = &v["payload"];
        if p["type"] != "token_count" || !p["info"].is_object() {
            continue;
        }
        let total = &p["info"]["total_token_usage"];
        let n64 = |u: &Value, k: &str| u[k].as_u64().unwrap_or(0);
        let cached = n64(total, "cached_input_tokens");
        out.totals = Usage {
            input: n64(total, "input_tokens").saturating_sub(cached),
            output: n64(total, "output_tokens"),
            cache_read: cached,
            cache_write: n64(total, "cache_write_input_tokens"),
            ..Usage::default()
        };
        let last = &p["info"]["last_token_usage"];
        out.context = last["input_tokens"].as_u64();
    }
    out
}

/// The folder a Codex rollout's session ran in, from its first line (`session_meta`).
pub fn codex_rollout_cwd(first_line: &str) -> Option<String> {
    let v: Value = serde_json::from_str(first_line).ok()?;
    (v["type"] == "session_meta")
        .then(|| v["payload"]["cwd"].as_str().map(str::to_string))
        .flatten()
}

/// Gemini CLI's chat file: one JSON object a line; its replies (`"type":"gemini"`) carry
/// `tokens` and may be written more than once (the last line of an id wins). `input` counts
/// the cached part (`cached`) too, and thoughts are billed as output.
pub fn gemini_chat(text: &str) -> Report {
    let mut by_message: BTreeMap<String, Usage> = BTreeMap::new();
    let mut context = None;
    for (n, line) in text.lines().enumerate() {
        if !line.contains("\"tokens\"") {
            continue;
        }
        let Ok(v) = serde_json::from_str::<Value>(line) else {
            continue;
        };
        let t = &v["tokens"];
        if v["type"] != "gemini" || !t.is_object() {
            continue;
        }
        let n64 = |k: &str| t[k].as_u64().unwrap_or(0);
        let cached = n64("cached");
        let id = v["id"]
            .as_str()
            .map_or_else(|| format!("line-{n}"), str::to_string);
        context = Some(n64("input"));
        by_message.insert(
            id,
            Usage {
                input: n64("input").saturating_sub(cached),
                output: n64("output") + n64("thoughts"),
                cache_read: cached,
                ..Usage::default()
            },
        );
    }
    let totals = by_message.values().fold(Usage::default(), |a, u| a.plus(u));
    Report { totals, context }
}

/// The project a Gemini CLI chat file belongs to (the SHA-256 of its folder), from its first
/// line.
pub fn gemini_chat_project(first_line: &str) -> Option<String> {
    let v: Value = serde_json::from_str(first_line).ok()?;
    v["projectHash"].as_str().map(str::to_string)
}

/// Aider's lines, from its output with the terminal's escapes taken out: after each reply
/// "Tokens: 2.6k sent, 1.1k cache hit, 6 received. Cost: $0.0045 message, $0.0090 session.".
/// Aider rounds past a thousand ("2.6k": read as 2600); its cost is its own (from its price
/// table), summed over messages so a restarted Aider, whose session cost starts over, adds up.
pub fn aider_log(text: &str) -> Report {
    let mut out = Report::default();
    let mut cost_micros = 0u64;
    for line in text.lines() {
        if let Some(rest) = line.split("Tokens: ").nth(1)
            && let Some(sent) = aider_figure(rest, "sent")
        {
            let u = Usage {
                // Aider's "sent" counts the cached part too.
                input: sent,
                output: aider_figure(rest, "received").unwrap_or(0),
                cache_read: aider_figure(rest, "cache hit").unwrap_or(0),
                cache_write: aider_figure(rest, "cache write").unwrap_or(0),
                ..Usage::default()
            };
            out.context = Some(sent);
            let input = sent.saturating_sub(u.cache_read + u.cache_write);
            out.totals = out.totals.plus(&Usage { input, ..u });
        }
        if let Some(rest) = line.split("Cost: $").nth(1)
            && let Some((amount, _)) = rest.split_once(" message")
            && let Ok(dollars) = amount.trim().parse::<f64>()
        {
            cost_micros += (dollars * 1e6).round() as u64;
        }
    }
    out.totals.cost_micros = cost_micros;
    out
}

/// The figure right before `word` in an Aider tokens line: "2.6k sent" -> 2600.
fn aider_figure(line: &str, word: &str) -> Option<u64> {
    let at = line.find(&format!(" {word}"))?;
    let figure = line[..at].rsplit([' ', ',']).next()?;
    aider_count(figure)
}

/// "6" -> 6, "2.6k" -> 2600, "26k" -> 26000.
fn aider_count(word: &str) -> Option<u64> {
    match word.strip_suffix('k') {
        Some(k) => k.parse::<f64>().ok().map(|n| (n * 1000.0).round() as u64),
        None => word.parse().ok(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn u(input: u64, output: u64, cache_read: u64, cache_write: u64) -> Usage {
        Usage {
            input,
            output,
            cache_read,
            cache_write,
            ..Usage::default()
        }
    }

    #[test]
    fn codex_totals_come_from_its_last_token_count_with_cached_input_apart() {
        // As Codex CLI 0.171.0 wrote them (shortened).
        let text = [
            r#"{"timestamp":"t","ordinal":0,"type":"session_meta","payload":{"id":"s","cwd":"/tmp/wt/worker-1","cli_version":"0.171.0"}}"#,
            r#"{"timestamp":"t","ordinal":15,"type":"event_msg","payload":{"type":"token_count","info":{"total_token_usage":{"input_tokens":1234,"cached_input_tokens":0,"cache_write_input_tokens":0,"output_tokens":56,"reasoning_output_tokens":0,"total_tokens":1290},"last_token_usage":{"input_tokens":1234,"cached_input_tokens":0,"output_tokens":56},"model_context_window":258400}}}"#,
            r#"{"timestamp":"t","type":"event_msg","payload":{"type":"token_count","info":null}}"#,
            r#"{"timestamp":"t","ordinal":22,"type":"event_msg","payload":{"type":"token_count","info":{"total_token_usage":{"input_tokens":2468,"cached_input_tokens":1000,"cache_write_input_tokens":0,"output_tokens":112,"reasoning_output_tokens":0,"total_tokens":2580},"last_token_usage":{"input_tokens":1234,"cached_input_tokens":1000,"output_tokens":56},"model_context_window":258400}}}"#,
            r#"{"type":"response_item","payload":{"type":"message","content":"a \"token_count\" quoted"}}"#,
        ]
        .join("\n");
        let r = codex_rollout(&text);
        assert_eq!(r.totals, u(1468, 112, 1000, 0));
        assert_eq!(r.context, Some(1234));
        assert_eq!(
            codex_rollout_cwd(text.lines().next().unwrap()).as_deref(),
            Some("/tmp/wt/worker-1")
        );
        assert_eq!(codex_rollout(""), Report::default());
    }

    #[test]
    fn gemini_replies_count_once_each_with_thoughts_as_output() {
        // As Gemini CLI 0.61.0 wrote them (shortened): a reply is written twice.
        let text = [
            r#"{"sessionId":"s","projectHash":"dc40","startTime":"t","kind":"main"}"#,
            r#"{"id":"u1","type":"user","content":[{"text":"hi"}]}"#,
            r#"{"id":"g1","type":"gemini","content":"a","tokens":{"input":1234,"output":56,"cached":0,"thoughts":0,"tool":0,"total":1290}}"#,
            r#"{"$set":{"lastUpdated":"t"}}"#,
            r#"{"id":"g1","type":"gemini","content":"a","tokens":{"input":1234,"output":56,"cached":0,"thoughts":0,"tool":0,"total":1290}}"#,
            r#"{"id":"g2","type":"gemini","content":"b","tokens":{"input":2000,"output":10,"cached":500,"thoughts":5,"tool":0,"total":2015}}"#,
        ]
        .join("\n");
        let r = gemini_chat(&text);
        assert_eq!(r.totals, u(1234 + 1500, 56 + 15, 500, 0));
        assert_eq!(r.context, Some(2000));
        assert_eq!(
            gemini_chat_project(text.lines().next().unwrap()).as_deref(),
            Some("dc40")
        );
    }

    #[test]
    fn aider_lines_are_summed_with_rounded_figures_and_its_own_cost() {
        let text = "\
Tokens: 789 sent, 56 received. Cost: $0.0025 message, $0.0025 session.
some reply quoting nothing
Tokens: 2.6k sent, 1.1k cache hit, 6 received.
Cost: $0.0065 message, $0.0090 session.
Tokens: 26k sent, 300 cache write, 40 received. Cost: $0.07 message, $0.08 session.
";
        let r = aider_log(text);
        assert_eq!(
            r.totals,
            Usage {
                cost_micros: 2_500 + 6_500 + 70_000,
                ..u(789 + 1500 + 25_700, 56 + 6 + 40, 1100, 300)
            }
        );
        assert_eq!(r.context, Some(26_000));
        assert_eq!(aider_log("no tokens here"), Report::default());
    }

    #[test]
    fn claude_context_is_the_last_message_input_with_its_cached_parts() {
        let text = [
            r#"{"type":"assistant","message":{"id":"m1","usage":{"input_tokens":10,"output_tokens":5,"cache_read_input_tokens":2,"cache_creation_input_tokens":1}}}"#,
            r#"{"type":"assistant","message":{"id":"m2","usage":{"input_tokens":20,"output_tokens":3,"cache_read_input_tokens":100,"cache_creation_input_tokens":4}}}"#,
        ]
        .join("\n");
        let r = Source::Claude.read(&text);
        assert_eq!(r.context, Some(124));
        assert_eq!(r.totals, u(30, 8, 102, 5));
    }
}
