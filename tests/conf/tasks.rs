use std::path::{Path, PathBuf};

use czar::core::model::TaskDef;
use czar::tasks::{self, TaskErrorKind, TaskSet};

/// The agent profiles a task's `agent` may name in these tests.
const AGENTS: &[&str] = &["claude", "codex", "sim"];

fn parse_err(name: &str, text: &str) -> String {
    let err = tasks::parse_task(&Path::new("tasks").join(name), text, AGENTS).unwrap_err();
    err.to_string()
}

fn dir_with(files: &[(&str, &str)]) -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("tasks");
    std::fs::create_dir(&dir).unwrap();
    for (name, text) in files {
        std::fs::write(dir.join(name), text).unwrap();
    }
    (tmp, dir)
}

fn ids(set: &TaskSet) -> Vec<&str> {
    set.tasks.iter().map(|t| t.id.as_str()).collect()
}

fn messages(set: &TaskSet) -> Vec<String> {
    set.errors.iter().map(|e| e.to_string()).collect()
}

#[test]
fn front_matter_sets_every_field() {
    let text = "+++\nid = \"fix-1\"\ntitle = \"Fix it\"\npriority = -3\nneeds = [\"a\", \"b\"]\nagent = \"codex\"\nverify = \"cargo test\"\n+++\n# Heading\nbody\n";
    let t = tasks::parse_task(Path::new("tasks/x.md"), text, AGENTS).unwrap();
    assert_eq!(t.id, "fix-1");
    assert_eq!(t.title, "Fix it");
    assert_eq!(t.priority, -3);
    assert_eq!(t.needs, ["a", "b"]);
    assert_eq!(t.agent, ["codex"]);
    assert_eq!(t.verify.as_deref(), Some("cargo test"));
    assert_eq!(t.body, "# Heading\nbody\n");
}

#[test]
fn defaults_without_front_matter() {
    let text = "\n## Add a README ##\n\nDetails.\n";
    let t = tasks::parse_task(Path::new("tasks/readme.md"), text, AGENTS).unwrap();
    assert_eq!(
        (t.id.as_str(), t.title.as_str(), t.priority),
        ("readme", "Add a README", 0)
    );
    assert!(t.needs.is_empty() && t.agent.is_empty() && t.verify.is_none());
    assert_eq!(t.body, text);
    let t = tasks::parse_task(Path::new("tasks/plain.md"), "  do it\n", AGENTS).unwrap();
    assert_eq!((t.title.as_str(), t.body.as_str()), ("do it", "  do it\n"));
    let t = tasks::parse_task(
        Path::new("tasks/bom.md"),
        "\u{feff}+++\npriority = 2\n+++\nx",
        AGENTS,
    )
    .unwrap();
    assert_eq!((t.priority, t.body.as_str()), (2, "x"));
}

#[test]
fn crlf_files_parse_and_keep_their_body() {
    let text = "+++\r\ntitle = \"T\"\r\npriority = 1\r\n+++\r\nline one\r\nline two\r\n";
    let t = tasks::parse_task(Path::new("tasks/crlf.md"), text, AGENTS).unwrap();
    assert_eq!((t.title.as_str(), t.priority), ("T", 1));
    assert_eq!(t.body, "line one\r\nline two\r\n");
}

