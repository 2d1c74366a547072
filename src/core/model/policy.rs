//! What the operator's configuration tells the core: how many workers, how patient to be, how
//! text reaches each agent profile, and how to treat agents that do not start.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Settings the core needs; everything else about the project stays in the adapters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Policy {
    pub workers: u32,
    pub default_profile: String,
    /// An idle agent with the task and no new commits, this long after delivery, failed its attempt.
    pub idle_grace_ms: u64,
    pub max_attempts: u32,
    pub max_verify_attempts: u32,
    /// Hand out tasks by itself (the dashboard can pause this).
    pub auto_assign: bool,
    pub max_restarts: u32,
    /// Busy with no screen change this long is stuck.
    pub stuck_ms: u64,
    /// Working on one task longer than this is stuck (0: no limit).
    pub max_task_ms: u64,
    /// Two workers changing the same files: stop the later one until the earlier finishes.
    pub hold_overlaps: bool,
    /// What to try, in order and with doubling waits, on a stuck agent (then a restart).
    pub nudges: Vec<Nudge>,
    /// How task text is handed to agents.
    pub delivery: DeliveryPolicy,
    /// Backoff, breaker and cap for agents that fail to start.
    #[serde(default)]
    pub spawn: SpawnPolicy,
    /// How finished work lands on the target branch.
    #[serde(default)]
    pub land: super::LandPolicy,
    /// Questions nobody answers, and rate limits the agent gave up on.
    #[serde(default)]
    pub limits: LimitPolicy,
    /// What to do with a worker whose session has a client attached (someone is in its pane).
    #[serde(default)]
    pub attached: Attached,
    /// Profile → the names of its accounts, which its workers are spread over.
    #[serde(default)]
    pub accounts: BTreeMap<String, Vec<String>>,
    #[serde(default)]
    pub budget: Budget,
    /// Profile → its prices, context window and compaction (profiles that set none are absent).
    #[serde(default)]
    pub meters: BTreeMap<String, Meter>,
    /// Every profile → the tags it declares (routing: a task's `tags` pick profiles).
    #[serde(default)]
    pub tags: BTreeMap<String, Vec<String>>,
    /// What the operator is told of outside the dashboard (`[notify] on`).
    #[serde(default)]
    pub notify: Vec<super::NoticeKind>,
    /// The `[hosts]`, in the order configured: their workers come after this machine's.
    #[serde(default)]
    pub hosts: Vec<HostPlace>,
}

/// A host beyond this machine as the core sees it: its name, how many of the workers run
/// there, how long it may be unreachable before its tasks go back to the queue, and what
/// routing places there.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct HostPlace {
    pub name: String,
    pub workers: u32,
    pub grace_ms: u64,
    /// The profiles its workers may run; empty: any.
    #[serde(default)]
    pub agents: Vec<String>,
    /// What tasks placed there may require (`labels` of a task).
    #[serde(default)]
    pub labels: Vec<String>,
}

/// Tokens and cost the run and each task may use (0: no limit). Costs in millionths of a
/// dollar.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Budget {
    pub max_tokens: u64,
    pub max_task_tokens: u64,
    #[serde(default)]
    pub max_cost_micros: u64,
    #[serde(default)]
    pub max_task_cost_micros: u64,
}

/// A profile's token figures: what its tokens cost, how many its context holds, and how its
/// agent is told to compact it.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Meter {
    pub prices: Option<Prices>,
    /// Tokens its model's context holds (0: not known, no share and no compaction).
    pub context_window: u64,
    /// What is typed to make the agent compact its context (None: it is never asked to).
    pub compact: Option<String>,
    /// The share of the window, in thousandths, at which it is asked to.
    pub compact_at_permille: u32,
}

/// Millionths of a dollar per million tokens (3.0 dollars per million is 3_000_000).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Prices {
    pub input: u64,
    pub output: u64,
    pub cached_input: u64,
    pub cache_write: u64,
}

impl Prices {
    /// What these tokens cost, in millionths of a dollar.
    pub fn cost_micros(&self, u: &super::Usage) -> u64 {
        let sum = u.input as u128 * self.input as u128
            + u.output as u128 * self.output as u128
            + u.cache_read as u128 * self.cached_input as u128
            + u.cache_write as u128 * self.cache_write as u128;
        u64::try_from(sum / 1_000_000).unwrap_or(u64::MAX)
    }
}

/// How long a question may wait, and what then; how long a rate limit is waited out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LimitPolicy {
    /// An agent waiting this long on a question nobody answers (0: no limit)...
    pub waiting_ms: u64,
    /// ...gets this done about it.
    pub on_waiting: OnWaiting,
    /// The first wait before a message is sent again to an agent whose client gave up on a
    /// rate limit, when the screen shows no reset time; it doubles with each failed resend.
    pub backoff_ms: u64,
    pub backoff_max_ms: u64,
}

impl Default for LimitPolicy {
    fn default() -> Self {
        LimitPolicy {
            waiting_ms: 0,
            on_waiting: OnWaiting::Remind,
            backoff_ms: 30_000,
            backoff_max_ms: 1_800_000,
        }
    }
}

/// What is done about a question nobody answered in time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OnWaiting {
    /// Keep waiting; say so again after each limit.
    Remind,
    /// Cancel the question (Escape) and give the task back to the queue.
    Requeue,
    /// Fail the task with the question as the reason.
    Fail,
}

