//! `update(model, observation, now) -> commands`: the one place where the czar decides.
//! Small handlers per family; task lifecycle lives in `lifecycle`.

use super::command::{Command, EventKind};
use super::lifecycle;
use super::model::{AgentState, Input, Model, Screen, Task, TaskDef, TaskState, WorkerId};
use super::observation::{Observation, Signal};
use super::sighting::{agent_seen, auto_answer, screen_after_hook};
use super::workers;

pub fn update(model: &mut Model, obs: Observation, now: u64) -> Vec<Command> {
    let mut out = Vec::new();
    let plans_before = super::plan::finished(model);
    match obs {
        Observation::TasksLoaded(defs) => tasks_loaded(model, defs, now, &mut out),
        Observation::TaskFileErrors(errors) => {
            super::task_files::errors_seen(model, errors, &mut out)
        }
        Observation::Sessions(seen) => workers::sessions(model, &seen, now, &mut out),
        Observation::AgentSeen { worker, seen } => {
            let state = seen.state;
            let ready = state.is_ready() && matches!(seen.input, Input::Empty | Input::Unknown);
            if let Some(w) = model.workers.get_mut(&worker) {
                let screen = Screen {
                    state: Some(state),
                    input: seen.input,
                    at: seen.taken_at,
                    hash: seen.hash,
                };
                // A reading that overtook a newer one on its way here says nothing new.
                if w.vitals
                    .screen
                    .as_ref()
                    .is_none_or(|s| s.at <= seen.taken_at)
                {
                    w.vitals.screen = Some(screen);
                }
                // The newest screen says which dialog, if any, is up: a changed one drops the old.
                w.vitals.dialog = seen.answerable;
                w.vitals.dialog_keys = seen.dialog_keys;
                w.vitals.said.detail = seen.detail;
                w.vitals.said.gave_up = seen
                    .gave_up
                    .then(|| w.vitals.said.gave_up.unwrap_or(seen.taken_at));
                // At its prompt with the box empty: since when, without a break.
                w.vitals.said.ready_since = if ready {
                    Some(w.vitals.said.ready_since.unwrap_or(seen.taken_at))
                } else {
                    None
                };
            }
            agent_seen(
                model,
                worker,
                state,
                seen.reason,
                seen.last_line,
                now,
                &mut out,
            );
            workers::check_up(model, worker, false, now, &mut out);
            super::limits::seen(model, worker, now, &mut out);
            super::limits::alert(model, worker, now, &mut out);
            auto_answer(model, worker, now, &mut out);
            super::delivery::advance(model, worker, now, &mut out);
            // A reading that confirmed a delivery may show the work over already.
            lifecycle::check_finished(model, worker, now, &mut out);
        }
        Observation::WorkerStarted { worker, result } => {
            workers::worker_started(model, worker, result, now, &mut out)
        }
        Observation::BranchPrepared {
            worker,
            task,
            result,
        } => lifecycle::branch_prepared(model, worker, &task, result, now, &mut out),
        Observation::Pasted {
            worker,
            delivery,
            result,
        } => {
            super::delivery::pasted(model, worker, delivery, result, now, &mut out);
            super::delivery::advance(model, worker, now, &mut out);
        }
        Observation::Submitted {
            worker,
            delivery,
            result,
        } => super::delivery::submitted(model, worker, delivery, result, now, &mut out),
        Observation::WorktreeMissing { worker } => {
            super::repair::worktree_missing(model, worker, now, &mut out)
        }
        Observation::BranchSeen { worker, info } => {
            let before = model
                .workers
                .get_mut(&worker)
                .and_then(|w| w.branch.replace(info));
            super::repair::branch_seen(model, worker, before, now, &mut out);
            lifecycle::check_finished(model, worker, now, &mut out);
            model.refresh_land_figures(worker);
        }
        Observation::Verified {
            worker,
            task,
            passed,
            output,
        } => lifecycle::verified(model, worker, &task, passed, &output, now, &mut out),
        Observation::Signal { worker, signal } => {
            self::signal(model, worker, signal, now, &mut out)
        }
        Observation::Intent(intent) => super::operator::intent(model, intent, now, &mut out),
        Observation::Metered {
            worker,
            session,
            report,
            read_at,
        } => {
            super::compact::metered_since(model, worker, read_at);
            super::tokens::metered(model, worker, session, report, now, &mut out)
        }
        Observation::Surveyed(s) => super::survey::surveyed(model, s, &mut out),
        Observation::Resumed => resumed(model, now, &mut out),
        Observation::LandMerged { task, outcome } => {
            super::land::merged(model, &task, outcome, now, &mut out)
        }
        Observation::TargetMoved { task, outcome } => {
            super::land::moved(model, &task, outcome, now, &mut out)
        }
        Observation::ScreenUnread {
            worker,
            taken_at,
            hash,
        } => {
            if let Some(w) = model.workers.get_mut(&worker) {
                w.vitals.said.ready_since = None;
                if w.vitals.screen.as_ref().is_none_or(|s| s.at <= taken_at) {
                    w.vitals.screen = Some(Screen {
                        state: None,
                        input: Input::Hidden,
                        at: taken_at,
                        hash,
                    });
                }
            }
            super::delivery::advance(model, worker, now, &mut out);
        }
        Observation::PrOpened { task, result } => {
            super::land_pr::opened(model, &task, result, now, &mut out)
        }
        Observation::ReviewDiff { worker, task, diff } => {
            super::review::diff_read(model, worker, &task, diff, now, &mut out);
        }
        Observation::PrSeen { task, status } => {
            super::land_pr::seen(model, &task, status, now, &mut out)
        }
        Observation::HostSeen { host, up, since } => {
            super::hosts::seen(model, &host, up, since, now, &mut out)
        }
        Observation::Tick => {
            super::limits::expire(model, now);
            let ids: Vec<WorkerId> = model.workers.keys().copied().collect();
            for id in ids {
                if let Some(w) = model.workers.get_mut(&id) {
                    w.vitals.rest_until = w.vitals.rest_until.filter(|t| *t > now);
                }
                super::delivery::advance(model, id, now, &mut out);
                lifecycle::check_finished(model, id, now, &mut out);
                super::healing::check_stuck(model, id, now, &mut out);
                super::limits::tick(model, id, now, &mut out);
                super::compact::check(model, id, now, &mut out);
                screen_after_hook(model, id, now, &mut out);
                // A dialog on a screen that has not changed since is still up: its screen is not
                // read again (nothing printed), so time alone decides when to answer.
                auto_answer(model, id, now, &mut out);
            }
        }
    }
    super::hosts::past_grace(model, now, &mut out);
    super::budget::review(model, now, &mut out);
    super::outcome::fail_doomed(model, now, &mut out);
    super::survey::release_held(model, now, &mut out);
    super::predict::review(model, &mut out);
    if !model.stopping {
        workers::ensure_workers(model, now, &mut out);
        super::park::review(model, now, &mut out);
        // A review waiting goes first: its task is done and only waits for the verdict.
        super::review::hand_out(model, now, &mut out);
        // A worker that just finished a task first waits for its context's size (see there).
        super::compact::await_meter(model, now);
        if model.policy.auto_assign && !super::budget::run_spent(model) {
            super::outcome::assign(model, &mut out);
        }
    }
    // Landing goes on while stopping too: a landing under way ends where it is stored.
    if !model.stopping {
        super::land::start_next(model, now, &mut out);
        super::land_pr::poll(model, now, &mut out);
    }
    super::plan::announce(model, &plans_before, &mut out);
    super::notify::review(model, &mut out);
    model.history.note(&model.workers, now);
    out
}