#[test]
fn errors_name_file_line_and_key() {
    let msg = parse_err("foo.md", "+++\ntitle = \"x\"\nprio = 3\n+++\n");
    assert!(
        msg.starts_with("tasks/foo.md:3: unknown key \"prio\" in front matter"),
        "{msg}"
    );
    let msg = parse_err("foo.md", "+++\npriority = \"high\"\n+++\n");
    assert_eq!(
        msg,
        "tasks/foo.md:2: priority: expected an integer, found a string"
    );
    let msg = parse_err("foo.md", "+++\n\nneeds = \"a\"\n+++\n");
    assert!(
        msg.starts_with("tasks/foo.md:3: needs: expected an array"),
        "{msg}"
    );
    let msg = parse_err(
        "foo.md",
        "+++\nneeds = [\n  \"ok\",\n  \"not ok\",\n]\n+++\n",
    );
    assert!(
        msg.starts_with("tasks/foo.md:4: needs[1]: \"not ok\" is not a valid task id"),
        "{msg}"
    );
    let msg = parse_err("foo.md", "+++\nagent = \"\"\n+++\n");
    assert!(
        msg.starts_with("tasks/foo.md:2: agent: must not be empty"),
        "{msg}"
    );
    let msg = parse_err("foo.md", "+++\ntitle = \"\"\n+++\n");
    assert!(msg.starts_with("tasks/foo.md:2: title:"), "{msg}");
    let msg = parse_err("foo.md", "+++\npriority = 99999999999999999999\n+++\n");
    assert!(
        msg.starts_with("tasks/foo.md:2: priority: does not fit"),
        "{msg}"
    );
    let msg = parse_err("foo.md", "+++\ntitle = \"x\"\nneeds = [\n+++\nbody");
    assert!(
        msg.starts_with("tasks/foo.md:") && msg.contains("invalid TOML in front matter"),
        "{msg}"
    );
    let msg = parse_err(
        "foo.md",
        "+++\ntitle = \"x\"\n\nbody without a closing fence\n",
    );
    assert!(
        msg.starts_with("tasks/foo.md:1: front matter opened with `+++` is never closed"),
        "{msg}"
    );
}

#[test]
fn task_ids_must_fit_a_branch_name() {
    for (id, line) in [
        ("has space", 2),
        ("../up", 2),
        (".hidden", 2),
        ("x.lock", 2),
        ("-flag", 2),
    ] {
        let msg = parse_err("foo.md", &format!("+++\nid = {id:?}\n+++\n"));
        assert!(
            msg.starts_with(&format!(
                "tasks/foo.md:{line}: id: {id:?} is not a valid task id"
            )),
            "{msg}"
        );
    }
    let long = "a".repeat(101);
    let msg = parse_err("foo.md", &format!("+++\nid = \"{long}\"\n+++\n"));
    assert!(msg.contains("longer than 100"), "{msg}");
    let msg = parse_err("my task.md", "body");
    assert!(
        msg.starts_with("tasks/my task.md: file name (set `id` to choose another): \"my task\""),
        "{msg}"
    );
    assert!(
        tasks::parse_task(
            Path::new("tasks/my task.md"),
            "+++\nid = \"my-task\"\n+++\nx\n",
            AGENTS
        )
        .is_ok()
    );
}

#[test]
fn load_dir_skips_broken_files_and_keeps_the_rest() {
    let (_tmp, dir) = dir_with(&[
        ("b.md", "+++\npriority = 1\n+++\nB"),
        ("a.md", "A"),
        ("bad.md", "+++\nprio = 1\n+++\n"),
        ("notes.txt", "ignored"),
        (".swap.md", "ignored"),
    ]);
    std::fs::create_dir(dir.join("sub.md")).unwrap();
    std::fs::write(dir.join("latin1.md"), b"caf\xe9").unwrap();
    let set = tasks::load_dir(&dir, AGENTS);
    assert_eq!(ids(&set), ["a", "b"]);
    let msgs = messages(&set);
    assert_eq!(msgs.len(), 2, "{msgs:#?}");
    assert!(msgs[0].starts_with(&format!(
        "{}:2: unknown key \"prio\"",
        dir.join("bad.md").display()
    )));
    assert!(
        msgs[1].contains("latin1.md") && msgs[1].contains("not UTF-8"),
        "{msgs:#?}"
    );
    assert_eq!(set.get("b").map(|t| t.priority), Some(1));
}

#[test]
fn a_missing_folder_is_one_error() {
    let set = tasks::load_dir(Path::new("/nonexistent/czar/tasks"), AGENTS);
    assert!(set.tasks.is_empty());
    assert!(messages(&set)[0].starts_with("/nonexistent/czar/tasks: cannot read the tasks folder"));
}

#[test]
fn duplicate_ids_name_both_files_and_skip_every_copy() {
    let (_tmp, dir) = dir_with(&[
        ("one.md", "+++\nid = \"same\"\n+++\none\n"),
        ("same.md", "x"),
        ("other.md", "y"),
    ]);
    let set = tasks::load_dir(&dir, AGENTS);
    assert_eq!(ids(&set), ["other"]);
    assert_eq!(set.errors.len(), 1);
    let msg = set.errors[0].to_string();
    let (one, same) = (dir.join("one.md"), dir.join("same.md"));
    assert!(
        msg.starts_with(&format!("{}:2: duplicate task id \"same\"", one.display())),
        "{msg}"
    );
    assert!(msg.contains(&same.display().to_string()), "{msg}");
    assert!(matches!(&set.errors[0].kind, TaskErrorKind::Duplicate { id, .. } if id == "same"));
}

