//! `czar task ls|show|rm|hold|release|retry|priority|edit`: the queue from the command line.
//! What a task's state may become is decided by the core (`task_control`), tried here first on
//! a copy so a refusal is said at once. Then the intent goes through the inbox to a running
//! czar (as `czar done` does), or, when none runs, straight onto the store under the lock.

use crate::adapters::lock::{self, LockError, Mode};
use crate::adapters::store::{Step, Store};
use crate::config::ProjectConfig;
use crate::core::command::{Command, Event};
use crate::core::model::{Model, Task, TaskState};
use crate::core::observation::{Intent, Signal, TaskAction};
use crate::engine::now_ms;
use crate::project::{self, UsageError};
use crate::tasks::{self, TaskSet};
use crate::visible::one_line;
use serde_json::json;
use std::path::Path;

/// The project's tasks as the store has them, with the task files no czar has read yet.
pub(super) struct Queue {
    pub cfg: ProjectConfig,
    pub store: Store,
    pub model: Model,
    pub files: TaskSet,
}

pub(super) fn queue(dir: &Path) -> anyhow::Result<Queue> {
    let cfg = project::load(dir)?;
    let store = Store::open(&cfg.paths.state_dir)?;
    let (tasks, workers) = store.load()?;
    let mut model = Model::new(&cfg.project, &cfg.base, Default::default());
    model.tasks = tasks;
    model.workers = workers;
    let agents = crate::tasks::known_names(&cfg.profiles, &cfg.hosts);
    let files = tasks::load_dir(&cfg.paths.tasks_dir, &agents);
    for def in &files.tasks {
        model
            .tasks
            .entry(def.id.clone())
            .or_insert_with(|| Task::new(def.clone(), 0));
    }
    Ok(Queue {
        cfg,
        store,
        model,
        files,
    })
}

/// The state word `czar task` shows: a held pending task says `held`.
pub fn state_word(t: &Task) -> &'static str {
    if t.state == TaskState::Pending && t.hold.is_some() {
        "held"
    } else {
        t.state.as_str()
    }
}

fn row_json(t: &Task) -> serde_json::Value {
    json!({
        "id": t.def.id,
        "title": t.def.title,
        "state": state_word(t),
        "hold": t.hold,
        "priority": t.def.priority,
        "worker": t.worker,
        "attempts": t.attempts,
        "needs": t.def.needs,
        "verify": t.def.verify,
        "reason": t.reason,
    })
}

pub(super) fn ls(dir: &Path, json: bool) -> anyhow::Result<i32> {
    let q = queue(dir)?;
    let mut rows: Vec<&Task> = q.model.tasks.values().collect();
    rows.sort_by_key(|t| (t.state.is_final(), -t.def.priority, t.def.id.clone()));
    if json {
        let all: Vec<serde_json::Value> = rows.iter().map(|t| row_json(t)).collect();
        println!("{}", serde_json::to_string_pretty(&all)?);
        return Ok(0);
    }
    if rows.is_empty() {
        println!("no tasks");
        return Ok(0);
    }
    println!(
        "{:<24} {:<10} {:>4} {:>6} {:>3}  TITLE",
        "ID", "STATE", "PRI", "WORKER", "TRY"
    );
    for t in rows {
        let worker = t.worker.map_or("-".to_string(), |w| w.to_string());
        println!(
            "{:<24} {:<10} {:>4} {:>6} {:>3}  {}",
            one_line(&t.def.id),
            state_word(t),
            t.def.priority,
            worker,
            t.attempts,
            one_line(&t.def.title)
        );
    }
    Ok(0)
}

pub(super) fn show(dir: &Path, id: &str, json: bool) -> anyhow::Result<i32> {
    let q = queue(dir)?;
    let t = known(&q, id)?;
    let events: Vec<_> = q
        .store
        .events(usize::MAX >> 1)?
        .into_iter()
        .filter(|e| e.task.as_deref() == Some(id))
        .collect();
    let file = q.files.file_of(id).map(|p| p.display().to_string());
    if json {
        let mut v = row_json(t);
        v["file"] = json!(file);
        v["body"] = json!(t.def.body);
        v["events"] = events
            .iter()
            .map(|e| json!({"at": e.at, "worker": e.worker, "kind": e.kind, "detail": e.detail}))
            .collect();
        println!("{}", serde_json::to_string_pretty(&v)?);
        return Ok(0);
    }
    println!("{}: {}", one_line(id), one_line(&t.def.title));
    let mut state = state_word(t).to_string();
    if let Some(note) = &t.hold {
        state.push_str(&format!(" ({})", one_line(note)));
    }
    println!("state     {state}");
    println!("priority  {}", t.def.priority);
    println!(
        "worker    {}",
        t.worker.map_or("-".to_string(), |w| w.to_string())
    );
    println!("attempts  {}", t.attempts);
    if !t.def.needs.is_empty() {
        println!("needs     {}", one_line(&t.def.needs.join(", ")));
    }
    if let Some(v) = &t.def.verify {
        println!("verify    {}", one_line(v));
    }
    if let Some(r) = &t.reason {
        println!("reason    {}", one_line(r));
    }
    println!("file      {}", one_line(file.as_deref().unwrap_or("-")));
    if !events.is_empty() {
        println!("\nevents:");
        for e in &events {
            let at = lock::utc(std::time::UNIX_EPOCH + std::time::Duration::from_millis(e.at));
            let first = e.detail.lines().next().unwrap_or("");
            println!("  {at}  {:<14} {}", e.kind, one_line(first));
        }
    }
    Ok(0)
}

