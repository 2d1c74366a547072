//! Agent profiles: how to start an agent and how to read its screen.
//!
//! A profile is read as a partial layer (every field optional) so that `[agents.<name>]`
//! in the user's czar.toml can override single fields of a shipped profile.

use std::collections::BTreeMap;

use crate::adapters::tmux::SubmitKey;

use super::answer::{read_keys, read_rules};
use super::error::{ConfigError, ConfigErrorKind, Location};
use super::patterns::{DEFAULT_REGION_LINES, PatternList, Patterns, read_regex};
use super::reader::TableView;
use crate::core::answer::AnswerRule;
use crate::core::classify::ScreenRules;

/// The word in `command` that stands for the czar executable; the caller expands it.
pub const CZAR_PLACEHOLDER: &str = "{czar}";

#[derive(Debug, Clone)]
pub struct AgentProfile {
    pub name: String,
    /// argv; any word may contain `{czar}`.
    pub command: Vec<String>,
    pub env: BTreeMap<String, String>,
    pub submit: SubmitKey,
    /// Overrides `timing.settle_ms` for this agent.
    pub settle_ms: Option<u64>,
    /// Dialogs the czar may answer by itself; the first rule that fits answers.
    pub auto_answer: Vec<AnswerRule>,
    pub patterns: Patterns,
    /// Keys that empty the agent's input box (before a paste into a box that holds text).
    pub clear_keys: Vec<String>,
    /// Whether a task goes with the worker preamble; off, the agent gets the task text alone.
    pub preamble: bool,
    /// How long the prompt must show, unbroken, before text is pasted (0: at once).
    pub ready_settle_ms: u64,
    /// The note sent when the client gave up on a rate limit that has passed.
    pub resend: Option<String>,
    /// Logins or keys its workers are spread over (none: the environment as it is).
    pub accounts: Vec<super::accounts::Account>,
    /// The variable an account's `dir` goes into (Claude's `CLAUDE_CONFIG_DIR`).
    pub account_dir_env: Option<String>,
    /// Where its agent reports tokens, their prices, its context window and compaction.
    pub meter: super::meter::ProfileMeter,
    /// What it is good for (`tags = ["rust"]`): a task that requires tags goes to a profile
    /// declaring all of them.
    pub tags: Vec<String>,
}

impl AgentProfile {
    /// The classifier's view of a profile's patterns.
    pub fn rules(&self) -> ScreenRules {
        let list = |l: &PatternList| l.0.iter().map(|p| p.regex.clone()).collect::<Vec<_>>();
        let pat = &self.patterns;
        ScreenRules {
            busy: list(&pat.busy),
            idle: list(&pat.idle),
            waiting: list(&pat.waiting),
            error: list(&pat.error),
            rate_limited: list(&pat.rate_limited),
            ignore_lines: list(&pat.ignore_lines),
            title_busy: list(&pat.title_busy),
            title_idle: list(&pat.title_idle),
            turn_start: list(&pat.turn_start),
            input: list(&pat.input),
            input_empty: list(&pat.input_empty),
            gave_up: list(&pat.gave_up),
            chrome: list(&pat.chrome),
            auto_answer: self.auto_answer.clone(),
            region_lines: pat.region_lines,
            waiting_lines: pat.waiting_lines,
        }
    }
}

/// A value together with where it was set.
#[derive(Debug, Clone)]
pub(super) struct Sourced<T> {
    pub value: T,
    pub at: Location,
}

const PROFILE_KEYS: &[&str] = &[
    "command",
    "env",
    "submit",
    "settle_ms",
    "clear_keys",
    "preamble",
    "ready_settle_ms",
    "resend",
    "accounts",
    "account_dir_env",
    "auto_answer",
    "patterns",
    "usage",
    "prices",
    "context_window",
    "compact",
    "compact_at",
    "tags",
];
const LIST_KEYS: &[&str] = &[
    "busy",
    "idle",
    "waiting",
    "error",
    "rate_limited",
    "ignore_lines",
    "title_busy",
    "title_idle",
    "turn_start",
    "input",
    "input_empty",
    "gave_up",
    "chrome",
];
pub(super) const MAX_SETTLE_MS: u64 = 10_000;

/// A profile as one file (or one `[agents.<name>]` table) states it.
#[derive(Debug, Clone, Default)]
pub(super) struct ProfileLayer {
    /// Where the profile itself is declared, for errors about what it lacks.
    pub at: Option<Location>,
    pub command: Option<Sourced<Vec<String>>>,
    pub env: BTreeMap<String, Sourced<String>>,
    pub submit: Option<Sourced<SubmitKey>>,
    pub settle_ms: Option<Sourced<u64>>,
    pub clear_keys: Option<Vec<String>>,
    pub preamble: Option<bool>,
    pub ready_settle_ms: Option<u64>,
    pub resend: Option<String>,
    pub accounts: Option<Vec<super::accounts::Account>>,
    pub account_dir_env: Option<Sourced<String>>,
    pub auto_answer: Option<Sourced<Vec<AnswerRule>>>,
    pub lists: BTreeMap<&'static str, PatternList>,
    pub region_lines: Option<Sourced<u64>>,
    pub waiting_lines: Option<Sourced<u64>>,
    pub meter: super::meter::MeterLayer,
    pub tags: Option<Vec<String>>,
}

