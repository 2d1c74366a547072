//! The inbox's signals: what `czar done`, `czar report`, a hook or `czar task` write from
//! another process, and how the running czar reads them back. Apart from `store.rs` (the
//! model's rows and the event log) because it is the one cross-process channel.

use super::inbox::{decode_task_action, encode_task_action};
use super::{Store, StoreError};
use crate::core::model::{AgentState, WorkerId};
use crate::core::observation::{Intent, Signal};
use crate::core::review::Verdict;
use rusqlite::params;

impl Store {
    /// Called by `czar done` / `czar report` from a worker's worktree.
    pub fn push_signal(
        &self,
        worker: WorkerId,
        signal: &Signal,
        now: u64,
    ) -> Result<(), StoreError> {
        let hook;
        let (kind, text) = match signal {
            Signal::Done { branch } => ("done", branch.as_deref().unwrap_or("")),
            Signal::Report(t) => ("report", t.as_str()),
            Signal::Hook { state, event } => {
                hook = format!("{} {event}", state.as_str());
                ("hook", hook.as_str())
            }
            Signal::LandNow { task } => ("land", task.as_str()),
            Signal::Review { task, verdict } => {
                hook = encode_review(task.as_deref(), verdict);
                ("review", hook.as_str())
            }
            Signal::Operator(Intent::Task { task, action }) => {
                hook = encode_task_action(task, action);
                ("task", hook.as_str())
            }
            // Other intents come from the dashboard, in the czar's own process.
            Signal::Operator(other) => {
                hook = format!("unsupported operator intent {other:?}");
                ("report", hook.as_str())
            }
            Signal::Usage { session, totals } => {
                hook = format!(
                    "{} {} {} {} {session}",
                    totals.input, totals.output, totals.cache_read, totals.cache_write
                );
                ("usage", hook.as_str())
            }
        };
        self.push_row(worker, kind, text, now)
    }

    /// One inbox row as written (`kind`, `text`): `push_signal`'s, or one a host's node read
    /// from its own inbox and forwarded. Rings the bell.
    pub fn push_row(
        &self,
        worker: WorkerId,
        kind: &str,
        text: &str,
        now: u64,
    ) -> Result<(), StoreError> {
        self.conn
            .execute(
                "INSERT INTO inbox (at, worker, kind, text) VALUES (?1, ?2, ?3, ?4)",
                params![now as i64, worker, kind, text],
            )
            .map_err(|e| self.sql(e))?;
        if let Some(dir) = self.path.parent() {
            crate::adapters::bell::Bell::in_dir(dir).ring();
        }
        Ok(())
    }

    /// The rows not yet taken, as written, oldest first: what a node forwards to its czar.
    pub fn pending_rows(&self) -> Result<Vec<(i64, WorkerId, String, String)>, StoreError> {
        let mut stmt = self
            .conn
            .prepare("SELECT seq, worker, kind, text FROM inbox WHERE taken = 0 ORDER BY seq")
            .map_err(|e| self.sql(e))?;
        let rows = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
            .map_err(|e| self.sql(e))?;
        rows.collect::<Result<Vec<_>, _>>().map_err(|e| self.sql(e))
    }

    /// Marks row `seq` taken (forwarded).
    pub fn take_row(&self, seq: i64) -> Result<(), StoreError> {
        self.conn
            .execute("UPDATE inbox SET taken = 1 WHERE seq = ?1", params![seq])
            .map(drop)
            .map_err(|e| self.sql(e))
    }

    /// Signals not yet handled, oldest first, with their sequence numbers.
    pub fn pending_signals(&self) -> Result<Vec<(i64, WorkerId, Signal)>, StoreError> {
        let mut stmt = self
            .conn
            .prepare("SELECT seq, worker, kind, text FROM inbox WHERE taken = 0 ORDER BY seq")
            .map_err(|e| self.sql(e))?;
        let rows = stmt
            .query_map([], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, u32>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                ))
            })
            .map_err(|e| self.sql(e))?;
        let mut out = Vec::new();
        for row in rows {
            let (seq, worker, kind, text) = row.map_err(|e| self.sql(e))?;
            let signal = match kind.as_str() {
                "done" => Signal::Done {
                    branch: Some(text).filter(|b| !b.is_empty()),
                },
                "hook" => {
                    let (state, event) = text.split_once(' ').unwrap_or((text.as_str(), ""));
                    match AgentState::parse(state) {
                        Some(state) => Signal::Hook {
                            state,
                            event: event.to_string(),
                        },
                        None => Signal::Report(format!("unreadable hook signal {text:?}")),
                    }
                }
                "land" => Signal::LandNow { task: text },
                "review" => decode_review(&text),
                "task" => match decode_task_action(&text) {
                    Some((task, action)) => Signal::Operator(Intent::Task { task, action }),
                    None => Signal::Report(format!("unreadable task intent {text:?}")),
                },
                "usage" => {
                    let mut words = text.splitn(5, ' ');
                    let mut n = || words.next().and_then(|w| w.parse::<u64>().ok());
                    let totals = (n(), n(), n(), n());
                    let session = words.next().unwrap_or("").to_string();
                    match totals {
                        (Some(input), Some(output), Some(cache_read), Some(cache_write)) => {
                            Signal::Usage {
                                session,
                                totals: crate::core::model::Usage {
                                    input,
                                    output,
                                    cache_read,
                                    cache_write,
                                    ..Default::default()
                                },
                            }
                        }
                        _ => Signal::Report(format!("unreadable usage signal {text:?}")),
                    }
                }
                _ => Signal::Report(text),
            };
            out.push((seq, worker, signal));
        }
        Ok(out)
    }
}

/// A verdict in the inbox: `approve` or `reject`, the task (empty: the one under review), then
/// the review's text, one per line (a task id has no newline; the text may).
fn encode_review(task: Option<&str>, verdict: &Verdict) -> String {
    match verdict {
        Verdict::Approve => format!("approve\n{}", task.unwrap_or("")),
        Verdict::Reject(why) => format!("reject\n{}\n{why}", task.unwrap_or("")),
    }
}

fn decode_review(text: &str) -> Signal {
    let mut parts = text.splitn(3, '\n');
    let (word, task) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
    let task = Some(task.to_string()).filter(|t| !t.is_empty());
    let verdict = match word {
        "approve" => Verdict::Approve,
        "reject" => Verdict::Reject(parts.next().unwrap_or("").to_string()),
        _ => return Signal::Report(format!("unreadable review verdict {text:?}")),
    };
    Signal::Review { task, verdict }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn review_verdicts_cross_the_inbox_unchanged() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let sent = [
            Signal::Review {
                task: None,
                verdict: Verdict::Approve,
            },
            Signal::Review {
                task: Some("t-1".into()),
                verdict: Verdict::Reject("two lines:\nadd a test".into()),
            },
            Signal::Review {
                task: None,
                verdict: Verdict::Reject(String::new()),
            },
        ];
        for s in &sent {
            store.push_signal(3, s, 1).unwrap();
        }
        let got: Vec<Signal> = store
            .pending_signals()
            .unwrap()
            .into_iter()
            .map(|(_, w, s)| {
                assert_eq!(w, 3);
                s
            })
            .collect();
        assert_eq!(got, sent);
        assert!(matches!(decode_review("maybe\n"), Signal::Report(_)));
    }
}
