//! Shared helpers: a private tmux server per test, killed on drop.
#![allow(dead_code)] // each test binary uses a different subset

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::support::TmuxServer;
use czar::adapters::tmux::{RealRunner, SessionSpec, Socket, Tmux};

pub const RAW_READER: &str = include_str!("raw_reader.py");

/// A private tmux server (`-L czar-test-<pid>-<n>`, no user config) driven through czar's
/// adapter; killed when the guard drops, also when the test panics.
pub struct TestServer {
    pub tmux: Tmux,
    server: TmuxServer,
}

impl TestServer {
    pub fn new() -> Self {
        let server = TmuxServer::new("czar-test");
        let runner = RealRunner::new(Socket::Name(server.socket().to_string()))
            .with_config_file("/dev/null");
        TestServer {
            tmux: Tmux::with_runner(runner),
            server,
        }
    }

    pub fn socket_name(&self) -> &str {
        self.server.socket()
    }

    /// Run a raw tmux command on this server (for checks the API does not offer).
    pub fn raw(&self, args: &[&str]) -> String {
        let out = self
            .server
            .command()
            .arg("-u")
            .args(args)
            .stdin(Stdio::null())
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    }
}

/// Create an executable script without ever holding it open for writing in
/// this (multi-threaded, forking) process: a sibling thread's fork could
/// inherit that fd and make the exec fail with ETXTBSY ("Text file busy").
pub fn write_script(path: &Path, content: &str) {
    let draft = path.with_extension("draft");
    std::fs::write(&draft, content).unwrap();
    let status = Command::new("install")
        .args(["-m", "755"])
        .arg(&draft)
        .arg(path)
        .status()
        .unwrap();
    assert!(status.success());
}

pub fn spec(name: &str, cwd: &Path, command: &[&str]) -> SessionSpec {
    SessionSpec {
        name: name.to_string(),
        cwd: cwd.to_path_buf(),
        command: command.iter().map(|w| w.to_string()).collect(),
        env: vec![],
        width: 200,
        height: 30,
    }
}

/// Poll `check` every 20 ms until it returns Some, or panic after `secs`.
pub async fn wait_for<T, F, Fut>(what: &str, secs: u64, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let deadline = Instant::now() + Duration::from_secs(secs);
    loop {
        if let Some(v) = check().await {
            return v;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Wait until the pane's screen plus scrollback contains `needle`; returns it.
pub async fn wait_for_text(tmux: &Tmux, target: &str, needle: &str) -> String {
    wait_for(&format!("{needle:?} in {target}"), 10, || async {
        let text = match tmux.capture_history(target, 200).await {
            Ok(text) => text,
            Err(e) => {
                eprintln!("capture {target}: {e}");
                return None;
            }
        };
        text.contains(needle).then_some(text)
    })
    .await
}

/// Wait until `path` exists and return its bytes.
pub async fn wait_for_file(path: &Path) -> Vec<u8> {
    wait_for(&format!("{}", path.display()), 10, || async {
        std::fs::read(path).ok()
    })
    .await
}

/// Start a raw-mode byte recorder (see raw_reader.py) in a new session and
/// wait until it is ready; returns the session's pane target.
pub async fn start_reader(server: &TestServer, name: &str, mode: &str, out: &Path) -> String {
    let out = out.to_str().unwrap();
    let cwd = PathBuf::from("/");
    let spec = spec(name, &cwd, &["python3", "-c", RAW_READER, mode, out]);
    server.tmux.new_session(&spec).await.unwrap();
    let target = format!("={name}:");
    // READY is printed after the bracketed-paste switch, so once tmux shows
    // it, tmux has also processed the mode change.
    wait_for_text(&server.tmux, &target, "READY").await;
    target
}
