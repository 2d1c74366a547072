//! The control room over hosts: the hosts line (each host's health and workers) and the HOST
//! column, drawn from the rows the engine publishes; a single machine's layout is unchanged.

use crate::fixture::{self, draw};
use czar::engine::fleet_view::{HostHealth, HostRow};
use czar::front::tui::state::UiState;
use std::sync::Arc;

/// Worker 1 here; 2 on a host that is up, 3 on one reconnecting for 12 s, 4 on one down for
/// ten minutes.
fn ui_with_hosts() -> UiState {
    let mut ui = fixture::ui(true);
    ui.hosts = Arc::new(vec![
        HostRow {
            name: "gpu-box".into(),
            health: HostHealth::Up,
            workers: vec![2],
            grace_ms: 120_000,
        },
        HostRow {
            name: "mac-mini-upstairs".into(),
            health: HostHealth::Down {
                since: fixture::NOW - 12_000,
                attempts: 4,
            },
            workers: vec![3],
            grace_ms: 120_000,
        },
        HostRow {
            name: "old".into(),
            health: HostHealth::Down {
                since: fixture::NOW - 600_000,
                attempts: 40,
            },
            workers: vec![4],
            grace_ms: 120_000,
        },
    ]);
    ui
}

#[test]
fn hosts_show_their_health_and_each_worker_its_host() {
    let model = fixture::model();
    let ui = ui_with_hosts();
    for (w, h) in [(80, 24), (160, 48)] {
        let term = draw(&model, &ui, w, h);
        let s = term.backend().to_string();
        assert!(s.contains("host"), "the HOST column at {w}x{h}: {s}");
        assert!(
            s.contains(" hosts  gpu-box up"),
            "hosts line at {w}x{h}: {s}"
        );
        assert!(s.contains("local"), "worker 1 is here at {w}x{h}: {s}");
        insta::assert_snapshot!(format!("hosts_{w}x{h}"), term.backend());
    }
    // Wide: the whole line and the names up to 12 cells.
    let s = draw(&model, &ui, 160, 48).backend().to_string();
    assert!(
        s.contains("mac-mini-upstairs reconnecting 12s w3 │ old down since 11:50:00 w4"),
        "{s}"
    );
    assert!(
        s.contains("mac-mi…tairs"),
        "a long name loses its middle: {s}"
    );
    // Narrow: the column keeps 6 cells and names are abbreviated.
    let s = draw(&model, &ui, 80, 24).backend().to_string();
    assert!(s.contains("gpu…ox"), "{s}");
    // ...and the hosts line says every host's health in short words.
    assert!(
        s.contains(" hosts  gpu-box up │ mac-…irs retry 12s │ old down 11:50"),
        "{s}"
    );
}

#[test]
fn without_hosts_the_table_has_no_host_column_and_no_hosts_line() {
    let model = fixture::model();
    for (w, h) in [(80, 24), (160, 48)] {
        let plain = draw(&model, &fixture::ui(true), w, h);
        let s = plain.backend().to_string();
        assert!(!s.contains(" hosts "), "{s}");
        assert!(!s.contains("local"), "{s}");
        // The same frame as with hosts, less the hosts line and the column: the table and the
        // panels below it are where they were.
        let with = draw(&model, &ui_with_hosts(), w, h);
        assert_ne!(with.backend().to_string(), s);
    }
}
