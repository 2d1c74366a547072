//! Keys to actions, as data: the defaults and the `[keys]` table of czar.toml (already checked
//! by the config loader) become one lookup table.

use crate::config::{ACTIONS, Key, KeySpec, key_label};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use std::collections::{BTreeMap, HashMap};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Action {
    Up,
    Down,
    NextPanel,
    Attach,
    Type,
    AnswerYes,
    AnswerNo,
    Reassign,
    Kill,
    NewWorker,
    AddTask,
    Pause,
    BranchView,
    Filter,
    TaskCancel,
    TaskHold,
    TaskRetry,
    TaskEdit,
    PriorityUp,
    PriorityDown,
    LandNow,
    Reject,
    OpenPr,
    Diff,
    Forget,
    EventLog,
    Help,
    Quit,
}

impl Action {
    pub const ALL: [Action; 28] = [
        Action::Up,
        Action::Down,
        Action::NextPanel,
        Action::Attach,
        Action::Type,
        Action::AnswerYes,
        Action::AnswerNo,
        Action::Reassign,
        Action::Kill,
        Action::NewWorker,
        Action::AddTask,
        Action::Pause,
        Action::BranchView,
        Action::Filter,
        Action::TaskCancel,
        Action::TaskHold,
        Action::TaskRetry,
        Action::TaskEdit,
        Action::PriorityUp,
        Action::PriorityDown,
        Action::LandNow,
        Action::Reject,
        Action::OpenPr,
        Action::Diff,
        Action::Forget,
        Action::EventLog,
        Action::Help,
        Action::Quit,
    ];

    /// The name used in `[keys]` (the config's list of actions, in the same order).
    pub fn name(self) -> &'static str {
        let i = Action::ALL.iter().position(|a| *a == self).unwrap_or(0);
        ACTIONS.get(i).map_or("", |a| a.0)
    }

    pub fn describe(self) -> &'static str {
        let i = Action::ALL.iter().position(|a| *a == self).unwrap_or(0);
        ACTIONS.get(i).map_or("", |a| a.2)
    }

    fn from_name(name: &str) -> Option<Action> {
        Action::ALL.into_iter().find(|a| a.name() == name)
    }
}

#[derive(Debug, Clone, Default)]
pub struct Keymap {
    lookup: HashMap<KeySpec, Action>,
    keys: BTreeMap<Action, Vec<KeySpec>>,
}

impl Keymap {
    /// From the config's resolved table (action name → keys).
    pub fn new(table: &BTreeMap<String, Vec<KeySpec>>) -> Keymap {
        let mut map = Keymap::default();
        for (name, keys) in table {
            let Some(action) = Action::from_name(name) else {
                continue;
            };
            for k in keys {
                map.lookup.insert(*k, action);
            }
            map.keys.insert(action, keys.clone());
        }
        map
    }

    /// The shipped defaults.
    pub fn defaults() -> Keymap {
        let user = BTreeMap::new();
        Keymap::new(&crate::config::resolve_keys(&user))
    }

    pub fn action(&self, key: &KeySpec) -> Option<Action> {
        self.lookup.get(key).copied()
    }

    /// `"↑/j"`: every key of the action, for the help.
    pub fn label(&self, action: Action) -> String {
        self.keys
            .get(&action)
            .map(|ks| ks.iter().map(key_label).collect::<Vec<_>>().join("/"))
            .unwrap_or_default()
    }

    /// The first key of the action, for the footer.
    pub fn first(&self, action: Action) -> String {
        self.keys
            .get(&action)
            .and_then(|ks| ks.first())
            .map(key_label)
            .unwrap_or_default()
    }
}

/// A terminal key event as a [`KeySpec`]; `None` for keys the dashboard has no name for.
pub fn spec_of(ev: &KeyEvent) -> Option<KeySpec> {
    let key = match ev.code {
        KeyCode::Char(c) => Key::Char(c),
        KeyCode::Enter => Key::Enter,
        KeyCode::Esc => Key::Esc,
        KeyCode::Tab => Key::Tab,
        KeyCode::BackTab => Key::BackTab,
        KeyCode::Backspace => Key::Backspace,
        KeyCode::Delete => Key::Delete,
        KeyCode::Up => Key::Up,
        KeyCode::Down => Key::Down,
        KeyCode::Left => Key::Left,
        KeyCode::Right => Key::Right,
        KeyCode::PageUp => Key::PageUp,
        KeyCode::PageDown => Key::PageDown,
        KeyCode::Home => Key::Home,
        KeyCode::End => Key::End,
        KeyCode::F(n) => Key::F(n),
        _ => return None,
    };
    Some(KeySpec {
        key,
        ctrl: ev.modifiers.contains(KeyModifiers::CONTROL),
        alt: ev.modifiers.contains(KeyModifiers::ALT),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn actions_match_the_config_list_by_name_and_order() {
        assert_eq!(Action::ALL.len(), ACTIONS.len());
        for (a, (name, _, _)) in Action::ALL.iter().zip(ACTIONS) {
            assert_eq!(a.name(), *name);
        }
    }

    #[test]
    fn default_keys_and_terminal_events() {
        let map = Keymap::defaults();
        let ev = |code, m| spec_of(&KeyEvent::new(code, m));
        let k = ev(KeyCode::Char('k'), KeyModifiers::NONE).unwrap();
        assert_eq!(map.action(&k), Some(Action::Kill));
        let c = ev(KeyCode::Char('c'), KeyModifiers::CONTROL).unwrap();
        assert_eq!(map.action(&c), Some(Action::Quit));
        let j = ev(KeyCode::Char('j'), KeyModifiers::NONE).unwrap();
        assert_eq!(map.action(&j), Some(Action::Down));
        assert_eq!(map.label(Action::Down), "↓/j");
        assert_eq!(map.first(Action::Attach), "Enter");
    }
}
