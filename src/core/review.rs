//! The review gate (`review = "<profile>"`): a verified, done task is read by an agent of the
//! review profile (not its author) before it joins the landing queue. An approval queues it; a
//! rejection sends it back to its author with the review, to be verified and reviewed again;
//! past `max_review_rounds` rejections it fails, its branch kept. Every step is on the task's
//! landing record (and so stored) before the engine carries it out.

use super::command::{Command, EventKind};
use super::land_state::set;
use super::model::{Landing, Model, ReviewRecord, TaskState, WorkerId};
use super::prompt::fill;

const REVIEW_TEMPLATE: &str = include_str!("../../prompts/review.md");
const REJECT_TEMPLATE: &str = include_str!("../../prompts/review_reject.md");

/// The most of a diff handed to a reviewer; the rest is cut, with a note saying so.
pub const MAX_DIFF_BYTES: usize = 60_000;

/// The reviewer's answer (it comes as an observation).
pub use super::observation::Verdict;

/// The task `worker` is reviewing now, if any (kept on the model, which `queue` reads too).
pub fn reviewing(model: &Model, worker: WorkerId) -> Option<String> {
    model.reviewing(worker)
}

/// Hands each task waiting for a review to an idle worker of the review profile that is not
/// its author; the engine fetches the diff (`Command::AskReview`) and the text follows.
pub(super) fn hand_out(model: &mut Model, now: u64, out: &mut Vec<Command>) {
    let Some(profile) = model.policy.land.review.clone() else {
        return;
    };
    take_back_lost(model, now, out);
    ensure_reviewer(model, &profile, now, out);
    let waiting: Vec<(String, Option<WorkerId>)> = model
        .tasks
        .values()
        .filter(|t| t.state == TaskState::Done)
        .filter(|t| {
            matches!(
                t.land.as_ref().map(|l| &l.state),
                Some(Landing::Reviewing { reviewer: None, .. })
            )
        })
        .map(|t| (t.def.id.clone(), t.worker))
        .collect();
    for (task, author) in waiting {
        let free = super::queue::idle_workers(model);
        let reviewer = free.into_iter().find(|w| {
            Some(*w) != author && model.workers.get(w).is_some_and(|k| k.profile == profile)
        });
        let Some(reviewer) = reviewer else {
            continue;
        };
        set(
            model,
            &task,
            Landing::Reviewing {
                reviewer: Some(reviewer),
                since: now,
            },
        );
        let t = &model.tasks[&task];
        out.push(Command::record(
            Some(reviewer),
            Some(&task),
            EventKind::Review,
            format!("handed to worker {reviewer} for review"),
        ));
        out.push(Command::AskReview {
            worker: reviewer,
            task: task.clone(),
            branch: t.branch(),
            into: model.policy.land.into.clone(),
        });
    }
}

/// Reviews wait and no worker runs the review profile (the fleet runs the default one): one
/// worker of that profile is added, started as any other, so a review never waits for nobody.
fn ensure_reviewer(model: &mut Model, profile: &str, now: u64, out: &mut Vec<Command>) {
    let waiting = model.tasks.values().any(|t| {
        t.state == TaskState::Done
            && matches!(
                t.land.as_ref().map(|l| &l.state),
                Some(Landing::Reviewing { .. })
            )
    });
    let served = model
        .workers
        .values()
        .any(|w| w.profile == profile && !w.retired);
    if !waiting || served {
        return;
    }
    let id = model
        .workers
        .keys()
        .max()
        .copied()
        .unwrap_or(0)
        .max(model.policy.workers)
        + 1;
    let worker = super::model::Worker {
        id,
        session: model.session_name(id),
        profile: profile.to_string(),
        since: now,
        ..super::model::Worker::default()
    };
    model.workers.insert(id, worker);
    out.push(Command::record(
        Some(id),
        None,
        EventKind::Review,
        format!("no worker runs the review profile {profile}; worker {id} added for reviews"),
    ));
}

