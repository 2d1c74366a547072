//! Screen samples from AGENT-SCREENS.md against the shipped profiles. Not a classifier:
//! only that each list catches what it is meant to, and the known traps stay out.

use czar::config::{self, PatternKind, ProjectConfig, SHIPPED_PROFILES};

use PatternKind::{Busy, Error, Idle, RateLimited, Waiting};

fn shipped() -> ProjectConfig {
    config::load_with(std::path::Path::new("/tmp/repo"), None, Some("main")).unwrap()
}

/// (profile, list, screen, should match)
const SAMPLES: &[(&str, PatternKind, &str, bool)] = &[
    // Claude Code
    (
        "claude",
        Idle,
        "✻ Baked for 1s · done 3:02 AM\n\n──────\n❯ \n──────\n  ⏵⏵ auto mode on (shift+tab to cycle)\n",
        true,
    ),
    (
        "claude",
        Busy,
        "✻ Baked for 1s · done 3:02 AM\n\n──────\n❯ \n──────\n  ⏵⏵ auto mode on (shift+tab to cycle)\n",
        false,
    ),
    (
        "claude",
        Busy,
        "⏺ Reading files\n\n✻ Doing… (3s · ↓ 120 tokens · esc to interrupt)\n\n──────\n❯ \n──────\n  ⏵⏵ auto mode on (shift+tab to cycle) · esc to interrupt\n",
        true,
    ),
    ("claude", Busy, "✶ Flibbertigibbeting…\n", true),
    (
        "claude",
        Busy,
        "⏺ Bash(grep -r interrupt)\n  ⎿  ✻ Doing… (3s · esc to interrupt)\n──────\n❯ \n──────\n",
        false,
    ),
    (
        "claude",
        Waiting,
        "Do you want to proceed?\n❯ No\n  Yes\n\nEsc to cancel · Tab to amend\n",
        true,
    ),
    (
        "claude",
        Idle,
        "Do you want to proceed?\n❯ No\n  Yes\n\nEsc to cancel · Tab to amend\n",
        false,
    ),
    (
        "claude",
        Waiting,
        "Quick safety check: Is this a project you created or one you trust?\n❯ No, exit\n  Yes, I trust this folder\nEnter to confirm · Esc to cancel\n",
        true,
    ),
    (
        "claude",
        Waiting,
        "Detected a custom API key in your environment\nDo you want to use this API key?\n",
        true,
    ),
    (
        "claude",
        Waiting,
        "Auto mode can't check actions in this session\nEnter to stay in auto mode\n",
        true,
    ),
    (
        "claude",
        Error,
        "  ⎿  API Error: 401 {\"type\":\"error\"} · Please run /login\n❯ \n",
        true,
    ),
    ("claude", Error, "Select login method:\n", true),
    (
        "claude",
        RateLimited,
        "  ⎿  API Error: 429 {\"type\":\"rate_limit_error\"}\n",
        true,
    ),
    (
        "claude",
        RateLimited,
        "5-hour limit reached ∙ resets 3am\n",
        true,
    ),
    // Codex
    (
        "codex",
        Idle,
        "  Worked for 12s • 04:16\n\n› Summarize recent commits\n\n  gpt-5-codex default · /repo\n",
        true,
    ),
    (
        "codex",
        Busy,
        "  Worked for 12s • 04:16\n\n› Summarize recent commits\n\n  gpt-5-codex default · /repo\n",
        false,
    ),
    (
        "codex",
        Busy,
        "• Working (5s • esc to interrupt)\n\n›\n",
        true,
    ),
    (
        "codex",
        Waiting,
        "  Would you like to run the following command?\n  $ rm -rf build\n› 1. Yes, proceed (y)\n",
        true,
    ),
    (
        "codex",
        Waiting,
        "  Press enter to confirm or esc to cancel\n",
        true,
    ),
    // Gemini
    (
        "gemini",
        Idle,
        " >   Type your message or @path/to/file\n workspace (/directory)   branch\n",
        true,
    ),
    (
        "gemini",
        Busy,
        " >   Type your message or @path/to/file\n workspace (/directory)   branch\n",
        false,
    ),
    (
        "gemini",
        Busy,
        "⠏ Reading the codebase (esc to cancel, 3s)\n",
        true,
    ),
    (
        "gemini",
        Waiting,
        "│ Allow execution of [Shell]?\n│ ● 1. Allow once\n",
        true,
    ),
    (
        "gemini",
        RateLimited,
        "✕ [API Error: RESOURCE_EXHAUSTED quota]\n",
        true,
    ),
    // Aider
    (
        "aider",
        Idle,
        "Tokens: 4.1k sent, 310 received.\n\n> \n",
        true,
    ),
    ("aider", Idle, "architect> \n", true),
    (
        "aider",
        Busy,
        "Tokens: 4.1k sent, 310 received.\n\n> \n",
        false,
    ),
    (
        "aider",
        Busy,
        "░█        Waiting for anthropic/claude-sonnet-4\n",
        true,
    ),
    (
        "aider",
        Waiting,
        "Add README.md to the chat? (Y)es/(N)o/(D)on't ask again [Yes]:\n",
        true,
    ),
    (
        "aider",
        RateLimited,
        "litellm.RateLimitError: too many requests\nRetrying in 2.0 seconds...\n",
        true,
    ),
    // OpenCode
    (
        "opencode",
        Idle,
        "┃  Ask anything... \"Fix a TODO\"\n",
        true,
    ),
    (
        "opencode",
        Busy,
        "┃  Ask anything... \"Fix a TODO\"\n",
        false,
    ),
    ("opencode", Busy, "  ⬝⬝■■■■  esc interrupt\n", true),
    ("opencode", Waiting, "△ Permission required\n", true),
    // czar's simulated agent
    (
        "sim",
        Idle,
        "Done.\n\n❯ \n? for shortcuts · sim-agent\n",
        true,
    ),
    ("sim", Idle, "❯ [Pasted text: 120 bytes, 3 lines]\n", true),
    (
        "sim",
        Busy,
        "Done.\n\n❯ \n? for shortcuts · sim-agent\n",
        false,
    ),
    (
        "sim",
        Busy,
        "⏺ Editing src/lib.rs\n✶ Working… (3s · esc to interrupt)\n\n❯\n",
        true,
    ),
    (
        "sim",
        Busy,
        "⎿ ✶ Working… (3s · esc to interrupt)\n❯\n? for shortcuts · sim-agent\n",
        false,
    ),
    (
        "sim",
        Waiting,
        "Do you want to proceed?\n❯ 1. Yes\n  2. No\n",
        true,
    ),
    ("sim", RateLimited, "Rate limited: resets in 30s\n", true),
    ("sim", Error, "API Error: 500 overloaded\n", true),
    // Plain shell: only the last line counts.
    ("shell", Idle, "$ echo hi\nhi\n$ \n", true),
    ("shell", Idle, "# \n", true),
    ("shell", Busy, "$ echo hi\nhi\n$ \n", false),
    ("shell", Busy, "$ sleep 10\n", true),
];

