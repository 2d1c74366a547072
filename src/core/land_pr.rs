//! Landing through pull requests (`land = "pr"`): a task's branch is pushed and its pull request
//! opened, then followed through the forge's CLI. Merged is landed; closed, or a failing check,
//! goes back to an agent with the check's log.

use super::command::{Command, EventKind};
use super::land_return::send_back;
use super::land_state::{set, state_of, wait};
use super::model::{Landing, Model};
use super::observation::PrStatus;

const TEMPLATE: &str = include_str!("../../prompts/land_pr.md");

/// Opens (or finds) the task's pull request; its title and body come from the task.
pub(super) fn open(model: &mut Model, id: &str, out: &mut Vec<Command>) {
    set(model, id, Landing::PrOpening);
    let Some(t) = model.tasks.get_mut(id) else {
        return;
    };
    if let Some(rec) = t.land.as_mut() {
        rec.asked = false;
    }
    let (title, body, branch) = (t.def.title.clone(), t.def.body.clone(), t.branch());
    out.push(Command::record(
        None,
        Some(id),
        EventKind::Landing,
        format!(
            "opening a pull request of {branch} into {}",
            model.policy.land.into
        ),
    ));
    out.push(Command::OpenPr {
        task: id.to_string(),
        branch,
        into: model.policy.land.into.clone(),
        title,
        body,
    });
}

pub(super) fn opened(
    model: &mut Model,
    task: &str,
    result: Result<String, String>,
    now: u64,
    out: &mut Vec<Command>,
) {
    if state_of(model, task) != Some(Landing::PrOpening) {
        return;
    }
    match result {
        Ok(url) => {
            out.push(Command::record(
                None,
                Some(task),
                EventKind::Report,
                format!("pull request open: {url}"),
            ));
            set(model, task, Landing::PrOpen { url, checked: now });
        }
        Err(why) => wait(model, task, &why, now, out),
    }
}

/// Each open pull request is looked at every `pr_poll_ms`.
pub(super) fn poll(model: &mut Model, now: u64, out: &mut Vec<Command>) {
    let every = model.policy.land.pr_poll_ms.max(1_000);
    let due: Vec<(String, String)> = model
        .tasks
        .values()
        .filter_map(|t| match state_of(model, &t.def.id) {
            Some(Landing::PrOpen { url, checked }) if now >= checked + every => {
                Some((t.def.id.clone(), url))
            }
            _ => None,
        })
        .collect();
    for (task, url) in due {
        set(
            model,
            &task,
            Landing::PrOpen {
                url: url.clone(),
                checked: now,
            },
        );
        out.push(Command::CheckPr { task, url });
    }
}

pub(super) fn seen(
    model: &mut Model,
    task: &str,
    status: PrStatus,
    now: u64,
    out: &mut Vec<Command>,
) {
    let Some(Landing::PrOpen { url, .. }) = state_of(model, task) else {
        return;
    };
    let back = |what: &str, log: &str| {
        [
            ("what", what.to_string()),
            ("url", url.clone()),
            ("log", log.to_string()),
        ]
    };
    match status {
        // Asked again at the next poll; the engine logs why it could not be told.
        PrStatus::Open | PrStatus::Unknown(_) => {}
        PrStatus::Merged { commit } => {
            let commit = commit.unwrap_or_else(|| url.clone());
            set(
                model,
                task,
                Landing::Landed {
                    commit: commit.clone(),
                    from: String::new(),
                    at: now,
                },
            );
            out.push(Command::record(
                None,
                Some(task),
                EventKind::Landed,
                format!("{url} merged as {commit}"),
            ));
            if !model.policy.land.keep_branches {
                out.push(Command::DeleteBranches {
                    branches: super::land_state::landed_branches(model),
                });
            }
        }
        PrStatus::Closed => {
            let values = back("it was closed without being merged", "");
            let refs: Vec<(&str, &str)> = values.iter().map(|(k, v)| (*k, v.as_str())).collect();
            let detail = format!("{url} was closed");
            send_back(model, task, TEMPLATE, &refs, Vec::new(), detail, now, out);
        }
        PrStatus::Failing { check, log } => {
            let what = format!("its check `{check}` failed");
            let log = format!("The check's log ended with:\n\n{log}");
            let values = back(&what, &log);
            let refs: Vec<(&str, &str)> = values.iter().map(|(k, v)| (*k, v.as_str())).collect();
            let detail = format!("{url}: check `{check}` failed");
            send_back(model, task, TEMPLATE, &refs, Vec::new(), detail, now, out);
        }
    }
}
