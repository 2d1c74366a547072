//! A task file that breaks while `czar --auto` runs reaches the operator: an event line as it
//! happens (once per distinct error), a note when it is fixed, and at the end a non-zero exit
//! and a summary that names the file.

use crate::common::Project;
use crate::support::{text, wait_output};
use std::io::{BufRead, BufReader};
use std::process::{Child, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// A running czar whose standard output is collected as it comes.
struct Run {
    child: Option<Child>,
    out: Arc<Mutex<String>>,
}

impl Run {
    fn start(p: &Project, args: &[&str]) -> Run {
        let mut child = p
            .czar(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let out = Arc::new(Mutex::new(String::new()));
        let stdout = child.stdout.take().unwrap();
        let sink = Arc::clone(&out);
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                let mut all = sink.lock().unwrap();
                all.push_str(&line);
                all.push('\n');
            }
        });
        Run {
            child: Some(child),
            out,
        }
    }

    fn text(&self) -> String {
        self.out.lock().unwrap().clone()
    }

    fn wait_for(&self, what: &str, ok: impl Fn(&str) -> bool) {
        let start = Instant::now();
        while !ok(&self.text()) {
            assert!(
                start.elapsed() < Duration::from_secs(60),
                "waited for {what}; output:\n{}",
                self.text()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Ctrl-C, as the operator stops a `--watch` run; returns the exit code and the output.
    fn interrupt(mut self) -> (Option<i32>, String) {
        let child = self.child.take().unwrap();
        unsafe { libc::kill(child.id() as i32, libc::SIGINT) };
        let out = wait_output(child, Duration::from_secs(30));
        // The reader thread sees the end of the pipe once the process is gone.
        std::thread::sleep(Duration::from_millis(200));
        (out.status.code(), self.text())
    }

    fn finish(mut self) -> (Option<i32>, String) {
        let out = wait_output(self.child.take().unwrap(), Duration::from_secs(90));
        std::thread::sleep(Duration::from_millis(200));
        (out.status.code(), format!("{}{}", self.text(), text(&out)))
    }
}

impl Drop for Run {
    fn drop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

const BROKEN: &str = "+++\ntitle = \"Bad\"\n+++\nfirst line\nthen \x1b[201~ typed\n";

#[test]
fn watch_reports_a_broken_file_once_notes_the_fix_and_counts_it_at_the_end() {
    let p = Project::new(1, "");
    p.task("good", "title = \"Good\"", "Do it.\n\nsim: duration=0.2\n");
    let run = Run::start(&p, &["--auto", "--watch"]);
    run.wait_for("the good task done", |s| s.contains("good: done"));

    let bad = p.root.join("tasks/bad.md");
    std::fs::write(&bad, BROKEN).unwrap();
    let line = format!("task_file_error {}:5: ", bad.display());
    run.wait_for("the error line", |s| s.contains(&line));
    assert!(run.text().contains("ESC[201~"), "{}", run.text());
    // Scans go on every 2 s; the same error is not news again.
    std::thread::sleep(Duration::from_secs(5));
    assert_eq!(
        run.text().matches("task_file_error").count(),
        1,
        "{}",
        run.text()
    );

    // Fixed: a note, and its task runs.
    std::fs::write(
        &bad,
        "+++\ntitle = \"Bad\"\n+++\nDo it.\n\nsim: duration=0.2\n",
    )
    .unwrap();
    run.wait_for("the fix noted", |s| s.contains("task_file_fixed"));
    run.wait_for("the fixed task done", |s| s.contains("bad: done"));

    // Broken again, another way, and still broken when the operator stops the run.
    std::fs::write(&bad, "+++\ntitle = \"Bad\"\nagent = \"claud\"\n+++\nx\n").unwrap();
    run.wait_for("the new error", |s| {
        s.contains(&format!("{}:3: agent", bad.display()))
    });
    let (code, out) = run.interrupt();
    assert_eq!(code, Some(130), "{out}");
    let summary = out
        .split("task files that did not load")
        .nth(1)
        .unwrap_or("");
    assert!(
        summary.contains(&format!("{}:3: agent", bad.display())),
        "{out}"
    );

    let kinds: Vec<String> = p
        .events()
        .iter()
        .filter(|e| e.kind.starts_with("task_file"))
        .map(|e| e.kind.clone())
        .rev()
        .collect();
    assert_eq!(
        kinds,
        ["task_file_error", "task_file_fixed", "task_file_error"]
    );
}

#[test]
fn a_run_that_ends_with_a_broken_file_exits_1_naming_it() {
    let p = Project::new(1, "");
    p.task("slow", "title = \"Slow\"", "Do it.\n\nsim: duration=6\n");
    let run = Run::start(&p, &["--auto"]);
    run.wait_for("the task assigned", |s| s.contains("slow: assigned"));
    let bad = p.root.join("tasks/bad.md");
    std::fs::write(&bad, b"+++\ntitle = \"B\"\n+++\nok\nbin\0ary\n").unwrap();
    let (code, out) = run.finish();
    assert_eq!(code, Some(1), "{out}");
    assert!(out.contains("slow: done"), "{out}");
    let line = format!("task_file_error {}:5: not text", bad.display());
    assert!(out.contains(&line), "{out}");
    let summary = out
        .split("task files that did not load")
        .nth(1)
        .unwrap_or("");
    assert!(summary.contains(&format!("{}:5", bad.display())), "{out}");
}
