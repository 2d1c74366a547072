//! The selected worker up close: its live screen (with the agent's colours), or its branch:
//! the commits in `base..branch` and the changed files with their +/- lines.

use super::{fg, panel};
use crate::adapters::git::BranchStats;
use crate::core::model::{Model, branch_for};
use crate::front::tui::rows;
use crate::front::tui::state::{PreviewMode, UiState};
use crate::visible::one_line;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span, Text};
use ratatui::widgets::{Paragraph, Wrap};

pub fn render(frame: &mut Frame, area: Rect, model: &Model, ui: &UiState) {
    let Some(id) = ui.selected_worker(model) else {
        let block = panel(ui, " Preview ".into(), None);
        let p = Paragraph::new("No worker yet. Workers start as the queue needs them.")
            .block(block)
            .wrap(Wrap { trim: true });
        frame.render_widget(p, area);
        return;
    };
    let session = model.session_name(id);
    match ui.preview {
        PreviewMode::Screen => {
            let title = format!(" Screen: worker {id} ({session}) · d branch ");
            let block = panel(ui, title, None);
            let inner_h = area.height.saturating_sub(2) as usize;
            let (text, lines) = match &ui.read.screen {
                Some(s) if s.worker == id => {
                    let used = s
                        .text
                        .lines
                        .iter()
                        .rposition(|l| l.spans.iter().any(|sp| !sp.content.trim().is_empty()))
                        .map_or(0, |i| i + 1);
                    let mut text = s.text.clone();
                    if !ui.color {
                        // NO_COLOR: the agent's own colours go too; emphasis stays.
                        for line in &mut text.lines {
                            line.style = super::paint(ui, line.style);
                            for span in &mut line.spans {
                                span.style = super::paint(ui, span.style);
                            }
                        }
                    }
                    (text, used)
                }
                _ => (Text::from("(reading the screen…)"), 1),
            };
            // Agents draw their prompt at the bottom: keep the bottom in view.
            let scroll = lines.saturating_sub(inner_h) as u16;
            let p = Paragraph::new(text).block(block).scroll((scroll, 0));
            frame.render_widget(p, area);
        }
        PreviewMode::Branch => {
            let branch = rows::branch_task(model, id).map(|t| branch_for(&t));
            let title = format!(
                " Branch: {}..{} · d screen ",
                model.base,
                branch.as_deref().unwrap_or("(no task)")
            );
            let block = panel(ui, title, None);
            let text = match (&branch, &ui.read.branch) {
                (None, _) => {
                    Text::from("This worker has had no task yet, so it has no task branch.")
                }
                // Figures of another branch (read before a reassign) are not this one's.
                (Some(b), Some((w, Ok(stats)))) if *w == id && stats.branch == *b => {
                    branch_text(ui, stats)
                }
                (Some(_), Some((w, Err(e)))) if *w == id => Text::from(format!("git: {e}")),
                _ => Text::from("(reading the branch…)"),
            };
            frame.render_widget(Paragraph::new(text).block(block), area);
        }
    }
}

fn branch_text(ui: &UiState, s: &BranchStats) -> Text<'static> {
    let bold = Style::default().add_modifier(Modifier::BOLD);
    let mut lines = vec![Line::styled(
        format!("{} ahead of {}", rows::count(s.ahead, "commit"), s.base),
        bold,
    )];
    for c in &s.commits {
        lines.push(Line::from(vec![
            Span::styled(format!("{} ", c.id), fg(ui, Color::Yellow)),
            Span::raw(one_line(&c.subject).into_owned()),
        ]));
    }
    let added: usize = s.files.iter().map(|f| f.added).sum();
    let removed: usize = s.files.iter().map(|f| f.removed).sum();
    lines.push(Line::raw(""));
    lines.push(Line::styled(
        format!(
            "{} changed, +{added} −{removed}",
            rows::count(s.files.len(), "file")
        ),
        bold,
    ));
    for f in &s.files {
        lines.push(Line::from(vec![
            Span::styled(
                format!("{:>5} ", format!("+{}", f.added)),
                fg(ui, Color::Green),
            ),
            Span::styled(
                format!("{:>5} ", format!("−{}", f.removed)),
                fg(ui, Color::Red),
            ),
            Span::raw(one_line(&f.path).into_owned()),
        ]));
    }
    Text::from(lines)
}
