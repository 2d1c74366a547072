//! The real binary in tmux: `czar demo` opens the dashboard inside a pane of a private tmux
//! server (the operator's terminal), its simulated workers run on a second private server, keys
//! go in with `send-keys`, and the screen is read back with `capture-pane`.

use crate::support::{CZAR, TmuxServer};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

/// Two private tmux servers (the operator's terminal, the workers) and the sandbox folder;
/// dropping it kills both servers and removes their socket files.
pub(crate) struct Room {
    // First: both servers (and what runs in them) go before the sandbox folder.
    term: TmuxServer,
    workers: TmuxServer,
    dir: tempfile::TempDir,
}

impl Room {
    pub(crate) fn open(width: u16, height: u16) -> Room {
        let room = Room {
            term: TmuxServer::new("czar-tui-term"),
            workers: TmuxServer::new("czar-tui-work"),
            dir: tempfile::tempdir().unwrap(),
        };
        let sandbox = room.dir.path().join("sandbox");
        let (w, h) = (width.to_string(), height.to_string());
        let status = room
            .term
            .command()
            .args(["-u", "-f", "/dev/null", "new-session", "-d"])
            .args(["-s", "dash", "-x", &w, "-y", &h, "--"])
            .args([
                "env",
                "LANG=C.UTF-8",
                "EDITOR=",
                CZAR,
                "demo",
                "--workers",
                "2",
            ])
            .args(["--tasks", "2", "--socket", room.workers.socket(), "--dir"])
            .arg(&sandbox)
            .env_remove("TMUX")
            .status()
            .unwrap();
        assert!(status.success());
        // Keep the pane (and what czar printed last) after the dashboard exits.
        room.tmux(&["set-option", "-t", "dash", "remain-on-exit", "on"]);
        room
    }

    pub(crate) fn repo(&self) -> PathBuf {
        self.dir.path().join("sandbox").join("repo")
    }

    fn tmux(&self, args: &[&str]) -> String {
        let out = self.term.command().arg("-u").args(args).output().unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    pub(crate) fn keys(&self, keys: &[&str]) {
        for k in keys {
            self.tmux(&["send-keys", "-t", "dash", k]);
            std::thread::sleep(Duration::from_millis(150));
        }
    }

    /// Types text as it is (never read as key names).
    pub(crate) fn type_text(&self, text: &str) {
        self.tmux(&["send-keys", "-t", "dash", "-l", text]);
        std::thread::sleep(Duration::from_millis(150));
    }

    pub(crate) fn screen(&self) -> String {
        self.tmux(&["capture-pane", "-p", "-t", "dash"])
    }

    /// Waits until `ok` holds for the screen; fails with the last screen and what was awaited.
    pub(crate) fn wait_screen(
        &self,
        what: &str,
        limit: Duration,
        ok: impl Fn(&str) -> bool,
    ) -> String {
        let start = Instant::now();
        loop {
            let s = self.screen();
            if ok(&s) {
                return s;
            }
            if start.elapsed() > limit {
                panic!("waited {limit:?} for {what}; the screen:\n{s}");
            }
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    pub(crate) fn status(&self) -> serde_json::Value {
        let out = Command::new(CZAR)
            .args(["status", "--json"])
            .current_dir(self.repo())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).unwrap()
    }

    pub(crate) fn wait_status(
        &self,
        what: &str,
        limit: Duration,
        ok: impl Fn(&serde_json::Value) -> bool,
    ) {
        let start = Instant::now();
        loop {
            let s = self.status();
            if ok(&s) {
                return;
            }
            if start.elapsed() > limit {
                panic!(
                    "waited {limit:?} for {what}; status:\n{s:#}\nscreen:\n{}",
                    self.screen()
                );
            }
            std::thread::sleep(Duration::from_millis(250));
        }
    }
}

fn task<'a>(s: &'a serde_json::Value, id: &str) -> &'a serde_json::Value {
    s["tasks"]
        .as_array()
        .and_then(|ts| ts.iter().find(|t| t["id"] == id))
        .unwrap_or(&serde_json::Value::Null)
}

pub(crate) fn write_task(repo: &Path, id: &str, priority: i64) {
    let text = format!(
        "+++\ntitle = \"Long {id}\"\npriority = {priority}\n+++\nStay busy for a while.\n\nsim: duration=300\n"
    );
    std::fs::write(repo.join("tasks").join(format!("{id}.md")), text).unwrap();
}

pub(crate) fn header(screen: &str) -> &str {
    screen.lines().next().unwrap_or("")
}

