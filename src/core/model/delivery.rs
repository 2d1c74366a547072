//! A delivery in flight, as the store journals it step by step (see `core::delivery` for the
//! protocol that moves it on).

use super::TaskId;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Delivery {
    /// Numbers deliveries on the worker (see `Vitals::deliveries`).
    pub id: u64,
    pub task: TaskId,
    /// A note about the task (a failed verify's output, a nudge); `None`: the task itself.
    pub note: Option<String>,
    /// The note is a review of `task`, done by another worker: a failed delivery hands the
    /// review out again and leaves the task as it is (it is done, and not this worker's).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub review: bool,
    pub step: Step,
    /// When the delivery began: the agent has `ready_timeout_ms` from here to be ready.
    pub began: u64,
    /// When the current step began: only screens read from here on count for it.
    pub since: u64,
    /// Clears in the Clearing step, presses of Enter in the Submitting step.
    pub tries: u32,
    /// Digest of the screen with the text typed, for a box the profile cannot read.
    pub typed: Option<u64>,
    /// When a screen was last asked for, so a wait asks again only now and then.
    pub asked: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Step {
    /// Waiting for the agent's prompt with an empty input box.
    Ready,
    /// The clear keys were pressed; waiting for the box to show empty.
    Clearing,
    /// The paste was ordered: it may or may not have reached the pane.
    Pasting,
    /// The text is in the box; Enter comes once the paste settled.
    Pasted,
    /// Enter was ordered: waiting to see the text leave the box.
    Submitting,
}
