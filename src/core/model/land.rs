//! Landing: how finished work is brought into the target branch, and where each task's landing
//! stands. Plain data; `core::land` decides, the engine carries it out.

use serde::{Deserialize, Serialize};

/// `land = ...` in czar.toml.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum LandMode {
    /// Nothing lands; dependents start from their dependency's branch (stacked).
    #[default]
    Off,
    /// A merge commit on the target (a fast-forward when the branch already holds the target).
    Merge,
    /// One commit on the target with the branch's changes.
    Squash,
    /// The branch's own commits replayed on the target.
    Rebase,
    /// A pull request through the forge's CLI (not carried out yet: such tasks wait).
    Pr,
}

impl LandMode {
    pub fn parse(s: &str) -> Option<LandMode> {
        match s {
            "off" => Some(LandMode::Off),
            "merge" => Some(LandMode::Merge),
            "squash" => Some(LandMode::Squash),
            "rebase" => Some(LandMode::Rebase),
            "pr" => Some(LandMode::Pr),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            LandMode::Off => "off",
            LandMode::Merge => "merge",
            LandMode::Squash => "squash",
            LandMode::Rebase => "rebase",
            LandMode::Pr => "pr",
        }
    }

    pub fn is_on(self) -> bool {
        self != LandMode::Off
    }
}

/// The project's landing settings, as the core needs them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct LandPolicy {
    pub mode: LandMode,
    /// The target branch (the base unless `into` says otherwise).
    pub into: String,
    /// A project-wide command run on the merged result, after the task's own verify.
    pub verify: Option<String>,
    /// Keep a landed task's branch (else it is deleted once landed).
    pub keep_branches: bool,
    /// Follow-ups (conflict, verify after merge) before the task fails.
    pub max_attempts: u32,
    /// With pull requests: how often an open one is looked at.
    #[serde(default)]
    pub pr_poll_ms: u64,
    /// Up to this many ready tasks are merged together and verified once (`land_batch`; 0 or
    /// 1: one at a time).
    #[serde(default)]
    pub batch: usize,
    /// The profile whose workers review a verified task before it lands (none: no review).
    #[serde(default)]
    pub review: Option<String>,
    /// Rejections by the reviewer before the task fails.
    #[serde(default)]
    pub max_review_rounds: u32,
}

/// A landing's wait: its reason, and when it was first met.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Waited {
    pub why: String,
    pub since: u64,
}

/// Where a finished task's landing stands. Stored with the task: each step is in the store
/// before the engine carries it out, so a restart knows what was under way.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case", tag = "state")]
pub enum Landing {
    /// Waiting for its turn (its needs to land, the one landing at a time to end).
    #[default]
    Queued,
    /// Being merged onto the target's tip in the integration worktree, then verified there.
    Merging,
    /// Merged and verified as `to` on top of `from`: the target is being moved from one to the
    /// other (compare-and-swap).
    Moving { from: String, to: String },
    /// On the target as `commit`, moved there from `from` (what it brought is `from..commit`).
    Landed {
        commit: String,
        #[serde(default)]
        from: String,
        at: u64,
    },
    /// Cannot move the target now (the user's checkout of it is not clean, say): why. Tried
    /// again a while after `since`.
    Waiting { why: String, since: u64 },
    /// Sent back to its agent: the merge conflicted (these files) or verify failed after it.
    Returned {
        files: Vec<String>,
        verify_failed: bool,
    },
    /// Its branch is being pushed and its pull request opened (or found).
    PrOpening,
    /// Its pull request is open at `url`; last looked at `checked`.
    PrOpen { url: String, checked: u64 },
    /// Verified and done, waiting for the reviewer's verdict before it may land: handed to
    /// `reviewer` (none yet: waiting for an idle worker of the review profile).
    Reviewing {
        reviewer: Option<super::WorkerId>,
        /// When it was handed to `reviewer` (or began to wait for one).
        #[serde(default)]
        since: u64,
    },
    /// The reviewer rejected it: back with its author.
    Rejected,
}

impl Landing {
    pub fn as_str(&self) -> &'static str {
        match self {
            Landing::Queued => "queued",
            Landing::Merging => "merging",
            Landing::Moving { .. } => "moving",
            Landing::Landed { .. } => "landed",
            Landing::Waiting { .. } => "waiting",
            Landing::Returned { files, .. } if !files.is_empty() => "conflict",
            Landing::Returned { .. } => "verify_failed",
            Landing::PrOpening => "pr_opening",
            Landing::PrOpen { .. } => "pr_open",
            Landing::Reviewing { .. } => "reviewing",
            Landing::Rejected => "rejected",
        }
    }

    /// Under way in the engine: no other landing may start.
    pub fn in_flight(&self) -> bool {
        matches!(
            self,
            Landing::Merging | Landing::Moving { .. } | Landing::PrOpening
        )
    }
}

