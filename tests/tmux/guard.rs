//! The tests' own tmux guard (tests/support): a failing test still leaves no server and no
//! socket file behind.

use crate::support::{TmuxServer, gone};
use std::time::{Duration, Instant};

#[test]
fn a_panicking_test_leaves_no_server_and_no_socket_file() {
    let server = TmuxServer::new("czar-test-guard");
    let path = server.socket_path();
    let started = server.run(&[
        "-f",
        "/dev/null",
        "new-session",
        "-d",
        "-s",
        "g",
        "sleep 60",
    ]);
    assert!(started.is_some(), "tmux new-session failed");
    assert!(path.exists(), "no socket file at {}", path.display());
    // By its pid: with the socket file gone, tmux itself could no longer tell it runs.
    let pid: u32 = server
        .run(&["display-message", "-p", "#{pid}"])
        .and_then(|p| p.trim().parse().ok())
        .expect("the server's pid");

    let unwound = std::panic::catch_unwind(move || {
        let _server = server;
        panic!("a failing test");
    });
    assert!(unwound.is_err());

    let start = Instant::now();
    while !gone(pid) && start.elapsed() < Duration::from_secs(10) {
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(gone(pid), "the server (pid {pid}) still runs");
    assert!(!path.exists(), "{} is left behind", path.display());
}
