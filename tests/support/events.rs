//! The czar's events, for tests that read them back from a run's store: a dump to print when
//! something is missing, and a check that steps happened in order.

use czar::adapters::store::EventRow;

/// One line per event: its sequence, time since the first, worker, task, kind and first line.
pub fn dump(events: &[EventRow]) -> String {
    let t0 = events.first().map_or(0, |e| e.at);
    events
        .iter()
        .map(|e| {
            let first = e.detail.lines().next().unwrap_or("");
            let (ms, w, t) = (e.at.saturating_sub(t0), e.worker, &e.task);
            format!("{} +{ms}ms w{w:?} {t:?} {} {first}", e.seq, e.kind)
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Every step happened (`Some` sequence number), and in the order given.
pub fn in_order(what: &str, seqs: &[Option<i64>], events: &[EventRow]) {
    let missing: Vec<usize> = (0..seqs.len()).filter(|&i| seqs[i].is_none()).collect();
    assert!(
        missing.is_empty(),
        "{what}: steps {missing:?} never happened\n{}",
        dump(events)
    );
    let seqs: Vec<i64> = seqs.iter().flatten().copied().collect();
    assert!(
        seqs.windows(2).all(|p| p[0] < p[1]),
        "{what}: out of order {seqs:?}\n{}",
        dump(events)
    );
}