#[test]
fn the_operator_runs_the_demo_fleet_from_the_dashboard() {
    let room = Room::open(160, 48);
    let long = Duration::from_secs(60);

    // Workers appear and change state: both demo tasks get done by the simulated agents.
    room.wait_screen("two workers in the table", long, |s| {
        s.contains("Workers (2)")
    });
    room.wait_screen("both demo tasks done", long, |s| {
        header(s).contains("0 active 2 done")
    });

    // A question the profile does not let the czar answer waits for the operator; y answers it.
    let ask = "+++\ntitle = \"Needs a yes\"\n+++\nAsk first.\n\nsim: duration=2 ask=delete_the_build_folder\n";
    std::fs::write(room.repo().join("tasks/needs-a-yes.md"), ask).unwrap();
    let asking = |s: &serde_json::Value| {
        s["workers"].as_array().and_then(|ws| {
            ws.iter()
                .find(|w| w["task"] == "needs-a-yes" && w["state"] == "waiting")
                .and_then(|w| w["id"].as_u64())
        })
    };
    room.wait_status("a worker waiting on the question", long, |s| {
        asking(s).is_some()
    });
    room.wait_screen("the question on the dashboard", long, |s| {
        s.contains("Do you want to delete the build folder?")
    });
    // Nobody but the operator answers it.
    std::thread::sleep(Duration::from_secs(2));
    let st = room.status();
    let Some(w) = asking(&st) else {
        panic!("the question was answered without the operator: {st:#}");
    };
    if w == 2 {
        room.keys(&["j"]);
    }
    room.keys(&["y"]);
    room.wait_status("the task done after the yes", long, |s| {
        task(s, "needs-a-yes")["state"] == "done"
    });
    room.wait_screen("the answer among the events", long, |s| {
        s.contains(&format!("operator: answered yes for worker {w}"))
    });
    if w == 2 {
        room.keys(&["Up"]);
    }

    // p stops auto-assignment: new tasks stay in the queue.
    room.keys(&["p"]);
    room.wait_screen("auto OFF in the header", long, |s| {
        header(s).contains("auto OFF")
    });
    write_task(&room.repo(), "long-a", 5);
    write_task(&room.repo(), "long-b", 4);
    room.wait_screen("the new tasks in the queue", long, |s| {
        header(s).contains("queue 2 ready")
    });
    std::thread::sleep(Duration::from_secs(3));
    let s = room.screen();
    assert!(
        header(&s).contains("2 ready 0 blocked 0 active"),
        "auto-assign is paused:\n{s}"
    );
    let st = room.status();
    assert_eq!(task(&st, "long-a")["state"], "pending", "{st:#}");

    // r gives the selected worker (1) a task picked from the queue.
    room.keys(&["r"]);
    room.wait_screen("the reassign picker", long, |s| {
        s.contains("Reassign") && s.contains("long-a")
    });
    room.keys(&["Enter"]);
    room.wait_status("long-a working on worker 1", long, |s| {
        task(s, "long-a")["worker"] == 1 && task(s, "long-a")["state"] == "working"
    });
    room.wait_screen("long-a in worker 1's row", long, |s| {
        s.lines().any(|l| l.contains("▶1") && l.contains("long-a"))
    });
    // r again: its current task goes back to the queue, the new one takes its place.
    room.keys(&["r"]);
    room.wait_screen("the picker offering long-b", long, |s| {
        s.contains("Reassign") && s.contains("long-b")
    });
    room.keys(&["Enter"]);
    room.wait_status("long-b on worker 1, long-a back in the queue", long, |s| {
        task(s, "long-b")["worker"] == 1 && task(s, "long-a")["state"] == "pending"
    });

    // Attach to worker 2 and detach: back on the dashboard.
    room.keys(&["j", "a"]);
    room.wait_screen("worker 2's own screen, full size", long, |s| {
        !s.contains("Workers (") && s.contains("sim-agent")
    });
    room.keys(&["C-b", "d"]);
    room.wait_screen("the dashboard again", long, |s| {
        s.contains("Workers (") && s.contains("back from demo-worker-2")
    });

    // k kills the selected worker after asking; its task goes back to the queue.
    room.keys(&["Up", "k"]);
    room.wait_screen("the kill confirmation", long, |s| {
        s.contains("Kill worker 1?")
    });
    room.keys(&["y"]);
    room.wait_status("long-b back in the queue, worker 1 stopped", long, |s| {
        let w1 = s["workers"]
            .as_array()
            .and_then(|ws| ws.iter().find(|w| w["id"] == 1));
        task(s, "long-b")["state"] == "pending"
            && task(s, "long-b")["worker"].is_null()
            && w1.is_some_and(|w| w["state"] == "stopped")
    });
    room.wait_screen("worker 1 shown stopped", long, |s| {
        s.lines()
            .any(|l| l.contains("1   sim") && l.contains("■ stopped"))
    });

    room.wait_screen("the kill among the events", long, |s| {
        s.contains("w1 long-b operator: kill worker 1")
    });

    // t adds a task through the inline form (EDITOR is empty here); the engine queues it.
    room.keys(&["t"]);
    room.wait_screen("the new-task form", long, |s| s.contains("New task"));
    room.type_text("Form task");
    // Title, priority, needs, verify, agents: Enter moves on; the text takes lines; C-s saves.
    room.keys(&["Enter", "Enter", "Enter", "Enter"]);
    room.type_text("sim");
    room.keys(&["Enter"]);
    room.type_text("Written from the dashboard.");
    room.keys(&["Enter"]);
    room.type_text("Second line.");
    room.keys(&["C-s"]);
    room.wait_screen("the form's task in the queue", long, |s| {
        s.contains("form-task p0 Form task")
    });
    let text = std::fs::read_to_string(room.repo().join("tasks/form-task.md")).unwrap();
    assert!(
        text.ends_with("Written from the dashboard.\nSecond line.\n"),
        "{text}"
    );
    assert!(text.contains("\nagent = \"sim\"\n"), "{text}");

    // A smaller terminal: the next frame fits it (short header, footer on one line).
    room.tmux(&["resize-window", "-t", "dash", "-x", "80", "-y", "24"]);
    // A capture can land while tmux is still drawing the frame: wait for the whole of it.
    let s = room.wait_screen("the 80x24 layout with its footer", long, |s| {
        header(s).starts_with(" demo  @main") && s.contains("q quit")
    });
    assert!(s.lines().count() <= 24, "{s}");

    // q leaves the dashboard; the workers keep running for a later czar.
    room.keys(&["q"]);
    room.wait_screen("the goodbye line", long, |s| s.contains("dashboard closed"));
    let sessions = room.workers.sessions();
    assert!(sessions.contains("demo-worker-2"), "{sessions}");
}

