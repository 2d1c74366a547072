//! `land = "pr"` against a local bare remote and a stand-in `gh` on PATH (tests only) that records
//! its arguments and answers as `gh` does: the branch is pushed and the pull request opened with
//! the task's title and text; a failing check goes back to the agent with the check's log; after
//! the rework the branch is pushed again; merged is landed.

use crate::common::Project;
use crate::support::{git, text, wait_output};
use std::path::Path;
use std::time::{Duration, Instant};

const STAND_IN: &str = r#"#!/bin/sh
# A recording stand-in for the GitHub CLI: what czar asks, and answers from files the test writes.
printf '%s\n' "$*" >> "$GH_DIR/args"
case "$1 $2" in
  "--version ") echo "gh version 2.99.0 (stand-in)" ;;
  "pr create") cat > "$GH_DIR/body"; touch "$GH_DIR/opened"; echo "https://github.test/o/r/pull/7" ;;
  "pr view")
    if [ "$3" = "https://github.test/o/r/pull/7" ]; then cat "$GH_DIR/state.json"
    elif [ -f "$GH_DIR/opened" ]; then echo '{"state":"OPEN","url":"https://github.test/o/r/pull/7"}'
    else echo "no pull requests found for branch \"$3\"" >&2; exit 1; fi ;;
  "run view") echo "step 3: cargo test"; echo "assertion failed: answer == 42" ;;
  *) echo "unexpected: $*" >&2; exit 1 ;;
esac
"#;

fn wait_for(what: &str, limit: Duration, mut done: impl FnMut() -> bool) {
    let start = Instant::now();
    while !done() {
        assert!(start.elapsed() < limit, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn write(path: &Path, text: &str) {
    std::fs::write(path, text).unwrap();
}

#[test]
fn a_pull_request_is_opened_sent_back_on_a_failing_check_and_landed_when_merged() {
    let p = Project::new(1, "pr_poll_secs = 1\n");
    let config = std::fs::read_to_string(p.root.join("czar.toml")).unwrap();
    write(
        &p.root.join("czar.toml"),
        &format!("land = \"pr\"\nremote = \"origin\"\nforge = \"gh\"\n{config}"),
    );
    let side = tempfile::tempdir().unwrap();
    let bare = side.path().join("remote.git");
    git(
        side.path(),
        &["init", "-q", "--bare", bare.to_str().unwrap()],
    );
    git(
        &p.root,
        &["remote", "add", "origin", bare.to_str().unwrap()],
    );
    let bin = side.path().join("bin");
    let gh_dir = side.path().join("gh");
    std::fs::create_dir_all(&bin).unwrap();
    std::fs::create_dir_all(&gh_dir).unwrap();
    write(&bin.join("gh"), STAND_IN);
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::Permissions::from_mode(0o755);
        std::fs::set_permissions(bin.join("gh"), mode).unwrap();
    }
    let state = gh_dir.join("state.json");
    write(&state, r#"{"state":"OPEN","statusCheckRollup":[]}"#);
    let body = "Write out/a.txt.\n\nsim: duration=0.3 touch=out/a.txt\n";
    p.task("a", "title = \"Add the answer\"", body);
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let received = side.path().join("received");
    let doctor = p.czar(&["doctor"]).env("PATH", &path).output().unwrap();
    assert!(
        String::from_utf8_lossy(&doctor.stdout).contains("gh version 2.99.0 (stand-in)"),
        "doctor does not check the forge's CLI:\n{}",
        text(&doctor)
    );
    let child = p
        .czar(&["--auto"])
        .env("PATH", &path)
        .env("GH_DIR", &gh_dir)
        .env("CZAR_SIM_RECORD_DIR", &received)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let args = || std::fs::read_to_string(gh_dir.join("args")).unwrap_or_default();
    let limit = Duration::from_secs(60);
    wait_for("the pull request", limit, || args().contains("pr create"));
    let pushed = git(&bare, &["rev-parse", "refs/heads/czar/a"]);
    assert_eq!(pushed.trim(), git(&p.root, &["rev-parse", "czar/a"]).trim());
    assert!(
        args().contains("pr create --head czar/a --base main --title Add the answer --body-file -"),
        "{}",
        args()
    );
    assert_eq!(std::fs::read_to_string(gh_dir.join("body")).unwrap(), body);
    // Its check fails: the log goes back to the agent.
    write(
        &state,
        r#"{"state":"OPEN","statusCheckRollup":[{"name":"test","conclusion":"FAILURE",
            "detailsUrl":"https://github.test/o/r/actions/runs/42/job/1"}]}"#,
    );
    wait_for("the follow-up", limit, || {
        p.events().iter().any(|e| e.kind == "land_verify_failed")
    });
    assert!(args().contains("run view 42 --log-failed"), "{}", args());
    // Merged once the rework is pushed and the pull request looked at again.
    let first_push = pushed.trim().to_string();
    write(
        &state,
        r#"{"state":"MERGED","mergeCommit":{"oid":"0123456789abcdef0123456789abcdef01234567"}}"#,
    );
    let out = wait_output(child, Duration::from_secs(90));
    assert!(out.status.success(), "{}", text(&out));
    let again = git(&bare, &["rev-parse", "refs/heads/czar/a"]);
    assert_ne!(again.trim(), first_push, "the rework was not pushed");
    let events = p.events();
    let landed: Vec<_> = events.iter().filter(|e| e.kind == "landed").collect();
    assert_eq!(landed.len(), 1, "{landed:?}");
    assert!(landed[0].detail.contains("merged as 0123456789abcdef"));
    let texts: Vec<String> = std::fs::read_dir(&received)
        .unwrap()
        .flat_map(|d| std::fs::read_dir(d.unwrap().path()).unwrap())
        .map(|f| std::fs::read_to_string(f.unwrap().path()).unwrap())
        .collect();
    assert!(
        texts
            .iter()
            .any(|t| t.contains("assertion failed: answer == 42")
                && t.contains("`test` failed")
                && t.contains("https://github.test/o/r/pull/7")),
        "no follow-up with the check's log among {texts:#?}"
    );
    let status = p.status_json();
    let task = &status["tasks"][0];
    assert_eq!(task["landing"]["state"], "landed", "{task}");
    assert!(
        task["landing"]["url"].is_null(),
        "no open PR once merged: {task}"
    );
}
