//! The Landing panel: each finished task's branch, its size (commits, +/−), its verify result,
//! and where its landing stands (queued, merging, verifying, landed with the commit, conflict
//! with the files, waiting and why, the PR's URL). With the panel focused, the preview's place
//! shows the selected task in full (`land_detail`).

use super::{fg, paint, panel};
use crate::core::model::{Landing, Model, Task};
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
        let (colour, detail) = state_detail(&l.state);
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
        let (vmark, vcolour) = verify_mark(model, t);
        lines.push(Line::from(vec![
            Span::raw(mark),
            Span::styled(one_line(&t.def.id).into_owned(), paint(ui, id_style)),
            Span::raw(format!(" {} ", one_line(&t.branch()))),
            Span::styled(format!("{}{returns}", state_word(&l.state)), fg(ui, colour)),
            Span::raw(format!(" {} ", figures(t))),
            Span::styled(format!("verify {}", short(vmark)), fg(ui, vcolour)),
            Span::raw(review_word(l)),
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

/// ` review approved ↺1`: the review gate's verdict and rejections (nothing when not reviewed).
fn review_word(l: &crate::core::model::LandRecord) -> String {
    let Some(r) = &l.review else {
        return String::new();
    };
    let verdict = r.verdict.as_deref().unwrap_or("pending");
    match r.rejections {
        0 => format!(" review {verdict}"),
        n => format!(" review {verdict} ✗{n}"),
    }
}

/// The landing's state as the panel words it.
pub(super) fn state_word(state: &Landing) -> &'static str {
    match state {
        // The merge and the verify run as one step: a merged result is being verified.
        Landing::Merging => "merging, verifying",
        other => other.as_str(),
    }
}

/// The colour of a landing's state, and what goes with it: the commit, the conflicting files,
/// why it waits, the PR's URL.
pub(super) fn state_detail(state: &Landing) -> (Color, String) {
    match state {
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
        Landing::Reviewing {
            reviewer: Some(w), ..
        } => (Color::Cyan, format!("worker {w}")),
        Landing::Reviewing { reviewer: None, .. } => {
            (Color::Yellow, "waiting for a reviewer".into())
        }
        Landing::Rejected => (Color::Red, "back with its agent".into()),
    }
}

/// `3c +120−8`: commits ahead and lines, as last seen of its branch; `-` before any look.
pub(super) fn figures(t: &Task) -> String {
    match t.land.as_ref().and_then(|l| l.figures) {
        Some(f) => format!("{}c +{}−{}", f.commits, f.added, f.removed),
        None => "-".into(),
    }
}

/// Its verify: passed (a done task passed its own; a landed one `land_verify` too), failed
/// after the merge, or none to run.
pub(super) fn verify_mark(model: &Model, t: &Task) -> (&'static str, Color) {
    let failed_after_merge = matches!(
        t.land.as_ref().map(|l| &l.state),
        Some(Landing::Returned {
            verify_failed: true,
            ..
        })
    );
    if failed_after_merge {
        ("✗ failed after the merge", Color::Red)
    } else if t.def.verify.is_some() || model.policy.land.verify.is_some() {
        ("✓ passed", Color::Green)
    } else {
        ("- none to run", Color::DarkGray)
    }
}

/// A verify mark's symbol alone, for the row.
fn short(mark: &str) -> &str {
    mark.split(' ').next().unwrap_or(mark)
}