#[test]
fn unknown_needs_name_both_tasks_and_strand_dependents() {
    let (_tmp, dir) = dir_with(&[
        ("a.md", "+++\nneeds = [\"ghost\"]\n+++\na\n"),
        ("b.md", "+++\n\nneeds = [\"a\"]\n+++\nb\n"),
        ("c.md", "+++\nneeds = [\"broken\"]\n+++\nc\n"),
        ("broken.md", "+++\nid = 5\n+++\n"),
        ("ok.md", "fine"),
    ]);
    let set = tasks::load_dir(&dir, AGENTS);
    assert_eq!(ids(&set), ["ok"]);
    let msgs = messages(&set);
    assert_eq!(msgs.len(), 4, "{msgs:#?}");
    let at = |name: &str, line: usize| format!("{}:{line}: ", dir.join(name).display());
    assert!(msgs[0].starts_with(&at("broken.md", 2)), "{msgs:#?}");
    assert!(
        msgs.contains(&format!(
            "{}task \"a\" needs \"ghost\", but no task has that id",
            at("a.md", 2)
        )),
        "{msgs:#?}"
    );
    let stranded = msgs.iter().find(|m| m.contains("task \"b\"")).unwrap();
    assert!(
        stranded.starts_with(&at("b.md", 3)) && stranded.contains("needs \"a\""),
        "{stranded}"
    );
    let broken = msgs.iter().find(|m| m.contains("task \"c\"")).unwrap();
    assert!(
        broken.contains(&dir.join("broken.md").display().to_string()),
        "{broken}"
    );
}

#[test]
fn cycles_name_every_task_in_them() {
    let (_tmp, dir) = dir_with(&[
        ("a.md", "+++\nneeds = [\"b\"]\n+++\na\n"),
        ("b.md", "+++\nneeds = [\"c\"]\n+++\nb\n"),
        ("c.md", "+++\nneeds = [\"a\"]\n+++\nc\n"),
        ("d.md", "+++\nneeds = [\"c\"]\n+++\nd\n"),
        ("e.md", "e"),
        ("f.md", "+++\nneeds = [\"e\"]\n+++\nf\n"),
    ]);
    let set = tasks::load_dir(&dir, AGENTS);
    assert_eq!(ids(&set), ["e", "f"]);
    let msgs = messages(&set);
    assert_eq!(msgs.len(), 2, "{msgs:#?}");
    assert!(matches!(&set.errors[0].kind, TaskErrorKind::Cycle { path, .. } if path.len() == 3));
    for id in ["a", "b", "c"] {
        let named = format!("\"{id}\" ({})", dir.join(format!("{id}.md")).display());
        assert!(msgs[0].contains(&named), "{named} in {}", msgs[0]);
    }
    assert!(msgs[0].starts_with(&format!(
        "{}:2: dependency cycle: ",
        dir.join("a.md").display()
    )));
    assert!(msgs[1].contains("task \"d\" needs \"c\""), "{}", msgs[1]);
}

