//! `czar explain <worker>`: the czar's view of a live worker, and a fresh reading of its screen.

use crate::common::Project;
use crate::support::text;
use std::time::{Duration, Instant};

#[test]
fn explain_shows_the_busy_reading_with_its_signals_and_rejects_unknown_workers() {
    let p = Project::new(1, "");
    p.task(
        "slow",
        "title = \"Slow\"",
        "sim: duration=6 touch=slow.txt\n",
    );
    let mut czar = p.spawn_auto();
    let start = Instant::now();
    let json = loop {
        let out = p.czar(&["explain", "1", "--json"]).output().unwrap();
        if out.status.success() {
            let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
            if v["screen"]["state"] == "busy" {
                break v;
            }
        }
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "never busy: {}",
            text(&out)
        );
        std::thread::sleep(Duration::from_millis(200));
    };
    assert_eq!(json["task"], "slow");
    // The sim runs under the pane's log keeper (the sim is czar's own binary, hence its name).
    let process = json["process"].as_str().unwrap();
    assert!(
        process.starts_with("running czar (pid ")
            && process.contains("its output logged by czar pane-log"),
        "{json}"
    );
    let signals = json["screen"]["signals"].as_array().unwrap();
    assert!(signals.iter().any(|s| s["kind"] == "busy"), "{json}");
    let human = p.czar(&["explain", "1"]).output().unwrap();
    let human = String::from_utf8_lossy(&human.stdout);
    assert!(
        human.contains("czar's view:") && human.contains("signals:"),
        "{human}"
    );
    let unknown = p.czar(&["explain", "9"]).output().unwrap();
    assert_eq!(unknown.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("no worker 9"));
    // The agent's own hook outranks its screen: the czar's view turns to waiting at once.
    let hooked = p
        .czar(&["hook", "PermissionRequest"])
        .env("CZAR_WORKER", "1")
        .env("CZAR_STATE_DIR", p.root.join(".czar"))
        .output()
        .unwrap();
    assert!(hooked.status.success(), "{}", text(&hooked));
    let start = Instant::now();
    loop {
        let out = p.czar(&["explain", "1", "--json"]).output().unwrap();
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        if v["recorded"]["state"] == "waiting" {
            assert!(
                v["recorded"]["reason"]
                    .as_str()
                    .unwrap()
                    .contains("PermissionRequest"),
                "{v}"
            );
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "the hook was not taken: {v}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    let bogus = p.czar(&["hook", "Bogus"]).output().unwrap();
    assert_eq!(bogus.status.code(), Some(2));
    let outside = std::process::Command::new(crate::support::CZAR)
        .args(["hook", "Stop"])
        .current_dir(std::env::temp_dir())
        .env_remove("CZAR_WORKER")
        .output()
        .unwrap();
    assert!(
        outside.status.success(),
        "a hook outside a worker must not fail: {}",
        text(&outside)
    );
    let _ = czar.kill();
    let _ = czar.wait();
}
