//! The Landing panel's keys (land now, reject with a note, open the PR, show the diff) and the
//! built-in diff view's. Pure, like the rest of the input: they return what the app must do.

use super::effect::Effect;
use super::keymap::Action;
use super::rows;
use super::state::{Dialog, DiffView, Panel, UiState};
use crate::config::{Key, KeySpec};
use crate::core::model::{Landing, Model};
use crate::core::observation::Intent;

pub(super) fn on_landing_key(ui: &mut UiState, model: &Model, action: Action) -> Vec<Effect> {
    let rows = rows::landing(model);
    let Some(t) = rows
        .get(ui.places.landing)
        .filter(|_| ui.panel == Panel::Landing)
    else {
        ui.flash = "select a task in the Landing panel first (Tab)".into();
        return Vec::new();
    };
    let id = t.def.id.clone();
    match action {
        Action::LandNow => {
            ui.flash = format!("asked to land {id} now");
            vec![Effect::Send(Intent::LandNow { task: id })]
        }
        Action::Reject => {
            ui.dialog = Dialog::Reject {
                task: id,
                text: String::new(),
            };
            Vec::new()
        }
        Action::Diff => {
            ui.flash = format!("reading the diff of {id}");
            vec![Effect::ShowDiff(id)]
        }
        _ => match t.land.as_ref().map(|l| &l.state) {
            Some(Landing::PrOpen { url, .. }) => vec![Effect::OpenUrl(url.clone())],
            _ => {
                ui.flash = format!("{id} has no open pull request");
                Vec::new()
            }
        },
    }
}

/// The built-in diff view from a patch's text.
pub fn diff_view(task: &str, text: &str) -> DiffView {
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    if lines.is_empty() {
        lines.push("(no changes)".into());
    }
    DiffView {
        task: task.to_string(),
        lines,
        scroll: 0,
    }
}

/// Lines a page key moves the diff by.
const PAGE: usize = 20;

/// Applies `key` to the diff view; true when it is to close.
pub fn on_diff_key(view: &mut DiffView, key: &KeySpec) -> bool {
    let last = view.lines.len().saturating_sub(1);
    view.scroll = match key.key {
        Key::Esc | Key::Char('q') | Key::Char('v') => return true,
        Key::Char('c') if key.ctrl => return true,
        Key::Up | Key::Char('k') => view.scroll.saturating_sub(1),
        Key::Down | Key::Char('j') => (view.scroll + 1).min(last),
        Key::PageUp | Key::Char('b') => view.scroll.saturating_sub(PAGE),
        Key::PageDown | Key::Char(' ') => (view.scroll + PAGE).min(last),
        Key::Home | Key::Char('g') => 0,
        Key::End | Key::Char('G') => last,
        _ => view.scroll,
    };
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(k: Key) -> KeySpec {
        KeySpec {
            key: k,
            ctrl: false,
            alt: false,
        }
    }

    #[test]
    fn the_diff_view_scrolls_within_its_lines_and_closes() {
        let text: String = (0..50).map(|i| format!("+line {i}\n")).collect();
        let mut v = diff_view("t", &text);
        assert_eq!(v.lines.len(), 50);
        assert!(!on_diff_key(&mut v, &key(Key::PageDown)));
        assert_eq!(v.scroll, 20);
        on_diff_key(&mut v, &key(Key::End));
        assert_eq!(v.scroll, 49);
        on_diff_key(&mut v, &key(Key::Down));
        assert_eq!(v.scroll, 49, "not past the last line");
        on_diff_key(&mut v, &key(Key::Home));
        on_diff_key(&mut v, &key(Key::Up));
        assert_eq!(v.scroll, 0);
        assert!(on_diff_key(&mut v, &key(Key::Esc)));
        assert_eq!(diff_view("t", "").lines, ["(no changes)"]);
    }
}
