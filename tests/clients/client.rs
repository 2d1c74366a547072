//! The three clients driven here (Codex CLI, Gemini CLI, Aider): where each is installed, and
//! a private HOME that has it configured for the loopback stand-in, so a test never reads the
//! user's own configuration and nothing leaves the machine.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

/// A dummy key: the clients only check that one is set; the stand-in ignores it.
pub const API_KEY: &str = "sk-czar-test-dummy-key-0000000000";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Client {
    Codex,
    Gemini,
    Aider,
}

pub const ALL: [Client; 3] = [Client::Codex, Client::Gemini, Client::Aider];

impl Client {
    /// The profile's name in config/agents/ and the fixtures' folder.
    pub fn name(self) -> &'static str {
        match self {
            Client::Codex => "codex",
            Client::Gemini => "gemini",
            Client::Aider => "aider",
        }
    }

    /// The API it talks to the stand-in on.
    pub fn wire(self) -> crate::standin::Wire {
        match self {
            Client::Codex => crate::standin::Wire::Responses,
            Client::Gemini => crate::standin::Wire::Gemini,
            Client::Aider => crate::standin::Wire::Chat,
        }
    }

    fn label(self) -> &'static str {
        match self {
            Client::Codex => "Codex CLI",
            Client::Gemini => "Gemini CLI",
            Client::Aider => "Aider",
        }
    }

    /// Where `.ci/install-<name>` puts the binary under its prefix.
    fn installed(self) -> &'static str {
        match self {
            Client::Codex => "node_modules/.bin/codex",
            Client::Gemini => "node_modules/.bin/gemini",
            Client::Aider => "venv/bin/aider",
        }
    }

    fn var(self, what: &str) -> String {
        format!("CZAR_{}_{what}", self.name().to_uppercase())
    }

    /// `$CZAR_<X>_BIN`, else what `.ci/install-<x>` installed (under `$CZAR_<X>_PREFIX`, default
    /// `~/.cache/czar-<x>`).
    pub fn find(self) -> Option<PathBuf> {
        if let Some(p) = std::env::var_os(self.var("BIN")) {
            return Some(PathBuf::from(p));
        }
        let prefix = std::env::var_os(self.var("PREFIX"))
            .map(PathBuf::from)
            .or_else(|| {
                std::env::var_os("HOME")
                    .map(|h| PathBuf::from(h).join(format!(".cache/czar-{}", self.name())))
            })?;
        let bin = prefix.join(self.installed());
        bin.exists().then_some(bin)
    }

    /// The client, or a loud skip message. With `CZAR_REQUIRE_<X>=1` (set by `.ci/run`) a
    /// missing client fails the test instead: CI must not skip silently.
    pub fn or_skip(self, test: &str) -> Option<PathBuf> {
        if let Some(bin) = self.find() {
            return Some(bin);
        }
        let msg = format!(
            "SKIPPED {test}: the {} client is not installed (run .ci/install-{}, or set {})",
            self.label(),
            self.name(),
            self.var("BIN")
        );
        let require = format!("CZAR_REQUIRE_{}", self.name().to_uppercase());
        if std::env::var(&require).is_ok_and(|v| v == "1") {
            panic!("{msg}; {require}=1 forbids skipping");
        }
        // Straight to the stderr handle: libtest captures `eprintln!` of passing tests.
        use std::io::Write;
        let _ = writeln!(std::io::stderr(), "\n*** {msg} ***\n");
        None
    }

    /// The arguments czar's workers (and the captures) start the client with.
    pub fn args(self) -> Vec<String> {
        let a: &[&str] = match self {
            // Commands run sandboxed in the worktree (and /tmp, where the tests' repositories
            // are); the model asks before running anything outside, and czar's policy answers.
            Client::Codex => &[
                "--sandbox",
                "workspace-write",
                "--ask-for-approval",
                "on-request",
            ],
            Client::Gemini => &["--approval-mode", "default"],
            Client::Aider => &[
                "--model",
                "openai/gpt-4o",
                "--no-check-update",
                "--no-show-release-notes",
                "--analytics-disable",
                "--no-show-model-warnings",
                "--no-gitignore",
                // Streamed, Aider prints its own estimate of the tokens; whole answers carry
                // the API's usage, which it prints (and the czar reads) instead.
                "--no-stream",
            ],
        };
        a.iter().map(|s| s.to_string()).collect()
    }

    /// Writes the client's configuration under `home` (onboarding done, the stand-in as its
    /// API, nothing trusted: the first-run dialogs are the czar's to answer) and returns the
    /// environment it needs. `allow`: shell command prefixes the client may run without asking
    /// (a Gemini policy), as a user's own settings would.
    pub fn prepare(self, home: &Path, api_url: &str, allow: &[&str]) -> Vec<(String, String)> {
        std::fs::create_dir_all(home).unwrap();
        let mut env = vec![
            ("HOME".to_string(), home.display().to_string()),
            ("TERM".into(), "xterm-256color".into()),
            ("GIT_AUTHOR_NAME".into(), "t".into()),
            ("GIT_AUTHOR_EMAIL".into(), "t@t".into()),
            ("GIT_COMMITTER_NAME".into(), "t".into()),
            ("GIT_COMMITTER_EMAIL".into(), "t@t".into()),
        ];
        match self {
            Client::Codex => {
                // daemon_auto_start off: Codex 0.171 otherwise leaves an app-server daemon
                // running from CODEX_HOME after the TUI has gone.
                let dir = home.join(".codex");
                std::fs::create_dir_all(&dir).unwrap();
                let config = format!(
                    "model = \"gpt-5-codex\"\nmodel_provider = \"standin\"\n\
                     check_for_update_on_startup = false\n\n\
                     [model_providers.standin]\nname = \"Stand-in\"\nbase_url = \"{api_url}/v1\"\n\
                     env_key = \"CZAR_STANDIN_KEY\"\nwire_api = \"responses\"\n\
                     request_max_retries = 2\nstream_max_retries = 3\n\n\
                     [analytics]\nenabled = false\n\n\
                     [features]\ndaemon_auto_start = false\n"
                );
                std::fs::write(dir.join("config.toml"), config).unwrap();
                env.push(("CODEX_HOME".into(), dir.display().to_string()));
                env.push(("CZAR_STANDIN_KEY".into(), API_KEY.into()));
            }
            Client::Gemini => {
                let dir = home.join(".gemini");
                std::fs::create_dir_all(&dir).unwrap();
                let settings = serde_json::json!({
                    "security": { "auth": { "selectedType": "gemini-api-key" } },
                    "privacy": { "usageStatisticsEnabled": false },
                    "general": { "disableAutoUpdate": true, "disableUpdateNag": true },
                });
                std::fs::write(dir.join("settings.json"), settings.to_string()).unwrap();
                // The user's policy (Gemini's policy engine; `tools.allowed` is deprecated).
                let rules: String = allow
                    .iter()
                    .map(|c| {
                        format!(
                            "[[rule]]\ntoolName = \"run_shell_command\"\ncommandPrefix = {c:?}\n\
                             decision = \"allow\"\npriority = 100\n\n"
                        )
                    })
                    .collect();
                std::fs::create_dir_all(dir.join("policies")).unwrap();
                std::fs::write(dir.join("policies/user.toml"), rules).unwrap();
                env.push(("GEMINI_API_KEY".into(), API_KEY.into()));
                env.push(("GOOGLE_GEMINI_BASE_URL".into(), api_url.into()));
            }
            Client::Aider => {
                env.push(("OPENAI_API_KEY".into(), API_KEY.into()));
                env.push(("OPENAI_API_BASE".into(), format!("{api_url}/v1")));
                // litellm would fetch its price list from GitHub at every start.
                env.push(("LITELLM_LOCAL_MODEL_COST_MAP".into(), "True".into()));
            }
        }
        env
    }
}
