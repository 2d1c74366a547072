//! Crash safety at its hardest moments: 20 tasks, 4 simulated workers misbehaving on a fifth of
//! their tasks, and the czar SIGKILLed five times, restarted after each. Two of the kills land
//! on purpose between a delivery's paste and its Enter (`CZAR_FAULT=paste:N`), one right after
//! an Enter (`CZAR_FAULT=enter:N`), two at random moments. Afterwards nothing may be lost, done
//! twice, mixed into another task's branch, or submitted twice in one go.
//!
//! `CZAR_CRASH_RUNS=10 cargo test --test e2e kills -- --nocapture` runs it ten times in a row
//! and prints each run's figures; `CZAR_KEEP_SANDBOX=1` keeps each run's folder.

use crate::support::{CZAR, TmuxServer, git, text, wait_exit, wait_output};
use czar::adapters::store::Store;
use czar::core::delivery::Step;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

const TASKS: usize = 20;

struct Sandbox {
    /// Killed even when the folder is kept: a kept run is for reading, not for running on.
    tmux: TmuxServer,
    /// `None` once kept (`CZAR_KEEP_SANDBOX=1`): the folder then outlives the test, to look at.
    _dir: Option<tempfile::TempDir>,
    path: PathBuf,
}

impl Sandbox {
    fn new(run: usize) -> Sandbox {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().to_path_buf();
        let keep = std::env::var("CZAR_KEEP_SANDBOX").is_ok_and(|v| v == "1");
        if keep {
            eprintln!("run {}: sandbox kept in {}", run + 1, path.display());
        }
        Sandbox {
            tmux: TmuxServer::new("czar-kills"),
            _dir: if keep {
                let _ = dir.keep();
                None
            } else {
                Some(dir)
            },
            path,
        }
    }

    fn root(&self) -> PathBuf {
        self.path.join("sandbox")
    }

    fn repo(&self) -> PathBuf {
        self.root().join("repo")
    }

    fn received(&self) -> PathBuf {
        self.path.join("received")
    }

    fn czar(&self, fault: Option<String>) -> Command {
        let mut c = Command::new(CZAR);
        c.env_remove("TMUX")
            .env("CZAR_SIM_RECORD_DIR", self.received())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        match fault {
            Some(f) => c.env("CZAR_FAULT", f),
            None => c.env_remove("CZAR_FAULT"),
        };
        c
    }

    fn start(&self) -> Child {
        let mut c = self.czar(None);
        c.args(["demo", "--auto", "--workers", "4", "--tasks", "20"])
            .args(["--chaos", "0.2", "--socket", self.tmux.socket(), "--dir"])
            .arg(self.root());
        c.spawn().unwrap()
    }

    fn restart(&self, fault: Option<String>) -> Child {
        let mut c = self.czar(fault);
        c.args(["--auto", "-C"]).arg(self.repo());
        c.spawn().unwrap()
    }
}

#[derive(Debug, Default)]
struct Figures {
    kills: usize,
    /// Kills when the store said a delivery had pasted but not pressed Enter.
    between_paste_and_enter: usize,
    /// Kills when the store said a delivery's Enter had been pressed, not yet seen taken.
    after_enter: usize,
    done: usize,
    failed: usize,
}

