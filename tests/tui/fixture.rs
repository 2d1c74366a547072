//! A fleet built in the test: every worker state the views show, every queue group, events.
#![allow(dead_code)]

use czar::adapters::git::{BranchStats, CommitInfo, FileChange};
use czar::adapters::store::EventRow;
use czar::core::model::{
    AgentState, BranchInfo, Model, Policy, Task, TaskDef, TaskState, Worker, session_name,
};
use czar::front::tui::keymap::Keymap;
use czar::front::tui::state::{Screen, UiState};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

/// 2026-01-01 12:00:00 UTC, in ms.
pub const NOW: u64 = 1_767_268_800_000;

fn task(id: &str, title: &str, state: TaskState, needs: &[&str], worker: Option<u32>) -> Task {
    let mut t = Task::new(
        TaskDef {
            id: id.into(),
            title: title.into(),
            priority: (id.len() % 3) as i64,
            needs: needs.iter().map(|s| s.to_string()).collect(),
            body: "text".into(),
            ..TaskDef::default()
        },
        NOW - 600_000,
    );
    t.state = state;
    t.worker = worker;
    t
}

fn worker(id: u32, agent: AgentState, task: Option<&str>, last: &str, ago_s: u64) -> Worker {
    Worker {
        id,
        session: session_name("demo", id),
        profile: "sim".into(),
        live: true,
        agent,
        since: NOW - ago_s * 1000,
        reason: String::new(),
        task: task.map(str::to_string),
        branch: None,
        last_line: last.into(),
        ..Worker::default()
    }
}

pub fn model() -> Model {
    let mut m = Model::new("demo", "main", Policy::default());
    let tasks = [
        task(
            "login-form",
            "Add the login form",
            TaskState::Working,
            &[],
            Some(1),
        ),
        task(
            "api-client",
            "Write the API client",
            TaskState::Working,
            &[],
            Some(2),
        ),
        task("docs", "Document the CLI", TaskState::Pending, &[], None),
        task(
            "json-flag",
            "Add a --json flag",
            TaskState::Pending,
            &[],
            None,
        ),
        task(
            "e2e",
            "End-to-end tests",
            TaskState::Pending,
            &["login-form", "api-client"],
            None,
        ),
        task("setup", "Project setup", TaskState::Done, &[], Some(3)),
        task("schema", "Database schema", TaskState::Done, &[], Some(3)),
        task("perf", "Speed up the build", TaskState::Failed, &[], None),
    ];
    for mut t in tasks {
        if t.def.id == "perf" {
            t.reason = Some("verify failed 3 times: cargo bench exited 101".into());
        }
        m.tasks.insert(t.def.id.clone(), t);
    }
    let mut w1 = worker(
        1,
        AgentState::Busy,
        Some("login-form"),
        "✻ Working… (12s · esc to interrupt)",
        12,
    );
    w1.branch = Some(BranchInfo {
        branch: "czar/login-form".into(),
        ahead: 3,
        files: 4,
        added: 120,
        removed: 8,
        last_commit_time: Some(((NOW - 30_000) / 1000) as i64),
        last_subject: Some("Add the form".into()),
        tip: "4f1c2e9".into(),
        own: Some(3),
    });
    let mut w2 = worker(2, AgentState::Waiting, Some("api-client"), "❯ No", 95);
    w2.reason =
        "waiting pattern /^Do you want to proceed\\?/ matched \"Do you want to proceed?\"".into();
    let w3 = worker(
        3,
        AgentState::Idle,
        None,
        "? for shortcuts · sim-agent",
        300,
    );
    let mut w4 = worker(4, AgentState::Crashed, None, "panic: out of memory", 4000);
    w4.live = false;
    w4.reason = "agent process exited (status 137)".into();
    for w in [w1, w2, w3, w4] {
        m.workers.insert(w.id, w);
    }
    with_history(&mut m);
    m
}