impl ProfileLayer {
    pub fn read(view: &TableView) -> Result<Self, ConfigError> {
        moved(
            view,
            "answer_keys",
            "each [[auto_answer]] rule names its own `keys`",
        )?;
        view.check_keys(PROFILE_KEYS)?;
        let mut layer = ProfileLayer {
            at: Some(view.loc()),
            ..Default::default()
        };
        if let Some(node) = view.get("command") {
            let mut words = Vec::new();
            for item in node.array()? {
                words.push(item.string()?);
            }
            if words.first().is_none_or(|w| w.trim().is_empty()) {
                return Err(node.error(ConfigErrorKind::EmptyCommand));
            }
            layer.command = Some(Sourced {
                value: words,
                at: node.loc(),
            });
        }
        if let Some(node) = view.get("env") {
            for (name, value) in node.table()?.entries() {
                let text = value.string()?;
                if name.is_empty() || name.contains(['=', '\0']) || text.contains('\0') {
                    let reason =
                        "environment names must be non-empty without `=`, and no NUL bytes"
                            .to_string();
                    return Err(value.error(ConfigErrorKind::Invalid {
                        value: name,
                        reason,
                    }));
                }
                let at = value.loc();
                layer.env.insert(name, Sourced { value: text, at });
            }
        }
        if let Some(node) = view.get("submit") {
            let value = match node.string()?.as_str() {
                "enter" => SubmitKey::Enter,
                "cr" => SubmitKey::CarriageReturn,
                other => {
                    let reason = "expected \"enter\" or \"cr\"".to_string();
                    let value = other.to_string();
                    return Err(node.error(ConfigErrorKind::Invalid { value, reason }));
                }
            };
            layer.submit = Some(Sourced {
                value,
                at: node.loc(),
            });
        }
        if let Some(node) = view.get("settle_ms") {
            let value = node.u64_in(0, MAX_SETTLE_MS)?;
            layer.settle_ms = Some(Sourced {
                value,
                at: node.loc(),
            });
        }
        if let Some(node) = view.get("clear_keys") {
            layer.clear_keys = Some(read_keys(&node)?);
        }
        if let Some(node) = view.get("preamble") {
            match node.value.get_ref() {
                toml::de::DeValue::Boolean(b) => layer.preamble = Some(*b),
                _ => return Err(node.wrong_type("true or false")),
            }
        }
        if let Some(node) = view.get("ready_settle_ms") {
            layer.ready_settle_ms = Some(node.u64_in(0, MAX_SETTLE_MS)?);
        }
        if let Some(node) = view.get("resend") {
            let text = node.string()?;
            if text.trim().is_empty() {
                let reason = "the words sent to the agent; leave the key out for none".to_string();
                return Err(node.error(ConfigErrorKind::Invalid {
                    value: text,
                    reason,
                }));
            }
            layer.resend = Some(text);
        }
        if let Some(node) = view.get("accounts") {
            layer.accounts = Some(super::accounts::read_accounts(&node)?);
        }
        if let Some(node) = view.get("account_dir_env") {
            let value = node.string()?;
            let plain = value.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                && value.chars().next().is_some_and(|c| !c.is_ascii_digit());
            if !plain {
                return Err(node.error(ConfigErrorKind::Invalid {
                    value,
                    reason: "an environment variable's name".into(),
                }));
            }
            let at = node.loc();
            layer.account_dir_env = Some(Sourced { value, at });
        }
        if let Some(node) = view.get("auto_answer") {
            layer.auto_answer = Some(Sourced {
                value: read_rules(&node)?,
                at: node.loc(),
            });
        }
        if let Some(node) = view.get("patterns") {
            layer.read_patterns(&node.table()?)?;
        }
        layer.meter = super::meter::MeterLayer::read(view)?;
        if let Some(node) = view.get("tags") {
            layer.tags = Some(read_tags(&node)?);
        }
        Ok(layer)
    }

    fn read_patterns(&mut self, view: &TableView) -> Result<(), ConfigError> {
        let mut allowed = LIST_KEYS.to_vec();
        allowed.push("region_lines");
        allowed.push("waiting_lines");
        let hint = "dialogs the czar answers are [[auto_answer]] rules with `pattern` and `keys`";
        moved(view, "auto_answer", hint)?;
        view.check_keys(&allowed)?;
        for &key in LIST_KEYS {
            let Some(node) = view.get(key) else { continue };
            let mut list = Vec::new();
            for item in node.array()? {
                let pattern = read_regex(&item)?;
                // captures_len counts the whole match as group 0.
                if key == "input" && pattern.regex.captures_len() < 2 {
                    let reason = "needs a capture group around what is typed in the box, e.g. \
                                  '^❯ ?(.*)$'"
                        .to_string();
                    return Err(item.error(ConfigErrorKind::BadRegex {
                        pattern: pattern.source,
                        reason,
                    }));
                }
                list.push(pattern);
            }
            self.lists.insert(key, PatternList(list));
        }
        if let Some(node) = view.get("region_lines") {
            let value = node.u64_in(1, 500)?;
            self.region_lines = Some(Sourced {
                value,
                at: node.loc(),
            });
        }
        if let Some(node) = view.get("waiting_lines") {
            let value = node.u64_in(0, 500)?;
            self.waiting_lines = Some(Sourced {
                value,
                at: node.loc(),
            });
        }
        Ok(())
    }