#[test]
fn twenty_tasks_four_workers_chaos_and_five_kills_two_between_paste_and_enter() {
    let runs: usize = std::env::var("CZAR_CRASH_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1);
    let mut all = Vec::new();
    for run in 0..runs {
        let f = one_run(run);
        eprintln!("run {}: {f:?}", run + 1);
        all.push(f);
    }
    let sum = |g: fn(&Figures) -> usize| all.iter().map(g).sum::<usize>();
    eprintln!(
        "{runs} runs: {} kills, {} between paste and Enter, {} right after Enter; {} done, {} \
         failed with a reason; 0 lost, 0 done twice, 0 on a wrong branch, 0 doubled submissions",
        sum(|f| f.kills),
        sum(|f| f.between_paste_and_enter),
        sum(|f| f.after_enter),
        sum(|f| f.done),
        sum(|f| f.failed),
    );
}

fn one_run(run: usize) -> Figures {
    let s = Sandbox::new(run);
    let mut figures = Figures::default();
    let mut seed = u64::from(std::process::id()) ^ (run as u64 + 1).wrapping_mul(0x9E37_79B9);
    let mut rand = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    // How each of the five czars dies: the demo at a random moment, the next at its n-th paste,
    // and so on. The czar after the fifth runs to the end.
    let schedule = [
        None,
        Some(format!("paste:{}", 1 + rand() % 3)),
        None,
        Some(format!("paste:{}", 1 + rand() % 3)),
        Some(format!("enter:{}", 1 + rand() % 3)),
    ];
    let mut child = s.start();
    for (i, fault) in schedule.iter().enumerate() {
        let ended = match fault {
            // A fault kills the czar by itself at its moment.
            Some(_) => {
                let limit = Duration::from_secs(90);
                let ended = wait_exit(&mut child, limit);
                assert!(
                    ended.is_some(),
                    "the czar did not reach its fault within {limit:?}"
                );
                true
            }
            None => {
                std::thread::sleep(Duration::from_millis(1_500 + rand() % 3_000));
                if child.try_wait().unwrap().is_some() {
                    true
                } else {
                    child.kill().unwrap(); // SIGKILL
                    child.wait().unwrap();
                    false
                }
            }
        };
        let killed = !ended || died_of_sigkill(&mut child);
        if killed {
            figures.kills += 1;
            let (pasted, entered) = deliveries_in_flight(&s.repo());
            figures.between_paste_and_enter += usize::from(pasted > 0);
            figures.after_enter += usize::from(entered > 0);
        }
        child = s.restart(schedule.get(i + 1).cloned().flatten());
    }
    let out = wait_output(child, Duration::from_secs(300));
    let code = out.status.code();
    assert!(code == Some(0) || code == Some(1), "{}", text(&out));
    check(&s, &mut figures);
    assert_eq!(figures.kills, 5, "{figures:?}");
    assert!(figures.between_paste_and_enter >= 2, "{figures:?}");
    figures
}

fn died_of_sigkill(child: &mut Child) -> bool {
    use std::os::unix::process::ExitStatusExt;
    child
        .try_wait()
        .unwrap()
        .is_some_and(|st| st.signal() == Some(libc::SIGKILL))
}

/// Deliveries the store holds as pasted but not submitted, and as submitted but not confirmed.
fn deliveries_in_flight(repo: &Path) -> (usize, usize) {
    let store = Store::open(&repo.join(".czar")).unwrap();
    let (_, workers) = store.load().unwrap();
    let steps: Vec<Step> = workers
        .values()
        .filter_map(|w| w.delivery.as_ref().map(|d| d.step))
        .collect();
    let pasted = steps
        .iter()
        .filter(|s| matches!(s, Step::Pasting | Step::Pasted))
        .count();
    let entered = steps.iter().filter(|s| **s == Step::Submitting).count();
    (pasted, entered)
}

fn check(s: &Sandbox, figures: &mut Figures) {
    let repo = s.repo();
    let store = Store::open(&repo.join(".czar")).unwrap();
    let (tasks, workers) = store.load().unwrap();
    let events = store.events(1_000_000).unwrap();
    assert_eq!(tasks.len(), TASKS, "tasks lost");
    for t in tasks.values() {
        let id = &t.def.id;
        let state = t.state.as_str();
        assert!(
            state == "done" || (state == "failed" && t.reason.is_some()),
            "{id} ended {state}"
        );
        let count = |kind: &str| {
            events
                .iter()
                .filter(|e| e.kind == kind && e.task.as_deref() == Some(id.as_str()))
                .count()
        };
        // Done once, and once more after each time its landing sent it back to an agent.
        let done = count("done");
        let returns = count("land_conflict") + count("land_verify_failed");
        assert!(done <= 1 + returns, "{id} done {done} times");
        assert!(count("landed") <= 1, "{id} landed twice");
        if state == "done" {
            figures.done += 1;
            own_work_only(&repo, t);
        } else {
            figures.failed += 1;
        }
    }
    one_task_per_submission(&s.received(), figures.done);
    // The sessions are exactly the live workers.
    let sessions: BTreeSet<String> = s.tmux.sessions().lines().map(str::to_string).collect();
    let live: BTreeSet<String> = workers
        .values()
        .filter(|w| w.live)
        .map(|w| w.session.clone())
        .collect();
    assert_eq!(sessions, live, "tmux sessions against the live workers");
    let conn = rusqlite::Connection::open(repo.join(".czar/czar.db")).unwrap();
    let check: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(check, "ok");
}

/// A done task landed, and its landing brought only its own files (its feature, the file it
/// shares with others, or the file a "fail verify once" sim writes by mistake: a task without
/// a verify command is done with that): no other task's work.
fn own_work_only(repo: &Path, t: &czar::core::model::Task) {
    let id = &t.def.id;
    let n: u32 = id.trim_start_matches("task-").parse().unwrap();
    let Some(czar::core::model::Landing::Landed { commit, from, .. }) =
        t.land.as_ref().map(|l| &l.state)
    else {
        panic!("{id} is done but did not land: {:?}", t.land);
    };
    let changed = git(repo, &["diff", "--name-only", from, commit]);
    let own = format!("src/feature_{n}.txt");
    let shared = format!("src/shared_{}.txt", n / 8);
    assert!(!changed.trim().is_empty(), "{id}: landed nothing");
    for file in changed.lines() {
        assert!(
            file == own || file == "sim/misplaced.md" || (n % 4 <= 1 && file == shared),
            "{id}'s landing holds {file}, another task's work"
        );
    }
}

/// Every text an agent received holds at most one task: the worker preamble once, at its start;
/// and every done task was received.
fn one_task_per_submission(dir: &Path, done: usize) {
    let mut files = 0;
    for sim in std::fs::read_dir(dir).unwrap() {
        for f in std::fs::read_dir(sim.unwrap().path()).unwrap() {
            let path = f.unwrap().path();
            let text = std::fs::read_to_string(&path).unwrap();
            // A landing's follow-up quotes conflicting hunks (the sims' lines name their worker):
            // what counts is that no task text follows its separator but the one task's own.
            if text.starts_with("The czar ") {
                let (_, task) = text.split_once("\n-----").unwrap_or((&text, ""));
                assert!(
                    !task.contains("You are worker "),
                    "{}: a follow-up carrying more than its task",
                    path.display()
                );
                files += 1;
                continue;
            }
            let preambles = text.matches("You are worker ").count();
            assert!(
                preambles <= 1,
                "{}: {preambles} tasks in one submission",
                path.display()
            );
            assert!(
                preambles == 0 || text.starts_with("You are worker "),
                "{}: something was typed before the task",
                path.display()
            );
            files += 1;
        }
    }
    assert!(
        files >= done,
        "only {files} submissions recorded for {done} done tasks"
    );
}
