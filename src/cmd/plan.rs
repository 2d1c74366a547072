//! `czar plan "<goal>"`: a plan (id, goal, when) in the store, and its planner's task: a task
//! of kind plan, whose text (`prompts/plan.md`) asks the agent to split the goal into tasks
//! with `czar task add` and then stop. The tasks it adds carry the plan's id.

use crate::adapters::store::Store;
use crate::core::model::{Plan, TaskDef};
use crate::engine::now_ms;
use crate::project::{self, UsageError};
use crate::tasks;
use crate::visible::visible;
use std::path::Path;

const TEMPLATE: &str = include_str!("../../prompts/plan.md");

/// Makes the plan and queues its planner; returns the plan.
pub fn make(dir: &Path, goal: &str, agent: Option<&str>) -> anyhow::Result<Plan> {
    let cfg = project::load(dir)?;
    let names = tasks::known_names(&cfg.profiles, &cfg.hosts);
    let known: Vec<&str> = names.iter().map(String::as_str).collect();
    if let Some(a) = agent.filter(|a| !cfg.profiles.contains_key(*a)) {
        return Err(UsageError(format!(
            "--agent {a:?}: no agent profile named so (known profiles: {})",
            tasks::profile_names(&known)
        ))
        .into());
    }
    let goal = goal.trim();
    if goal.is_empty() {
        return Err(
            UsageError("the goal is empty: say what the plan should achieve".into()).into(),
        );
    }
    tasks::check_body(Path::new("<goal>"), goal, 1).map_err(|e| UsageError(e.to_string()))?;
    let store = Store::open(&cfg.paths.state_dir)?;
    let plan = new_plan(&store, &cfg.paths.tasks_dir, goal)?;
    let values = [("plan", plan.id.as_str()), ("goal", goal)];
    let mut body = crate::core::prompt::fill(TEMPLATE, &values);
    if !body.ends_with('\n') {
        body.push('\n');
    }
    let def = TaskDef {
        id: planner_id(&plan.id),
        title: format!("Plan: {}", first_line(goal)),
        agent: agent.into_iter().map(str::to_string).collect(),
        plan: Some(plan.id.clone()),
        planner: true,
        // A planner queues tasks; it changes no code of its own.
        no_changes: true,
        body,
        ..TaskDef::default()
    };
    let path = tasks::write_task(&cfg.paths.tasks_dir, &def, &known)
        .map_err(|e| UsageError(e.to_string()))?;
    println!(
        "plan {}: its planner is {}",
        plan.id,
        visible(&path.display().to_string())
    );
    Ok(plan)
}

/// The planner task's id for plan `id`.
pub fn planner_id(id: &str) -> String {
    format!("plan-{id}")
}

/// A plan with an id made from the goal, unique among the plans and the task files.
fn new_plan(store: &Store, tasks_dir: &Path, goal: &str) -> anyhow::Result<Plan> {
    let base: String = tasks::slug(&first_line(goal)).chars().take(40).collect();
    let base = base.trim_end_matches('-').to_string();
    for n in 1..1000 {
        let id = if n == 1 {
            base.clone()
        } else {
            format!("{base}-{n}")
        };
        if tasks_dir.join(format!("{}.md", planner_id(&id))).exists() {
            continue;
        }
        let plan = Plan {
            id,
            goal: goal.to_string(),
            created: now_ms(),
        };
        if store.add_plan(&plan)? {
            return Ok(plan);
        }
    }
    Err(UsageError(format!("no free plan id for {base:?}")).into())
}

fn first_line(goal: &str) -> String {
    let line = goal
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or("");
    let cut: String = line.chars().take(70).collect();
    if cut.len() < line.len() {
        format!("{cut}…")
    } else {
        cut
    }
}

/// The plan of the planner this worker runs, for `czar task add` run by a planner: the worker
/// is named by its environment (`CZAR_WORKER`, `CZAR_STATE_DIR`), its task by the store.
pub fn of_this_planner() -> Option<String> {
    let worker: u32 = std::env::var("CZAR_WORKER").ok()?.parse().ok()?;
    let state = std::env::var_os("CZAR_STATE_DIR")?;
    let store = Store::open_read_only(Path::new(&state)).ok()??;
    let (tasks, workers) = store.load().ok()?;
    let task = tasks.get(workers.get(&worker)?.task.as_deref()?)?;
    task.def.planner.then(|| task.def.plan.clone()).flatten()
}
