//! One round: `czar demo --auto` in a scratch folder on a private tmux socket, its sims noting
//! their timeline, then what it left behind read back: the czar's events, the sims' marks and
//! the task files.

use super::plan::Plan;
use super::shared::{self, Mark, Scratch};
use czar::adapters::store::EventRow;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A demo of 40 tasks takes 15 to 25 s; past this something is wrong.
const LIMIT: Duration = Duration::from_secs(300);

pub struct Round {
    pub marks: Vec<Mark>,
    pub events: Vec<EventRow>,
    pub plan: Plan,
    /// The demo's own last line about the run ("40 done, 0 failed in 19.5s; ideal ...").
    pub summary: String,
    /// The round's folder and tmux server, gone when the round is dropped.
    pub _scratch: Scratch,
}

/// The demo process, ended if the bench gives up on it (a panic included) before the scratch
/// folder's tmux server and files go.
struct Demo(Child);

impl Drop for Demo {
    fn drop(&mut self) {
        if matches!(self.0.try_wait(), Ok(None)) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
}

pub fn run(bin: &Path, workers: usize, tasks: usize) -> Round {
    let scratch = Scratch::new("schedule");
    let sandbox = scratch.path().join("demo");
    let timeline = shared::timeline_path(&scratch);
    let output = scratch.path().join("demo-output.txt");
    let out = std::fs::File::create(&output).expect("the demo's output file");
    let err = out.try_clone().expect("the demo's output file");
    let child = Command::new(bin)
        .arg("-C")
        .arg(&sandbox)
        .args(["demo", "--auto", "--workers", &workers.to_string()])
        .args(["--tasks", &tasks.to_string(), "--socket", scratch.socket()])
        // Every sim of the fleet notes when it takes and ends a task (see `czar sim-agent`).
        .env("CZAR_SIM_TIMELINE", &timeline)
        .env_remove("TMUX")
        .env_remove("TMUX_PANE")
        .stdin(Stdio::null())
        .stdout(out)
        .stderr(err)
        .spawn()
        .unwrap_or_else(|e| panic!("starting {}: {e}", bin.display()));
    let mut demo = Demo(child);
    let start = Instant::now();
    let status = loop {
        if let Some(status) = demo.0.try_wait().expect("waiting for the demo") {
            break status;
        }
        let printed = || std::fs::read_to_string(&output).unwrap_or_default();
        assert!(
            start.elapsed() < LIMIT,
            "the demo did not end within {}s; it printed:\n{}",
            LIMIT.as_secs(),
            printed()
        );
        std::thread::sleep(Duration::from_millis(200));
    };
    let printed = std::fs::read_to_string(&output).unwrap_or_default();
    assert!(
        status.success(),
        "the demo ended with {status}; it printed:\n{printed}"
    );
    let repo = sandbox.join("repo");
    let events = {
        let store =
            czar::adapters::store::Store::open(&repo.join(".czar")).expect("the demo's store");
        store.events(1_000_000).expect("the demo's events")
    };
    let marks = shared::read_timeline(&timeline);
    assert!(
        !marks.is_empty(),
        "the sims noted no timeline in {}: this czar's sim-agent does not read \
         CZAR_SIM_TIMELINE (older binaries need that fallback for --timeline added)",
        timeline.display()
    );
    let summary = printed
        .lines()
        .rfind(|l| l.starts_with("czar demo: ") && l.contains(" done, "))
        .unwrap_or("")
        .trim_start_matches("czar demo: ")
        .to_string();
    Round {
        marks,
        events,
        plan: Plan::load(&repo.join("tasks")),
        summary,
        _scratch: scratch,
    }
}
