//! Never type into a pane someone is attached to: a real tmux client attached to a worker's
//! session (from a second, outer tmux server, which gives it a terminal) keeps a new task away
//! from that worker; once the client detaches the task is delivered and done.

use crate::background::{Running, wait_until};
use crate::common::Project;
use crate::support::TmuxServer;
use std::time::Duration;

fn task_state(p: &Project, id: &str) -> Option<String> {
    let status = p.status_json();
    status["tasks"]
        .as_array()?
        .iter()
        .find(|t| t["id"] == id)
        .and_then(|t| t["state"].as_str().map(str::to_string))
}

fn worker_attached(p: &Project) -> bool {
    p.status_json()["workers"][0]["attached"].as_bool() == Some(true)
}

#[test]
fn nothing_is_delivered_while_a_client_is_attached_and_it_is_after_detach() {
    let p = Project::new(1, "");
    let _czar = Running::start(p.czar(&["--auto", "--watch"]));
    let session = "=e2e-worker-1";
    wait_until("the worker's session", 30, || {
        p.tmux(&["has-session", "-t", session]).is_some()
    });
    wait_until("the worker at its prompt", 30, || {
        p.status_json()["workers"][0]["state"] == "idle"
    });

    // A real client on the czar's private server, in a terminal the outer server provides.
    let outer = TmuxServer::new("czar-e2e-outer");
    let attach = [
        "new-session",
        "-d",
        "-x",
        "120",
        "-y",
        "40",
        "env",
        "-u",
        "TMUX",
        "tmux",
        "-L",
        p.socket(),
        "attach-session",
        "-t",
        session,
    ];
    assert!(outer.run(&attach).is_some(), "outer tmux did not start");
    wait_until("a client attached to the worker", 15, || {
        p.tmux(&["list-clients", "-t", session])
            .is_some_and(|c| !c.trim().is_empty())
    });
    wait_until("the czar to see the client", 15, || worker_attached(&p));

    p.task(
        "late",
        "title = \"Late task\"",
        "Write late.txt.\n\nsim: duration=0.2 touch=late.txt\n",
    );
    wait_until("the czar to read the task file", 15, || {
        task_state(&p, "late").is_some()
    });
    // Several session listings and screen reads later, the task is still not given to it.
    std::thread::sleep(Duration::from_secs(5));
    assert_eq!(task_state(&p, "late").as_deref(), Some("pending"));
    let events = p.events();
    assert!(
        !events.iter().any(|e| e.kind == "assigned"),
        "assigned while attached: {events:?}"
    );
    assert!(
        events
            .iter()
            .any(|e| e.kind == "attached" && e.detail.contains("client attached")),
        "no attached event: {events:?}"
    );

    assert!(p.tmux(&["detach-client", "-s", session]).is_some());
    wait_until("the task done after the client detached", 60, || {
        task_state(&p, "late").as_deref() == Some("done")
    });
    assert!(!worker_attached(&p));
    let events = p.events();
    assert!(
        events
            .iter()
            .any(|e| e.kind == "attached" && e.detail.contains("detached")),
        "no detach event: {events:?}"
    );
    drop(outer);
}
