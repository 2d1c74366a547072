//! The review gate end to end: `review = "sim"` with two sim workers; the one that did the task
//! is never its reviewer. The reviewer is told (by lines quoted from the task, run only when
//! the review asks for `czar review ...`) to reject once, then approve. The rejection's text
//! reaches the author, who works again; the task is verified, reviewed again, and lands.

use crate::common::Project;
use crate::support::{CZAR, git, text, wait_output};
use std::time::Duration;

#[test]
fn a_task_rejected_once_then_approved_lands_and_its_author_got_the_review() {
    let p = Project::new(2, "");
    let config = std::fs::read_to_string(p.root.join("czar.toml")).unwrap();
    let head = "land = \"merge\"\nreview = \"sim\"\nmax_review_rounds = 2\n";
    std::fs::write(p.root.join("czar.toml"), format!("{head}{config}")).unwrap();
    // The reviewer runs czar by its full path: its session's PATH is not the test's.
    let body = format!(
        "sim: duration=0.3 touch=out/a.txt\n\
         sim: run={CZAR} review reject \"please name the file in the README too\"\n\
         sim: run={CZAR} review approve\n"
    );
    p.task("a", "title = \"Add a\"", &body);
    let side = tempfile::tempdir().unwrap();
    let received = side.path().join("received");
    let child = p
        .czar(&["--auto"])
        .env("CZAR_SIM_RECORD_DIR", &received)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let out = wait_output(child, Duration::from_secs(120));
    let status = p.status_json();
    let details: Vec<String> = p
        .events()
        .iter()
        .map(|e| format!("{} {:?} {:?} {}", e.kind, e.worker, e.task, e.detail))
        .collect();
    let a = status["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["id"] == "a")
        .cloned()
        .unwrap();
    assert_eq!(
        a["landing"]["state"],
        "landed",
        "{a:#}\n{details:#?}\n{}",
        text(&out)
    );
    let review = &a["landing"]["review"];
    assert_eq!(review["verdict"], "approved", "{a:#}");
    assert_eq!(review["rejections"], 1, "{a:#}");
    let stats = p.czar(&["stats", "--json"]).output().unwrap();
    let stats: serde_json::Value = serde_json::from_slice(&stats.stdout).unwrap();
    let land = &stats["landing"];
    assert_eq!(
        (
            &land["reviewed"],
            &land["review_approved"],
            &land["review_rejections"]
        ),
        (&1.into(), &1.into(), &1.into()),
        "{stats:#}"
    );
    assert_eq!(
        git(&p.root, &["ls-tree", "--name-only", "main", "out/a.txt"]).trim(),
        "out/a.txt"
    );
    // Who did what: the reviews went to the worker that did not do the task.
    let author = a["worker"].as_u64();
    let handed: Vec<&String> = details
        .iter()
        .filter(|d| d.starts_with("review") && d.contains("for review"))
        .collect();
    assert_eq!(handed.len(), 2, "{details:#?}");
    // Each through the journaled delivery, its submit confirmed on the reviewer's screen.
    let confirmed = details
        .iter()
        .filter(|d| d.starts_with("delivered") && d.contains("review submitted; confirmed"))
        .count();
    assert_eq!(confirmed, 2, "{details:#?}");
    assert!(
        handed
            .iter()
            .all(|d| author.is_none_or(|w| !d.contains(&format!("Some({w})")))),
        "{details:#?}"
    );
    // What each sim received: a review text with the diff, and the author the rejection.
    let texts: Vec<String> = std::fs::read_dir(&received)
        .unwrap()
        .flat_map(|d| std::fs::read_dir(d.unwrap().path()).unwrap())
        .map(|f| String::from_utf8_lossy(&std::fs::read(f.unwrap().path()).unwrap()).into_owned())
        .collect();
    assert!(
        texts
            .iter()
            .any(|t| t.contains("czar review approve") && t.contains("+++ b/out/a.txt")),
        "no review text with the diff: {texts:#?}"
    );
    assert!(
        texts
            .iter()
            .any(|t| t.contains("please name the file in the README too")
                && t.contains("reviewed again")),
        "the rejection did not reach the author: {texts:#?}"
    );
}

/// A czar killed (SIGKILL) while a review is under way: the review state is in the store, the
/// next czar finds it with its reviewer, the verdict counts, and the task lands once.
#[test]
fn a_review_under_way_survives_a_killed_czar_and_the_task_lands() {
    let p = Project::new(2, "");
    let config = std::fs::read_to_string(p.root.join("czar.toml")).unwrap();
    let head = "land = \"merge\"\nreview = \"sim\"\n";
    std::fs::write(p.root.join("czar.toml"), format!("{head}{config}")).unwrap();
    let body = format!("sim: duration=0.3 touch=out/a.txt\nsim: run={CZAR} review approve\n");
    p.task("a", "title = \"Add a\"", &body);
    let mut child = p.spawn_auto();
    let start = std::time::Instant::now();
    loop {
        let s = p.status_json();
        let reviewing = s["tasks"][0]["landing"]["review"]["verdict"] == "reviewing";
        if reviewing {
            break;
        }
        assert!(start.elapsed() < Duration::from_secs(60), "{s:#}");
        std::thread::sleep(Duration::from_millis(50));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let out = crate::support::run_within(&mut p.czar(&["--auto"]), Duration::from_secs(120));
    let status = p.status_json();
    let a = &status["tasks"][0];
    assert_eq!(a["landing"]["state"], "landed", "{a:#}\n{}", text(&out));
    assert_eq!(a["landing"]["review"]["verdict"], "approved", "{a:#}");
    let landed = p.events().iter().filter(|e| e.kind == "landed").count();
    assert_eq!(landed, 1);
}