/// A task's landing record: where it stands and what it took.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct LandRecord {
    pub state: Landing,
    /// Times it went back to an agent (conflict or verify after the merge).
    pub returns: u32,
    /// Of those, conflicts.
    pub conflicts: u32,
    pub verify_failures: u32,
    /// When it first became ready to land (done), for the time from done to landed.
    pub queued_at: u64,
    /// The follow-up its next worker gets instead of the task text (a conflict to resolve).
    #[serde(default)]
    pub followup: Option<String>,
    /// The operator asked for it to land now: it goes first, and a wait is tried again at once.
    #[serde(default)]
    pub asked: bool,
    /// What its branch brought, as last seen when it was done (the branch may be gone once
    /// landed): for the Landing panel.
    #[serde(default)]
    pub figures: Option<LandFigures>,
    /// Landing in a batch led by this task (the lead's own record names itself): the batch is
    /// merged, verified and moved as one, and a restart redoes it from the lead.
    #[serde(default)]
    pub lead: Option<super::TaskId>,
    /// A batch it was in failed: it lands in batches of at most this many until it lands or
    /// goes back to its agent (0: no limit but `land_batch`). Halved at each failure, so the
    /// culprit ends up alone.
    #[serde(default)]
    pub cap: usize,
    /// The review gate's record (none: not reviewed).
    #[serde(default)]
    pub review: Option<ReviewRecord>,
    /// Why it waits and since when, kept across its retries (each one is `Merging` or
    /// `Moving` for a moment): the reason is said once, and a wait that never ends is told
    /// from one that came back. Not stored: a new czar says it again and counts afresh.
    #[serde(skip)]
    pub waited: Option<Waited>,
}

/// What the reviewer said of a task so far.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct ReviewRecord {
    /// Rejections so far (rounds lost).
    pub rejections: u32,
    /// The last verdict: "approved" or "rejected" (none: not reviewed yet).
    pub verdict: Option<String>,
    /// The last verdict's text (a rejection's why).
    pub text: Option<String>,
}

/// A finished branch's size: commits ahead of the base, files, lines added and removed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct LandFigures {
    pub commits: usize,
    pub files: usize,
    pub added: usize,
    pub removed: usize,
}

impl super::Model {
    /// A task just done joins the landing queue (when landing is on); a task done again after a
    /// follow-up is queued afresh. Plain bookkeeping on the task, so that the module that moves
    /// tasks (`outcome`) need not import the one that decides landings.
    pub fn queue_landing(&mut self, task: &str, now: u64) {
        if !self.policy.land.mode.is_on() {
            return;
        }
        let figures = self.land_figures(task);
        let Some(t) = self.tasks.get_mut(task) else {
            return;
        };
        let rec = t.land.get_or_insert_with(|| LandRecord {
            queued_at: now,
            ..LandRecord::default()
        });
        // With a review gate the reviewer goes first (see `core::review`).
        rec.state = match &self.policy.land.review {
            Some(_) => Landing::Reviewing {
                reviewer: None,
                since: now,
            },
            None => Landing::Queued,
        };
        rec.followup = None;
        // Reworked: whatever batch it failed in no longer says anything about it.
        rec.lead = None;
        rec.cap = 0;
        // A later look wins; none (the worker moved on) keeps the last one.
        if figures.is_some() {
            rec.figures = figures;
        }
    }

    /// The task `worker` is reviewing now for the review gate, if any: such a worker takes no
    /// other work.
    pub fn reviewing(&self, worker: super::WorkerId) -> Option<String> {
        self.tasks
            .values()
            .find(|t| {
                t.state == super::TaskState::Done
                    && matches!(
                        t.land.as_ref().map(|l| &l.state),
                        Some(Landing::Reviewing { reviewer: Some(r), .. }) if *r == worker
                    )
            })
            .map(|t| t.def.id.clone())
    }

    /// A worker's branch was looked at again: a finished task of that branch still to land
    /// takes its figures (its last commits may be seen only after it was done).
    pub fn refresh_land_figures(&mut self, worker: super::WorkerId) {
        let Some(seen) = self.workers.get(&worker).and_then(|w| w.branch.as_ref()) else {
            return;
        };
        let Some(task) = self
            .tasks
            .values()
            .find(|t| t.worker == Some(worker) && t.land.is_some() && t.branch() == seen.branch)
            .map(|t| t.def.id.clone())
        else {
            return;
        };
        let figures = self.land_figures(&task);
        let rec = self.tasks.get_mut(&task).and_then(|t| t.land.as_mut());
        if let (Some(rec), Some(f)) = (rec, figures)
            && !matches!(rec.state, Landing::Landed { .. })
        {
            rec.figures = Some(f);
        }
    }

    /// The figures of `task`'s branch as its worker last saw it.
    fn land_figures(&self, task: &str) -> Option<LandFigures> {
        let t = self.tasks.get(task)?;
        let w = self.workers.get(&t.worker?)?;
        let b = w.branch.as_ref().filter(|b| b.branch == t.branch())?;
        Some(LandFigures {
            commits: b.ahead,
            files: b.files,
            added: b.added,
            removed: b.removed,
        })
    }
}
