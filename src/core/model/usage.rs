//! Token usage and account rate limits: the figures a worker's agent reports and the limits
//! its account meets. Apart from `mod.rs` (tasks and the model itself) so that file stays about
//! the model's shape; plain data, re-exported from `model`.

use serde::{Deserialize, Serialize};

/// Tokens an agent reported using.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Usage {
    pub input: u64,
    pub output: u64,
    pub cache_read: u64,
    pub cache_write: u64,
    /// What it cost, in millionths of a dollar: as the agent reported it (Aider), or from the
    /// profile's prices (see `tokens::credit`). Not part of `total`.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub cost_micros: u64,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

impl Usage {
    pub fn plus(self, o: &Usage) -> Usage {
        Usage {
            input: self.input + o.input,
            output: self.output + o.output,
            cache_read: self.cache_read + o.cache_read,
            cache_write: self.cache_write + o.cache_write,
            cost_micros: self.cost_micros + o.cost_micros,
        }
    }

    /// What grew since `before` (a counter that went down started over: all of it is new).
    pub fn since(self, before: &Usage) -> Usage {
        let grew = self.input >= before.input
            && self.output >= before.output
            && self.cache_read >= before.cache_read
            && self.cache_write >= before.cache_write
            && self.cost_micros >= before.cost_micros;
        if !grew {
            return self;
        }
        Usage {
            input: self.input - before.input,
            output: self.output - before.output,
            cache_read: self.cache_read - before.cache_read,
            cache_write: self.cache_write - before.cache_write,
            cost_micros: self.cost_micros - before.cost_micros,
        }
    }

    pub fn total(&self) -> u64 {
        self.input + self.output + self.cache_read + self.cache_write
    }
}

/// A rate limit an account is under: its workers take no new work before `until`; then the
/// ones whose client gave up get a note to go on.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct AccountLimit {
    pub until: u64,
    /// Limits met in a row (the backoff doubles with each).
    pub tries: u32,
    /// What the screen said.
    pub why: String,
    /// Its workers take no new work: the time has not come, or an agent of it is still
    /// limited. Kept (not removed) once over, so limits met in a row back off longer.
    pub holding: bool,
}
