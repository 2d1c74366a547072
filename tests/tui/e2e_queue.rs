//! The Queue panel's keys on the real binary in tmux: hold, reprioritise, release, cancel and
//! retry a task, each seen on the dashboard and in the store (`czar task ls --json`).

use crate::e2e::{Room, header, write_task};
use crate::support::CZAR;
use std::process::Command;
use std::time::Duration;

fn listed(room: &Room, id: &str, key: &str) -> serde_json::Value {
    let out = Command::new(CZAR)
        .args(["task", "ls", "--json"])
        .current_dir(room.repo())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let all: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    all.as_array()
        .and_then(|ts| ts.iter().find(|t| t["id"] == id))
        .map_or(serde_json::Value::Null, |t| t[key].clone())
}

#[test]
fn queue_panel_keys_hold_reprioritise_release_cancel_and_retry() {
    let room = Room::open(160, 48);
    let long = Duration::from_secs(60);
    room.wait_screen("both demo tasks done", long, |s| {
        header(s).contains("0 active 2 done")
    });
    room.keys(&["p"]);
    room.wait_screen("auto OFF", long, |s| header(s).contains("auto OFF"));
    write_task(&room.repo(), "long-a", 5);
    write_task(&room.repo(), "long-b", 4);
    room.wait_screen("the new tasks ready", long, |s| {
        s.contains("long-a p5") && s.contains("long-b p4")
    });
    // Tab to the Queue panel; the first ready task (the higher priority) is selected.
    room.keys(&["Tab"]);
    room.wait_screen("the queue focused", long, |s| s.contains("Queue 1/"));

    room.keys(&["h"]);
    room.wait_screen("long-a held", long, |s| {
        s.contains("held (1)") && s.contains("long-a p5 ⏸ held from the dashboard")
    });
    assert_eq!(listed(&room, "long-a", "state"), "held");

    // The selection followed long-a into the held group: + raises its priority.
    room.keys(&["+"]);
    room.wait_screen("long-a at p6", long, |s| s.contains("long-a p6 ⏸"));
    let file = std::fs::read_to_string(room.repo().join("tasks/long-a.md")).unwrap();
    assert!(file.contains("priority = 6\n"), "{file}");

    room.keys(&["h"]);
    room.wait_screen("long-a released", long, |s| {
        !s.contains("held (") && s.contains("long-a p6 Long long-a")
    });
    assert_eq!(listed(&room, "long-a", "state"), "pending");

    room.keys(&["x"]);
    room.wait_screen("the cancel question", long, |s| {
        s.contains("Cancel task long-a?")
    });
    room.keys(&["y"]);
    room.wait_screen("long-a cancelled", long, |s| {
        s.contains("long-a cancelled by the operator")
    });
    assert_eq!(listed(&room, "long-a", "state"), "failed");

    room.keys(&["R"]);
    room.wait_screen("long-a ready again", long, |s| {
        s.contains("long-a p6 Long long-a")
    });
    assert_eq!(listed(&room, "long-a", "state"), "pending");
    assert_eq!(listed(&room, "long-a", "attempts"), 0);
}

#[test]
fn no_to_a_question_holds_the_task_instead_of_asking_the_next_worker() {
    let room = Room::open(160, 48);
    let long = Duration::from_secs(60);
    room.wait_screen("both demo tasks done", long, |s| {
        header(s).contains("0 active 2 done")
    });
    let ask = "+++\ntitle = \"Needs a yes\"\n+++\nAsk first.\n\nsim: duration=2 ask=delete_the_build_folder\n";
    std::fs::write(room.repo().join("tasks/needs-a-yes.md"), ask).unwrap();
    let asking = |s: &serde_json::Value| {
        s["workers"].as_array().and_then(|ws| {
            ws.iter()
                .find(|w| w["task"] == "needs-a-yes" && w["state"] == "waiting")
                .and_then(|w| w["id"].as_u64())
        })
    };
    room.wait_status("a worker waiting on the question", long, |s| {
        asking(s).is_some()
    });
    let Some(w) = asking(&room.status()) else {
        panic!("the question went away without the operator");
    };
    if w == 2 {
        room.keys(&["j"]);
    }
    room.keys(&["N"]);
    room.wait_screen("the task held with the question", long, |s| {
        s.contains("held (1)") && s.contains("needs-a-yes p0 ⏸ the operator said no to:")
    });
    // Both workers are free, and neither is given the task: the same question would come back.
    std::thread::sleep(Duration::from_secs(3));
    assert_eq!(listed(&room, "needs-a-yes", "state"), "held");
    let st = room.status();
    assert!(
        st["workers"]
            .as_array()
            .is_some_and(|ws| ws.iter().all(|w| w["task"].is_null())),
        "{st:#}"
    );
    let hold = listed(&room, "needs-a-yes", "hold");
    assert!(
        hold.as_str()
            .is_some_and(|h| h.contains("delete the build folder")),
        "{hold}"
    );
}