/// New task files join the queue; known ones keep their state (a task is never lost or redone
/// because its file was read again). A pending task takes the file's new text.
fn tasks_loaded(model: &mut Model, defs: Vec<TaskDef>, now: u64, out: &mut Vec<Command>) {
    for def in defs {
        match model.tasks.get_mut(&def.id) {
            Some(t) if t.state == TaskState::Pending => t.def = def,
            Some(_) => {}
            None => {
                out.push(Command::record(
                    None,
                    Some(&def.id),
                    EventKind::TaskAdded,
                    def.title.clone(),
                ));
                if let (true, Some(plan)) = (def.planner, &def.plan) {
                    let said = format!("{plan}: its planner is queued");
                    out.push(Command::record(None, Some(&def.id), EventKind::Plan, said));
                }
                model.tasks.insert(def.id.clone(), Task::new(def, now));
            }
        }
    }
}

/// After a restart: workers are taken as alive until the first session listing says otherwise
/// (which then requeues their tasks), their screens as unknown, and work in flight is redone
/// only where redoing it is harmless. Deliveries resume from their journal (see `delivery`).
fn resumed(model: &mut Model, now: u64, out: &mut Vec<Command>) {
    super::park::revive(model, out);
    // A worker the operator killed (or one retired) stays down: taken as alive, its missing
    // session would be recorded as a crash at every restart.
    for w in model.workers.values_mut().filter(|w| !w.retired) {
        w.live = true;
        w.starting = false;
        w.vitals.resumed_from = Some((w.agent, w.since));
        w.set_agent(
            AgentState::Starting,
            "czar restarted; reading the screen again",
            now,
        );
    }
    let active: Vec<(String, TaskState, Option<WorkerId>)> = model
        .tasks
        .values()
        .filter(|t| t.state.is_active())
        .map(|t| (t.def.id.clone(), t.state, t.worker))
        .collect();
    for (id, state, worker) in active {
        let Some(worker) = worker.filter(|w| model.workers.contains_key(w)) else {
            super::outcome::requeue(
                model,
                &id,
                "its worker is unknown after a restart",
                now,
                out,
            );
            continue;
        };
        let Some(t) = model.tasks.get_mut(&id) else {
            continue;
        };
        let delivering = model
            .workers
            .get(&worker)
            .is_some_and(|w| w.delivery.is_some());
        match state {
            TaskState::Assigned => {
                let branch = t.branch();
                let from = super::outcome::start_point(model, &id);
                out.push(Command::PrepareBranch {
                    worker,
                    task: id.clone(),
                    branch,
                    from,
                })
            }
            // Journaled deliveries are resolved below; one without a journal (an older czar's)
            // may have been submitted, so it is never sent again.
            TaskState::Delivering if !delivering => t.state = TaskState::Working,
            TaskState::Verifying => {
                let command = t.def.verify.clone().unwrap_or_default();
                out.push(Command::RunVerify {
                    worker,
                    task: id.clone(),
                    command,
                });
            }
            _ => {}
        }
    }
    super::delivery::resume(model, now, out);
    super::land::resume(model, out);
    super::review::resumed(model, now);
}

