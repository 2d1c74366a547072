//! Task files and `czar task add` text the binary refuses before anything starts: exit 2, the
//! file and the line, nothing written, no worker started.

use crate::common::Project;
use crate::support::{run_with_input, text};
use std::time::Duration;

/// `czar --auto` with one good task and `bad.md` holding `bytes`: exit 2, the error names
/// `bad.md:<line>` and says `why`, and nothing starts.
fn refused_file(bytes: &[u8], line: usize, why: &str) {
    let p = Project::new(1, "");
    p.task("good", "title = \"Good\"", "x\n\nsim: duration=0.2\n");
    let bad = p.root.join("tasks/bad.md");
    std::fs::write(&bad, bytes).unwrap();
    let out = p.run_auto(Duration::from_secs(30));
    assert_eq!(out.status.code(), Some(2), "{why}: {}", text(&out));
    let err = String::from_utf8_lossy(&out.stderr);
    let want = format!("{}:{line}: ", bad.display());
    assert!(
        err.contains(&want) && err.contains(why),
        "{want:?} {why:?} in {err}"
    );
    assert!(
        p.tmux(&["list-sessions"]).is_none(),
        "{why}: a session started"
    );
}

#[test]
fn broken_task_text_exits_2_with_file_and_line() {
    refused_file(
        b"+++\ntitle = \"Empty\"\n+++\n\n",
        4,
        "the task text is empty",
    );
    refused_file(
        b"+++\ntitle = \"P\"\n+++\nok\nthen \x1b[201~ typed\n",
        5,
        "ESC[201~",
    );
    refused_file(b"+++\ntitle = \"B\"\n+++\nok\n\0\0\0", 5, "a NUL byte");
    refused_file(b"caf\xe9\n", 1, "not UTF-8");
    refused_file(
        b"+++\ntitle = \"A\"\nagent = \"clade\"\n+++\nx\n",
        3,
        "\"clade\"",
    );
    refused_file(
        b"+++\nneeds = [\"good\", \"good\"]\n+++\nx\n",
        2,
        "repeats an id",
    );
    refused_file(
        b"+++\nneeds = [\"bad\"]\n+++\nx\n",
        2,
        "names this task itself",
    );
}

#[test]
fn a_dangling_task_symlink_exits_2_naming_it_and_a_good_one_runs() {
    let p = Project::new(1, "");
    let elsewhere = p.root.parent().unwrap().join("linked-task.md");
    std::fs::write(
        &elsewhere,
        "+++\ntitle = \"L\"\n+++\nDo it.\n\nsim: duration=0.2\n",
    )
    .unwrap();
    std::os::unix::fs::symlink(&elsewhere, p.root.join("tasks/linked.md")).unwrap();
    let dangling = p.root.join("tasks/dangling.md");
    std::os::unix::fs::symlink(p.root.join("nowhere.md"), &dangling).unwrap();
    let out = p.run_auto(Duration::from_secs(30));
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(&format!("{}: is a symlink", dangling.display())),
        "{err}"
    );
    std::fs::remove_file(&dangling).unwrap();
    let out = p.run_auto(Duration::from_secs(60));
    assert!(out.status.success(), "{}", text(&out));
    let events = p.events();
    assert!(
        events
            .iter()
            .any(|e| e.kind == "done" && e.task.as_deref() == Some("linked"))
    );
}

/// `czar task add` with `args` and `stdin`; returns the output.
fn task_add(p: &Project, args: &[&str], stdin: &[u8]) -> std::process::Output {
    let mut all = vec!["task", "add"];
    all.extend_from_slice(args);
    run_with_input(&mut p.czar(&all), stdin, Duration::from_secs(30))
}

#[test]
fn task_add_refuses_an_unknown_profile_and_bad_text_writing_nothing() {
    let p = Project::new(1, "[agents.mine]\ncommand = [\"true\"]\n");
    let before = std::fs::read_dir(p.root.join("tasks")).unwrap().count();
    let out = task_add(&p, &["--title", "T", "--agent", "claud"], b"Do it.\n");
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("--agent \"claud\""), "{err}");
    // Shipped profiles and the repository's own are listed.
    for known in ["claude", "codex", "sim", "mine"] {
        assert!(err.contains(known), "{known} not listed: {err}");
    }
    for (stdin, why) in [
        (&b"first\nsecond \x1b[201~\n"[..], "<standard input>:2: "),
        (b"ok\nbin\0ary\n", "<standard input>:2: not text"),
        (b"\xff\xfe\n", "<standard input>:1: not text"),
        (b"  \n", "the task text is empty"),
    ] {
        let out = task_add(&p, &["--title", "T"], stdin);
        assert_eq!(out.status.code(), Some(2), "{why}: {}", text(&out));
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(why), "{why:?} in {err}");
    }
    let file = p.root.join("text.md");
    std::fs::write(&file, "one\ntwo\nthree \x1b[201~\n").unwrap();
    let out = task_add(&p, &["--title", "T", "--file", file.to_str().unwrap()], b"");
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains(&format!("{}:3: ", file.display())), "{err}");
    let after = std::fs::read_dir(p.root.join("tasks")).unwrap().count();
    assert_eq!(before, after, "a task file was written");

    // A known profile, the repository's own, is accepted.
    let out = task_add(&p, &["--title", "Mine", "--agent", "mine"], b"Do it.\n");
    assert!(out.status.success(), "{}", text(&out));
    let text = std::fs::read_to_string(p.root.join("tasks/mine.md")).unwrap();
    assert!(text.contains("agent = \"mine\""), "{text}");
}
