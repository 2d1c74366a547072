//! Frame time of the dashboard: 100 workers and a 40-line coloured preview, drawn with ratatui's
//! TestBackend, next to a baseline measured in the same run (an empty fleet on the same
//! terminal size). The workers have 5 minutes of history, so from 120 columns every row draws
//! its timeline strip and the sparkline shows. Run with `cargo bench --bench render`.

use ansi_to_tui::IntoText;
use czar::core::model::{AgentState, BranchInfo, Model, Policy, Task, TaskDef, TaskState, Worker};
use czar::front::tui::keymap::Keymap;
use czar::front::tui::state::{Screen, UiState};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use std::hint::black_box;
use std::time::{Duration, Instant};

const NOW: u64 = 1_767_268_800_000;
const FRAMES: usize = 400;

fn fleet(workers: u32) -> Model {
    let mut m = Model::new("bench", "main", Policy::default());
    let states = [
        AgentState::Busy,
        AgentState::Idle,
        AgentState::Waiting,
        AgentState::Starting,
        AgentState::Stuck,
    ];
    for i in 1..=workers {
        let id = format!("task-{i:03}");
        let mut t = Task::new(
            TaskDef {
                id: id.clone(),
                title: format!("Feature number {i}"),
                priority: i64::from(i % 5),
                ..TaskDef::default()
            },
            NOW,
        );
        t.state = TaskState::Working;
        t.worker = Some(i);
        m.tasks.insert(id.clone(), t);
        m.workers.insert(
            i,
            Worker {
                id: i,
                session: m.session_name(i),
                profile: "claude".into(),
                live: true,
                agent: states[i as usize % states.len()],
                since: NOW - u64::from(i) * 7_000,
                task: Some(id),
                branch: Some(BranchInfo {
                    ahead: i as usize % 7,
                    files: i as usize % 11,
                    added: i as usize * 13,
                    removed: i as usize * 3,
                    ..BranchInfo::default()
                }),
                last_line: format!("✻ Working… ({i}s · esc to interrupt) on something long enough"),
                ..Worker::default()
            },
        );
    }
    // The last minutes, as the timeline strips and the sparkline read them: a state change
    // every 15 s for each worker (the history keeps at most 48 a worker).
    for i in 1..=workers {
        let marks = (0..48u64)
            .map(|k| czar::core::model::Mark {
                at: NOW - (48 - k) * 15_000,
                state: states[(i as usize + k as usize) % states.len()],
                live: true,
            })
            .collect();
        m.history.states.insert(i, marks);
    }
    let slice = NOW / czar::core::model::history::SLICE_MS;
    m.history.busy = (0..120u64)
        .map(|k| (slice - 119 + k, (k % 40) as u16))
        .collect();
    for i in 0..40 {
        let id = format!("queued-{i:02}");
        let t = Task::new(
            TaskDef {
                id: id.clone(),
                title: format!("Queued task {i}"),
                ..TaskDef::default()
            },
            NOW,
        );
        m.tasks.insert(id, t);
    }
    m
}

fn preview(lines: usize) -> Screen {
    let mut raw = String::new();
    for i in 0..lines {
        raw.push_str(&format!(
            "\x1b[32m●\x1b[0m line {i}: \x1b[1mcargo\x1b[0m test \x1b[33m--release\x1b[0m ⎿ ok {i} passed; 0 failed\n"
        ));
    }
    Screen {
        worker: 1,
        text: raw.as_bytes().into_text().unwrap_or_default(),
    }
}

/// This thread's CPU time: what a frame costs, apart from the time other processes on a busy
/// machine take the core away from it (which wall time counts too).
fn cpu_now() -> Duration {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: a valid clock id and a pointer to a timespec we own.
    unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
}

/// Per-frame wall and CPU times of `FRAMES` frames, after a warm-up.
fn measure(model: &Model, ui: &UiState, w: u16, h: u16) -> (Vec<Duration>, Vec<Duration>) {
    let mut term = Terminal::new(TestBackend::new(w, h)).expect("a test backend");
    let draw = |term: &mut Terminal<TestBackend>| {
        term.draw(|f| czar::front::tui::view::render(f, black_box(model), black_box(ui)))
            .expect("drawing on a test backend");
    };
    for _ in 0..20 {
        draw(&mut term);
    }
    let mut wall = Vec::with_capacity(FRAMES);
    let mut cpu = Vec::with_capacity(FRAMES);
    for i in 0..FRAMES {
        // A different selection each frame, so every frame really changes cells.
        let mut ui = ui.clone();
        ui.selected = i % model.workers.len().max(1);
        let (start, start_cpu) = (Instant::now(), cpu_now());
        term.draw(|f| czar::front::tui::view::render(f, black_box(model), black_box(&ui)))
            .expect("drawing on a test backend");
        cpu.push(cpu_now().saturating_sub(start_cpu));
        wall.push(start.elapsed());
    }
    (wall, cpu)
}

/// Mean, p95 and max, in ms.
fn stats(mut t: Vec<Duration>) -> (f64, f64, f64) {
    t.sort();
    let mean = t.iter().map(Duration::as_secs_f64).sum::<f64>() / t.len() as f64;
    let p95 = t[(t.len() * 95 / 100).min(t.len() - 1)].as_secs_f64();
    let max = t.last().map_or(0.0, Duration::as_secs_f64);
    (mean * 1e3, p95 * 1e3, max * 1e3)
}

fn main() {
    let mut ui = UiState::new(Keymap::defaults(), true);
    ui.now = NOW;
    ui.read.screen = Some(preview(40));
    let big = fleet(100);
    // What the timeline strips and the sparkline cost: the same fleet without its history.
    let mut no_history = big.clone();
    no_history.history = Default::default();
    let empty = Model::new("bench", "main", Policy::default());
    let mut empty_ui = UiState::new(Keymap::defaults(), true);
    empty_ui.now = NOW;
    println!(
        "dashboard frame, {FRAMES} frames each (TestBackend, ms per frame; CPU: this thread's)"
    );
    println!(
        "{:<36} {:>9} {:>9} {:>9} {:>9} {:>9} {:>9}",
        "case", "wall mean", "wall p95", "wall max", "CPU mean", "CPU max", "CPU/base"
    );
    let budget = 5.0;
    for (w, h) in [(80, 24), (160, 48), (250, 70)] {
        let (bw, bc) = measure(&empty, &empty_ui, w, h);
        let base_cpu = stats(bc.clone()).0;
        let cases = [
            (format!("baseline: empty fleet {w}x{h}"), bw, bc),
            {
                let (a, b) = measure(&big, &ui, w, h);
                (format!("100 workers + 40-line preview {w}x{h}"), a, b)
            },
            {
                let (a, b) = measure(&no_history, &ui, w, h);
                (format!("  the same, no history {w}x{h}"), a, b)
            },
        ];
        for (name, wall, cpu) in cases {
            let (wm, wp, wx) = stats(wall);
            let (cm, _, cx) = stats(cpu);
            println!(
                "{name:<36} {wm:>9.3} {wp:>9.3} {wx:>9.3} {cm:>9.3} {cx:>9.3} {:>9.1}",
                cm / base_cpu
            );
            if cx > budget {
                println!("  a frame used more than the {budget} ms budget of CPU");
            }
        }
    }
}
