//! A worker as the czar knows it: its session, what its agent is doing and why, its task, and
//! the vital signs the healing rules watch.

use super::{AgentState, BranchInfo, Delivery, TaskId, WorkerId};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Worker {
    pub id: WorkerId,
    pub session: String,
    pub profile: String,
    /// The tmux session exists.
    pub live: bool,
    pub agent: AgentState,
    /// Since when `agent` holds (ms).
    pub since: u64,
    /// Which signal or rule gave `agent`.
    pub reason: String,
    pub task: Option<TaskId>,
    pub branch: Option<BranchInfo>,
    pub last_line: String,
    /// A start was asked for and has not been answered yet.
    pub starting: bool,
    /// Sessions started for it after the first; past the limit it is retired.
    pub restarts: u32,
    /// Given up on: it kept failing. It gets no work and is not restarted.
    pub retired: bool,
    #[serde(default)]
    pub vitals: Vitals,
    /// The text being handed to its agent, step by step (see `delivery`); stored with each step
    /// so a restarted czar knows what may already be in the pane.
    #[serde(default)]
    pub delivery: Option<Delivery>,
    /// The `[hosts.<name>]` it runs on; `None`: this machine.
    #[serde(default)]
    pub host: Option<String>,
}

impl Worker {
    /// Its agent is `state` now, for `reason`; `since` moves only when the state changes.
    pub fn set_agent(&mut self, state: AgentState, reason: &str, now: u64) {
        if self.agent != state {
            self.since = now;
        }
        self.agent = state;
        self.reason = reason.to_string();
    }

    /// The account its agent runs on, which rate limits belong to: `profile/account` where
    /// the profile lists accounts, else the profile.
    pub fn account(&self) -> String {
        match &self.vitals.tokens.account {
            Some(a) => format!("{}/{a}", self.profile),
            None => self.profile.clone(),
        }
    }

    /// The question its agent waits on, from the rule that matched (`... matched "<line>"`),
    /// else its last line of output.
    pub fn question(&self) -> String {
        self.reason
            .split_once(" matched ")
            .map(|(_, q)| quoted(q))
            .filter(|q| !q.is_empty())
            .unwrap_or_else(|| self.last_line.clone())
    }

    /// It stops holding its task: whatever was being handed to its agent is over too.
    pub fn let_go(&mut self) -> Option<TaskId> {
        self.delivery = None;
        self.task.take()
    }
}

/// What the czar watches to heal a worker. Times in ms.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Vitals {
    /// Last output seen in its pane (tmux's activity stamp).
    pub activity_at: u64,
    /// Nudges given for the current task while stuck, and when the last one was.
    pub nudges: u32,
    pub nudged_at: Option<u64>,
    /// When the czar last answered a dialog for it, so one dialog gets one answer.
    pub answered_at: Option<u64>,
    /// The agent's own hook: what it said and when. Stronger than the screen while fresh.
    #[serde(default)]
    pub hook: Option<HookSaid>,
    /// A dialog on its latest screen that its profile lets the czar answer. Not stored: a
    /// restarted czar reads the screen again.
    #[serde(skip)]
    pub dialog: Option<crate::core::answer::Answer>,
    /// A dialog its profile knows is on its latest screen: the keys that say yes to it (the
    /// operator's answer; Escape says no). Not stored either.
    #[serde(skip)]
    pub dialog_keys: Option<Vec<String>>,
    /// The latest screen reading, when a fresh hook outranked it: (state, reason). The screen
    /// is read only when it prints, so this reading counts once the hook has gone stale.
    #[serde(skip)]
    pub outranked: Option<(AgentState, String)>,
    /// The latest reading of its screen itself (hooks aside): what a delivery goes by. Not
    /// stored: a restarted czar reads the screen again.
    #[serde(skip)]
    pub screen: Option<Screen>,
    /// Deliveries begun on this worker; numbers each one, so a late outcome of an earlier one
    /// is told apart.
    #[serde(default)]
    pub deliveries: u64,
    /// Its worktree could not be put on a task's branch this many times in a row...
    #[serde(default)]
    pub prepare_failures: u32,
    /// ...so it takes no task before this time (ms).
    #[serde(default)]
    pub rest_until: Option<u64>,
    /// When its session started, until its agent came up (showed a screen its profile knows,
    /// or stayed up `spawn.early_exit_ms`): an agent gone before then failed to start.
    #[serde(default)]
    pub launched_at: Option<u64>,
    /// Its session has a client attached: someone is in its pane (from the session listing).
    /// Stored, so `czar status` says it, and a restarted czar keeps its hands off until its
    /// first listing says otherwise.
    #[serde(default)]
    pub attached: bool,
    /// Before a restart its agent was in this state since this time (ms): a first reading
    /// that shows the same state keeps the old time, so a question waiting for minutes does
    /// not read "waiting 4s" after the czar restarted.
    #[serde(default)]
    pub resumed_from: Option<(super::AgentState, u64)>,
    /// The account its agent runs on and the tokens it used. Flattened: stored as the four
    /// fields they were before, so a running fleet's store keeps loading.
    #[serde(flatten)]
    pub tokens: Tokens,
    /// What its latest screen says besides the state, and whether its client gave up and
    /// waits for a new message (see `limits`). Not stored: a restarted czar reads again.
    #[serde(skip)]
    pub said: Said,
}

