//! The status snapshot written out: as Markdown for terminals, agents and `czar status`, and
//! the state folder's `status.json`, `status.md` and `monitor.json`.

use super::hosts::HostHealth;
use super::setup::Setup;
use super::status::{Status, snapshot};
use crate::core::model::Model;
use crate::visible::one_line;
use std::path::Path;

/// Everything user-written in it (titles, file names, claims) goes through `one_line`: the file
/// is read in terminals and by agents, and `czar status` prints it.
pub fn markdown(s: &Status) -> String {
    let mut out = format!(
        "# czar status: {} (base `{}`)\n\n## Workers\n\n",
        one_line(&s.project),
        one_line(&s.base)
    );
    out.push_str(
        "| worker | state | task | branch | commits | files |\n|---|---|---|---|---|---|\n",
    );
    for w in &s.workers {
        let id = match &w.host {
            Some(h) => format!("{} @{}", w.id, one_line(h)),
            None => w.id.to_string(),
        };
        out.push_str(&format!(
            "| {} | {} | {} | {} | {} | {} (+{} −{}) |\n",
            id,
            if w.attached {
                format!("{} (attached)", w.state)
            } else {
                w.state.to_string()
            },
            one_line(w.task.as_deref().unwrap_or("-")),
            one_line(w.branch.as_deref().unwrap_or("-")),
            w.ahead,
            w.files_changed,
            w.added,
            w.removed
        ));
    }
    for w in s.workers.iter().filter(|w| !w.files.is_empty()) {
        out.push_str(&format!(
            "\nWorker {} touches: {}\n",
            w.id,
            one_line(&w.files.join(", "))
        ));
    }
    hosts(&mut out, s);
    if !s.claims.is_empty() {
        out.push_str("\n## Claims\n\n");
        for c in &s.claims {
            out.push_str(&format!(
                "- `{}`: worker {} ({})\n",
                one_line(&c.path),
                c.worker,
                one_line(&c.task)
            ));
        }
    }
    if !s.task_file_errors.is_empty() {
        out.push_str("\n## Task files that do not load\n\n");
        for e in s.task_file_errors.iter().flat_map(|e| e.lines()) {
            out.push_str(&format!("- {}\n", one_line(e)));
        }
    }
    if !s.plans.is_empty() {
        out.push_str("\n## Plans\n\n");
        for p in &s.plans {
            let goal = p.goal.as_deref().unwrap_or(&p.progress.title);
            out.push_str(&format!("- {}\n", plan_line(&p.progress, goal)));
        }
    }
    // Labels only matter with hosts: the column shows when some task asks for one.
    let labelled = s.tasks.iter().any(|t| !t.route.labels.is_empty());
    out.push_str(if labelled {
        "\n## Tasks\n\n| task | state | worker | needs | labels | title |\n|---|---|---|---|---|---|\n"
    } else {
        "\n## Tasks\n\n| task | state | worker | needs | title |\n|---|---|---|---|---|\n"
    });
    for t in &s.tasks {
        let labels = if labelled {
            format!("{} | ", listed(&t.route.labels))
        } else {
            String::new()
        };
        out.push_str(&format!(
            "| {} | {} | {} | {} | {labels}{} |\n",
            one_line(&t.id),
            t.state,
            t.worker.map_or("-".to_string(), |w| w.to_string()),
            listed(&t.needs),
            one_line(&t.title).replace('|', "\\|")
        ));
    }
    out
}

/// `a, b`, or `-` for none.
fn listed(names: &[String]) -> String {
    if names.is_empty() {
        "-".to_string()
    } else {
        one_line(&names.join(", ")).into_owned()
    }
}

/// Each `[hosts.<name>]` as the running czar last saw it (none without hosts): up, or
/// unreachable since when, and its workers.
fn hosts(out: &mut String, s: &Status) {
    if s.hosts.is_empty() {
        return;
    }
    out.push_str("\n## Hosts\n\n| host | health | workers |\n|---|---|---|\n");
    for h in &s.hosts {
        let health = match h.health {
            HostHealth::Up => "up".to_string(),
            HostHealth::Down { since, attempts } => format!(
                "unreachable since {} UTC ({attempts} failed connections)",
                crate::shown::clock(since)
            ),
        };
        let workers: Vec<String> = h.workers.iter().map(u32::to_string).collect();
        out.push_str(&format!(
            "| {} | {health} | {} |\n",
            one_line(&h.name),
            listed(&workers)
        ));
    }
}

