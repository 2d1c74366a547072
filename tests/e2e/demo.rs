//! `czar demo --auto`, as the README runs it.

use crate::support::{CZAR, TmuxServer, run_within, text};
use std::process::{Command, Stdio};
use std::time::Duration;

#[test]
fn demo_auto_three_workers_eight_tasks_passes() {
    let dir = tempfile::tempdir().unwrap();
    let sandbox = dir.path().join("sandbox");
    let tmux = TmuxServer::new("czar-e2e-demo");
    let out = run_within(
        Command::new(CZAR)
            .args([
                "demo",
                "--auto",
                "--workers",
                "3",
                "--tasks",
                "8",
                "--socket",
                tmux.socket(),
                "--dir",
            ])
            .arg(&sandbox)
            .env_remove("TMUX")
            .stdin(Stdio::null()),
        Duration::from_secs(120),
    );
    assert!(out.status.success(), "{}", text(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("8 done, 0 failed"), "{stdout}");
}

#[test]
fn demo_sandbox_flag_chooses_the_folder() {
    let dir = tempfile::tempdir().unwrap();
    let sandbox = dir.path().join("chosen");
    let tmux = TmuxServer::new("czar-e2e-demo-sb");
    let demo = |extra: &[&std::ffi::OsStr]| {
        run_within(
            Command::new(CZAR)
                .args([
                    "demo",
                    "--auto",
                    "--workers",
                    "1",
                    "--tasks",
                    "1",
                    "--socket",
                    tmux.socket(),
                ])
                .args(extra)
                .env_remove("TMUX")
                .stdin(Stdio::null()),
            Duration::from_secs(120),
        )
    };
    let out = demo(&["--sandbox".as_ref(), sandbox.as_os_str()]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        sandbox.join("repo/czar.toml").is_file(),
        "no sandbox at {}",
        sandbox.display()
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains(&format!("sandbox {}", sandbox.join("repo").display())),
        "{stdout}"
    );

    // Two different folders for one sandbox: refused before anything is made.
    let other = dir.path().join("other");
    let out = demo(&[
        "--sandbox".as_ref(),
        other.as_os_str(),
        "-C".as_ref(),
        dir.path().join("third").as_os_str(),
    ]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(String::from_utf8_lossy(&out.stderr).contains("name different folders"));
    assert!(!other.exists() && !dir.path().join("third").exists());
}
