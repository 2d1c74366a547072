//! The dashboard's keymap as data: action names, their default keys, and the key-name syntax a
//! `[keys]` table in czar.toml uses (`"k"`, `"Enter"`, `"C-c"`, `"Up"`, `"F5"`).
//!
//! Kept free of any terminal library so the config layer can check key names where they are
//! written; the dashboard turns terminal events into [`KeySpec`]s and looks them up.

use std::collections::BTreeMap;

use super::error::{ConfigError, ConfigErrorKind};
use super::reader::TableView;

/// A key the operator can press, without the terminal library's types.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Key {
    Char(char),
    Enter,
    Esc,
    Tab,
    BackTab,
    Backspace,
    Delete,
    Up,
    Down,
    Left,
    Right,
    PageUp,
    PageDown,
    Home,
    End,
    F(u8),
}

/// A key with its modifiers. Shift is part of the character (`K`, `?`), not a flag.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct KeySpec {
    pub key: Key,
    pub ctrl: bool,
    pub alt: bool,
}

impl KeySpec {
    pub const fn plain(key: Key) -> KeySpec {
        KeySpec {
            key,
            ctrl: false,
            alt: false,
        }
    }
}

const NAMED: &[(&str, Key)] = &[
    ("Enter", Key::Enter),
    ("Esc", Key::Esc),
    ("Tab", Key::Tab),
    ("BackTab", Key::BackTab),
    ("Backspace", Key::Backspace),
    ("Delete", Key::Delete),
    ("Up", Key::Up),
    ("Down", Key::Down),
    ("Left", Key::Left),
    ("Right", Key::Right),
    ("PageUp", Key::PageUp),
    ("PageDown", Key::PageDown),
    ("Home", Key::Home),
    ("End", Key::End),
    ("Space", Key::Char(' ')),
];

/// Parses `"k"`, `"K"`, `"?"`, `"Enter"`, `"C-c"` (Ctrl), `"M-x"` (Alt), `"F1"`..`"F12"`.
pub fn parse_key(text: &str) -> Result<KeySpec, String> {
    let mut rest = text;
    let (mut ctrl, mut alt) = (false, false);
    loop {
        if let Some(r) = rest.strip_prefix("C-").filter(|r| !r.is_empty()) {
            ctrl = true;
            rest = r;
        } else if let Some(r) = rest.strip_prefix("M-").filter(|r| !r.is_empty()) {
            alt = true;
            rest = r;
        } else {
            break;
        }
    }
    let mut chars = rest.chars();
    let key = match (chars.next(), chars.next()) {
        (Some(c), None) if !c.is_control() => Key::Char(c),
        _ => {
            if let Some(&(_, k)) = NAMED.iter().find(|(n, _)| n.eq_ignore_ascii_case(rest)) {
                k
            } else if let Some(n) = rest
                .strip_prefix('F')
                .and_then(|n| n.parse::<u8>().ok())
                .filter(|n| (1..=12).contains(n))
            {
                Key::F(n)
            } else {
                let names: Vec<&str> = NAMED.iter().map(|(n, _)| *n).collect();
                return Err(format!(
                    "a key is one character, F1..F12, or one of {}, optionally after C- (Ctrl) or M- (Alt)",
                    names.join(", ")
                ));
            }
        }
    };
    Ok(KeySpec { key, ctrl, alt })
}

/// How a key is shown in the help and the footer.
pub fn key_label(k: &KeySpec) -> String {
    let name = match k.key {
        Key::Char(' ') => "Space".to_string(),
        Key::Char(c) => c.to_string(),
        Key::Up => "↑".into(),
        Key::Down => "↓".into(),
        Key::F(n) => format!("F{n}"),
        other => NAMED
            .iter()
            .find(|(_, key)| *key == other)
            .map_or("?".into(), |(n, _)| n.to_string()),
    };
    format!(
        "{}{}{name}",
        if k.ctrl { "C-" } else { "" },
        if k.alt { "M-" } else { "" }
    )
}

