//! `[notify]` end to end: the czar runs the user's command (an argv, no shell of its own) with
//! the event as JSON on stdin, once when a worker starts waiting on a question and once when
//! the run finishes; here the command writes what it was given to a file named by `CZAR_EVENT`.

use crate::common::Project;
use std::time::Duration;

#[test]
fn a_notification_command_writes_the_event_when_a_worker_waits_and_when_the_run_finishes() {
    let out_dir = tempfile::tempdir().unwrap();
    let dir = out_dir.path().display().to_string();
    // The question is left unanswered: after 3 s its task fails, and the run is over.
    let extra = format!(
        "waiting_limit_secs = 3\n\n[notify]\non = [\"waiting\", \"run_finished\"]\n\
         command = [\"sh\", \"-c\", \"cat > \\\"$0/$CZAR_EVENT.json\\\"\", \"{dir}\"]\n\
         timeout_secs = 10\n"
    );
    let p = Project::new(1, &extra);
    let toml = p.root.join("czar.toml");
    let text = std::fs::read_to_string(&toml).unwrap();
    std::fs::write(&toml, format!("on_waiting = \"fail\"\n{text}")).unwrap();
    p.task(
        "asks",
        "title = \"Asks first\"",
        "Ask before deleting.\n\nsim: duration=1 ask=delete_the_build_folder\n",
    );
    let out = p.run_auto(Duration::from_secs(120));
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() || out.status.code() == Some(1),
        "{said}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let read = |name: &str| -> serde_json::Value {
        let path = out_dir.path().join(format!("{name}.json"));
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
            let files: Vec<_> = std::fs::read_dir(out_dir.path())
                .unwrap()
                .map(|f| f.unwrap().file_name())
                .collect();
            panic!(
                "{}: {e}; files {files:?}; czar said:\n{said}",
                path.display()
            )
        });
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text:?}"))
    };
    let waiting = read("waiting");
    assert_eq!(waiting["event"], "waiting", "{waiting}");
    assert_eq!(waiting["project"], "e2e");
    assert_eq!(waiting["worker"], 1);
    assert_eq!(waiting["task"], "asks");
    assert!(
        waiting["detail"]
            .as_str()
            .is_some_and(|d| d.contains("delete the build folder")),
        "the question itself: {waiting}"
    );
    let finished = read("run_finished");
    assert_eq!(finished["event"], "run_finished", "{finished}");
    assert_eq!(finished["detail"], "0 done, 1 failed");
    // Only the events the rules name: the failed task was not announced.
    assert!(!out_dir.path().join("failed.json").exists());
    // Announced once each, and recorded in the event log.
    let notified: Vec<_> = p
        .events()
        .into_iter()
        .filter(|e| e.kind == "notified")
        .map(|e| e.detail)
        .collect();
    assert_eq!(notified.len(), 2, "{notified:?}");
}