impl OnWaiting {
    pub fn parse(s: &str) -> Option<OnWaiting> {
        match s {
            "remind" => Some(OnWaiting::Remind),
            "requeue" => Some(OnWaiting::Requeue),
            "fail" => Some(OnWaiting::Fail),
            _ => None,
        }
    }
}

/// A worker someone is attached to: nothing is typed into its pane until they detach (`Wait`),
/// or it is treated like any other (`Ignore`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Attached {
    #[default]
    Wait,
    Ignore,
}

/// How text is handed to agents: timings, and what each agent profile needs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliveryPolicy {
    /// How long an agent may take to show its prompt with an empty input box.
    pub ready_timeout_ms: u64,
    /// After Enter, how long to wait for the text to leave the box before pressing it again.
    pub confirm_ms: u64,
    /// How many more times Enter is pressed while the text stays in the box.
    pub retries: u32,
    /// Per agent profile.
    pub agents: BTreeMap<String, AgentDelivery>,
    /// Where workers read what the others do (named in the preamble).
    pub status_md: String,
    pub status_json: String,
}

/// What handing text to one agent profile needs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgentDelivery {
    /// Pause between the paste and Enter: agents read an Enter inside a paste burst as a newline.
    pub settle_ms: u64,
    /// Keys that empty the agent's input box.
    pub clear_keys: Vec<String>,
    /// Whether the task goes with the worker preamble (a plain shell gets only what the task's
    /// author wrote).
    pub preamble: bool,
    /// The profile can read the agent's input box (it has `input` patterns).
    pub reads_input: bool,
    /// How long the agent must have shown its prompt with an empty box, without a break,
    /// before text is pasted: some clients draw the box for a moment before a dialog.
    #[serde(default)]
    pub ready_settle_ms: u64,
    /// The note sent to an agent whose client gave up on a rate limit, once it has passed.
    #[serde(default)]
    pub resend: Option<String>,
}

impl Default for AgentDelivery {
    fn default() -> Self {
        AgentDelivery {
            settle_ms: 300,
            clear_keys: vec!["C-c".into()],
            preamble: true,
            reads_input: false,
            ready_settle_ms: 0,
            resend: None,
        }
    }
}

impl Default for DeliveryPolicy {
    fn default() -> Self {
        DeliveryPolicy {
            ready_timeout_ms: 60_000,
            confirm_ms: 5_000,
            retries: 3,
            agents: BTreeMap::new(),
            status_md: ".czar/status.md".into(),
            status_json: ".czar/status.json".into(),
        }
    }
}

impl DeliveryPolicy {
    /// A profile without settings of its own gets the defaults.
    pub fn agent(&self, profile: &str) -> AgentDelivery {
        self.agents.get(profile).cloned().unwrap_or_default()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Nudge {
    /// Press Escape: the agent stops its turn and comes back to its prompt.
    Escape,
    /// Send a short note asking it to go on.
    Resend,
    /// Kill and restart the agent in the same worktree; the task goes back to the queue.
    Restart,
}

impl Nudge {
    pub fn parse(s: &str) -> Option<Nudge> {
        match s {
            "escape" => Some(Nudge::Escape),
            "resend" => Some(Nudge::Resend),
            "restart" => Some(Nudge::Restart),
            _ => None,
        }
    }
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            workers: 2,
            default_profile: "sim".into(),
            idle_grace_ms: 10_000,
            max_attempts: 3,
            max_verify_attempts: 3,
            auto_assign: true,
            max_restarts: 3,
            stuck_ms: 300_000,
            max_task_ms: 0,
            hold_overlaps: false,
            nudges: vec![Nudge::Escape, Nudge::Restart],
            delivery: DeliveryPolicy::default(),
            spawn: SpawnPolicy::default(),
            land: super::LandPolicy::default(),
            limits: LimitPolicy::default(),
            attached: Attached::Wait,
            accounts: BTreeMap::new(),
            budget: Budget::default(),
            meters: BTreeMap::new(),
            tags: BTreeMap::new(),
            notify: Vec::new(),
            hosts: Vec::new(),
        }
    }
}

/// How patient the czar is with an agent that does not start.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SpawnPolicy {
    /// An agent that exits (or whose session vanishes) this soon after its session started,
    /// before it showed a screen its profile knows, failed to start.
    pub early_exit_ms: u64,
    /// The wait after the first failed start; it doubles with each failure in a row.
    pub backoff_ms: u64,
    pub backoff_max_ms: u64,
    /// Failed starts in a row that make a profile unavailable.
    pub breaker_after: u32,
    /// An unavailable profile gets one probe start after this long (doubling after each failed
    /// probe, up to 16 times as long). `None`: never; a headless run that must end gives up.
    pub probe_after_ms: Option<u64>,
    /// Starts per profile per minute beyond `workers`, whatever else goes wrong.
    pub spare_starts_per_minute: u32,
}

impl Default for SpawnPolicy {
    fn default() -> Self {
        SpawnPolicy {
            early_exit_ms: 5_000,
            backoff_ms: 1_000,
            backoff_max_ms: 60_000,
            breaker_after: 4,
            probe_after_ms: Some(300_000),
            spare_starts_per_minute: 10,
        }
    }
}
