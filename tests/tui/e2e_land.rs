//! The Landing panel's keys on the real binary in tmux, with `land = "pr"` against a local bare
//! remote and recording stand-ins on PATH (tests only): `gh` answering as GitHub's CLI does,
//! `xdg-open` (and macOS's `open`) for the browser, and a diff tool that keeps what it was given.
//! Diff, open the PR, reject with a note (the task goes back to its author with it), land now.

use crate::support::{CZAR, TmuxServer, czar_repo, git};
use std::path::Path;
use std::time::{Duration, Instant};

const GH: &str = r#"#!/bin/sh
printf '%s\n' "$*" >> "$GH_DIR/args"
case "$1 $2" in
  "--version ") echo "gh version 2.99.0 (stand-in)" ;;
  "pr create") cat > /dev/null; touch "$GH_DIR/opened"; echo "https://github.test/o/r/pull/7" ;;
  "pr view")
    if [ "$3" = "https://github.test/o/r/pull/7" ]; then cat "$GH_DIR/state.json"
    elif [ -f "$GH_DIR/opened" ]; then echo '{"state":"OPEN","url":"https://github.test/o/r/pull/7"}'
    else echo "no pull requests found for branch \"$3\"" >&2; exit 1; fi ;;
  *) echo "unexpected: $*" >&2; exit 1 ;;
esac
"#;
const OPENER: &str = "#!/bin/sh\nprintf '%s\\n' \"$*\" >> \"$GH_DIR/browsed\"\n";
/// Keeps the diff it reads and takes a moment, as a pager the operator reads would.
const DIFF_TOOL: &str = "#!/bin/sh\ncat > \"$GH_DIR/paged.tmp\"\nsleep 0.5\nmv \"$GH_DIR/paged.tmp\" \"$GH_DIR/paged\"\n";

fn script(path: &Path, text: &str) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::write(path, text).unwrap();
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_default()
}

