//! `czar explain <task>`: where a task stands and how it is routed: the profiles it accepts, in
//! the order they are tried, and those its last assignment passed over, with why.

use crate::adapters::store::Store;
use crate::core::model::{Model, WorkerId};
use crate::project::{self, UsageError};
use crate::visible::one_line;
use serde_json::json;
use std::path::Path;

/// `target` names a worker: a number that is not (only) a task's id.
pub fn worker_id(dir: &Path, target: &str) -> Option<WorkerId> {
    let id: WorkerId = target.parse().ok()?;
    let tasks_only = project::load(dir)
        .ok()
        .and_then(|cfg| Store::open(&cfg.paths.state_dir).ok())
        .and_then(|s| s.load().ok())
        .is_some_and(|(tasks, workers)| tasks.contains_key(target) && !workers.contains_key(&id));
    (!tasks_only).then_some(id)
}

pub fn run(dir: &Path, id: &str, json: bool) -> anyhow::Result<()> {
    let cfg = project::load(dir)?;
    let setup = crate::engine::Setup::from_config(&cfg)?;
    let store = Store::open(&cfg.paths.state_dir)?;
    let (mut tasks, workers) = store.load()?;
    // A task still only in its file is explained too (not yet read by a czar).
    let names = crate::tasks::known_names(&cfg.profiles, &cfg.hosts);
    for def in crate::tasks::load_dir(&cfg.paths.tasks_dir, &names).tasks {
        tasks
            .entry(def.id.clone())
            .or_insert_with(|| crate::core::Task::new(def, 0));
    }
    let Some(task) = tasks.get(id).cloned() else {
        return Err(UsageError(format!(
            "no worker or task {id:?} in this project (`czar status` lists them)"
        ))
        .into());
    };
    let mut model = Model::new(&cfg.project, &cfg.base, setup.policy.clone());
    model.tasks = tasks;
    model.workers = workers;
    let order = crate::core::route::candidates(&model, &task.def);
    let routed: Vec<(u64, String)> = store
        .events(usize::MAX >> 1)?
        .into_iter()
        .rev()
        .filter(|e| e.task.as_deref() == Some(id) && e.kind == "routed")
        .map(|e| (e.at, e.detail))
        .collect();
    if json {
        let out = json!({
            "task": id,
            "state": task.state.as_str(),
            "worker": task.worker,
            "reason": task.reason,
            "agent": task.def.agent,
            "tags": task.def.tags,
            "labels": task.def.labels,
            "plan": task.def.plan,
            "tried_in_order": order,
            "skipped": task.route.skipped,
            "waiting": task.route.waiting,
            "routed": routed.iter().map(|(at, d)| json!({"at": at, "detail": d})).collect::<Vec<_>>(),
        });
        println!("{}", serde_json::to_string_pretty(&out)?);
        return Ok(());
    }
    // Everything below quotes what people and agents wrote: shown escaped.
    println!("task {}: {}", one_line(id), task.state.as_str());
    if let Some(w) = task.worker {
        let profile = model.workers.get(&w).map(|wk| wk.profile.as_str());
        println!("worker: {w} ({})", one_line(profile.unwrap_or("-")));
    }
    if let Some(r) = &task.reason {
        println!("reason: {}", one_line(r));
    }
    let accepts = if crate::core::route::any(&task.def) {
        "any profile".to_string()
    } else if order.is_empty() {
        "none (no profile it names declares every tag it requires)".to_string()
    } else {
        one_line(&order.join(", ")).into_owned()
    };
    println!("accepts, in order: {accepts}");
    if !task.def.tags.is_empty() {
        println!("requires tags: {}", one_line(&task.def.tags.join(", ")));
    }
    if !task.def.labels.is_empty() {
        let labels = task.def.labels.join(", ");
        println!("requires host labels: {}", one_line(&labels));
    }
    if task.route.skipped.is_empty() {
        println!("passed over: none");
    } else {
        println!("passed over:");
        for s in &task.route.skipped {
            println!("  {}", one_line(s));
        }
    }
    if let Some(w) = &task.route.waiting {
        println!("waiting: {}", one_line(w));
    }
    for (_, detail) in &routed {
        println!("routed: {}", one_line(detail));
    }
    Ok(())
}
