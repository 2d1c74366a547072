//! The selected finished task in full, where the preview is while the Landing panel is focused:
//! its branch and size, verify, landing state with everything that goes with it, and the keys.

use super::landing::{figures, state_detail, state_word, verify_mark};
use super::{fg, panel};
use crate::core::model::{Landing, Model};
use crate::front::tui::keymap::Action;
use crate::front::tui::rows;
use crate::front::tui::state::UiState;
use crate::visible::one_line;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

pub fn render(frame: &mut Frame, area: Rect, model: &Model, ui: &UiState) {
    let tasks = rows::landing(model);
    let Some(t) = tasks.get(ui.places.landing) else {
        let block = panel(ui, " Landing ".into(), None);
        let p = Paragraph::new("Nothing finished yet.").block(block);
        frame.render_widget(p, area);
        return;
    };
    let Some(l) = &t.land else {
        return;
    };
    let key = |label: &str| {
        Span::styled(
            label.to_string(),
            Style::default().add_modifier(Modifier::BOLD),
        )
    };
    let field =
        |name: &str, value: String| Line::from(vec![key(&format!("{name:<9}")), Span::raw(value)]);
    let (colour, detail) = state_detail(&l.state);
    let (vmark, vcolour) = verify_mark(model, t);
    let mut lines = vec![
        Line::from(vec![
            key(&one_line(&t.def.id)),
            Span::raw(format!("  {}", one_line(&t.def.title))),
        ]),
        Line::raw(""),
        field("branch", one_line(&t.branch()).into_owned()),
        field("size", figures(t)),
        Line::from(vec![
            key(&format!("{:<9}", "verify")),
            Span::styled(vmark.to_string(), fg(ui, vcolour)),
            Span::raw(match &t.def.verify {
                Some(v) => format!("  ({})", one_line(v)),
                None => String::new(),
            }),
        ]),
        Line::from(vec![
            key(&format!("{:<9}", "landing")),
            Span::styled(state_word(&l.state).to_string(), fg(ui, colour)),
        ]),
    ];
    let max_rounds = model.policy.land.max_review_rounds;
    if let Some(review) = crate::core::review::summary(l, max_rounds) {
        lines.push(field("review", one_line(&review).into_owned()));
    }
    if let Some(text) = l.review.as_ref().and_then(|r| r.text.as_ref()) {
        lines.push(field("said", one_line(text).into_owned()));
    }
    match &l.state {
        Landing::Landed { commit, .. } => lines.push(field("commit", commit.clone())),
        Landing::Returned { files, .. } if !files.is_empty() => {
            lines.push(field("conflict", one_line(&files.join(", ")).into_owned()));
        }
        Landing::PrOpen { url, checked } => {
            lines.push(field("PR", one_line(url).into_owned()));
            let ago = rows::ago(ui.now.saturating_sub(*checked));
            lines.push(field(
                "checks",
                format!("passing or running (looked {ago} ago)"),
            ));
        }
        Landing::Waiting { .. } | Landing::Returned { .. } => {
            lines.push(field("why", one_line(&detail).into_owned()));
        }
        _ => {}
    }
    if l.returns > 0 {
        lines.push(field(
            "returns",
            format!(
                "{} ({} conflicts, {} verify failures)",
                l.returns, l.conflicts, l.verify_failures
            ),
        ));
    }
    lines.push(Line::raw(""));
    let keys = &ui.keys;
    lines.push(Line::styled(
        format!(
            "{} diff · {} land now · {} reject with a note · {} open PR",
            keys.first(Action::Diff),
            keys.first(Action::LandNow),
            keys.first(Action::Reject),
            keys.first(Action::OpenPr)
        ),
        fg(ui, Color::Cyan),
    ));
    let title = format!(" Landing: {} ", one_line(&t.def.id));
    let p = Paragraph::new(lines)
        .block(panel(ui, title, None))
        .wrap(Wrap { trim: false });
    frame.render_widget(p, area);
}