fn signal(model: &mut Model, id: WorkerId, signal: Signal, now: u64, out: &mut Vec<Command>) {
    let task = model.workers.get(&id).and_then(|w| w.task.clone());
    match signal {
        Signal::Report(text) => out.push(Command::record(
            Some(id),
            task.as_deref(),
            EventKind::Report,
            text,
        )),
        Signal::Hook { state, event } => super::workers::hook(model, id, state, &event, now, out),
        Signal::LandNow { task } => super::land::now(model, &task, out),
        Signal::Review { task, verdict } => {
            super::review::verdict(model, id, task, verdict, now, out)
        }
        Signal::Operator(intent) => super::operator::intent(model, intent, now, out),
        Signal::Usage { session, totals } => super::tokens::credit(model, id, session, totals),
        Signal::Done { branch: Some(b) }
            if task
                .as_ref()
                .is_none_or(|t| super::model::branch_for(t) != b) =>
        {
            out.push(Command::record(
                Some(id),
                task.as_deref(),
                EventKind::Report,
                format!("`czar done` from {b} ignored: that is not the task the worker holds now"),
            ))
        }
        Signal::Done { .. } => match task.as_ref().and_then(|t| model.tasks.get_mut(t)) {
            Some(t) if matches!(t.state, TaskState::Working | TaskState::Delivering) => {
                t.done_signal = true;
                out.push(Command::record(
                    Some(id),
                    task.as_deref(),
                    EventKind::Report,
                    "worker said done",
                ));
                lifecycle::check_finished(model, id, now, out);
            }
            _ => out.push(Command::record(
                Some(id),
                task.as_deref(),
                EventKind::Report,
                "`czar done` ignored: the worker holds no task in progress",
            )),
        },
    }
}
