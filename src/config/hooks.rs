//! Claude Code settings that point its hooks at `czar hook <event>`, for the claude profile's
//! `--settings {czar_hooks}`: the czar hears from the agent itself without touching the user's
//! settings files or putting a file in the worktree that an agent could commit.

/// The word in a profile's `command` replaced by [`claude_settings`].
pub const HOOKS_PLACEHOLDER: &str = "{czar_hooks}";

/// Events and what each says (see `commands::HOOK_EVENTS`): a prompt or a tool call means
/// busy, a permission dialog means waiting, the end of a turn means idle. Not `Notification`:
/// it also fires after a minute at an idle prompt, which would read as waiting.
pub(crate) const EVENTS: [&str; 4] = [
    "UserPromptSubmit",
    "PreToolUse",
    "PermissionRequest",
    "Stop",
];

/// The settings JSON, with `czar` (an executable path) quoted for the shell Claude runs hook
/// commands with.
pub fn claude_settings(czar: &str) -> String {
    let quoted = format!("'{}'", czar.replace('\'', r"'\''"));
    let mut hooks = serde_json::Map::new();
    for event in EVENTS {
        let command = serde_json::json!({
            "type": "command",
            "command": format!("{quoted} hook {event}"),
        });
        hooks.insert(
            event.to_string(),
            serde_json::json!([{ "matcher": "*", "hooks": [command] }]),
        );
    }
    serde_json::json!({ "hooks": hooks }).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_event_calls_czar_hook_with_the_path_quoted_for_the_shell() {
        let s = claude_settings("/opt/my czar's/czar");
        let v: serde_json::Value = serde_json::from_str(&s).unwrap();
        for event in EVENTS {
            let cmd = v["hooks"][event][0]["hooks"][0]["command"]
                .as_str()
                .unwrap();
            assert_eq!(cmd, format!(r"'/opt/my czar'\''s/czar' hook {event}"));
        }
        assert!(v["hooks"].get("Notification").is_none());
    }
}