/// One plan's progress on a line: `p1 (planner done): 3 added, 2 done, 1 landed / 3: goal`.
pub fn plan_line(p: &crate::core::plan::Progress, goal: &str) -> String {
    format!(
        "{} (planner {}): {} added, {} done, {} landed / {}{}: {}",
        one_line(&p.id),
        p.planner.unwrap_or("unknown"),
        p.added,
        p.done,
        p.landed,
        p.added,
        if p.failed > 0 {
            format!(", {} failed", p.failed)
        } else {
            String::new()
        },
        one_line(goal)
    )
}

/// What the czar has asked of tmux since it started (`.czar/monitor.json`), rewritten when it
/// changes: how much watching the fleet costs, for the operator and for the benchmark.
pub fn write_monitor(
    setup: &Setup,
    counts: crate::adapters::tmux::TmuxCounts,
    last: &mut crate::adapters::tmux::TmuxCounts,
) {
    if counts == *last {
        return;
    }
    let Ok(json) = serde_json::to_string(&counts) else {
        return;
    };
    if write_atomic(&setup.paths.state_dir.join("monitor.json"), &json) {
        *last = counts;
    }
}

/// Rewrites the status files when they would change, atomically so a reading agent never sees
/// half a file.
pub fn write(
    setup: &Setup,
    model: &Model,
    hosts: &[super::fleet_view::HostRow],
    claims: &[crate::adapters::claims::Claim],
    last: &mut String,
) {
    let mut s = snapshot(model, claims);
    s.hosts = hosts.to_vec();
    let Ok(json) = serde_json::to_string_pretty(&s) else {
        return;
    };
    if *last == json {
        return;
    }
    let md = markdown(&s);
    let ok = write_atomic(&setup.paths.status_json(), &json)
        && write_atomic(&setup.paths.status_md(), &md);
    if ok {
        *last = json;
    }
}

fn write_atomic(path: &Path, text: &str) -> bool {
    let tmp = path.with_extension("tmp");
    let result = crate::adapters::private::write(&tmp, text.as_bytes())
        .and_then(|()| std::fs::rename(&tmp, path));
    if let Err(e) = &result {
        tracing::warn!("writing {}: {e}", path.display());
    }
    result.is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::model::{Policy, Task, TaskDef};
    use crate::engine::hosts::HostRow;

    fn model_with(tasks: &[(&str, &[&str])]) -> Model {
        let mut m = Model::new("p", "main", Policy::default());
        for (id, labels) in tasks {
            let def = TaskDef {
                id: id.to_string(),
                title: format!("do {id} | well"),
                labels: labels.iter().map(|l| l.to_string()).collect(),
                ..TaskDef::default()
            };
            m.tasks.insert(id.to_string(), Task::new(def, 0));
        }
        m
    }

    #[test]
    fn hosts_and_the_labels_a_task_asks_for_show_when_there_are_some() {
        let mut s = snapshot(&model_with(&[("g1", &["gpu", "big"]), ("t2", &[])]), &[]);
        s.hosts = vec![
            HostRow {
                name: "a".into(),
                health: HostHealth::Up,
                workers: vec![2],
                grace_ms: 120_000,
            },
            HostRow {
                name: "b".into(),
                health: HostHealth::Down {
                    since: 3_723_000,
                    attempts: 3,
                },
                workers: vec![3, 4],
                grace_ms: 120_000,
            },
        ];
        let md = markdown(&s);
        assert!(
            md.contains("\n## Hosts\n\n| host | health | workers |\n"),
            "{md}"
        );
        assert!(md.contains("| a | up | 2 |\n"), "{md}");
        assert!(
            md.contains("| b | unreachable since 01:02:03 UTC (3 failed connections) | 3, 4 |\n"),
            "{md}"
        );
        assert!(
            md.contains("| task | state | worker | needs | labels | title |"),
            "{md}"
        );
        assert!(
            md.contains("| g1 | pending | - | - | gpu, big | do g1 \\| well |\n"),
            "{md}"
        );
        assert!(
            md.contains("| t2 | pending | - | - | - | do t2 \\| well |\n"),
            "{md}"
        );
        let json = serde_json::to_value(&s).unwrap_or_default();
        let g1 = json["tasks"]
            .as_array()
            .and_then(|t| t.iter().find(|t| t["id"] == "g1"));
        assert_eq!(
            g1.map(|t| t["route"]["labels"].clone()),
            Some(serde_json::json!(["gpu", "big"]))
        );
    }

    #[test]
    fn without_hosts_or_labels_neither_shows() {
        let md = markdown(&snapshot(&model_with(&[("t1", &[])]), &[]));
        assert!(!md.contains("## Hosts"), "{md}");
        assert!(
            md.contains("| task | state | worker | needs | title |\n"),
            "{md}"
        );
        assert!(
            md.contains("| t1 | pending | - | - | do t1 \\| well |\n"),
            "{md}"
        );
    }
}