fn wait(what: &str, limit: Duration, screen: impl Fn() -> String, ok: impl Fn() -> bool) {
    let start = Instant::now();
    while !ok() {
        assert!(
            start.elapsed() < limit,
            "waited {limit:?} for {what}; the screen:\n{}",
            screen()
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

#[test]
fn the_landing_panels_keys_show_the_diff_open_the_pr_reject_with_a_note_and_land_now() {
    // First: both servers go before the folders.
    let term = TmuxServer::new("czar-tui-land-term");
    let workers = TmuxServer::new("czar-tui-land-work");
    let repo = czar_repo();
    let side = tempfile::tempdir().unwrap();
    let root = repo.root.clone();
    let (bin, gh_dir) = (side.path().join("bin"), side.path().join("gh"));
    std::fs::create_dir_all(&bin).unwrap();
    std::fs::create_dir_all(&gh_dir).unwrap();
    script(&bin.join("gh"), GH);
    script(&bin.join("xdg-open"), OPENER);
    script(&bin.join("open"), OPENER);
    script(&bin.join("show-diff"), DIFF_TOOL);
    std::fs::write(
        gh_dir.join("state.json"),
        r#"{"state":"OPEN","statusCheckRollup":[]}"#,
    )
    .unwrap();
    let bare = side.path().join("remote.git");
    git(
        side.path(),
        &["init", "-q", "--bare", bare.to_str().unwrap()],
    );
    git(&root, &["remote", "add", "origin", bare.to_str().unwrap()]);
    let config = format!(
        "project = \"land\"\nworkers = 1\nagent = \"sim\"\nworktrees_dir = \"../wt\"\n\
         tmux_socket = \"{}\"\nland = \"pr\"\nremote = \"origin\"\nforge = \"gh\"\n\
         diff_tool = \"{}\"\n\n[timing]\npoll_ms = 200\nsettle_ms = 150\npr_poll_secs = 1\n",
        workers.socket(),
        bin.join("show-diff").display()
    );
    std::fs::write(root.join("czar.toml"), config).unwrap();
    let body = "Write out/a.txt.\n\nsim: duration=0.3 touch=out/a.txt\n";
    std::fs::write(
        root.join("tasks/a.md"),
        format!("+++\ntitle = \"Add the answer\"\n+++\n{body}"),
    )
    .unwrap();
    let received = side.path().join("received");
    let path = format!(
        "PATH={}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let status = term
        .command()
        .args(["-u", "-f", "/dev/null", "new-session", "-d", "-s", "dash"])
        .args(["-x", "160", "-y", "48", "-c"])
        .arg(&root)
        .args(["--", "env", "LANG=C.UTF-8", "EDITOR=", "PAGER=", &path])
        .arg(format!("GH_DIR={}", gh_dir.display()))
        .arg(format!("CZAR_SIM_RECORD_DIR={}", received.display()))
        .arg(CZAR)
        .env_remove("TMUX")
        .status()
        .unwrap();
    assert!(status.success());
    term.run(&["set-option", "-t", "dash", "remain-on-exit", "on"]);
    let screen = || {
        term.run(&["-u", "capture-pane", "-p", "-t", "dash"])
            .unwrap_or_default()
    };
    let keys = |ks: &[&str]| {
        for k in ks {
            term.run(&["send-keys", "-t", "dash", k]);
            std::thread::sleep(Duration::from_millis(150));
        }
    };
    let long = Duration::from_secs(60);
    let url = "https://github.test/o/r/pull/7";
    wait("the pull request in the panel", long, screen, || {
        screen().contains("a czar/a pr_open")
    });
    keys(&["Tab", "Tab"]);
    wait("the panel focused, a selected", long, screen, || {
        let s = screen();
        s.contains("▶ a czar/a") && s.contains("Landing: a")
    });

    // The diff goes to the configured tool on its standard input; the dashboard comes back.
    keys(&["v"]);
    let paged = gh_dir.join("paged");
    wait("the diff in the tool", long, screen, || paged.exists());
    let diff = read(&paged);
    assert!(
        diff.contains("+++ b/out/a.txt") && diff.contains("diff --git"),
        "{diff}"
    );
    wait("the dashboard back", long, screen, || {
        let s = screen();
        s.contains("back from") && s.contains("Landing: pr into main")
    });

    // The PR's page goes to the browser opener.
    keys(&["o"]);
    let browsed = gh_dir.join("browsed");
    wait("the browser asked", long, screen, || {
        read(&browsed).contains(url)
    });
    assert_eq!(read(&browsed).trim(), url);

    // Rejected with a note: back to its author (the one worker) with the note, then done again.
    let note = "Name the file answer.txt instead";
    keys(&["b"]);
    wait("the note dialog", long, screen, || {
        screen().contains("back to its agent with a note")
    });
    term.run(&["send-keys", "-t", "dash", "-l", note]);
    std::thread::sleep(Duration::from_millis(150));
    keys(&["Enter"]);
    let texts = || -> Vec<String> { walk(&received).into_iter().map(|p| read(&p)).collect() };
    wait("the note at the worker", long, screen, || {
        texts()
            .iter()
            .any(|t| t.contains(note) && t.contains("sent it back"))
    });
    let events = czar::adapters::store::Store::open(&root.join(".czar"))
        .unwrap()
        .events(10_000)
        .unwrap();
    assert!(
        events
            .iter()
            .any(|e| e.kind == "operator" && e.detail.contains(note)),
        "{events:#?}"
    );

    // Merged on the forge once looked at again: landed, in the panel too.
    std::fs::write(
        gh_dir.join("state.json"),
        r#"{"state":"MERGED","mergeCommit":{"oid":"0123456789abcdef0123456789abcdef01234567"}}"#,
    )
    .unwrap();
    wait("landed", long, screen, || {
        // Back once.
        screen().contains("▶ a czar/a landed ↺1 ")
    });
    // Land now on it: asked, and the core says there is nothing left to land.
    keys(&["l"]);
    wait("the ask", long, screen, || {
        screen().contains("asked to land a now")
    });
    wait("the ask recorded", long, screen, || {
        czar::adapters::store::Store::open(&root.join(".czar"))
            .unwrap()
            .events(10_000)
            .unwrap()
            .iter()
            .any(|e| e.kind == "operator" && e.detail.contains("asked to land now"))
    });
    keys(&["q"]);
    // The pane stays (remain-on-exit): the dashboard left cleanly.
    wait("a clean exit", long, screen, || {
        term.exit_status("dash") == Some(0)
    });
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return out;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}
