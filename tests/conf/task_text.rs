//! What a task file's text and keys may hold, beyond its front matter's syntax: text that says
//! something, no paste end marker, no binary bytes, an `agent` that names a profile, `needs`
//! without itself or repeats; and symlinked task files. Every error names the file and line.

use czar::core::model::TaskDef;
use czar::tasks;
use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};

const AGENTS: &[&str] = &["claude", "codex", "sim"];

fn folder() -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("tasks");
    std::fs::create_dir(&dir).unwrap();
    (tmp, dir)
}

/// Loads a folder holding `ok.md` and `bad.md` with `bytes`: `bad` is left out, `ok` stays,
/// and the one error starts with `bad.md:<line>: `. Returns the error.
fn bad_file(bytes: &[u8], line: usize) -> String {
    let (_tmp, dir) = folder();
    std::fs::write(dir.join("ok.md"), "fine\n").unwrap();
    std::fs::write(dir.join("bad.md"), bytes).unwrap();
    let set = tasks::load_dir(&dir, AGENTS);
    let ids: Vec<&str> = set.tasks.iter().map(|t| t.id.as_str()).collect();
    assert_eq!(ids, ["ok"], "{:?}", String::from_utf8_lossy(bytes));
    assert_eq!(set.errors.len(), 1, "{:?}", set.errors);
    let msg = set.errors[0].to_string();
    let want = format!("{}:{line}: ", dir.join("bad.md").display());
    assert!(msg.starts_with(&want), "expected {want:?}, got {msg:?}");
    msg
}

#[test]
fn an_empty_task_text_is_refused_on_its_first_line() {
    for (text, line) in [
        ("", 1),
        ("  \n\n\t\n", 1),
        ("+++\ntitle = \"T\"\n+++\n", 4),
        ("+++\ntitle = \"T\"\n+++\n\n   \n", 4),
        ("+++\r\ntitle = \"T\"\r\n+++\r\n\r\n", 4),
    ] {
        let msg = bad_file(text.as_bytes(), line);
        assert!(msg.contains("the task text is empty"), "{msg}");
    }
}

#[test]
fn the_paste_end_marker_is_refused_on_its_line() {
    let text = "+++\ntitle = \"T\"\n+++\nfirst\nsecond \x1b[201~ then typed\n";
    let msg = bad_file(text.as_bytes(), 5);
    assert!(msg.contains("ESC[201~"), "{msg}");
    let msg = bad_file(b"no front\nmatter\n\x1b[201~rm -rf ~\n", 3);
    assert!(msg.contains("bracketed-paste end marker"), "{msg}");
}

