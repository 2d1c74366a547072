//! A verify that outlives its timeout is ended with everything it started: killing only its
//! `sh` used to leave the commands under it running.

use crate::background::wait_until;
use crate::common::Project;
use crate::support::{gone, text};
use std::time::Duration;

#[test]
fn a_timed_out_verify_takes_its_grandchildren_with_it() {
    let p = Project::new(
        1,
        "verify_timeout_secs = 1\nmax_verify_attempts = 1\nmax_attempts = 1\n",
    );
    let outside = tempfile::tempdir().unwrap();
    let pid_file = outside.path().join("child.pid");
    let verify = format!("sh -c 'sleep 300 & echo $! > {}; wait'", pid_file.display());
    p.task(
        "slow-verify",
        &format!("title = \"Slow verify\"\nverify = \"{verify}\""),
        "sim: duration=0.2 touch=out/a.txt\n",
    );
    let out = p.run_auto(Duration::from_secs(120));
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let events = p.events();
    assert!(
        events
            .iter()
            .any(|e| e.kind == "verify_failed" && e.detail.contains("did not finish within")),
        "{events:#?}"
    );
    let pid: u32 = std::fs::read_to_string(&pid_file)
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    wait_until(
        &format!("the verify's sleep (pid {pid}) to end"),
        10,
        || gone(pid),
    );
}
