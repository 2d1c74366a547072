//! The status snapshot written out: as Markdown for terminals, agents and `czar status`, and
//! the state folder's `status.json`, `status.md` and `monitor.json`.

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
    out.push_str(
        "\n## Tasks\n\n| task | state | worker | needs | title |\n|---|---|---|---|---|\n",
    );
    for t in &s.tasks {
        out.push_str(&format!(
            "| {} | {} | {} | {} | {} |\n",
            one_line(&t.id),
            t.state,
            t.worker.map_or("-".to_string(), |w| w.to_string()),
            if t.needs.is_empty() {
                "-".to_string()
            } else {
                one_line(&t.needs.join(", ")).into_owned()
            },
            one_line(&t.title).replace('|', "\\|")
        ));
    }
    out
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
