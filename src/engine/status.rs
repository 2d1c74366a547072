//! The status the czar publishes for workers (Markdown) and programs (JSON): who works on what,
//! on which branch, and what is queued. Also what `czar status --json` prints.

use crate::core::model::{Model, TaskState};
use serde::Serialize;

#[derive(Debug, Serialize, PartialEq)]
pub struct WorkerRow {
    pub id: u32,
    pub session: String,
    pub profile: String,
    pub state: &'static str,
    pub reason: String,
    pub task: Option<String>,
    pub branch: Option<String>,
    pub ahead: usize,
    pub files_changed: usize,
    pub added: usize,
    pub removed: usize,
    pub last_line: String,
    /// A tmux client is attached to its session: nothing is typed into it until it detaches
    /// (with `attached = "wait"`).
    pub attached: bool,
    /// Files its work touches so far, committed or not.
    pub files: Vec<String>,
    /// The `[hosts.<name>]` it runs on; absent: this machine.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
    /// Tokens and cost its agents reported, and how full its context is.
    #[serde(flatten)]
    pub spend: WorkerSpend,
}

/// A worker's tokens (all its tasks together), their cost in dollars (when priced or reported)
/// and its agent's context: the last turn's input, and that as a share of the window.
#[derive(Debug, Serialize, PartialEq, Default)]
pub struct WorkerSpend {
    pub tokens: crate::core::model::Usage,
    pub cost: Option<f64>,
    pub context: Option<u64>,
    pub context_share: Option<f64>,
}

impl WorkerSpend {
    pub fn of(model: &Model, w: &crate::core::Worker) -> WorkerSpend {
        use crate::core::tokens::{context_share, dollars};
        WorkerSpend {
            tokens: w.vitals.tokens.usage,
            cost: dollars(w.vitals.tokens.usage.cost_micros),
            context: w.vitals.tokens.context,
            context_share: context_share(model, w),
        }
    }
}

#[derive(Debug, Serialize, PartialEq)]
pub struct TaskRow {
    pub id: String,
    pub title: String,
    pub state: &'static str,
    pub worker: Option<u32>,
    pub attempts: u32,
    pub priority: i64,
    pub needs: Vec<String>,
    pub reason: Option<String>,
    /// Tokens its agents reported using on it.
    pub tokens: crate::core::model::Usage,
    /// What they cost, in dollars (None: no prices and none reported).
    pub cost: Option<f64>,
    /// Its landing on the target, once done with landing on: `state` (queued, merging, moving,
    /// landed, waiting, conflict, verify_failed), the landed `commit`, the conflicting `files`,
    /// why it `waits`, and how many follow-ups it took.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub landing: Option<LandingRow>,
    /// How it is routed: the profiles it accepts, the tags it requires, and those its last
    /// assignment passed over, with why.
    pub route: RouteRow,
    /// The plan it belongs to (`czar plan`).
    pub plan: Option<String>,
}

#[derive(Debug, Serialize, PartialEq, Default)]
pub struct RouteRow {
    pub agent: Vec<String>,
    pub tags: Vec<String>,
    /// What its worker's host must declare (`labels = [...]`, `[hosts]`).
    pub labels: Vec<String>,
    pub skipped: Vec<String>,
    /// Why it waits though ready: every profile it accepts was passed over.
    pub waiting: Option<String>,
}

#[derive(Debug, Serialize, PartialEq)]
pub struct LandingRow {
    pub state: &'static str,
    pub commit: Option<String>,
    pub files: Vec<String>,
    pub waits: Option<String>,
    pub returns: u32,
    pub conflicts: u32,
    /// Its pull request's URL while one is open.
    pub url: Option<String>,
    /// Its branch's commits, files and lines added and removed, as last seen.
    pub size: Option<crate::core::model::LandFigures>,
    /// The review gate: its verdict and rounds (none: not reviewed).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub review: Option<ReviewRow>,
}

#[derive(Debug, Serialize, PartialEq)]
pub struct ReviewRow {
    /// `waiting`, `reviewing`, `approved` or `rejected`.
    pub verdict: String,
    pub reviewer: Option<u32>,
    pub rejections: u32,
    /// The last review's text (a rejection's why).
    pub text: Option<String>,
}

fn review_row(l: &crate::core::model::LandRecord) -> Option<ReviewRow> {
    use crate::core::model::Landing;
    let (verdict, reviewer) = match (&l.state, l.review.as_ref()) {
        (
            Landing::Reviewing {
                reviewer: Some(w), ..
            },
            _,
        ) => ("reviewing".to_string(), Some(*w)),
        (Landing::Reviewing { reviewer: None, .. }, _) => ("waiting".to_string(), None),
        (_, Some(r)) => (r.verdict.clone()?, None),
        (_, None) => return None,
    };
    let r = l.review.clone().unwrap_or_default();
    Some(ReviewRow {
        verdict,
        reviewer,
        rejections: r.rejections,
        text: r.text,
    })
}