#[test]
fn a_task_file_broken_while_the_dashboard_runs_is_an_alert_until_fixed() {
    let room = Room::open(250, 60);
    let long = Duration::from_secs(60);
    room.wait_screen("the dashboard", long, |s| s.contains("Workers (2)"));
    let bad = room.repo().join("tasks/bad.md");
    std::fs::write(
        &bad,
        "+++\ntitle = \"Bad\"\nagent = \"claud\"\n+++\nDo it.\n",
    )
    .unwrap();
    let s = room.wait_screen("the broken file among the alerts", long, |s| {
        s.contains("task file bad.md:3: agent")
    });
    assert!(s.contains("no agent profile named \"claud\""), "{s}");
    std::fs::write(
        &bad,
        "+++\ntitle = \"Bad no more\"\n+++\nDo it.\n\nsim: duration=0.5\n",
    )
    .unwrap();
    room.wait_screen("the fix noted, the alert gone", long, |s| {
        s.contains("task file fixed") && !s.contains("task file bad.md")
    });
    room.wait_status("the fixed task done", long, |s| {
        task(s, "bad")["state"] == "done"
    });
    room.keys(&["q"]);
    room.wait_screen("the goodbye line", long, |s| s.contains("dashboard closed"));
}

#[test]
fn the_landing_panel_shows_the_demo_landing_and_its_key_asks_for_a_landing_now() {
    let room = Room::open(160, 48);
    // The demo lands on main: its two tasks show landed in the panel, with their commits.
    let screen = room.wait_screen("both demo tasks landed", Duration::from_secs(60), |s| {
        s.contains("Landing: merge into main (2/2 landed)")
    });
    assert!(
        screen.contains("task-01 czar/task-01 landed")
            && screen.contains("task-02 czar/task-02 landed"),
        "{screen}"
    );
    // Outside the panel the key says where to go; Tab, Tab reaches it; `l` asks for the
    // selected task (the latest landed is first among the landed) and the footer says so.
    room.keys(&["l"]);
    room.wait_screen("the hint", Duration::from_secs(5), |s| {
        s.contains("select a task in the Landing panel first")
    });
    room.keys(&["Tab", "Tab", "l"]);
    room.wait_screen("the ask", Duration::from_secs(5), |s| {
        s.contains("asked to land task-0") && s.contains("▶ task-0")
    });
    // The core recorded the operator's ask (nothing to land: both already landed).
    let events = czar::adapters::store::Store::open(&room.repo().join(".czar"))
        .unwrap()
        .events(10_000)
        .unwrap();
    assert!(
        events.iter().any(|e| e.kind == "operator"
            && e.detail
                .contains("asked to land now; its landing is landed")),
        "{events:#?}"
    );
    room.keys(&["q"]);
}