/// A review whose reviewer is gone (its session lost, retired), or whose agent is back at its
/// prompt past the idle grace without a verdict (the text lost, or the agent did not answer),
/// waits for a reviewer again: a review is never lost with a pane.
fn take_back_lost(model: &mut Model, now: u64, out: &mut Vec<Command>) {
    let grace = model.policy.idle_grace_ms;
    let lost: Vec<(String, WorkerId)> = model
        .tasks
        .values()
        .filter(|t| t.state == TaskState::Done)
        .filter_map(|t| match t.land.as_ref().map(|l| &l.state) {
            Some(Landing::Reviewing {
                reviewer: Some(w),
                since,
            }) => {
                let gone = model.workers.get(w).is_none_or(|k| {
                    !k.live || k.retired || k.agent == super::model::AgentState::Crashed
                });
                // At its prompt, no text on its way to it, past the grace.
                let silent = model.workers.get(w).is_some_and(|k| {
                    k.agent.is_ready()
                        && k.delivery.is_none()
                        && now >= k.since.max(*since).saturating_add(grace)
                });
                (gone || silent).then(|| (t.def.id.clone(), *w))
            }
            _ => None,
        })
        .collect();
    for (task, worker) in lost {
        super::land_state::hand_back(model, worker, &task, now);
        out.push(Command::record(
            Some(worker),
            Some(&task),
            EventKind::Review,
            format!("no verdict from worker {worker}; the review is handed out again"),
        ));
    }
}

/// The diff of a task under review came: the reviewer gets the review text (or, when the diff
/// could not be read, the task waits for a reviewer again).
pub(super) fn diff_read(
    model: &mut Model,
    worker: WorkerId,
    task: &str,
    diff: Result<String, String>,
    now: u64,
    out: &mut Vec<Command>,
) {
    if reviewing(model, worker).as_deref() != Some(task) {
        return;
    }
    let diff = match diff {
        Ok(d) => d,
        Err(e) => {
            super::land_state::hand_back(model, worker, task, now);
            out.push(Command::record(
                Some(worker),
                Some(task),
                EventKind::Review,
                format!("could not read its diff for the review: {e}"),
            ));
            return;
        }
    };
    let text = review_text(model, task, &diff);
    super::delivery::begin_review(model, worker, task, text, now, out);
}

/// The text a reviewer gets: the task (quoted, so its lines read as the task's, not as
/// instructions to the reviewer's tools) and its diff, cut to `MAX_DIFF_BYTES`.
pub fn review_text(model: &Model, task: &str, diff: &str) -> String {
    let Some(t) = model.tasks.get(task) else {
        return String::new();
    };
    let total = diff.len();
    let (diff, cut) = bounded(diff);
    // The reviewer must know it did not see everything.
    let cut_note = if cut {
        format!(" (cut: its first {} of {total} bytes)", diff.len())
    } else {
        String::new()
    };
    let body: String = t.def.body.lines().map(|l| format!("> {l}\n")).collect();
    let round = (rejections(model, task) + 1).to_string();
    let max = model.policy.land.max_review_rounds.to_string();
    let branch = t.branch();
    fill(
        REVIEW_TEMPLATE,
        &[
            ("title", &t.def.title),
            ("task", task),
            ("branch", &branch),
            ("into", &model.policy.land.into),
            ("round", &round),
            ("max", &max),
            ("body", body.trim_end()),
            ("cut", &cut_note),
            ("diff", diff.trim_end()),
        ],
    )
}

/// At most `MAX_DIFF_BYTES` of `diff`, cut at a line's end; whether it was cut.
fn bounded(diff: &str) -> (&str, bool) {
    if diff.len() <= MAX_DIFF_BYTES {
        return (diff, false);
    }
    let mut end = MAX_DIFF_BYTES;
    while !diff.is_char_boundary(end) {
        end -= 1;
    }
    let end = diff[..end].rfind('\n').map_or(end, |n| n + 1);
    (&diff[..end], true)
}

fn rejections(model: &Model, task: &str) -> u32 {
    model
        .tasks
        .get(task)
        .and_then(|t| t.land.as_ref())
        .and_then(|l| l.review.as_ref())
        .map_or(0, |r| r.rejections)
}