fn landing_row(t: &crate::core::model::Task) -> Option<LandingRow> {
    use crate::core::model::Landing;
    let l = t.land.as_ref()?;
    Some(LandingRow {
        state: l.state.as_str(),
        commit: match &l.state {
            Landing::Landed { commit, .. } => Some(commit.clone()),
            _ => None,
        },
        files: match &l.state {
            Landing::Returned { files, .. } => files.clone(),
            _ => Vec::new(),
        },
        waits: match &l.state {
            Landing::Waiting { why, .. } => Some(why.clone()),
            _ => None,
        },
        returns: l.returns,
        conflicts: l.conflicts,
        url: match &l.state {
            Landing::PrOpen { url, .. } => Some(url.clone()),
            _ => None,
        },
        size: l.figures,
        review: review_row(l),
    })
}

#[derive(Debug, Serialize, PartialEq)]
pub struct Status {
    pub project: String,
    pub base: String,
    pub workers: Vec<WorkerRow>,
    pub tasks: Vec<TaskRow>,
    /// Files claimed with `czar claim` by workers still on the task they claimed them for.
    pub claims: Vec<crate::adapters::claims::Claim>,
    /// Task files that do not load, each with why: their tasks do not run until fixed.
    pub task_file_errors: Vec<String>,
    /// Tokens of every task together, and their cost in dollars.
    pub tokens: crate::core::model::Usage,
    pub cost: Option<f64>,
    /// Each plan (`czar plan`): its planner's state and how many of the tasks it added are
    /// done and landed.
    pub plans: Vec<PlanRow>,
    /// Each `[hosts.<name>]`: its health (`up`, or `down` with `since` and `attempts`) and its
    /// workers, as the running czar last saw it. Absent without hosts.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub hosts: Vec<super::fleet_view::HostRow>,
}

#[derive(Debug, Serialize, PartialEq)]
pub struct PlanRow {
    #[serde(flatten)]
    pub progress: crate::core::plan::Progress,
    /// The goal as given (from the store; `czar status` fills it in).
    pub goal: Option<String>,
}

/// Names the host of each worker whose stored row says none (a store from before workers knew
/// their host) from the configuration (see `config::hosts::host_of`), `local` being this
/// machine's count.
pub fn with_hosts(s: &mut Status, local: usize, hosts: &[crate::config::hosts::Host]) {
    for w in s.workers.iter_mut().filter(|w| w.host.is_none()) {
        w.host = crate::config::hosts::host_of(local, hosts, w.id).map(|h| h.name.clone());
    }
}

pub fn snapshot(model: &Model, claims: &[crate::adapters::claims::Claim]) -> Status {
    let claims = claims
        .iter()
        .filter(|c| {
            model
                .workers
                .get(&c.worker)
                .is_some_and(|w| w.task.as_deref() == Some(c.task.as_str()))
        })
        .cloned()
        .collect();
    let workers = model
        .workers
        .values()
        .map(|w| {
            let b = w.branch.clone().unwrap_or_default();
            WorkerRow {
                id: w.id,
                session: w.session.clone(),
                profile: w.profile.clone(),
                state: if w.live || w.agent == crate::core::AgentState::Crashed {
                    w.agent.as_str()
                } else {
                    "stopped"
                },
                reason: w.reason.clone(),
                task: w.task.clone(),
                branch: w.task.as_deref().map(crate::core::model::branch_for),
                ahead: b.ahead,
                files_changed: b.files,
                added: b.added,
                removed: b.removed,
                last_line: w.last_line.clone(),
                attached: w.vitals.attached,
                files: model
                    .survey
                    .touched
                    .get(&w.id)
                    .map(|f| f.iter().cloned().collect())
                    .unwrap_or_default(),
                spend: WorkerSpend::of(model, w),
                host: w.host.clone(),
            }
        })
        .collect();
    let mut tasks: Vec<TaskRow> = model
        .tasks
        .values()
        .map(|t| TaskRow {
            id: t.def.id.clone(),
            title: t.def.title.clone(),
            state: t.state.as_str(),
            worker: t.worker,
            attempts: t.attempts,
            priority: t.def.priority,
            needs: t.def.needs.clone(),
            reason: t.reason.clone(),
            landing: landing_row(t),
            tokens: t.usage,
            cost: crate::core::tokens::dollars(t.usage.cost_micros),
            route: RouteRow {
                agent: t.def.agent.clone(),
                tags: t.def.tags.clone(),
                labels: t.def.labels.clone(),
                skipped: t.route.skipped.clone(),
                waiting: t.route.waiting.clone(),
            },
            plan: t.def.plan.clone(),
        })
        .collect();
    tasks.sort_by_key(|t| {
        (
            t.state == TaskState::Done.as_str(),
            -t.priority,
            t.id.clone(),
        )
    });
    let tokens = model
        .tasks
        .values()
        .fold(crate::core::model::Usage::default(), |a, t| {
            a.plus(&t.usage)
        });
    let plans = crate::core::plan::progress(model)
        .into_iter()
        .map(|progress| PlanRow {
            progress,
            goal: None,
        })
        .collect();
    Status {
        tokens,
        cost: crate::core::tokens::dollars(tokens.cost_micros),
        claims,
        plans,
        task_file_errors: model.task_file_errors.values().cloned().collect(),
        project: model.project.clone(),
        base: model.base.clone(),
        workers,
        tasks,
        hosts: Vec::new(),
    }
}
