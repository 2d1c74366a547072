//! Routing: which agent profiles a task accepts, in its order, and which of them can take it
//! now. A task names profiles (`agent = ["codex", "claude"]`), requires tags the profiles
//! declare (`tags = ["rust"]`), both, or neither (any profile). Of the profiles it accepts, the
//! first that is available gets it; each one passed over is recorded with why. A task's
//! `labels` send it only to workers on a host declaring them all, and a host's `agents` keep
//! other profiles' tasks off its workers.

use super::model::{Model, TaskDef, WorkerId};

/// The task names no profile and requires no tag: any profile may run it.
pub fn any(def: &TaskDef) -> bool {
    def.agent.is_empty() && def.tags.is_empty()
}

/// The profiles `def` accepts, in the order they are tried. Empty with `any(def)`: any profile;
/// else none does (say, its tags are declared by none of the profiles it names), and it waits.
pub fn candidates(model: &Model, def: &TaskDef) -> Vec<String> {
    if any(def) {
        return Vec::new();
    }
    let named: Vec<String> = if def.agent.is_empty() {
        // Tags only: the project's default profile first, then the others by name.
        let default = &model.policy.default_profile;
        let mut all: Vec<String> = model.policy.tags.keys().cloned().collect();
        all.sort_by_key(|p| (p != default, p.clone()));
        all
    } else {
        def.agent.clone()
    };
    named
        .into_iter()
        .filter(|p| has_tags(model, def, p))
        .collect()
}

/// A worker of `profile` may take `def`.
pub fn accepts(model: &Model, def: &TaskDef, profile: &str) -> bool {
    (def.agent.is_empty() || def.agent.iter().any(|a| a == profile))
        && has_tags(model, def, profile)
}

fn has_tags(model: &Model, def: &TaskDef, profile: &str) -> bool {
    let declared = model.policy.tags.get(profile);
    def.tags
        .iter()
        .all(|t| declared.is_some_and(|d| d.contains(t)))
}

/// Why `profile` cannot take new work now, if it cannot: its agents fail to start (breaker
/// open), or every account it has is under a rate limit or out of quota.
pub fn unavailable(model: &Model, profile: &str) -> Option<String> {
    if let Some(u) = model
        .profiles
        .get(profile)
        .and_then(|h| h.unavailable.as_ref())
    {
        return Some(format!("profile unavailable: {}", u.cause));
    }
    let held = |account: &str| model.limits.get(account).is_some_and(|l| l.holding);
    let all_held = match model.policy.accounts.get(profile) {
        Some(names) if !names.is_empty() => names.iter().all(|n| held(&format!("{profile}/{n}"))),
        _ => held(profile),
    };
    all_held.then(|| "every account rate-limited or out of quota".to_string())
}

/// Why worker `w` cannot take `def` where it runs, if it cannot: its host (this machine has
/// none) lacks a label the task requires, or does not carry the worker's profile.
pub fn misplaced(model: &Model, def: &TaskDef, w: WorkerId) -> Option<String> {
    let wk = model.workers.get(&w)?;
    let name = wk.host.clone().or_else(|| model.placed_on(w));
    let host = name
        .as_ref()
        .and_then(|n| model.policy.hosts.iter().find(|h| &h.name == n));
    let labels: &[String] = host.map_or(&[], |h| &h.labels);
    if let Some(l) = def.labels.iter().find(|l| !labels.contains(l)) {
        return Some(match &name {
            Some(n) => format!("host {n} lacks label {l}"),
            None => format!("this machine lacks label {l}"),
        });
    }
    let host = host?;
    (!host.agents.is_empty() && !host.agents.contains(&wk.profile))
        .then(|| format!("profile {} not on host {}", wk.profile, host.name))
}

/// The outcome of routing one task over the free workers.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Route {
    /// The worker that takes it, if any.
    pub worker: Option<WorkerId>,
    /// Each accepted profile passed over before it, as "profile: why".
    pub skipped: Vec<String>,
}

/// Of `free` workers, the one that takes `def`: a worker of the first accepted profile that is
/// available and has one free. A task that accepts any profile takes the first free worker.
pub fn choose(model: &Model, def: &TaskDef, free: &[WorkerId]) -> Route {
    let profile_of = |w: &WorkerId| model.workers.get(w).map(|wk| wk.profile.as_str());
    let list = candidates(model, def);
    if any(def) {
        let fit = free.iter().find(|w| misplaced(model, def, **w).is_none());
        // None fits where it runs: why, once per distinct reason.
        let mut skipped = Vec::new();
        if fit.is_none() {
            for why in free.iter().filter_map(|w| misplaced(model, def, *w)) {
                if !skipped.contains(&why) {
                    skipped.push(why);
                }
            }
        }
        return Route {
            worker: fit.copied(),
            skipped,
        };
    }
    if list.is_empty() {
        return Route {
            worker: None,
            skipped: vec!["no profile it names declares every tag it requires".to_string()],
        };
    }
    let mut skipped = Vec::new();
    for p in &list {
        if let Some(why) = unavailable(model, p) {
            skipped.push(format!("{p}: {why}"));
            continue;
        }
        let theirs: Vec<WorkerId> = free
            .iter()
            .copied()
            .filter(|w| profile_of(w) == Some(p.as_str()))
            .collect();
        match theirs.iter().find(|w| misplaced(model, def, **w).is_none()) {
            Some(w) => {
                return Route {
                    worker: Some(*w),
                    skipped,
                };
            }
            None => match theirs.first().and_then(|w| misplaced(model, def, *w)) {
                Some(why) => skipped.push(format!("{p}: {why}")),
                None => skipped.push(format!("{p}: no free worker")),
            },
        }
    }
    Route {
        worker: None,
        skipped,
    }
}

/// The profile a worker should be started for, for a task whose accepted profiles have no
/// worker at all: the first of them that is available.
pub fn profile_to_start(model: &Model, def: &TaskDef) -> Option<String> {
    let list = candidates(model, def);
    let has_worker = |p: &str| model.workers.values().any(|w| w.profile == p && !w.retired);
    // A profile whose workers cannot take work now (breaker open, accounts limited) does not
    // count: the task would wait on it for ever.
    // An added worker runs on this machine, which declares no labels: it could not take it.
    if any(def)
        || !def.labels.is_empty()
        || list
            .iter()
            .any(|p| has_worker(p) && unavailable(model, p).is_none())
    {
        return None;
    }
    list.into_iter().find(|p| unavailable(model, p).is_none())
}

/// Of the `free` workers, one of another profile than `profile` that the task accepts and that
/// could take it now: a task stuck on a limited profile may move there.
pub fn elsewhere(model: &Model, def: &TaskDef, profile: &str, free: &[WorkerId]) -> bool {
    let list = candidates(model, def);
    free.iter().any(|w| {
        model.workers.get(w).is_some_and(|wk| {
            wk.profile != profile
                && (any(def) || list.contains(&wk.profile))
                && accepts(model, def, &wk.profile)
                && misplaced(model, def, *w).is_none()
                && unavailable(model, &wk.profile).is_none()
        })
    })
}