#[test]
fn shipped_profiles_match_their_sample_screens() {
    let cfg = shipped();
    let mut failures = Vec::new();
    for &(name, kind, screen, want) in SAMPLES {
        let patterns = &cfg.profiles[name].patterns;
        let got = patterns.find(kind, screen);
        if got.is_some() != want {
            failures.push(format!(
                "{name} {kind:?} want {want}, got {got:?} on {screen:?}"
            ));
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

#[test]
fn every_shipped_profile_has_an_idle_and_a_busy_sample() {
    for (name, _) in SHIPPED_PROFILES {
        for kind in [Idle, Busy] {
            let covered = SAMPLES.iter().any(|s| s.0 == *name && s.1 == kind && s.3);
            assert!(covered, "{name} has no positive {kind:?} sample");
        }
    }
}

#[test]
fn every_shipped_profile_loads_with_a_command_and_an_idle_list() {
    let cfg = shipped();
    for (name, _) in SHIPPED_PROFILES {
        let p = &cfg.profiles[*name];
        assert!(!p.command.is_empty() && !p.command[0].is_empty(), "{name}");
        assert!(!p.patterns.idle.is_empty(), "{name}");
        assert!(p.patterns.region_lines >= 1, "{name}");
        for kind in PatternKind::ALL {
            for pattern in &p.patterns.list(kind).0 {
                assert_eq!(
                    pattern.regex.as_str(),
                    pattern.source,
                    "{name} {}",
                    kind.key()
                );
            }
        }
    }
    assert_eq!(cfg.profiles["sim"].command, ["{czar}", "sim-agent"]);
    assert!(
        cfg.profiles["sim"]
            .command
            .iter()
            .any(|w| w.contains(config::CZAR_PLACEHOLDER))
    );
    assert_eq!(cfg.profiles["shell"].command, ["sh"]);
}

#[test]
fn pane_titles() {
    let cfg = shipped();
    let title = |name: &str, t: &str| cfg.profiles[name].patterns.title_busy(t);
    assert_eq!(title("claude", "⠂ Fix the README"), Some(true));
    assert_eq!(title("claude", "✳ Claude Code"), Some(false));
    assert_eq!(title("sim", "⠙ sim"), Some(true));
    assert_eq!(title("sim", "✳ sim"), Some(false));
    assert_eq!(title("sim", "bash"), None);
}
