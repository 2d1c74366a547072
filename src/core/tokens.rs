//! Tokens an agent reports using, per worker and task: read from what the agent writes (Claude
//! Code's transcript, whose path its hooks receive: one JSON object per line, the assistant's
//! messages carrying `usage`). Pure: the text comes in, the sums go out.

use super::model::{Model, Usage, WorkerId};

/// The usage a Claude Code transcript records, summed over its assistant messages (see
/// `reports::claude_transcript`).
pub fn claude_transcript_usage(text: &str) -> Usage {
    super::reports::claude_transcript(text).totals
}

/// What the agent's session used since its last report goes to the worker and to the task
/// last delivered to it. Pure, so `czar stats` can count reports no czar has taken yet.
pub fn credit(model: &mut Model, id: WorkerId, session: String, totals: Usage) {
    let Some(w) = model.workers.get_mut(&id) else {
        return;
    };
    let mut grew = match &w.vitals.tokens.usage_seen {
        Some((s, before)) if *s == session => totals.since(before),
        _ => totals,
    };
    // What the agent did not price itself is priced by its profile, when that has prices.
    if grew.cost_micros == 0
        && let Some(prices) = model
            .policy
            .meters
            .get(&w.profile)
            .and_then(|m| m.prices.as_ref())
    {
        grew.cost_micros = prices.cost_micros(&grew);
    }
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

/// Millionths of a dollar as dollars; None for none (no prices, nothing reported).
pub fn dollars(micros: u64) -> Option<f64> {
    (micros > 0).then(|| micros as f64 / 1e6)
}

/// The share of its context window its agent's last turn filled (None: no window or no report).
pub fn context_share(model: &Model, w: &super::model::Worker) -> Option<f64> {
    let window = model.policy.meters.get(&w.profile)?.context_window;
    let used = w.vitals.tokens.context?;
    (window > 0).then(|| used as f64 / window as f64)
}

/// A report read from the agent's session file: its tokens are credited, and its last turn's
/// input is what its context holds now.
pub fn metered(
    model: &mut Model,
    id: WorkerId,
    session: String,
    report: super::reports::Report,
    now: u64,
    out: &mut Vec<super::command::Command>,
) {
    credit(model, id, session, report.totals);
    if let (Some(w), Some(n)) = (model.workers.get_mut(&id), report.context) {
        w.vitals.tokens.context = Some(n);
    }
    super::compact::check(model, id, now, out);
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
                cache_write: 1,
                ..Usage::default()
            }
        );
        assert_eq!(u.total(), 43);
    }
}
