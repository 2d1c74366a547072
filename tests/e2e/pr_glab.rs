//! `land = "pr"` with `forge = "glab"` against a local bare remote and a stand-in `glab` on PATH
//! (tests only) that records its arguments and answers as GitLab's CLI does: the branch pushed
//! and the merge request opened with the task's title and text; a failing pipeline goes back to
//! the agent; the rework pushed again finds its open merge request; merged is landed. `czar
//! doctor` checks the CLI.

use crate::common::Project;
use crate::support::{git, text, wait_output};
use std::path::Path;
use std::time::{Duration, Instant};

const STAND_IN: &str = r#"#!/bin/sh
# A recording stand-in for the GitLab CLI: what czar asks, and answers from files the test writes.
printf '%s\n' "$*" >> "$GLAB_DIR/args"
URL="https://gitlab.test/o/r/-/merge_requests/7"
case "$1 $2" in
  "--version ") echo "glab 1.99.0 (stand-in)" ;;
  "mr create") touch "$GLAB_DIR/opened"; echo "Creating merge request for czar/a into main"; echo "$URL" ;;
  "mr view")
    if [ "$3" = "$URL" ]; then cat "$GLAB_DIR/state.json"
    elif [ -f "$GLAB_DIR/opened" ]; then echo "{\"state\":\"opened\",\"web_url\":\"$URL\"}"
    else echo "no open merge request available for \"$3\"" >&2; exit 1; fi ;;
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
fn a_merge_request_is_opened_sent_back_on_a_failing_pipeline_and_landed_when_merged() {
    let p = Project::new(1, "pr_poll_secs = 1\n");
    let config = std::fs::read_to_string(p.root.join("czar.toml")).unwrap();
    write(
        &p.root.join("czar.toml"),
        &format!("land = \"pr\"\nremote = \"origin\"\nforge = \"glab\"\n{config}"),
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
    let (bin, dir) = (side.path().join("bin"), side.path().join("glab"));
    std::fs::create_dir_all(&bin).unwrap();
    std::fs::create_dir_all(&dir).unwrap();
    write(&bin.join("glab"), STAND_IN);
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::Permissions::from_mode(0o755);
        std::fs::set_permissions(bin.join("glab"), mode).unwrap();
    }
    let state = dir.join("state.json");
    write(
        &state,
        r#"{"state":"opened","pipeline":{"status":"running"}}"#,
    );
    let body = "Write out/a.txt.\n\nsim: duration=0.3 touch=out/a.txt\n";
    p.task("a", "title = \"Add the answer\"", body);
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let doctor = p.czar(&["doctor"]).env("PATH", &path).output().unwrap();
    assert!(
        String::from_utf8_lossy(&doctor.stdout).contains("glab 1.99.0 (stand-in)"),
        "doctor does not check the forge's CLI:\n{}",
        text(&doctor)
    );
    // Without it on PATH, doctor says so.
    let missing = p
        .czar(&["doctor"])
        .env("PATH", "/usr/bin:/bin")
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&missing.stdout).into_owned();
    assert!(
        said.lines()
            .any(|l| l.contains("forge") && l.contains("glab")),
        "{said}"
    );
    let received = side.path().join("received");
    let child = p
        .czar(&["--auto"])
        .env("PATH", &path)
        .env("GLAB_DIR", &dir)
        .env("CZAR_SIM_RECORD_DIR", &received)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let args = || std::fs::read_to_string(dir.join("args")).unwrap_or_default();
    let limit = Duration::from_secs(60);
    wait_for("the merge request", limit, || args().contains("mr create"));
    let pushed = git(&bare, &["rev-parse", "refs/heads/czar/a"]);
    assert_eq!(pushed.trim(), git(&p.root, &["rev-parse", "czar/a"]).trim());
    let create = format!(
        "mr create --source-branch czar/a --target-branch main --title Add the answer \
         --description {body}"
    );
    assert!(args().contains(create.trim_end()), "{}", args());
    // Its pipeline fails: back to the agent, with the pipeline's link.
    write(
        &state,
        r#"{"state":"opened","pipeline":{"status":"failed",
            "web_url":"https://gitlab.test/o/r/-/pipelines/42"}}"#,
    );
    wait_for("the follow-up", limit, || {
        p.events().iter().any(|e| e.kind == "land_verify_failed")
    });
    let first_push = pushed.trim().to_string();
    // The rework is pushed and finds its merge request open; then it is merged.
    wait_for("the rework pushed", limit, || {
        git(&bare, &["rev-parse", "refs/heads/czar/a"]).trim() != first_push
    });
    wait_for("the open merge request found", limit, || {
        args().contains("mr view czar/a --output json")
    });
    write(
        &state,
        r#"{"state":"merged","merge_commit_sha":"0123456789abcdef0123456789abcdef01234567"}"#,
    );
    let out = wait_output(child, Duration::from_secs(90));
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(
        args().matches("mr create").count(),
        1,
        "opened twice: {}",
        args()
    );
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
            .any(|t| t.contains("https://gitlab.test/o/r/-/pipelines/42")),
        "no follow-up with the pipeline among {texts:#?}"
    );
    let status = p.status_json();
    let landing = &status["tasks"][0]["landing"];
    assert_eq!(landing["state"], "landed");
    // The branch's size as last seen: its first commit and the rework's at least.
    assert!(
        landing["size"]["commits"].as_u64().unwrap_or(0) >= 1,
        "{landing}"
    );
}
