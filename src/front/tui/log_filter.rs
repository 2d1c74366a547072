//! Which events the event log shows: the whole log read from the store when it opened, with the
//! engine's events since, narrowed by the operator's filter. A filter is words, each of which
//! an event must match: `w:2` (worker 2, exactly), `t:api` (a task whose id has `api`),
//! `k:wait` (a kind, as stored or in plain words, with `wait`), or any other word anywhere (in
//! `w<id>`, the task, the kind, the text).

use super::rows::kind_words;
use super::state::LogView;
use crate::adapters::store::EventRow;

/// The events the log holds, oldest first: the history read when it opened, then the engine's
/// latest that came after it (or only those, until the history arrives).
pub fn log_events<'e>(recent: &'e [EventRow], view: &'e LogView) -> Vec<&'e EventRow> {
    match &view.history {
        Some(h) => {
            let last = h.last().map_or(0, |e| e.seq);
            h.iter()
                .chain(recent.iter().filter(|e| e.seq > last))
                .collect()
        }
        None => recent.iter().collect(),
    }
}

/// One word of a filter.
#[derive(Debug, PartialEq, Eq)]
enum Word {
    Worker(u32),
    Task(String),
    Kind(String),
    Any(String),
}

fn parse(filter: &str) -> Vec<Word> {
    filter
        .split_whitespace()
        .map(|w| {
            let lower = w.to_lowercase();
            match lower.split_once(':') {
                Some(("w", id)) => match id.trim_start_matches('w').parse() {
                    Ok(n) => Word::Worker(n),
                    Err(_) => Word::Any(lower),
                },
                Some(("t", t)) => Word::Task(t.to_string()),
                Some(("k", k)) => Word::Kind(k.to_string()),
                _ => Word::Any(lower),
            }
        })
        .collect()
}

fn matches(e: &EventRow, word: &Word) -> bool {
    match word {
        Word::Worker(n) => e.worker == Some(*n),
        Word::Task(t) => e
            .task
            .as_deref()
            .is_some_and(|id| id.to_lowercase().contains(t.as_str())),
        Word::Kind(k) => {
            e.kind.contains(k.as_str()) || kind_words(&e.kind).to_lowercase().contains(k.as_str())
        }
        Word::Any(w) => {
            let hay = format!(
                "{} {} {} {} {}",
                e.worker.map_or(String::new(), |w| format!("w{w}")),
                e.task.as_deref().unwrap_or(""),
                e.kind,
                kind_words(&e.kind),
                e.detail
            )
            .to_lowercase();
            hay.contains(w.as_str())
        }
    }
}

/// The events newest first, those matching every word of `filter`.
pub fn log_rows<'e>(
    events: impl IntoIterator<Item = &'e EventRow, IntoIter: DoubleEndedIterator>,
    filter: &str,
) -> Vec<&'e EventRow> {
    let words = parse(filter);
    events
        .into_iter()
        .rev()
        .filter(|e| words.iter().all(|w| matches(e, w)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(seq: i64, worker: Option<u32>, task: &str, kind: &str, detail: &str) -> EventRow {
        EventRow {
            seq,
            at: 0,
            worker,
            task: Some(task.into()).filter(|t: &String| !t.is_empty()),
            kind: kind.into(),
            detail: detail.into(),
        }
    }

    fn seqs(rows: &[&EventRow]) -> Vec<i64> {
        rows.iter().map(|e| e.seq).collect()
    }

    #[test]
    fn worker_task_and_kind_words_narrow_exactly() {
        let events = vec![
            ev(1, Some(2), "api-client", "waiting", "Proceed?"),
            ev(2, Some(20), "api-server", "waiting", "Push?"),
            ev(3, Some(2), "docs", "done", "task done"),
            ev(4, None, "api-client", "failed", "verify failed"),
        ];
        assert_eq!(
            seqs(&log_rows(&events, "w:2")),
            vec![3, 1],
            "w:2 is not w20"
        );
        assert_eq!(seqs(&log_rows(&events, "w:w2")), vec![3, 1]);
        assert_eq!(seqs(&log_rows(&events, "t:api")), vec![4, 2, 1]);
        assert_eq!(seqs(&log_rows(&events, "w:2 t:api k:waiting")), vec![1]);
        assert_eq!(seqs(&log_rows(&events, "k:wait")), vec![2, 1]);
        assert_eq!(
            seqs(&log_rows(&events, "push")),
            vec![2],
            "free words search the text"
        );
        assert_eq!(seqs(&log_rows(&events, "t:API")), vec![4, 2, 1], "any case");
        assert!(log_rows(&events, "w:9").is_empty());
        assert_eq!(seqs(&log_rows(&events, "")), vec![4, 3, 2, 1]);
    }

    #[test]
    fn the_history_from_the_store_comes_first_and_the_engine_adds_what_came_after() {
        let recent = vec![
            ev(9, None, "", "report", "r9"),
            ev(10, None, "", "report", "r10"),
        ];
        let mut view = LogView::default();
        assert_eq!(seqs(&log_events(&recent, &view)), vec![9, 10]);
        let history: Vec<EventRow> = (1..=9).map(|i| ev(i, None, "", "report", "")).collect();
        view.history = Some(std::sync::Arc::new(history));
        assert_eq!(
            seqs(&log_events(&recent, &view)),
            (1..=10).collect::<Vec<_>>()
        );
    }
}