/// A worker's account and token figures: which account its agent runs on, what it last
/// reported and for which task. One group because they change together (`tokens`, `workers`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Tokens {
    /// Which of its profile's accounts its agent runs on (None: the profile lists none).
    #[serde(default)]
    pub account: Option<String>,
    /// The last usage its agent reported: the session (transcript) and its totals then; what
    /// grows past them goes to the task it holds.
    #[serde(default)]
    pub usage_seen: Option<(String, super::Usage)>,
    /// Tokens its agents used, all tasks together.
    #[serde(default)]
    pub usage: super::Usage,
    /// The task its agent's tokens count for: the one last delivered to it. Not the one it
    /// holds: a finished task's last turn reports after the task is done (its `Stop` hook),
    /// and the next task is assigned before its text reaches the agent.
    #[serde(default)]
    pub usage_task: Option<TaskId>,
    /// The input of its agent's last turn: what its context holds now (None: not reported).
    #[serde(default)]
    pub context: Option<u64>,
    /// Its agent was told to compact its context, and no report since showed it below the mark.
    #[serde(default)]
    pub compact_asked: bool,
    /// It held a task at the last step: its end is seen as the step that finds it free.
    #[serde(skip)]
    pub had_task: bool,
    /// Since when it has waited, free, for a reading of its session taken after its last task
    /// ended (see `compact::await_meter`). Not stored: a restarted czar does not wait.
    #[serde(skip)]
    pub meter_wait: Option<u64>,
}

/// The words behind a worker's latest screen, for alerts and limits.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Said {
    /// The question a waiting agent asks, the retry time of a limited one, an error's message.
    pub detail: Option<String>,
    /// Since when its client has shown, without a break, that it stopped retrying and waits
    /// for someone to send again.
    pub gave_up: Option<u64>,
    /// Since when its screen has shown it at its prompt with an empty box, without a break.
    pub ready_since: Option<u64>,
    /// The question nobody answers that it waits on, and since when (one a rule answers, or
    /// none, clears it).
    pub asked: Option<(String, u64)>,
    /// When the operator was last reminded of it.
    pub reminded_at: Option<u64>,
}

/// What an agent's input box holds, as a screen showed it.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Input {
    /// The profile cannot read its box.
    #[default]
    Unknown,
    /// The profile reads its box, but none showed (a dialog or a redraw covers it).
    Hidden,
    Empty,
    /// Text sits typed or pasted in it, not submitted (shown as the screen shows it).
    Holds(String),
}

/// One reading of a worker's screen.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Screen {
    pub state: Option<AgentState>,
    pub input: Input,
    /// When the capture was taken (ms): a reading taken before a step began says nothing
    /// about what the step did.
    pub at: u64,
    /// A digest of the screen's text, to see a box the profile cannot read change.
    pub hash: u64,
}

/// The last thing an agent's own hook told the czar.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HookSaid {
    pub state: AgentState,
    /// The hook event's name, so a reason can say which hook outranked the screen.
    #[serde(default)]
    pub event: String,
    pub at: u64,
}

/// Something the operator asked to type into a worker's pane, held while a client is attached.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HeldInput {
    /// Named keys, pressed as they are.
    Keys(Vec<String>),
    /// Literal text, then the submit key.
    Text(String),
}

/// The text of a quoted (`{:?}`) string at the start of `s`, its escapes undone; `s` itself
/// when it does not start with a quote.
fn quoted(s: &str) -> String {
    let Some(rest) = s.strip_prefix('"') else {
        return s.to_string();
    };
    let mut out = String::new();
    let mut chars = rest.chars();
    while let Some(c) = chars.next() {
        match c {
            '"' => break,
            '\\' => match chars.next() {
                Some('n') => out.push(' '),
                Some('t') => out.push(' '),
                Some(other) => out.push(other),
                None => break,
            },
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_question_is_the_matched_line_without_its_quoting() {
        let w = |reason: &str| Worker {
            reason: reason.into(),
            last_line: "2. No".into(),
            ..Worker::default()
        };
        let q = w(r#"waiting pattern /^Do you want/ matched "Do you want to push \"main\"?""#);
        assert_eq!(q.question(), r#"Do you want to push "main"?"#);
        assert_eq!(w("prompt").question(), "2. No");
    }

    /// The token fields sit flat in the stored JSON, as before they were grouped: a store
    /// written by an older czar loads, and what is written now names the same keys.
    #[test]
    fn grouped_token_fields_keep_the_stored_format() {
        let old = r#"{"activity_at":7,"nudges":0,"nudged_at":null,"answered_at":null,
            "account":"a","usage_seen":["s",{"input":1,"output":2,"cache_read":3,"cache_write":4}],
            "usage":{"input":5,"output":6,"cache_read":7,"cache_write":8},"usage_task":"t1"}"#;
        let v: Vitals = serde_json::from_str(old).unwrap();
        assert_eq!(v.activity_at, 7);
        assert_eq!(v.tokens.account.as_deref(), Some("a"));
        assert_eq!(
            v.tokens
                .usage_seen
                .as_ref()
                .map(|(s, u)| (s.as_str(), u.total())),
            Some(("s", 10))
        );
        assert_eq!(v.tokens.usage.total(), 26);
        assert_eq!(v.tokens.usage_task.as_deref(), Some("t1"));
        let written: serde_json::Value = serde_json::to_value(&v).unwrap();
        for key in ["account", "usage_seen", "usage", "usage_task"] {
            assert!(
                written.get(key).is_some(),
                "{key} is not a top-level key: {written}"
            );
        }
        assert!(
            written.get("tokens").is_none(),
            "the group leaked into the format: {written}"
        );
        // A store from before accounts and usage existed still loads, with none.
        let older: Vitals = serde_json::from_str(
            r#"{"activity_at":1,"nudges":0,"nudged_at":null,"answered_at":null}"#,
        )
        .unwrap();
        assert_eq!(older.tokens, Tokens::default());
    }
}
