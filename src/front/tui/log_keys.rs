//! The event log's keys: move, page, expand, filter, close. Pure, like the rest of the input.

use super::log_filter::log_events;
use super::rows::log_rows;
use super::state::LogView;
use crate::adapters::store::EventRow;
use crate::config::{Key, KeySpec};

/// Applies `key` to the log; true when the log is to close.
pub fn on_log_key(view: &mut LogView, events: &[EventRow], key: &KeySpec) -> bool {
    let ctrl_c = key.ctrl && key.key == Key::Char('c');
    if view.typing {
        match key.key {
            Key::Enter => view.typing = false,
            Key::Esc => {
                view.typing = false;
                view.filter.clear();
            }
            Key::Backspace => {
                view.filter.pop();
            }
            Key::Char(c) if !key.ctrl && !key.alt => view.filter.push(c),
            _ if ctrl_c => return true,
            _ => {}
        }
        view.selected = 0;
        view.expanded = false;
        return false;
    }
    let n = log_rows(log_events(events, view), &view.filter).len();
    let last = n.saturating_sub(1);
    let to = match key.key {
        Key::Esc | Key::Char('q') | Key::Char('L') => return true,
        _ if ctrl_c => return true,
        Key::Up | Key::Char('k') => view.selected.saturating_sub(1),
        Key::Down | Key::Char('j') => (view.selected + 1).min(last),
        Key::PageUp => view.selected.saturating_sub(10),
        Key::PageDown => (view.selected + 10).min(last),
        Key::Home => 0,
        Key::End => last,
        Key::Enter => {
            view.expanded = !view.expanded;
            return false;
        }
        Key::Char('/') => {
            view.typing = true;
            return false;
        }
        _ => return false,
    };
    // Another event: the expanded one folds.
    if to != view.selected {
        view.expanded = false;
    }
    view.selected = to;
    false
}
