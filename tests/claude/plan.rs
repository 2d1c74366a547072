//! `czar --auto --plan "<goal>"` with the REAL Claude Code client as the planner, offline: the
//! stand-in API scripts the planner to run `czar task add` three times through Bash tool calls
//! (each with needs and verify), then `czar done`; the same fleet then does the three tasks.
//! Skips loudly where the client is not installed.

use crate::client::client_or_skip;
use crate::fake_api::{FakeApi, Reply, Request};
use crate::fleet::{Fleet, Opts};
use crate::support::{CZAR, run_within, text};
use std::time::Duration;

const GOAL: &str = "Write the three out files";

/// The planner's `czar task add` for each task: (id, needs).
const PLANNED: [(&str, &[&str]); 3] = [("one", &[]), ("two", &["one"]), ("three", &["one", "two"])];

fn add(i: usize) -> Reply {
    let (id, needs) = PLANNED[i];
    let needs: String = needs.iter().map(|n| format!(" --needs {n}")).collect();
    Reply::bash(
        &format!("Queueing task {id}."),
        &format!(
            "echo 'Write out/{id}.txt and commit it.' | {CZAR} task add --id {id} --title 'Task {id}'{needs} --verify 'test -f out/{id}.txt'"
        ),
    )
}

/// The planner adds the three tasks one by one (each after the last one's file was written),
/// then runs `czar done`; every other turn is a worker's (see `real::agent`).
fn agent(req: &Request) -> Reply {
    if req.after_tool() {
        let result = req.new_results.join("\n");
        for (i, (id, _)) in PLANNED.iter().enumerate() {
            if result.contains(&format!("tasks/{id}.md")) {
                return match PLANNED.get(i + 1) {
                    Some(_) => add(i + 1),
                    None => Reply::bash("All three are queued.", &format!("{CZAR} done")),
                };
            }
        }
        return crate::real::agent(req);
    }
    if req
        .last_user_text()
        .contains("You are the planner of plan `")
    {
        std::thread::sleep(Duration::from_secs(1));
        return add(0);
    }
    crate::real::agent(req)
}

#[test]
fn a_real_claude_planner_queues_three_tasks_of_its_plan_that_then_get_done() {
    let Some(bin) = client_or_skip("a_real_claude_planner_queues_three_tasks") else {
        return;
    };
    let api = FakeApi::start(agent);
    let mut opts = Opts::default();
    // Claude asks before running a command its settings do not allow: the planner's
    // `czar task add` is allowed here as an operator would allow it.
    let allow: Vec<String> = [
        "mkdir",
        "echo",
        "git add",
        "git commit",
        &format!("{CZAR} task add"),
    ]
    .iter()
    .map(|c| format!("Bash({c}:*)"))
    .collect();
    opts.settings = serde_json::json!({ "permissions": { "allow": allow } });
    let fleet = Fleet::with(&bin, &api.url, 2, &[], opts);
    let root = fleet.root.clone();
    let out = run_within(
        fleet.czar().args(["--plan", GOAL]),
        Duration::from_secs(300),
    );
    let log = api.log().join("\n");
    assert!(
        out.status.success(),
        "exit {:?}\n{}\nfake API:\n{log}",
        out.status,
        text(&out)
    );
    let printed = text(&out);
    let finished = "plan write-the-three-out-files: finished: 3 of 3 task(s) landed, 0 failed";
    assert_eq!(printed.matches(finished).count(), 1, "{printed}");
    let status = std::process::Command::new(CZAR)
        .args(["status", "--json"])
        .current_dir(&root)
        .output()
        .unwrap();
    assert!(status.status.success(), "{}", text(&status));
    let status: serde_json::Value = serde_json::from_slice(&status.stdout).unwrap();
    let tasks = status["tasks"].as_array().unwrap();
    let plan = "write-the-three-out-files";
    for (id, needs) in PLANNED {
        let t = tasks
            .iter()
            .find(|t| t["id"] == id)
            .unwrap_or_else(|| panic!("no task {id}: {status}"));
        assert_eq!(t["plan"], plan, "{t}");
        assert_eq!(t["needs"], serde_json::json!(needs), "{t}");
        assert_eq!(t["state"], "done", "{t}");
    }
    let planner = tasks
        .iter()
        .find(|t| t["id"] == format!("plan-{plan}"))
        .unwrap();
    assert_eq!(planner["state"], "done", "{planner}");
    let plans = status["plans"].as_array().unwrap();
    assert_eq!(plans.len(), 1, "{plans:?}");
    assert_eq!(plans[0]["id"], plan);
    assert_eq!(plans[0]["goal"], GOAL);
    assert_eq!(plans[0]["planner"], "done");
    assert_eq!(plans[0]["added"], 3);
    assert_eq!(plans[0]["done"], 3);
    // Each task's verify is in its file as the planner gave it.
    let three = std::fs::read_to_string(root.join("tasks/three.md")).unwrap();
    assert!(
        three.contains("verify = \"test -f out/three.txt\""),
        "{three}"
    );
}
