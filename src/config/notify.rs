//! `[notify]`: what the operator is told of outside the dashboard, and how. The rules are read
//! strictly (an unknown event or key names the file, line and key); the command is an argv,
//! never a shell string, so nothing in an event is ever read by a shell.

use super::error::{ConfigError, ConfigErrorKind, invalid};
use super::profile::Sourced;
use super::reader::TableView;
use crate::core::model::{ALL_NOTICES, NoticeKind};
use std::time::Duration;

const KEYS: &[&str] = &["on", "command", "timeout_secs", "terminal"];
const MAX_TIMEOUT_SECS: u64 = 600;

/// The terminal's own notification while the dashboard runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TerminalNotice {
    /// `ESC ] 9 ; text BEL` (iTerm2, WezTerm, Windows Terminal, kitty, foot...).
    #[default]
    Osc9,
    /// `ESC ] 777 ; notify ; title ; text BEL` (urxvt, VTE terminals such as GNOME Terminal).
    Osc777,
    /// The bell: every terminal has one.
    Bell,
    Off,
}

impl TerminalNotice {
    fn parse(s: &str) -> Option<TerminalNotice> {
        match s {
            "osc9" => Some(TerminalNotice::Osc9),
            "osc777" => Some(TerminalNotice::Osc777),
            "bell" => Some(TerminalNotice::Bell),
            "off" => Some(TerminalNotice::Off),
            _ => None,
        }
    }
}

/// `[notify]` as resolved.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Notify {
    pub on: Vec<NoticeKind>,
    /// Program and arguments; empty: no command.
    pub command: Vec<String>,
    pub timeout: Duration,
    pub terminal: TerminalNotice,
}

/// One layer's `[notify]` keys, each with where it was set.
#[derive(Debug, Default)]
pub(super) struct NotifyLayer {
    on: Option<Sourced<Vec<NoticeKind>>>,
    command: Option<Sourced<Vec<String>>>,
    timeout_secs: Option<Sourced<u64>>,
    terminal: Option<Sourced<TerminalNotice>>,
}

impl NotifyLayer {
    pub fn read(view: &TableView) -> Result<NotifyLayer, ConfigError> {
        view.check_keys(KEYS)?;
        let mut layer = NotifyLayer::default();
        if let Some(node) = view.get("on") {
            let mut on = Vec::new();
            for item in node.array()? {
                let name = item.string()?;
                let Some(kind) = NoticeKind::parse(&name) else {
                    let known: Vec<&str> = ALL_NOTICES.iter().map(|k| k.as_str()).collect();
                    let reason = format!("events are {}", known.join(", "));
                    return Err(invalid(&item.loc(), &name, &reason));
                };
                if !on.contains(&kind) {
                    on.push(kind);
                }
            }
            layer.on = Some(Sourced {
                value: on,
                at: node.loc(),
            });
        }
        if let Some(node) = view.get("command") {
            let mut argv = Vec::new();
            for item in node.array()? {
                argv.push(item.string()?);
            }
            // Empty turns the command off; otherwise its first word must name a program.
            if argv.first().is_some_and(|p| p.trim().is_empty()) {
                return Err(node.error(ConfigErrorKind::EmptyCommand));
            }
            layer.command = Some(Sourced {
                value: argv,
                at: node.loc(),
            });
        }
        if let Some(node) = view.get("timeout_secs") {
            let value = node.u64_in(1, MAX_TIMEOUT_SECS)?;
            layer.timeout_secs = Some(Sourced {
                value,
                at: node.loc(),
            });
        }
        if let Some(node) = view.get("terminal") {
            let text = node.string()?;
            let Some(value) = TerminalNotice::parse(&text) else {
                let reason = "one of \"osc9\", \"osc777\", \"bell\", \"off\"";
                return Err(invalid(&node.loc(), &text, reason));
            };
            layer.terminal = Some(Sourced {
                value,
                at: node.loc(),
            });
        }
        Ok(layer)
    }

    /// `over` wins key by key.
    pub fn merge(self, over: NotifyLayer) -> NotifyLayer {
        NotifyLayer {
            on: over.on.or(self.on),
            command: over.command.or(self.command),
            timeout_secs: over.timeout_secs.or(self.timeout_secs),
            terminal: over.terminal.or(self.terminal),
        }
    }

    /// The shipped defaults set every key; a missing one is a fault of theirs.
    pub fn resolve(self, built_in: impl Fn(&str) -> ConfigError) -> Result<Notify, ConfigError> {
        Ok(Notify {
            on: self.on.ok_or_else(|| built_in("notify.on"))?.value,
            command: self
                .command
                .ok_or_else(|| built_in("notify.command"))?
                .value,
            timeout: Duration::from_secs(
                self.timeout_secs
                    .ok_or_else(|| built_in("notify.timeout_secs"))?
                    .value,
            ),
            terminal: self
                .terminal
                .ok_or_else(|| built_in("notify.terminal"))?
                .value,
        })
    }
}

#[cfg(test)]
mod tests {
    use crate::config::load_with;
    use std::path::Path;

    fn load(toml: &str) -> Result<crate::config::ProjectConfig, String> {
        let text = format!("agent = \"sim\"\n{toml}");
        load_with(
            Path::new("/tmp/czar-notify-test"),
            Some(&text),
            Some("main"),
        )
        .map_err(|e| e.to_string())
    }

    #[test]
    fn the_defaults_announce_every_event_to_the_terminal_and_run_no_command() {
        let cfg = load("").unwrap();
        assert_eq!(cfg.notify.on.len(), 6);
        assert!(cfg.notify.command.is_empty());
        assert_eq!(cfg.notify.terminal, super::TerminalNotice::Osc9);
    }

    #[test]
    fn rules_are_read_as_written() {
        let cfg = load(
            "[notify]\non = [\"waiting\", \"run_finished\"]\ncommand = [\"notify-send\", \"czar\"]\ntimeout_secs = 3\nterminal = \"bell\"\n",
        )
        .unwrap();
        let on: Vec<&str> = cfg.notify.on.iter().map(|k| k.as_str()).collect();
        assert_eq!(on, ["waiting", "run_finished"]);
        assert_eq!(cfg.notify.command, ["notify-send", "czar"]);
        assert_eq!(cfg.notify.timeout.as_secs(), 3);
        assert_eq!(cfg.notify.terminal, super::TerminalNotice::Bell);
    }

    #[test]
    fn errors_name_the_file_line_and_key() {
        let e = load("[notify]\non = [\"waiting\", \"sleepy\"]\n").unwrap_err();
        assert!(
            e.contains("czar.toml:3: notify.on[1]") && e.contains("sleepy"),
            "{e}"
        );
        let e = load("[notify]\ncomand = [\"x\"]\n").unwrap_err();
        assert!(
            e.contains(":3: notify.comand") && e.contains("command"),
            "{e}"
        );
        let e = load("[notify]\ncommand = \"notify-send hi\"\n").unwrap_err();
        assert!(
            e.contains(":3: notify.command") && e.contains("an array"),
            "{e}"
        );
        let e = load("[notify]\ntimeout_secs = 0\n").unwrap_err();
        assert!(e.contains(":3: notify.timeout_secs"), "{e}");
        let e = load("[notify]\nterminal = \"loud\"\n").unwrap_err();
        assert!(e.contains(":3: notify.terminal"), "{e}");
        let e = load("[notify]\ncommand = [\"\"]\n").unwrap_err();
        assert!(e.contains(":3: notify.command"), "{e}");
    }
}
