//! `czar demo --auto`, as the README runs it.

use crate::common::{text, wait_output};
use std::process::Stdio;
use std::time::Duration;

#[test]
fn demo_auto_three_workers_eight_tasks_passes() {
    let dir = tempfile::tempdir().unwrap();
    let sandbox = dir.path().join("sandbox");
    let socket = format!("czar-e2e-demo-{}", std::process::id());
    let child = std::process::Command::new(crate::common::CZAR)
        .args([
            "demo",
            "--auto",
            "--workers",
            "3",
            "--tasks",
            "8",
            "--socket",
            &socket,
            "--dir",
        ])
        .arg(&sandbox)
        .env_remove("TMUX")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let out = wait_output(child, Duration::from_secs(120));
    let _ = std::process::Command::new("tmux")
        .args(["-L", &socket, "kill-server"])
        .stderr(Stdio::null())
        .status();
    assert!(out.status.success(), "{}", text(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("8 done, 0 failed"), "{stdout}");
}