/// Every dashboard action: its name in `[keys]`, its default keys, and what it does.
pub const ACTIONS: &[(&str, &[&str], &str)] = &[
    ("up", &["Up"], "select the previous row"),
    ("down", &["Down", "j"], "select the next row"),
    (
        "next_panel",
        &["Tab"],
        "cycle panels (workers, queue, landing, alerts)",
    ),
    ("attach", &["Enter", "a"], "attach to the selected worker"),
    ("type", &["i"], "type a line into the selected agent"),
    (
        "answer_yes",
        &["y"],
        "answer yes to the question it waits on",
    ),
    ("answer_no", &["N"], "answer no to the question it waits on"),
    (
        "reassign",
        &["r"],
        "give the selected worker a task from the queue",
    ),
    ("kill", &["k"], "kill the selected worker (asks first)"),
    ("new_worker", &["n"], "start a new worker"),
    ("add_task", &["t"], "add a task ($EDITOR, or a form)"),
    ("pause", &["p"], "pause / resume auto-assignment"),
    ("branch_view", &["d"], "switch the preview: screen / branch"),
    ("filter", &["/"], "filter workers and tasks"),
    (
        "task_cancel",
        &["x"],
        "cancel the selected task (Queue panel; asks first)",
    ),
    (
        "task_hold",
        &["h"],
        "hold / release the selected task (Queue panel)",
    ),
    (
        "task_retry",
        &["R"],
        "retry the selected failed task (Queue panel)",
    ),
    (
        "task_edit",
        &["e"],
        "edit the selected task's file in $EDITOR (Queue panel)",
    ),
    (
        "priority_up",
        &["+"],
        "raise the selected task's priority (Queue panel)",
    ),
    (
        "priority_down",
        &["-"],
        "lower the selected task's priority (Queue panel)",
    ),
    (
        "land_now",
        &["l"],
        "Landing panel: land the selected task now",
    ),
    (
        "reject",
        &["b"],
        "Landing panel: send it back to its agent, with a note",
    ),
    ("open_pr", &["o"], "Landing panel: open its pull request"),
    (
        "diff",
        &["v"],
        "Landing panel: its diff ($PAGER, diff_tool, else built in)",
    ),
    ("forget", &["D"], "remove the selected dead worker's row"),
    (
        "event_log",
        &["L"],
        "the whole event log: / filters, Enter expands an event",
    ),
    ("help", &["?"], "show / hide this help"),
    ("quit", &["q", "C-c"], "quit (workers keep running)"),
];

/// `[keys]` from one layer: action → its keys, as written.
pub(super) type KeysLayer = BTreeMap<&'static str, Vec<KeySpec>>;

/// `preset = "vi"`: j and k move, so kill moves to K (it still asks first). Keys the same
/// table gives an action win over the preset's.
const VI_PRESET: &[(&str, &[&str])] = &[
    ("up", &["Up", "k"]),
    ("down", &["Down", "j"]),
    ("kill", &["K"]),
];

/// Reads a `[keys]` table: `action = "key"` or `action = ["key", ...]`, and `preset = "vi"`.
pub(super) fn read_keys(view: &TableView) -> Result<KeysLayer, ConfigError> {
    let mut names: Vec<&str> = ACTIONS.iter().map(|a| a.0).collect();
    names.push("preset");
    view.check_keys(&names)?;
    let mut out = KeysLayer::new();
    if let Some(node) = view.get("preset") {
        let value = node.string()?;
        if value != "vi" {
            let kind = ConfigErrorKind::Invalid {
                value,
                reason: "the one preset is \"vi\" (j/k move, K kills)".into(),
            };
            return Err(ConfigError::new(node.loc(), kind));
        }
        for &(name, keys) in VI_PRESET {
            let specs = keys.iter().filter_map(|k| parse_key(k).ok()).collect();
            out.insert(name, specs);
        }
    }
    for &(name, _, _) in ACTIONS {
        let Some(node) = view.get(name) else {
            continue;
        };
        let items = match node.string() {
            Ok(one) => vec![(one, node.loc())],
            Err(_) => {
                let mut v = Vec::new();
                let list = node
                    .array()
                    .map_err(|_| node.wrong_type("a key name or an array of key names"))?;
                for item in list {
                    v.push((item.string()?, item.loc()));
                }
                v
            }
        };
        let mut keys = Vec::new();
        for (text, at) in items {
            let spec = parse_key(&text).map_err(|reason| {
                let kind = ConfigErrorKind::Invalid {
                    value: text.clone(),
                    reason,
                };
                ConfigError::new(at, kind)
            })?;
            keys.push(spec);
        }
        out.insert(name, keys);
    }
    Ok(out)
}

