//! What the operator is told of outside the dashboard, as data: the kinds of events, one
//! notification, and what was announced already. `core::notify` decides when.

use super::{AgentState, TaskId, WorkerId};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// What a notification is about; the names are the ones `[notify] on` and `CZAR_EVENT` use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NoticeKind {
    Waiting,
    Stuck,
    Crashed,
    Failed,
    RateLimited,
    RunFinished,
}

pub const ALL_NOTICES: [NoticeKind; 6] = [
    NoticeKind::Waiting,
    NoticeKind::Stuck,
    NoticeKind::Crashed,
    NoticeKind::Failed,
    NoticeKind::RateLimited,
    NoticeKind::RunFinished,
];

impl NoticeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            NoticeKind::Waiting => "waiting",
            NoticeKind::Stuck => "stuck",
            NoticeKind::Crashed => "crashed",
            NoticeKind::Failed => "failed",
            NoticeKind::RateLimited => "rate_limited",
            NoticeKind::RunFinished => "run_finished",
        }
    }

    pub fn parse(s: &str) -> Option<NoticeKind> {
        ALL_NOTICES.into_iter().find(|k| k.as_str() == s)
    }

    /// The notice a worker's entering `state` gives, if any.
    pub(crate) fn of_state(state: AgentState) -> Option<NoticeKind> {
        match state {
            AgentState::Waiting => Some(NoticeKind::Waiting),
            AgentState::Stuck => Some(NoticeKind::Stuck),
            AgentState::Crashed => Some(NoticeKind::Crashed),
            AgentState::RateLimited => Some(NoticeKind::RateLimited),
            _ => None,
        }
    }
}

/// One notification: what happened, to whom, in plain words. Never holds secrets: the detail is
/// what the dashboard shows anyway (a question, a reason).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Notice {
    pub event: NoticeKind,
    pub project: String,
    pub worker: Option<WorkerId>,
    pub task: Option<TaskId>,
    pub detail: String,
}

impl Notice {
    /// One line for the terminal's notification and the event log.
    pub fn summary(&self) -> String {
        let who = match (self.worker, &self.task) {
            (Some(w), Some(t)) => format!("w{w} {t} "),
            (Some(w), None) => format!("w{w} "),
            (None, Some(t)) => format!("{t} "),
            (None, None) => String::new(),
        };
        let what = self.event.as_str().replace('_', " ");
        format!("{who}{what}: {}", self.detail)
    }
}

/// What was announced already (not stored: a restarted czar takes the fleet as it finds it).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Notified {
    /// The first look only takes note: what was so before the czar started is not news.
    pub(crate) primed: bool,
    /// Each worker's state and since when, as last looked at.
    pub(crate) workers: BTreeMap<WorkerId, (AgentState, u64)>,
    pub(crate) failed: BTreeSet<TaskId>,
    pub(crate) finished: bool,
}