#[test]
fn binary_bytes_are_refused_on_their_line() {
    let msg = bad_file(b"+++\ntitle = \"T\"\n+++\ntext\nmore\0binary\n", 5);
    assert!(msg.contains("not text: a NUL byte"), "{msg}");
    let msg = bad_file(b"one\ntwo\ncaf\xe9\n", 3);
    assert!(msg.contains("not UTF-8"), "{msg}");
    let msg = bad_file(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR", 3);
    assert!(msg.contains("not text"), "{msg}");
}

#[test]
fn an_agent_that_names_no_profile_is_refused_on_its_line() {
    let msg = bad_file(b"+++\ntitle = \"T\"\n\nagent = \"claud\"\n+++\ntext\n", 4);
    assert!(
        msg.contains("agent: no agent profile named \"claud\""),
        "{msg}"
    );
    assert!(msg.contains("known profiles: claude, codex, sim"), "{msg}");
    let t = tasks::parse_task(
        Path::new("t.md"),
        "+++\nagent = \"codex\"\n+++\nx\n",
        AGENTS,
    );
    assert_eq!(t.unwrap().agent, ["codex"]);
}

#[test]
fn needs_naming_the_task_itself_or_twice_is_refused_on_the_item_line() {
    let msg = bad_file(b"+++\nneeds = [\n  \"ok\",\n  \"bad\",\n]\n+++\nx\n", 4);
    assert!(msg.contains("needs[1]: names this task itself"), "{msg}");
    let msg = bad_file(b"+++\nid = \"me\"\nneeds = [\"me\"]\n+++\nx\n", 3);
    assert!(msg.contains("needs[0]: names this task itself"), "{msg}");
    let msg = bad_file(b"+++\nneeds = [\"ok\",\n \"ok\"]\n+++\nx\n", 3);
    assert!(msg.contains("needs[1]: repeats an id"), "{msg}");
}

#[test]
fn a_symlink_to_a_regular_file_anywhere_is_a_task() {
    let (tmp, dir) = folder();
    let elsewhere = tmp.path().join("shared/linked.md");
    std::fs::create_dir_all(elsewhere.parent().unwrap()).unwrap();
    std::fs::write(&elsewhere, "+++\ntitle = \"Linked\"\n+++\nDo it.\n").unwrap();
    symlink(&elsewhere, dir.join("linked.md")).unwrap();
    // A link to a link to a file is followed too.
    symlink(dir.join("linked.md"), dir.join("again.md")).unwrap();
    let set = tasks::load_dir(&dir, AGENTS);
    assert!(set.errors.is_empty(), "{:?}", set.errors);
    assert_eq!(set.get("again").map(|t| t.title.as_str()), Some("Linked"));
    let t = set.get("linked").expect("the linked task loads");
    assert_eq!(t.title, "Linked");
    assert_eq!(set.file_of("linked"), Some(dir.join("linked.md").as_path()));
}

#[test]
fn a_symlink_that_leads_to_no_file_is_an_error_naming_it() {
    let (tmp, dir) = folder();
    std::fs::write(dir.join("ok.md"), "fine\n").unwrap();
    symlink(tmp.path().join("gone.md"), dir.join("dangling.md")).unwrap();
    symlink(dir.join("loop-b.md"), dir.join("loop-a.md")).unwrap();
    symlink(dir.join("loop-a.md"), dir.join("loop-b.md")).unwrap();
    symlink(tmp.path(), dir.join("folder.md")).unwrap();
    symlink("/dev/null", dir.join("device.md")).unwrap();
    let set = tasks::load_dir(&dir, AGENTS);
    let ids: Vec<&str> = set.tasks.iter().map(|t| t.id.as_str()).collect();
    assert_eq!(ids, ["ok"]);
    let msgs: Vec<String> = set.errors.iter().map(|e| e.to_string()).collect();
    let find = |name: &str, why: &str| {
        let prefix = format!("{}: ", dir.join(name).display());
        assert!(
            msgs.iter()
                .any(|m| m.starts_with(&prefix) && m.contains(why)),
            "{name}: {why:?} not in {msgs:#?}"
        );
    };
    find("dangling.md", "which does not exist");
    find("loop-a.md", "symlink loop");
    find("loop-b.md", "symlink loop");
    find("folder.md", "a folder");
    find("device.md", "not a regular file");
    assert_eq!(msgs.len(), 5, "{msgs:#?}");
}

#[test]
fn a_new_task_gets_the_same_checks_and_nothing_is_written() {
    let (_tmp, dir) = folder();
    let new = |body: &str| TaskDef {
        title: "T".into(),
        body: body.into(),
        ..TaskDef::default()
    };
    let refused = [
        (new(""), "the task text is empty"),
        (new("a\n\x1b[201~b\n"), "<task text>:2: "),
        (
            TaskDef {
                agent: vec!["claud".into()],
                ..new("x\n")
            },
            "no agent profile named \"claud\" (known profiles: claude, codex, sim)",
        ),
        (
            TaskDef {
                id: "me".into(),
                needs: vec!["me".into()],
                ..new("x\n")
            },
            "needs[0]: names this task itself",
        ),
        (
            TaskDef {
                needs: vec!["a".into(), "a".into()],
                ..new("x\n")
            },
            "needs[1]: repeats",
        ),
    ];
    for (task, why) in refused {
        let err = tasks::write_task(&dir, &task, AGENTS)
            .unwrap_err()
            .to_string();
        assert!(err.contains(why), "{why:?} not in {err}");
    }
    assert_eq!(
        std::fs::read_dir(&dir).unwrap().count(),
        0,
        "nothing written"
    );
}