#[test]
fn write_task_round_trips_awkward_text() {
    let (_tmp, dir) = dir_with(&[]);
    let body = "Intro \"quoted\" and 'single'\r\n+++\r\nid = \"evil\"\r\n+++\r\nnon-ASCII: café ✳ 修复 — done\n\\n literal backslash-n\n";
    let new = TaskDef {
        title: "Fix \"the\" café bug \\ now".into(),
        priority: 7,
        needs: vec![],
        agent: vec!["sim".into()],
        verify: Some("sh -c 'test -f \"x y\"'".into()),
        body: body.into(),
        ..TaskDef::default()
    };
    let path = tasks::write_task(&dir, &new, AGENTS).unwrap();
    assert_eq!(path, dir.join("fix-the-caf-bug-now.md"));
    let raw = std::fs::read_to_string(&path).unwrap();
    assert!(raw.ends_with(body), "body written exactly");
    let t = tasks::parse_task(&path, &raw, AGENTS).unwrap();
    assert_eq!(t.id, "fix-the-caf-bug-now");
    assert_eq!(t.title, new.title);
    assert_eq!(t.priority, 7);
    assert_eq!(t.agent, new.agent);
    assert_eq!(t.verify, new.verify);
    assert_eq!(t.body, body);
    assert_eq!(raw, tasks::render_task(&t.id, &new));

    // Generated ids stay unique; the second task may need the first.
    let again = TaskDef {
        needs: vec![t.id.clone()],
        ..new.clone()
    };
    assert_eq!(
        tasks::write_task(&dir, &again, AGENTS).unwrap(),
        dir.join("fix-the-caf-bug-now-2.md")
    );
    assert_eq!(
        tasks::write_task(&dir, &new, AGENTS).unwrap(),
        dir.join("fix-the-caf-bug-now-3.md")
    );
    let set = tasks::load_dir(&dir, AGENTS);
    assert!(set.errors.is_empty(), "{:#?}", messages(&set));
    assert_eq!(set.tasks.len(), 3);
    let leftovers: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| {
            let name = e.unwrap().file_name().to_string_lossy().into_owned();
            name.starts_with('.').then_some(name)
        })
        .collect();
    assert!(leftovers.is_empty(), "temp files left: {leftovers:?}");
}

#[test]
fn write_task_refuses_clashes_and_bad_input() {
    let (_tmp, dir) = dir_with(&[
        ("taken.md", "x"),
        ("other.md", "+++\nid = \"declared\"\n+++\nother\n"),
    ]);
    let new = |id: Option<&str>, title: &str| TaskDef {
        id: id.map(str::to_string).unwrap_or_default(),
        title: title.into(),
        body: "Do it.\n".into(),
        ..TaskDef::default()
    };
    let err = tasks::write_task(&dir, &new(Some("taken"), "T"), AGENTS).unwrap_err();
    assert!(matches!(err.kind, TaskErrorKind::IdTaken { .. }), "{err}");
    assert_eq!(std::fs::read_to_string(dir.join("taken.md")).unwrap(), "x");
    let err = tasks::write_task(&dir, &new(Some("declared"), "T"), AGENTS).unwrap_err();
    assert!(
        err.to_string().contains("\"declared\" is already used"),
        "{err}"
    );
    assert_eq!(
        tasks::write_task(&dir, &new(None, "Taken"), AGENTS).unwrap(),
        dir.join("taken-2.md")
    );
    assert_eq!(
        tasks::write_task(&dir, &new(Some("mine"), "T"), AGENTS).unwrap(),
        dir.join("mine.md")
    );
    assert_eq!(
        tasks::write_task(&dir, &new(None, "修复"), AGENTS).unwrap(),
        dir.join("task.md")
    );

    let err = tasks::write_task(&dir, &new(Some("bad id"), "T"), AGENTS).unwrap_err();
    assert!(
        err.to_string()
            .contains("id: \"bad id\" is not a valid task id"),
        "{err}"
    );
    assert!(tasks::write_task(&dir, &new(None, "  "), AGENTS).is_err());
    assert!(tasks::write_task(&dir, &new(None, "two\nlines"), AGENTS).is_err());
    let needs_ghost = TaskDef {
        needs: vec!["ghost".into()],
        ..new(None, "T")
    };
    let err = tasks::write_task(&dir, &needs_ghost, AGENTS).unwrap_err();
    assert!(
        err.to_string()
            .contains("needs \"ghost\", but no task has that id"),
        "{err}"
    );
}

#[test]
fn write_task_creates_the_folder() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("new/tasks");
    let path = tasks::write_task(
        &dir,
        &TaskDef {
            title: "First".into(),
            body: "Do it.\n".into(),
            ..TaskDef::default()
        },
        AGENTS,
    )
    .unwrap();
    assert_eq!(path, dir.join("first.md"));
}

#[test]
fn the_example_task_from_init_parses() {
    let t = tasks::parse_task(
        Path::new("tasks/example.md"),
        czar::config::EXAMPLE_TASK,
        AGENTS,
    )
    .unwrap();
    assert_eq!(t.id, "example");
    assert_eq!(
        t.title,
        "Add a short \"Getting started\" section to the README"
    );
    assert!(t.needs.is_empty() && t.agent.is_empty() && t.verify.is_none());
    assert!(t.body.starts_with("# Add a short"));
}