/// The defaults with the user's choices applied: a key the user gives to an action is taken
/// away from any other action, so one key never means two things.
pub fn resolve_keys(user: &BTreeMap<&'static str, Vec<KeySpec>>) -> BTreeMap<String, Vec<KeySpec>> {
    let mut out: BTreeMap<String, Vec<KeySpec>> = ACTIONS
        .iter()
        .map(|(name, keys, _)| {
            let specs = keys.iter().filter_map(|k| parse_key(k).ok()).collect();
            (name.to_string(), specs)
        })
        .collect();
    for (name, keys) in user {
        for list in out.values_mut() {
            list.retain(|k| !keys.contains(k));
        }
        out.insert(name.to_string(), keys.clone());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_names_parse() {
        assert_eq!(parse_key("k"), Ok(KeySpec::plain(Key::Char('k'))));
        assert_eq!(parse_key("enter"), Ok(KeySpec::plain(Key::Enter)));
        assert_eq!(parse_key("F5"), Ok(KeySpec::plain(Key::F(5))));
        let c = parse_key("C-c").unwrap();
        assert_eq!((c.key, c.ctrl, c.alt), (Key::Char('c'), true, false));
        assert!(parse_key("C-").is_err());
        assert_eq!(parse_key("-"), Ok(KeySpec::plain(Key::Char('-'))));
        assert!(parse_key("Enterr").is_err());
        assert!(parse_key("F13").is_err());
        assert!(parse_key("").is_err());
    }

    #[test]
    fn every_default_key_parses_and_no_key_is_bound_twice() {
        let keys = resolve_keys(&BTreeMap::new());
        let mut seen = std::collections::BTreeSet::new();
        for (name, list) in &keys {
            assert!(!list.is_empty(), "{name}");
            for k in list {
                assert!(seen.insert(*k), "{k:?} bound twice");
            }
        }
        let total: usize = ACTIONS.iter().map(|a| a.1.len()).sum();
        assert_eq!(seen.len(), total);
    }

    #[test]
    fn the_vi_preset_moves_kill_off_k() {
        let mut user = BTreeMap::new();
        for &(name, keys) in VI_PRESET {
            user.insert(name, keys.iter().map(|k| parse_key(k).unwrap()).collect());
        }
        let keys = resolve_keys(&user);
        assert_eq!(
            keys["up"],
            vec![parse_key("Up").unwrap(), parse_key("k").unwrap()]
        );
        assert_eq!(keys["kill"], vec![parse_key("K").unwrap()]);
    }

    #[test]
    fn a_user_key_moves_from_its_old_action() {
        let mut user = BTreeMap::new();
        user.insert("kill", vec![parse_key("x").unwrap()]);
        user.insert(
            "up",
            vec![parse_key("k").unwrap(), parse_key("Up").unwrap()],
        );
        let keys = resolve_keys(&user);
        assert_eq!(keys["kill"], vec![parse_key("x").unwrap()]);
        assert_eq!(keys["up"].len(), 2);
        assert_eq!(key_label(&parse_key("C-c").unwrap()), "C-c");
        assert_eq!(key_label(&parse_key("Up").unwrap()), "↑");
    }
}
