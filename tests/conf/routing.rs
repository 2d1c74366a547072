//! Routing keys at the door: `agent` as one name or a list, `tags` declared by profiles,
//! `labels` declared by hosts, and errors naming the file, the line and the key.

use std::path::Path;

use czar::tasks;

/// Profiles, the tags some declare (`#tag`) and the labels some host declares (`@label`), as
/// `tasks::known_names` lists them.
const KNOWN: &[&str] = &[
    "claude",
    "codex",
    "sim",
    "#big-context",
    "#rust",
    "@gpu",
    "@mem",
];

fn parse(text: &str) -> Result<czar::core::model::TaskDef, String> {
    tasks::parse_task(Path::new("tasks/x.md"), text, KNOWN).map_err(|e| e.to_string())
}

#[test]
fn agent_takes_a_list_in_order_and_tags() {
    let t = parse("+++\nagent = [\"codex\", \"claude\"]\ntags = [\"rust\"]\n+++\nx\n").unwrap();
    assert_eq!(t.agent, ["codex", "claude"]);
    assert_eq!(t.tags, ["rust"]);
    let t = parse("+++\nagent = \"sim\"\n+++\nx\n").unwrap();
    assert_eq!(t.agent, ["sim"]);
}

#[test]
fn an_unknown_profile_in_a_list_is_named_with_its_line_and_key() {
    let err = parse("+++\ntitle = \"T\"\nagent = [\"codex\",\n  \"claud\"]\n+++\nx\n").unwrap_err();
    assert!(err.starts_with("tasks/x.md:4: "), "{err}");
    assert!(
        err.contains("no agent profile named \"claud\" (known profiles: claude, codex, sim)"),
        "{err}"
    );
    let err = parse("+++\nagent = [\"#rust\"]\n+++\nx\n").unwrap_err();
    assert!(err.contains("no agent profile named \"#rust\""), "{err}");
    let err = parse("+++\nagent = []\n+++\nx\n").unwrap_err();
    assert!(
        err.contains("agent: must name at least one profile"),
        "{err}"
    );
    let err = parse("+++\nagent = [\"sim\", \"sim\"]\n+++\nx\n").unwrap_err();
    assert!(err.contains("agent[1]: repeats a profile"), "{err}");
}

#[test]
fn a_tag_no_profile_declares_is_an_error_naming_the_tag() {
    let err = parse("+++\ntitle = \"T\"\ntags = [\"rust\", \"gpu\"]\n+++\nx\n").unwrap_err();
    assert_eq!(
        err,
        "tasks/x.md:3: tags[1]: no agent profile declares the tag \"gpu\" (add it to `tags` in [agents.<name>])"
    );
}

#[test]
fn plan_and_kind_are_read_and_written_back() {
    let t = parse("+++\nplan = \"p1\"\nkind = \"plan\"\nno_changes = true\n+++\nx\n").unwrap();
    assert_eq!((t.plan.as_deref(), t.planner), (Some("p1"), true));
    let err = parse("+++\nkind = \"boss\"\n+++\nx\n").unwrap_err();
    assert!(err.contains("kind: expected \"task\" or \"plan\""), "{err}");
    let new = czar::core::model::TaskDef {
        title: "T".into(),
        agent: vec!["codex".into(), "claude".into()],
        tags: vec!["rust".into()],
        plan: Some("p1".into()),
        body: "x\n".into(),
        ..Default::default()
    };
    let text = tasks::render_task("t", &new);
    let back = parse(&text).unwrap();
    assert_eq!(back.agent, new.agent);
    assert_eq!((back.tags, back.plan), (new.tags, new.plan));
}

#[test]
fn profiles_declare_tags_and_a_bad_tag_is_refused_with_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = "[agents.sim]\ntags = [\"rust\", \"big-context\"]\n";
    let c = czar::config::load_with(dir.path(), Some(cfg), Some("main")).unwrap();
    assert_eq!(c.profiles["sim"].tags, ["rust", "big-context"]);
    let names = tasks::known_names(&c.profiles, &c.hosts);
    assert!(names.contains(&"#big-context".to_string()), "{names:?}");
    let bad = "[agents.sim]\ntags = [\"two words\"]\n";
    let err = czar::config::load_with(dir.path(), Some(bad), Some("main"))
        .unwrap_err()
        .to_string();
    assert!(err.contains("czar.toml:2") && err.contains("tags"), "{err}");
}

