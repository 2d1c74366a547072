//! The real Claude Code client for tests: where it is installed, a private HOME that has it
//! configured for a loopback API, and one pane on a private tmux server to run it in.
#![allow(dead_code)]

pub use crate::support::pane::Pane;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// A dummy key: the client only checks that one is set; the fake API ignores it.
pub const API_KEY: &str = "sk-ant-api03-czar-test-dummy-key-0000000000";

/// `$CZAR_CLAUDE_BIN`, else what `.ci/install-claude` installed, else `claude` on PATH.
pub fn find_client() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("CZAR_CLAUDE_BIN") {
        return Some(PathBuf::from(p));
    }
    let prefix = std::env::var_os("CZAR_CLAUDE_PREFIX")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache/czar-claude")));
    if let Some(bin) = prefix.map(|p| p.join("node_modules/.bin/claude"))
        && bin.exists()
    {
        return Some(bin);
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|d| d.join("claude"))
        .find(|p| p.exists())
}

/// The client, or a loud skip message. With `CZAR_REQUIRE_CLAUDE=1` (set by `.ci/run`) a
/// missing client fails the test instead: CI must not skip silently.
pub fn client_or_skip(test: &str) -> Option<PathBuf> {
    if let Some(bin) = find_client() {
        return Some(bin);
    }
    let msg = format!(
        "SKIPPED {test}: the Claude Code client is not installed \
         (run .ci/install-claude, or set CZAR_CLAUDE_BIN)"
    );
    if std::env::var("CZAR_REQUIRE_CLAUDE").is_ok_and(|v| v == "1") {
        panic!("{msg}; CZAR_REQUIRE_CLAUDE=1 forbids skipping");
    }
    // Straight to the stderr handle: libtest captures `eprintln!` of passing tests, and a skip
    // must be seen.
    use std::io::Write;
    let _ = writeln!(std::io::stderr(), "\n*** {msg} ***\n");
    None
}

/// Writes `$home/.claude.json`: onboarding done, the dummy key approved (so its dialog does not
/// show), and the given folders trusted (so the trust dialog does not show for them).
pub fn prepare_home(home: &Path, trusted: &[&Path], approve_key: bool) {
    let mut projects = serde_json::Map::new();
    for dir in trusted {
        projects.insert(
            dir.display().to_string(),
            serde_json::json!({ "hasTrustDialogAccepted": true, "allowedTools": [] }),
        );
    }
    let tail: String = {
        let chars: Vec<char> = API_KEY.chars().collect();
        chars[chars.len().saturating_sub(20)..].iter().collect()
    };
    let approved: Vec<String> = if approve_key { vec![tail] } else { Vec::new() };
    let cfg = serde_json::json!({
        "hasCompletedOnboarding": true,
        "customApiKeyResponses": { "approved": approved, "rejected": [] },
        "projects": projects,
    });
    std::fs::create_dir_all(home).unwrap();
    std::fs::write(home.join(".claude.json"), cfg.to_string()).unwrap();
}

/// The environment the client needs to talk to the fake API from a private HOME.
pub fn client_env(home: &Path, api_url: &str) -> Vec<(String, String)> {
    vec![
        ("HOME".into(), home.display().to_string()),
        ("ANTHROPIC_API_KEY".into(), API_KEY.into()),
        ("ANTHROPIC_BASE_URL".into(), api_url.into()),
        ("TERM".into(), "xterm-256color".into()),
        // No update checks, telemetry or error reports leave the machine.
        ("DISABLE_AUTOUPDATER".into(), "1".into()),
        (
            "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC".into(),
            "1".into(),
        ),
        ("DISABLE_TELEMETRY".into(), "1".into()),
        ("DISABLE_ERROR_REPORTING".into(), "1".into()),
    ]
}

/// Claude's end of a turn, read off its screen.
pub trait TurnOver {
    fn wait_turn_over(&self, limit: Duration) -> Option<String>;
}

impl TurnOver for Pane {
    /// Waits until a turn is over: a `· done` line near the bottom and no busy footer.
    fn wait_turn_over(&self, limit: Duration) -> Option<String> {
        let start = Instant::now();
        while start.elapsed() < limit {
            let s = self.screen();
            let tail: Vec<&str> = s
                .lines()
                .filter(|l| !l.trim().is_empty())
                .rev()
                .take(7)
                .collect();
            let done = tail.iter().any(|l| l.contains("· done"));
            let busy = tail.iter().any(|l| l.contains("esc to interrupt"));
            if done && !busy {
                return Some(s);
            }
            std::thread::sleep(Duration::from_millis(200));
        }
        None
    }
}
