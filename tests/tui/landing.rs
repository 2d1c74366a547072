//! The Landing panel and the built-in diff view, drawn with TestBackend at the three sizes: a
//! selection, a conflict row, a landed row, a PR row, and the selected task in full where the
//! preview was.

use crate::fixture::{self, draw};
use czar::core::model::{LandFigures, LandMode, LandRecord, Landing, Model, TaskState};
use czar::front::tui::state::{Dialog, DiffView, Panel};

const ALL_SIZES: [(u16, u16); 3] = [(80, 24), (160, 48), (250, 70)];

/// The fixture with landing on: `setup` landed, `schema` sent back with a conflict, `readme`
/// waiting on a dirty checkout, `api-pr` with its pull request open.
pub fn landing_model() -> Model {
    let mut model = fixture::model();
    model.policy.land.mode = LandMode::Merge;
    model.policy.land.into = "main".into();
    let record = |state, returns, queued_at, commits| LandRecord {
        state,
        returns,
        conflicts: returns,
        queued_at,
        figures: Some(LandFigures {
            commits,
            files: 2,
            added: 40 * commits,
            removed: 2,
        }),
        ..LandRecord::default()
    };
    if let Some(t) = model.tasks.get_mut("setup") {
        let landed = Landing::Landed {
            commit: "4f2a9c1e77d0b3aa".into(),
            from: "0000".into(),
            at: 2_000,
        };
        t.def.verify = Some("cargo test".into());
        t.land = Some(record(landed, 0, 1_000, 1));
    }
    if let Some(t) = model.tasks.get_mut("schema") {
        let back = Landing::Returned {
            files: vec!["src/db.rs".into()],
            verify_failed: false,
        };
        t.def.verify = Some("cargo test".into());
        t.land = Some(record(back, 1, 1_000, 2));
    }
    let mut waiting = model.tasks["setup"].clone();
    waiting.def.id = "readme".into();
    waiting.state = TaskState::Done;
    let why = "main is checked out in /src/app, which has uncommitted changes (README.md)";
    let state = Landing::Waiting {
        why: why.into(),
        since: 1_500,
    };
    waiting.land = Some(record(state, 0, 1_000, 3));
    model.tasks.insert("readme".into(), waiting);
    let mut pr = model.tasks["setup"].clone();
    pr.def.id = "api-pr".into();
    pr.def.verify = None;
    let state = Landing::PrOpen {
        url: "https://github.com/acme/app/pull/7".into(),
        checked: fixture::NOW - 30_000,
    };
    pr.land = Some(record(state, 0, 1_100, 1));
    model.tasks.insert("api-pr".into(), pr);
    model
}

fn snap_all(name: &str, model: &Model, ui: &czar::front::tui::state::UiState) {
    for (w, h) in ALL_SIZES {
        let term = draw(model, ui, w, h);
        insta::assert_snapshot!(format!("{name}_{w}x{h}"), term.backend());
    }
}

#[test]
fn landing_panel() {
    let model = landing_model();
    let mut ui = fixture::ui(true);
    ui.panel = Panel::Landing;
    ui.places.landing = 1;
    let order: Vec<&str> = czar::front::tui::rows::landing(&model)
        .iter()
        .map(|t| t.def.id.as_str())
        .collect();
    assert_eq!(order, ["readme", "schema", "api-pr", "setup"]);
    // Wide enough, each row says it all: branch, state, size, verify, what goes with it.
    let s = draw(&model, &ui, 250, 70).backend().to_string();
    for row in [
        "▶ schema czar/schema conflict ↺1 2c +80−2 verify ✓ src/db.rs",
        "api-pr czar/api-pr pr_open 1c +40−2 verify - https://github.com/acme/app/pull/7",
        "setup czar/setup landed 1c +40−2 verify ✓ 4f2a9c1e77",
    ] {
        assert!(s.contains(row), "{row}\n{s}");
    }
    // The selected one in full where the preview was, with the keys.
    assert!(s.contains("conflict src/db.rs"), "{s}");
    assert!(s.contains("verify   ✓ passed  (cargo test)"), "{s}");
    assert!(
        s.contains("v diff · l land now · b reject with a note · o open PR"),
        "{s}"
    );
    snap_all("landing", &model, &ui);
    // The PR row selected: its URL and checks in full.
    ui.places.landing = 2;
    let s = draw(&model, &ui, 160, 48).backend().to_string();
    assert!(
        s.contains("checks   passing or running (looked 30s ago)"),
        "{s}"
    );
    snap_all("landing_pr", &model, &ui);
}

