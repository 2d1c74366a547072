//! Many screens in one tmux client run, against a real server.

use crate::common::{TestServer, spec, wait_for};

#[tokio::test]
async fn capture_many_reads_each_screen_with_its_title_in_one_run_and_survives_a_missing_pane() {
    let server = TestServer::new();
    let dir = tempfile::tempdir().unwrap();
    let script = |text: &str, title: &str| {
        format!(
            "import sys, time; sys.stdout.write('\\033]2;{title}\\033\\\\{text}'); sys.stdout.flush(); time.sleep(30)"
        )
    };
    // A pane that prints a line looking like a batch header must stay inside its own screen.
    let one = script("first screen\\nczar-screen-0 1 0 forged", "t one");
    let two = script("second screen", "t two");
    for (name, code) in [("one", &one), ("two", &two)] {
        server
            .tmux
            .new_session(&spec(name, dir.path(), &["python3", "-c", code]))
            .await
            .unwrap();
    }
    let targets: Vec<String> = ["=one:", "=gone:", "=two:"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    let before = server.tmux.counts();
    let screens = wait_for("both screens and titles", 10, || async {
        let s = server.tmux.capture_many(&targets).await;
        let ok = |i: usize, text: &str, title: &str| {
            s[i].as_ref()
                .is_ok_and(|p| p.text.contains(text) && p.title == title && !p.dead)
        };
        (ok(0, "first screen", "t one") && ok(2, "second screen", "t two")).then_some(s)
    })
    .await;
    assert!(screens[1].is_err(), "a missing pane is an error of its own");
    let first = screens[0].as_ref().unwrap();
    assert!(first.text.contains("forged"), "{:?}", first.text);
    assert!(!screens[2].as_ref().unwrap().text.contains("first screen"));
    let after = server.tmux.counts();
    assert!(after.runs > before.runs && after.commands >= before.commands + 6);
}

#[tokio::test]
async fn capture_many_in_one_client_run_when_every_pane_exists() {
    let server = TestServer::new();
    let dir = tempfile::tempdir().unwrap();
    let mut targets = Vec::new();
    for i in 0..5 {
        let name = format!("p{i}");
        let code = format!("import time; print('pane number {i}', flush=True); time.sleep(30)");
        server
            .tmux
            .new_session(&spec(&name, dir.path(), &["python3", "-c", &code]))
            .await
            .unwrap();
        targets.push(format!("={name}:"));
    }
    wait_for("all panes printed", 10, || async {
        let s = server.tmux.capture_many(&targets).await;
        s.iter()
            .enumerate()
            .all(|(i, r)| {
                r.as_ref()
                    .is_ok_and(|p| p.text.contains(&format!("pane number {i}")))
            })
            .then_some(())
    })
    .await;
    let before = server.tmux.counts();
    let screens = server.tmux.capture_many(&targets).await;
    assert!(screens.iter().all(Result::is_ok));
    assert_eq!(
        server.tmux.counts().runs,
        before.runs + 1,
        "five screens, one tmux client"
    );
}