/// The last minutes of the fleet above: the states each worker went through (seconds before
/// NOW) and how many were busy in each 10 s slice, as the engine would have noted them.
pub fn with_history(m: &mut Model) {
    use AgentState::*;
    use czar::core::model::Mark;
    // Each worker's latest state began at its `since` above.
    type Story<'a> = [(u32, &'a [(u64, AgentState, bool)]); 4];
    let story: Story = [
        (
            1,
            &[
                (290, Starting, true),
                (270, Busy, true),
                (150, Idle, true),
                (12, Busy, true),
            ],
        ),
        (
            2,
            &[
                (240, Busy, true),
                (180, Stuck, true),
                (160, Busy, true),
                (95, Waiting, true),
            ],
        ),
        (3, &[(420, Busy, true), (300, Idle, true)]),
        (4, &[(4000, Crashed, false)]),
    ];
    for (id, marks) in story {
        let marks = marks
            .iter()
            .map(|&(ago, state, live)| Mark {
                at: NOW - ago * 1000,
                state,
                live,
            })
            .collect();
        m.history.states.insert(id, marks);
    }
    let slice = NOW / czar::core::model::history::SLICE_MS;
    m.history.busy = (0..60u64)
        .map(|i| {
            (
                slice - 59 + i,
                [0u16, 1, 2, 3, 3, 2, 1, 2, 2, 1][(i % 10) as usize],
            )
        })
        .collect();
}

pub fn events() -> Vec<EventRow> {
    let row = |seq, worker, task: Option<&str>, kind: &str, detail: &str| EventRow {
        seq,
        at: NOW - 1000 * (10 - seq as u64),
        worker,
        task: task.map(str::to_string),
        kind: kind.into(),
        detail: detail.into(),
    };
    vec![
        row(1, Some(3), Some("setup"), "done", "task done"),
        row(
            2,
            Some(4),
            None,
            "worker_crashed",
            "agent process exited (status 137)",
        ),
        row(3, None, Some("perf"), "failed", "verify failed 3 times"),
        row(4, Some(3), Some("schema"), "report", "worker said done"),
        row(5, Some(3), Some("schema"), "done", "task done"),
        row(
            6,
            Some(2),
            Some("api-client"),
            "operator",
            "answered yes for worker 2",
        ),
    ]
}

/// A screen as tmux gives it with `capture-pane -e`: colours as escape codes.
pub const SCREEN_ANSI: &str = concat!(
    "\x1b[1mczar sim-agent\x1b[0m — simulated coding agent\n",
    "\n",
    "\x1b[36m❯\x1b[0m [Pasted text: 1103 bytes, 18 lines]\n",
    "\n",
    "  \x1b[2m⎿ Task received\x1b[0m\n",
    "  ⎿ Wrote src/login.rs\n",
    "\x1b[32m●\x1b[0m Done: 1 commit on czar/login-form\n",
    "\n",
    "\x1b[33m✻\x1b[0m Working… (12s · esc to interrupt)\n",
);

pub fn ui(color: bool) -> UiState {
    use ansi_to_tui::IntoText;
    let mut ui = UiState::new(Keymap::defaults(), color);
    ui.now = NOW;
    ui.events = events();
    ui.read.screen = Some(Screen {
        worker: 1,
        text: SCREEN_ANSI.as_bytes().into_text().unwrap(),
    });
    ui
}

pub fn branch_stats() -> BranchStats {
    BranchStats {
        branch: "czar/login-form".into(),
        base: "main".into(),
        ahead: 3,
        commits: vec![
            CommitInfo {
                id: "a1b2c3d".into(),
                subject: "Add the form".into(),
                time: 0,
            },
            CommitInfo {
                id: "b2c3d4e".into(),
                subject: "Validate the fields".into(),
                time: 0,
            },
            CommitInfo {
                id: "c3d4e5f".into(),
                subject: "WIP: saved by czar".into(),
                time: 0,
            },
        ],
        files: vec![
            FileChange {
                path: "src/login.rs".into(),
                added: 90,
                removed: 0,
            },
            FileChange {
                path: "src/main.rs".into(),
                added: 12,
                removed: 4,
            },
            FileChange {
                path: "tests/login.rs".into(),
                added: 18,
                removed: 0,
            },
            FileChange {
                path: "README.md".into(),
                added: 0,
                removed: 4,
            },
        ],
        last_commit_time: None,
        last_subject: None,
    }
}

pub fn draw(model: &Model, ui: &UiState, w: u16, h: u16) -> Terminal<TestBackend> {
    let mut term = Terminal::new(TestBackend::new(w, h)).unwrap();
    term.draw(|f| czar::front::tui::view::render(f, model, ui))
        .unwrap();
    term
}