fn known<'q>(q: &'q Queue, id: &str) -> anyhow::Result<&'q Task> {
    q.model.tasks.get(id).ok_or_else(|| {
        UsageError(format!(
            "no task {id:?} (`czar task ls` lists them)",
            id = one_line(id)
        ))
        .into()
    })
}

/// A refusal the core recorded, as its words.
fn refusal(out: &[Command]) -> Option<String> {
    out.iter().find_map(|c| match c {
        Command::Record(e) => e.detail.strip_prefix("refused: ").map(str::to_string),
        _ => None,
    })
}

pub(super) fn control(dir: &Path, id: &str, action: TaskAction) -> anyhow::Result<i32> {
    let q = queue(dir)?;
    known(&q, id)?;
    let now = now_ms();
    let intent = Intent::Task {
        task: id.to_string(),
        action: action.clone(),
    };
    let mut trial = q.model.clone();
    let mut out = Vec::new();
    crate::core::operator::intent(&mut trial, intent.clone(), now, &mut out);
    if let Some(why) = refusal(&out) {
        return Err(UsageError(format!("{} {}: {why}", action.verb(), one_line(id))).into());
    }
    if let TaskAction::Priority(p) = action {
        set_priority_in_file(&q, id, p)?;
    }
    let state_dir = &q.cfg.paths.state_dir;
    let lock = match lock::holder(state_dir) {
        Some(_) => None,
        None => match lock::acquire(state_dir, Mode::Task) {
            Ok(l) => Some(l),
            Err(LockError::Held { .. }) => None,
            Err(e) => return Err(e.into()),
        },
    };
    let Some(_lock) = lock else {
        q.store.push_signal(0, &Signal::Operator(intent), now)?;
        println!(
            "{} {}: sent to the running czar",
            action.verb(),
            one_line(id)
        );
        return Ok(0);
    };
    // No czar runs, and none can start until this is stored: read the store again under the
    // lock, and decide on what it holds now.
    let mut q = queue(dir)?;
    let mut out = Vec::new();
    let before = q.model.clone();
    crate::core::operator::intent(&mut q.model, intent, now, &mut out);
    let tasks: Vec<&Task> = q
        .model
        .tasks
        .values()
        .filter(|t| before.tasks.get(&t.def.id) != Some(t))
        .collect();
    let workers: Vec<_> = q
        .model
        .workers
        .values()
        .filter(|w| before.workers.get(&w.id) != Some(w))
        .collect();
    let events: Vec<Event> = out
        .iter()
        .filter_map(|c| match c {
            Command::Record(e) => Some(e.clone()),
            _ => None,
        })
        .collect();
    q.store.commit_step(&Step {
        now,
        tasks: &tasks,
        workers: &workers,
        events: &events,
        inbox_taken: &[],
    })?;
    let after = q.model.tasks.get(id).map_or("gone", state_word);
    println!("{} {}: {after}", action.verb(), one_line(id));
    Ok(0)
}

/// A reloaded task file gives a pending task its priority again: the file says the new one too.
fn set_priority_in_file(q: &Queue, id: &str, p: i64) -> anyhow::Result<()> {
    let Some(file) = q.files.file_of(id) else {
        return Ok(());
    };
    let text = std::fs::read_to_string(file)
        .map_err(|e| UsageError(format!("{}: {e}", file.display())))?;
    let agents = crate::tasks::known_names(&q.cfg.profiles, &q.cfg.hosts);
    let new = tasks::with_priority(&text, p);
    tasks::parse_task(file, &new, &agents).map_err(|e| UsageError(e.to_string()))?;
    std::fs::write(file, new.as_bytes())
        .map_err(|e| UsageError(format!("{}: {e}", file.display())))?;
    Ok(())
}