#[test]
fn labels_are_read_deduplicated_and_written_back() {
    let t = parse("+++\nlabels = [\"gpu\", \"mem\", \"gpu\"]\n+++\nx\n").unwrap();
    assert_eq!(t.labels, ["gpu", "mem"]);
    assert!(parse("+++\n+++\nx\n").unwrap().labels.is_empty());
    let new = czar::core::model::TaskDef {
        title: "T".into(),
        labels: vec!["gpu".into()],
        body: "x\n".into(),
        ..Default::default()
    };
    let text = tasks::render_task("t", &new);
    assert!(text.contains("labels = [\"gpu\"]\n"), "{text}");
    assert_eq!(parse(&text).unwrap().labels, new.labels);
}

#[test]
fn a_label_no_host_declares_or_of_the_wrong_type_is_refused_with_its_line_and_key() {
    let err = parse("+++\ntitle = \"T\"\nlabels = [\"gpu\", \"tpu\"]\n+++\nx\n").unwrap_err();
    assert_eq!(
        err,
        "tasks/x.md:3: labels[1]: no host declares the label \"tpu\" (add it to `labels` in [hosts.<name>])"
    );
    // A tag is not a label, nor the other way round.
    let err = parse("+++\nlabels = [\"rust\"]\n+++\nx\n").unwrap_err();
    assert!(
        err.contains("labels[0]: no host declares the label \"rust\""),
        "{err}"
    );
    let err = parse("+++\ntags = [\"gpu\"]\n+++\nx\n").unwrap_err();
    assert!(err.contains("tags[0]: no agent profile declares"), "{err}");
    let err = parse("+++\n\nlabels = \"gpu\"\n+++\nx\n").unwrap_err();
    assert!(
        err.starts_with("tasks/x.md:3: labels: expected a list of labels"),
        "{err}"
    );
    let err = parse("+++\nlabels = [1]\n+++\nx\n").unwrap_err();
    assert!(err.contains("labels[0]: expected a string"), "{err}");
    // A label is no profile name, and is not listed as one.
    let err = parse("+++\nagent = \"@gpu\"\n+++\nx\n").unwrap_err();
    assert!(
        err.contains("(known profiles: claude, codex, sim)"),
        "{err}"
    );
}

#[test]
fn hosts_labels_are_known_names_and_a_written_task_must_use_them() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = "[hosts.box]\nssh = \"box\"\ndir = \"n\"\nlabels = [\"gpu\"]\n";
    let c = czar::config::load_with(dir.path(), Some(cfg), Some("main")).unwrap();
    let names = tasks::known_names(&c.profiles, &c.hosts);
    assert!(names.contains(&"@gpu".to_string()), "{names:?}");
    let known: Vec<&str> = names.iter().map(String::as_str).collect();
    let tasks_dir = dir.path().join("tasks");
    std::fs::create_dir(&tasks_dir).unwrap();
    let mut new = czar::core::model::TaskDef {
        title: "T".into(),
        labels: vec!["tpu".into()],
        body: "x\n".into(),
        ..Default::default()
    };
    let err = tasks::write_task(&tasks_dir, &new, &known)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("labels[0]: no host declares the label \"tpu\""),
        "{err}"
    );
    assert_eq!(
        std::fs::read_dir(&tasks_dir).unwrap().count(),
        0,
        "nothing written"
    );
    new.labels = vec!["gpu".into()];
    let path = tasks::write_task(&tasks_dir, &new, &known).unwrap();
    let back = tasks::parse_task(&path, &std::fs::read_to_string(&path).unwrap(), &known);
    assert_eq!(back.unwrap().labels, ["gpu"]);
}