#[test]
fn the_built_in_diff_view() {
    let model = landing_model();
    let mut ui = fixture::ui(true);
    ui.panel = Panel::Landing;
    let mut lines: Vec<String> = [
        "diff --git a/src/db.rs b/src/db.rs",
        "index 3b18e51..a9c2f0d 100644",
        "--- a/src/db.rs",
        "+++ b/src/db.rs",
        "@@ -1,4 +1,5 @@",
        " pub fn open() -> Db {",
        "-    Db::new()",
        "+    let db = Db::new();",
        "+    db.migrate();",
        " }",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    lines.extend((1..=60).map(|i| format!("+// line {i}")));
    ui.dialog = Dialog::Diff(DiffView {
        task: "schema".into(),
        lines,
        scroll: 0,
    });
    let term = draw(&model, &ui, 80, 24);
    let buf = term.backend().buffer().clone();
    let s = term.backend().to_string();
    assert!(s.contains("diff of schema: lines 1-21 of 70"), "{s}");
    // Coloured as git colours it: the removed line red, the added green.
    let colour_of = |text: &str| {
        let row = s.lines().position(|l| l.contains(text)).unwrap();
        let col = s.lines().nth(row).unwrap().find(text).unwrap();
        let col = s.lines().nth(row).unwrap()[..col].chars().count() as u16;
        buf[(col - 1, row as u16)].fg
    };
    use ratatui::style::Color;
    assert_eq!(colour_of("    Db::new()"), Color::Red);
    assert_eq!(colour_of("    db.migrate();"), Color::Green);
    snap_all("diff_view", &model, &ui);
}

/// The review gate in the panel: `schema` waits for its second review (rejected once, now with
/// worker 2), `setup` landed after it was approved; the verdict and rounds in the rows and in
/// the selected task's detail.
#[test]
fn landing_panel_with_reviews() {
    use czar::core::model::ReviewRecord;
    let mut model = landing_model();
    model.policy.land.review = Some("claude".into());
    model.policy.land.max_review_rounds = 2;
    if let Some(l) = model.tasks.get_mut("schema").and_then(|t| t.land.as_mut()) {
        l.state = Landing::Reviewing {
            reviewer: Some(2),
            since: 1_000,
        };
        l.review = Some(ReviewRecord {
            rejections: 1,
            verdict: Some("rejected".into()),
            text: Some("the migration is not reversible".into()),
        });
    }
    if let Some(l) = model.tasks.get_mut("setup").and_then(|t| t.land.as_mut()) {
        l.review = Some(ReviewRecord {
            rejections: 0,
            verdict: Some("approved".into()),
            text: None,
        });
    }
    let mut ui = fixture::ui(true);
    ui.panel = Panel::Landing;
    ui.places.landing = 1;
    let s = draw(&model, &ui, 250, 70).backend().to_string();
    for row in [
        "▶ schema czar/schema reviewing ↺1 2c +80−2 verify ✓ review rejected ✗1 worker 2",
        "setup czar/setup landed 1c +40−2 verify ✓ review approved 4f2a9c1e77",
    ] {
        assert!(s.contains(row), "{row}\n{s}");
    }
    assert!(
        s.contains("review   reviewing (worker 2), 1/2 rejections"),
        "{s}"
    );
    assert!(
        s.contains("said     the migration is not reversible"),
        "{s}"
    );
    snap_all("landing_review", &model, &ui);
}