/// `czar review approve|reject` from `worker`, about `task` (none: the one it reviews).
pub(super) fn verdict(
    model: &mut Model,
    worker: WorkerId,
    task: Option<String>,
    verdict: Verdict,
    now: u64,
    out: &mut Vec<Command>,
) {
    let under_review = reviewing(model, worker);
    let task = match task.or_else(|| under_review.clone()) {
        Some(t) if under_review.as_deref() == Some(t.as_str()) => t,
        other => {
            let what = other.map_or("no task".to_string(), |t| format!("`{t}`"));
            out.push(Command::record(
                Some(worker),
                None,
                EventKind::Review,
                format!("a verdict on {what} ignored: worker {worker} is not reviewing it"),
            ));
            return;
        }
    };
    let Some(rec) = model.tasks.get_mut(&task).and_then(|t| t.land.as_mut()) else {
        return;
    };
    let review = rec.review.get_or_insert_with(ReviewRecord::default);
    match verdict {
        Verdict::Approve => {
            review.verdict = Some("approved".into());
            review.text = None;
            rec.state = Landing::Queued;
            out.push(Command::record(
                Some(worker),
                Some(&task),
                EventKind::Review,
                "approved: it joins the landing queue",
            ));
        }
        Verdict::Reject(why) => {
            review.rejections += 1;
            review.verdict = Some("rejected".into());
            review.text = Some(why.clone());
            rec.state = Landing::Rejected;
            let rounds = review.rejections;
            out.push(Command::record(
                Some(worker),
                Some(&task),
                EventKind::Review,
                format!("rejected: {why}"),
            ));
            send_back(model, &task, &why, rounds, now, out);
        }
    }
}

/// A rejected task goes back to its author with the review, or fails past the rounds.
fn send_back(
    model: &mut Model,
    task: &str,
    why: &str,
    rounds: u32,
    now: u64,
    out: &mut Vec<Command>,
) {
    let max = model.policy.land.max_review_rounds;
    let Some(t) = model.tasks.get(task) else {
        return;
    };
    let branch = t.branch();
    if rounds >= max {
        let reason = format!(
            "rejected by review {rounds} times; last review: {why}; its branch {branch} is kept"
        );
        return super::outcome::fail(model, task, &reason, now, out);
    }
    let (round, max) = (rounds.to_string(), max.to_string());
    let followup = fill(
        REJECT_TEMPLATE,
        &[
            ("title", &t.def.title),
            ("task", task),
            ("branch", &branch),
            ("into", &model.policy.land.into),
            ("round", &round),
            ("max", &max),
            ("review", why),
            ("body", &t.def.body),
        ],
    );
    super::land_return::rework(model, task, followup, format!("review: {why}"), out);
}

/// After a restart: a review stays with its reviewer, whose session outlives the czar, so a
/// verdict given meanwhile (waiting in the inbox) still counts; its clock starts again, and a
/// reviewer found gone, or silent past the grace, gives it back (`take_back_lost`).
pub(super) fn resumed(model: &mut Model, now: u64) {
    for t in model.tasks.values_mut() {
        if let Some(rec) = t.land.as_mut()
            && let Landing::Reviewing {
                reviewer: Some(_),
                since,
            } = &mut rec.state
        {
            *since = now;
        }
    }
}

/// The review gate's word on a task, as the Landing panel, `czar land` and `status --json`
/// show it: `reviewing`, `approved` or `rejected`, with its rounds lost (none: not reviewed).
pub fn summary(rec: &super::model::LandRecord, max_rounds: u32) -> Option<String> {
    let rounds = rec.review.as_ref().map_or(0, |r| r.rejections);
    let verdict = match (
        &rec.state,
        rec.review.as_ref().and_then(|r| r.verdict.clone()),
    ) {
        (
            Landing::Reviewing {
                reviewer: Some(w), ..
            },
            _,
        ) => format!("reviewing (worker {w})"),
        (Landing::Reviewing { reviewer: None, .. }, _) => "waiting for a reviewer".to_string(),
        (_, Some(v)) => v,
        (_, None) => return None,
    };
    Some(format!("{verdict}, {rounds}/{max_rounds} rejections"))
}
