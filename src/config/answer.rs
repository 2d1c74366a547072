//! `[[auto_answer]]` rules of a profile: the dialogs the czar may answer by itself, each with
//! the keys that answer it. Any other waiting screen is raised to the operator.

use super::error::{ConfigError, ConfigErrorKind};
use super::patterns::{Pattern, read_regex};
use super::reader::Node;
use crate::core::answer::AnswerRule;
use regex::Regex;

const RULE_KEYS: &[&str] = &["pattern", "keys", "command", "allow", "choose"];

/// Reads the array of `[[auto_answer]]` tables at `node`.
pub(super) fn read_rules(node: &Node) -> Result<Vec<AnswerRule>, ConfigError> {
    let mut rules = Vec::new();
    for item in node.array()? {
        let table = item.table()?;
        table.check_keys(RULE_KEYS)?;
        let missing = |what: &str| {
            let what = format!("an auto_answer rule needs {what}");
            item.error(ConfigErrorKind::Missing { what })
        };
        let pattern = match table.get("pattern") {
            Some(n) => read_regex(&n)?,
            None => return Err(missing("`pattern`, a regex for a line of the dialog")),
        };
        let choose = match table.get("choose") {
            Some(n) => Some(read_regex(&n)?.regex),
            None => None,
        };
        let keys = match table.get("keys") {
            Some(n) => read_keys(&n)?,
            // Choosing an option by its label: Enter confirms it.
            None if choose.is_some() => vec!["Enter".to_string()],
            None => {
                return Err(missing(
                    "`keys`, the tmux keys that answer it (or `choose`, an option's label)",
                ));
            }
        };
        let command = match table.get("command") {
            Some(n) => Some(read_command(&n)?),
            None => None,
        };
        let mut allow = Vec::new();
        if let Some(n) = table.get("allow") {
            if command.is_none() {
                let what = "`allow` lists commands: the rule also needs `command`, the regex \
                            that reads the command off the dialog"
                    .to_string();
                return Err(n.error(ConfigErrorKind::Missing { what }));
            }
            for a in n.array()? {
                allow.push(read_allowed(&a)?);
            }
        }
        if command.is_some() && allow.is_empty() {
            let what = "a rule with `command` needs a non-empty `allow` list (a command \
                        nothing allows is the operator's to answer: leave the rule out)"
                .to_string();
            return Err(item.error(ConfigErrorKind::Missing { what }));
        }
        rules.push(AnswerRule {
            pattern: pattern.regex,
            keys,
            command: command.map(|c| c.regex),
            allow,
            choose,
        });
    }
    Ok(rules)
}

pub(super) fn read_keys(node: &Node) -> Result<Vec<String>, ConfigError> {
    let mut keys = Vec::new();
    for item in node.array()? {
        let key = item.string()?;
        if key.is_empty() || key.contains(char::is_whitespace) {
            let reason = "a tmux key name, e.g. \"y\", \"Enter\" or \"End\"".to_string();
            return Err(item.error(ConfigErrorKind::Invalid { value: key, reason }));
        }
        keys.push(key);
    }
    if keys.is_empty() {
        let what = "needs at least one key".to_string();
        return Err(node.error(ConfigErrorKind::Missing { what }));
    }
    Ok(keys)
}

fn read_command(node: &Node) -> Result<Pattern, ConfigError> {
    let pattern = read_regex(node)?;
    // captures_len counts the whole match as group 0.
    if pattern.regex.captures_len() < 2 {
        let reason = "needs a capture group around the command, e.g. '^\\s*\\$ (.+)$'".to_string();
        return Err(node.error(ConfigErrorKind::BadRegex {
            pattern: pattern.source,
            reason,
        }));
    }
    Ok(pattern)
}

/// An allow-list entry: checked as written, kept anchored, so that `git status` does not allow
/// `git status; rm -rf ~`.
fn read_allowed(node: &Node) -> Result<Regex, ConfigError> {
    let written = read_regex(node)?;
    let anchored = format!("^(?:{})$", written.source);
    Regex::new(&anchored).map_err(|e| {
        node.error(ConfigErrorKind::BadRegex {
            pattern: written.source.clone(),
            reason: e.to_string(),
        })
    })
}
