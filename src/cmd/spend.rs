//! `czar stats`' money and context columns: what each worker's agents used and cost, and how
//! full its context is. Apart from `stats` to keep that file about the run's counts.

use crate::core::Model;
use crate::core::model::{Usage, WorkerId};
use crate::engine::status::WorkerSpend;
use serde::Serialize;

/// Each worker's tokens, cost and context, and the run's cost.
#[derive(Debug, Serialize, PartialEq, Default)]
pub struct Spend {
    /// Dollars, from the profiles' prices or what the agents reported (None: neither).
    pub cost: Option<f64>,
    pub per_worker: Vec<WorkerStats>,
}

#[derive(Debug, Serialize, PartialEq)]
pub struct WorkerStats {
    pub id: WorkerId,
    pub profile: String,
    pub account: Option<String>,
    #[serde(flatten)]
    pub spend: WorkerSpend,
}

pub fn compute(model: &Model, run: &Usage) -> Spend {
    Spend {
        cost: crate::core::tokens::dollars(run.cost_micros),
        per_worker: model
            .workers
            .values()
            .map(|w| WorkerStats {
                id: w.id,
                profile: w.profile.clone(),
                account: w.vitals.tokens.account.clone(),
                spend: WorkerSpend::of(model, w),
            })
            .collect(),
    }
}

/// "1234 (1000/200/30/4)", or "-" when none were reported.
pub fn tokens(u: &Usage) -> String {
    if u.total() == 0 {
        return "-".to_string();
    }
    format!(
        "{} ({}/{}/{}/{})",
        u.total(),
        u.input,
        u.output,
        u.cache_read,
        u.cache_write
    )
}

/// "$0.0123", or "-" for none.
pub fn cost(dollars: Option<f64>) -> String {
    dollars.map_or("-".to_string(), |d| format!("${d:.4}"))
}

/// "12% of 200000", or "-" when not known.
pub fn context(s: &WorkerSpend) -> String {
    match (s.context, s.context_share) {
        (Some(n), Some(share)) => format!("{n} ({:.0}%)", share * 100.0),
        (Some(n), None) => n.to_string(),
        _ => "-".to_string(),
    }
}

/// The workers' lines of `czar stats`.
pub fn table(s: &Spend) -> String {
    let mut out = format!("cost {}\n", cost(s.cost));
    if s.per_worker.is_empty() {
        return out;
    }
    out.push_str(&format!(
        "\n{:<8} {:<12} {:>10} {:>10}  {}\n",
        "WORKER", "PROFILE", "TOKENS", "COST", "CONTEXT"
    ));
    for w in &s.per_worker {
        let who = match &w.account {
            Some(a) => format!("{}/{a}", w.profile),
            None => w.profile.clone(),
        };
        out.push_str(&format!(
            "{:<8} {:<12} {:>10} {:>10}  {}\n",
            w.id,
            crate::visible::one_line(&who),
            w.spend.tokens.total(),
            cost(w.spend.cost),
            context(&w.spend)
        ));
    }
    out
}
