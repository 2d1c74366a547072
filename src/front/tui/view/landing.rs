//! The Landing panel: each finished task's branch and where its landing stands (queued, merging,
//! verifying, landed with the commit, conflict with the files, waiting and why, the PR's URL).

use super::{fg, paint, panel};
use crate::core::model::{Landing, Model};
use crate::front::tui::rows;
use crate::front::tui::state::{Panel, UiState};
use crate::visible::one_line;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

pub fn render(frame: &mut Frame, area: Rect, model: &Model, ui: &UiState) {
    let land = &model.policy.land;
    let tasks = rows::landing(model);
    let landed = tasks
        .iter()
        .filter(|t| {
            matches!(
                t.land.as_ref().map(|l| &l.state),
                Some(Landing::Landed { .. })
            )
        })
        .count();
    let title = format!(
        " Landing: {} into {} ({landed}/{} landed) ",
        land.mode.as_str(),
        one_line(&land.into),
        tasks.len()
    );
    let mut lines: Vec<Line> = Vec::new();
    for (i, t) in tasks.iter().enumerate() {
        let Some(l) = &t.land else {
            continue;
        };
        let (colour, detail) = match &l.state {
            Landing::Landed { commit, .. } => {
                (Color::Green, commit.get(..10).unwrap_or(commit).to_string())
            }
            Landing::Returned { files, .. } if !files.is_empty() => (Color::Red, files.join(", ")),
            Landing::Returned { .. } => (Color::Red, "back with its agent".into()),
            Landing::Waiting { why, .. } => (Color::Yellow, why.clone()),
            Landing::PrOpen { url, .. } => (Color::Cyan, url.clone()),
            Landing::Merging | Landing::Moving { .. } | Landing::PrOpening => {
                (Color::Cyan, String::new())
            }
            Landing::Queued => (Color::White, String::new()),
        };
        let state = match &l.state {
            // The merge and the verify run as one step: a merged result is being verified.
            Landing::Merging => "merging, verifying",
            other => other.as_str(),
        };
        let returns = if l.returns > 0 {
            format!(" ↺{}", l.returns)
        } else {
            String::new()
        };
        let selected = ui.panel == Panel::Landing && i == ui.places.landing;
        let mark = if selected { "▶ " } else { "  " };
        let mut id_style = Style::default();
        if selected {
            id_style = id_style.add_modifier(Modifier::REVERSED);
        }
        lines.push(Line::from(vec![
            Span::raw(mark),
            Span::styled(one_line(&t.def.id).into_owned(), paint(ui, id_style)),
            Span::raw(format!(" {} ", one_line(&t.branch()))),
            Span::styled(format!("{state}{returns}"), fg(ui, colour)),
            Span::raw(format!(" {}", one_line(&detail))),
        ]));
    }
    if lines.is_empty() {
        lines.push(Line::raw("  nothing finished yet"));
    }
    let inner = area.height.saturating_sub(2) as usize;
    let scroll = ui.places.landing.saturating_sub(inner.saturating_sub(1));
    let block = panel(ui, title, Some(Panel::Landing));
    let p = Paragraph::new(lines)
        .block(block)
        .scroll((scroll as u16, 0));
    frame.render_widget(p, area);
}