    /// `over` wins field by field; env merges name by name.
    pub fn merge(mut self, over: ProfileLayer) -> ProfileLayer {
        self.at = over.at.or(self.at);
        self.command = over.command.or(self.command);
        self.env.extend(over.env);
        self.submit = over.submit.or(self.submit);
        self.settle_ms = over.settle_ms.or(self.settle_ms);
        self.clear_keys = over.clear_keys.or(self.clear_keys);
        self.preamble = over.preamble.or(self.preamble);
        self.ready_settle_ms = over.ready_settle_ms.or(self.ready_settle_ms);
        self.resend = over.resend.or(self.resend);
        self.accounts = over.accounts.or(self.accounts);
        self.account_dir_env = over.account_dir_env.or(self.account_dir_env);
        self.auto_answer = over.auto_answer.or(self.auto_answer);
        self.lists.extend(over.lists);
        self.region_lines = over.region_lines.or(self.region_lines);
        self.waiting_lines = over.waiting_lines.or(self.waiting_lines);
        self.meter = self.meter.merge(over.meter);
        self.tags = over.tags.or(self.tags);
        self
    }

    pub fn resolve(mut self, name: &str) -> Result<AgentProfile, ConfigError> {
        let Some(command) = self.command else {
            let at = self.at.unwrap_or_else(|| Location {
                file: "<built-in>".into(),
                key: String::new(),
                line: None,
            });
            let what =
                format!("agent profile {name:?} has no command; a new profile must set `command`");
            return Err(ConfigError::new(at, ConfigErrorKind::Missing { what }));
        };
        let mut take = |key: &str| self.lists.remove(key).unwrap_or_default();
        let patterns = Patterns {
            busy: take("busy"),
            idle: take("idle"),
            waiting: take("waiting"),
            error: take("error"),
            rate_limited: take("rate_limited"),
            ignore_lines: take("ignore_lines"),
            title_busy: take("title_busy"),
            title_idle: take("title_idle"),
            turn_start: take("turn_start"),
            input: take("input"),
            input_empty: take("input_empty"),
            gave_up: take("gave_up"),
            chrome: take("chrome"),
            region_lines: self
                .region_lines
                .map_or(DEFAULT_REGION_LINES, |r| r.value as usize),
            waiting_lines: self.waiting_lines.map_or(0, |r| r.value as usize),
        };
        let accounts = self.accounts.unwrap_or_default();
        let dir_env = self.account_dir_env.map(|a| a.value);
        super::accounts::check_dirs(&accounts, dir_env.as_deref(), name, self.at)?;
        Ok(AgentProfile {
            name: name.to_string(),
            command: command.value,
            env: self.env.into_iter().map(|(k, v)| (k, v.value)).collect(),
            submit: self.submit.map_or(SubmitKey::Enter, |s| s.value),
            settle_ms: self.settle_ms.map(|s| s.value),
            auto_answer: self.auto_answer.map(|r| r.value).unwrap_or_default(),
            patterns,
            clear_keys: self.clear_keys.unwrap_or_else(|| vec!["C-c".into()]),
            preamble: self.preamble.unwrap_or(true),
            ready_settle_ms: self.ready_settle_ms.unwrap_or(0),
            resend: self.resend,
            accounts,
            account_dir_env: dir_env,
            meter: self.meter.resolve(),
            tags: self.tags.unwrap_or_default(),
        })
    }
}

/// A profile's tags: plain words a task's `tags` can name.
fn read_tags(node: &super::reader::Node) -> Result<Vec<String>, ConfigError> {
    let mut tags = Vec::new();
    for item in node.array()? {
        let tag = item.string()?;
        let plain = tag
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
        if tag.is_empty() || !plain {
            let reason = "a tag is one word of letters, digits, `-`, `_` or `.`".to_string();
            return Err(item.error(ConfigErrorKind::Invalid { value: tag, reason }));
        }
        tags.push(tag);
    }
    Ok(tags)
}

/// A key an older profile format used: say where its meaning went instead of "unknown key".
fn moved(view: &TableView, key: &str, now: &str) -> Result<(), ConfigError> {
    match view.get(key) {
        Some(node) => Err(node.error(ConfigErrorKind::UnknownKey {
            hint: format!(" (no longer read: {now})"),
        })),
        None => Ok(()),
    }
}

/// Profile names appear on the command line and in task front matter: keep them plain.
pub(super) fn valid_profile_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 64
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}
