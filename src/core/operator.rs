//! Operator intents: the dashboard's keys and scripts go through here, never around the core.

use super::answer::OperatorAnswer;
use super::command::{Command, EventKind};
use super::model::{HeldInput, Model, TaskState, WorkerId};
use super::observation::{Intent, TaskAction};
use super::queue;

pub fn intent(model: &mut Model, intent: Intent, now: u64, out: &mut Vec<Command>) {
    let worker = match &intent {
        Intent::Kill { worker }
        | Intent::Forget { worker }
        | Intent::Reassign { worker, .. }
        | Intent::Type { worker, .. }
        | Intent::Answer { worker, .. } => Some(*worker),
        _ => None,
    };
    let task = match &intent {
        Intent::Task { task, .. } => Some(task.clone()),
        _ => worker
            .and_then(|w| model.workers.get(&w))
            .and_then(|w| w.task.clone()),
    };
    // Closing the dashboard (or Ctrl-C on --auto) stops the czar, not the work: it is no
    // intervention in a task, and counting it would lower the autonomy figure.
    if intent != Intent::Stop {
        out.push(Command::record(
            worker,
            task.as_deref(),
            EventKind::Operator,
            describe(&intent),
        ));
    }
    if let Some(t) = task.as_ref().and_then(|t| model.tasks.get_mut(t)) {
        t.interventions += 1;
    }
    match intent {
        Intent::Stop => model.stopping = true,
        Intent::SetAutoAssign(on) => model.policy.auto_assign = on,
        Intent::AddWorker => model.policy.workers += 1,
        Intent::Kill { worker } => kill(model, worker, out),
        Intent::Forget { worker } => forget(model, worker, out),
        Intent::Reassign { worker, task } => reassign(model, worker, &task, out),
        Intent::Type { worker, text } => {
            super::attached::operator_input(model, worker, HeldInput::Text(text), out)
        }
        Intent::LandNow { task } => super::land::now(model, &task, out),
        Intent::Reject { task, note } => super::land::reject(model, &task, &note, now, out),
        Intent::Answer { worker, yes } => answer(model, worker, yes, now, out),
        Intent::Task { task, action } => super::task_control::apply(model, &task, action, now, out),
    }
}

fn describe(intent: &Intent) -> String {
    match intent {
        Intent::Stop => "stop".into(),
        Intent::SetAutoAssign(on) => format!("auto-assign {}", if *on { "on" } else { "off" }),
        Intent::AddWorker => "start a new worker".into(),
        Intent::Forget { worker } => format!("remove worker {worker}'s row"),
        Intent::Kill { worker } => format!("kill worker {worker}"),
        Intent::Reassign { worker, task } => format!("give {task} to worker {worker}"),
        // The text may be anything the operator typed; the event keeps only its size.
        Intent::Type { worker, text } => format!("typed {} bytes into worker {worker}", text.len()),
        Intent::Answer { worker, yes } => format!(
            "answered {} for worker {worker}",
            if *yes { "yes" } else { "no" }
        ),
        Intent::Task { task, action } => match action {
            TaskAction::Hold { note } if !note.is_empty() => format!("hold {task}: {note}"),
            TaskAction::Priority(p) => format!("priority of {task} to {p}"),
            a => format!("{} {task}", a.verb()),
        },
        Intent::LandNow { task } => format!("land {task} now"),
        Intent::Reject { task, note } => format!("reject {task} ({} bytes of note)", note.len()),
    }
}

/// The session goes, the worker is not restarted, its task returns to the queue with its work
/// kept on the branch (the next worker to take it commits leftovers as WIP first).
fn kill(model: &mut Model, id: WorkerId, out: &mut Vec<Command>) {
    let Some(w) = model.workers.get_mut(&id) else {
        return;
    };
    w.retired = true;
    w.reason = "killed by the operator".into();
    if w.live {
        out.push(Command::KillWorker { worker: id });
        w.live = false;
    }
    if let Some(task) = w.let_go() {
        super::outcome::give_back(model, &task, "its worker was killed by the operator", out);
    }
}

/// A dead row goes: the worker is forgotten (its branch and worktree stay, as after a kill). A
/// worker that runs, is being started or holds a task is not dead. A slot among the `workers`
/// configured is then filled by a fresh worker, as for a worker never started.
fn forget(model: &mut Model, id: WorkerId, out: &mut Vec<Command>) {
    let dead = model
        .workers
        .get(&id)
        .is_some_and(|w| !w.live && !w.starting && w.task.is_none());
    if !dead {
        out.push(Command::record(
            Some(id),
            None,
            EventKind::Operator,
            "remove refused: the worker is running, starting or holds a task (kill it first)",
        ));
        return;
    }
    model.workers.remove(&id);
    model.held_input.remove(&id);
}

fn reassign(model: &mut Model, id: WorkerId, task: &str, out: &mut Vec<Command>) {
    let ready = model
        .tasks
        .get(task)
        .is_some_and(|t| t.state == TaskState::Pending && queue::needs_done(model, t));
    let usable = model.workers.get(&id).is_some_and(|w| w.live && !w.retired);
    if !ready || !usable {
        out.push(Command::record(
            Some(id),
            Some(task),
            EventKind::Operator,
            "reassign refused: the task is not ready or the worker is not running",
        ));
        return;
    }
    if let Some(old) = model.workers.get_mut(&id).and_then(|w| w.let_go()) {
        // Stop what it is doing; the branch switch then saves its work as a WIP commit.
        out.push(Command::PressKeys {
            worker: id,
            keys: vec!["Escape".into()],
        });
        super::outcome::give_back(
            model,
            &old,
            "the operator gave its worker another task",
            out,
        );
    }
    super::outcome::assign_one(model, id, task, out);
}

/// The operator's yes or no, said the way the worker's latest screen needs. A no also holds the
/// worker's task, the question as its note: given to the next worker, it would only ask again.
fn answer(model: &mut Model, worker: WorkerId, yes: bool, now: u64, out: &mut Vec<Command>) {
    let keys = model
        .workers
        .get(&worker)
        .and_then(|w| w.vitals.dialog_keys.as_deref());
    let input = match super::answer::operator_answer(keys, yes) {
        OperatorAnswer::Keys(keys) => HeldInput::Keys(keys),
        OperatorAnswer::Words(text) => HeldInput::Text(text),
    };
    super::attached::operator_input(model, worker, input, out);
    if yes {
        return;
    }
    let Some(w) = model.workers.get(&worker) else {
        return;
    };
    let Some(task) = w.task.clone() else {
        return;
    };
    let question = w.question().trim().to_string();
    let note = if question.trim().is_empty() {
        format!("the operator said no to worker {worker}'s question")
    } else {
        format!("the operator said no to: {question}")
    };
    super::task_control::apply(model, &task, TaskAction::Hold { note }, now, out);
}
