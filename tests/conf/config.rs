use std::path::{Path, PathBuf};
use std::time::Duration;

use czar::adapters::tmux::{Socket as TmuxSocket, SubmitKey};
use czar::config::{self, ConfigErrorKind, INIT_TOML, ProjectConfig, SHIPPED_PROFILES};

pub fn repo() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("my.repo");
    std::fs::create_dir(&root).unwrap();
    (dir, root)
}

pub fn load(root: &Path, text: &str) -> Result<ProjectConfig, config::ConfigError> {
    config::load_with(root, Some(text), Some("main"))
}

/// The error text for `text` as the user's czar.toml; asserts it starts with `file:line: key`.
pub fn error_at(text: &str, line: usize, key: &str) -> String {
    let (_dir, root) = repo();
    let err = load(&root, text).expect_err("config should be rejected");
    let msg = err.to_string();
    let file = root.join("czar.toml");
    let prefix = format!("{}:{line}: {key}: ", file.display());
    assert!(
        msg.starts_with(&prefix),
        "expected prefix {prefix:?}, got {msg:?}"
    );
    assert_eq!(err.at().file, file.display().to_string());
    assert_eq!(err.at().line, Some(line));
    assert_eq!(err.at().key, key);
    msg
}

#[test]
fn defaults_alone_load() {
    let (_dir, root) = repo();
    let cfg = config::load_with(&root, None, Some("trunk")).unwrap();
    assert_eq!(cfg.project, "my-repo");
    assert_eq!(cfg.base, "trunk");
    assert_eq!(cfg.workers, 2);
    assert_eq!(cfg.agent, "claude");
    assert_eq!(cfg.default_profile().unwrap().name, "claude");
    assert_eq!(cfg.paths.repo_root, root);
    assert_eq!(cfg.paths.config_file, None);
    assert_eq!(cfg.paths.tasks_dir, root.join("tasks"));
    assert_eq!(cfg.paths.state_dir, root.join(".czar"));
    assert_eq!(
        cfg.paths.worktrees_dir,
        root.parent().unwrap().join("my-repo-worktrees")
    );
    assert_eq!(cfg.tmux, TmuxSocket::Default);
    assert!(cfg.tmux.args().is_empty());
    let t = &cfg.timing;
    assert_eq!(t.poll, Duration::from_millis(500));
    assert_eq!(t.settle, Duration::from_millis(300));
    assert_eq!(t.ready_timeout, Duration::from_secs(60));
    assert_eq!(t.submit_confirm, Duration::from_secs(5));
    assert_eq!(t.submit_retries, 3);
    assert_eq!(t.verify_timeout, Duration::from_secs(600));
    assert_eq!(t.max_verify_attempts, 3);
    assert_eq!(t.branch_rescan, Duration::from_secs(30));
    let names: Vec<&str> = cfg.profiles.keys().map(String::as_str).collect();
    let shipped: Vec<&str> = SHIPPED_PROFILES.iter().map(|p| p.0).collect();
    assert_eq!(names, shipped);
}

#[test]
fn user_values_win_and_paths_resolve() {
    let (dir, root) = repo();
    let text = r#"
project = "demo"
base = "develop"
workers = 8
agent = "sim"
tasks_dir = "work/../todo"
worktrees_dir = "/tmp/{project}-wt"
state_dir = "state"
tmux_socket = "czar-demo"
[timing]
poll_ms = 100
"#;
    let cfg = load(&root, text).unwrap();
    assert_eq!(
        (cfg.project.as_str(), cfg.base.as_str()),
        ("demo", "develop")
    );
    assert_eq!((cfg.workers, cfg.agent.as_str()), (8, "sim"));
    assert_eq!(cfg.paths.config_file, Some(root.join("czar.toml")));
    assert_eq!(cfg.paths.tasks_dir, root.join("todo"));
    assert_eq!(cfg.paths.worktrees_dir, PathBuf::from("/tmp/demo-wt"));
    assert_eq!(cfg.paths.state_dir, root.join("state"));
    assert_eq!(cfg.tmux.args(), ["-L", "czar-demo"]);
    assert_eq!(cfg.timing.poll, Duration::from_millis(100));
    assert_eq!(
        cfg.timing.settle,
        Duration::from_millis(300),
        "untouched keys keep defaults"
    );

    let sock = dir.path().join("x/../tmux.sock");
    let cfg = load(&root, &format!("tmux_socket = \"{}\"\n", sock.display())).unwrap();
    let want = dir.path().join("tmux.sock");
    assert_eq!(cfg.tmux, TmuxSocket::Path(want.clone()));
    assert_eq!(cfg.tmux.args(), ["-S", want.to_str().unwrap()]);
    drop(dir);
}

#[test]
fn overriding_one_profile_field_keeps_the_others() {
    let (_dir, root) = repo();
    let shipped = config::load_with(&root, None, Some("main")).unwrap();
    let text = "[agents.claude]\nsettle_ms = 900\nenv = { FOO = \"1\" }\n[agents.claude.patterns]\nbusy = ['custom busy']\n";
    let cfg = load(&root, text).unwrap();
    let (old, new) = (&shipped.profiles["claude"], &cfg.profiles["claude"]);
    assert_eq!(new.command, old.command);
    assert_eq!(new.submit, old.submit);
    assert_eq!(new.settle_ms, Some(900));
    assert_eq!(cfg.settle_for(new), Duration::from_millis(900));
    assert_eq!(new.env.get("FOO").map(String::as_str), Some("1"));
    assert_eq!(
        new.patterns.busy.sources().collect::<Vec<_>>(),
        ["custom busy"]
    );
    let idle = |p: &config::AgentProfile| {
        p.patterns
            .idle
            .sources()
            .map(str::to_string)
            .collect::<Vec<_>>()
    };
    assert_eq!(idle(new), idle(old));
    assert_eq!(new.patterns.waiting.0.len(), old.patterns.waiting.0.len());
    assert_eq!(new.patterns.region_lines, old.patterns.region_lines);
    // Other profiles are untouched.
    assert_eq!(cfg.profiles["codex"].settle_ms, Some(500));
    assert_eq!(
        cfg.settle_for(&cfg.profiles["gemini"]),
        Duration::from_millis(300)
    );
}

#[test]
fn a_new_profile_can_be_added() {
    let (_dir, root) = repo();
    let text = "agent = \"mine\"\n[agents.mine]\ncommand = [\"my-agent\", \"--yes\"]\nsubmit = \"cr\"\n[agents.mine.patterns]\nidle = ['^> $']\n";
    let cfg = load(&root, text).unwrap();
    let mine = cfg.default_profile().unwrap();
    assert_eq!(mine.name, "mine");
    assert_eq!(mine.command, ["my-agent", "--yes"]);
    assert_eq!(mine.submit, SubmitKey::CarriageReturn);
    assert_eq!(mine.settle_ms, None);
    assert!(mine.patterns.busy.is_empty());
    assert_eq!(mine.patterns.region_lines, config::DEFAULT_REGION_LINES);
}

#[test]
fn syntax_errors_name_file_and_line() {
    let (_dir, root) = repo();
    let err = load(&root, "workers = 2\n\nagent = = \"x\"\n").unwrap_err();
    let msg = err.to_string();
    assert!(matches!(err.kind(), ConfigErrorKind::Syntax { .. }));
    let prefix = format!("{}:3: invalid TOML", root.join("czar.toml").display());
    assert!(msg.starts_with(&prefix), "{msg}");
    assert!(
        msg.contains("agent = = "),
        "the offending line is quoted: {msg}"
    );
}

#[test]
fn wrong_types_name_the_key() {
    let msg = error_at(
        "workers = 2\n[timing]\npoll_ms = \"fast\"\n",
        3,
        "timing.poll_ms",
    );
    assert!(
        msg.ends_with("expected an integer, found a string"),
        "{msg}"
    );
    error_at("agent = 3\n", 1, "agent");
    error_at(
        "[agents.claude]\ncommand = \"claude\"\n",
        2,
        "agents.claude.command",
    );
    error_at(
        "[agents.claude]\ncommand = [\"claude\", 1]\n",
        2,
        "agents.claude.command[1]",
    );
    error_at(
        "[agents.claude]\nenv = { A = 1 }\n",
        2,
        "agents.claude.env.A",
    );
    error_at(
        "[agents.claude.patterns]\nbusy = 'x'\n",
        2,
        "agents.claude.patterns.busy",
    );
    error_at("timing = 5\n", 1, "timing");
}

#[test]
fn unknown_keys_are_rejected_with_a_hint() {
    let msg = error_at("wrkers = 3\n", 1, "wrkers");
    assert!(
        msg.contains("unknown key (did you mean \"workers\"?; known keys:"),
        "{msg}"
    );
    let msg = error_at("[timing]\npoll_ms = 100\npol_ms = 3\n", 3, "timing.pol_ms");
    assert!(msg.contains("did you mean \"poll_ms\""), "{msg}");
    error_at(
        "[agents.claude]\ncommandd = [\"x\"]\n",
        2,
        "agents.claude.commandd",
    );
    error_at(
        "[agents.claude.patterns]\nbussy = []\n",
        2,
        "agents.claude.patterns.bussy",
    );
}

#[test]
fn out_of_range_values_are_rejected() {
    let msg = error_at("workers = 0\n", 1, "workers");
    assert!(
        msg.ends_with("0 is out of range (allowed: 1..=256)"),
        "{msg}"
    );
    error_at("workers = 257\n", 1, "workers");
    let msg = error_at("[timing]\npoll_ms = -5\n", 2, "timing.poll_ms");
    assert!(msg.contains("-5 is out of range"), "{msg}");
    error_at(
        "[timing]\nmax_verify_attempts = 99999999999999999999\n",
        2,
        "timing.max_verify_attempts",
    );
    error_at(
        "[agents.codex]\nsettle_ms = 10001\n",
        2,
        "agents.codex.settle_ms",
    );
    error_at(
        "[agents.codex.patterns]\nregion_lines = 0\n",
        2,
        "agents.codex.patterns.region_lines",
    );
}

#[test]
fn a_bad_regex_names_list_and_index() {
    let text = "[agents.claude.patterns]\nidle = ['ok']\nbusy = [\n  'fine',\n  'also fine',\n  '(unclosed',\n]\n";
    let msg = error_at(text, 6, "agents.claude.patterns.busy[2]");
    assert!(msg.contains("bad regex \"(unclosed\""), "{msg}");
    assert!(!msg.contains('\n'), "one line: {msg}");
    error_at(
        "[agents.sim.patterns]\nwaiting = ['']\n",
        2,
        "agents.sim.patterns.waiting[0]",
    );
}

#[test]
fn the_default_agent_must_name_a_profile() {
    let msg = error_at("workers = 1\nagent = \"nope\"\n", 2, "agent");
    assert!(msg.contains("no agent profile named \"nope\""), "{msg}");
    assert!(
        msg.contains("claude") && msg.contains("sim"),
        "lists the known ones: {msg}"
    );
}

#[test]
fn commands_must_not_be_empty() {
    let msg = error_at("[agents.x]\ncommand = []\n", 2, "agents.x.command");
    assert!(msg.contains("non-empty array"), "{msg}");
    error_at(
        "[agents.claude]\ncommand = [\"\", \"x\"]\n",
        2,
        "agents.claude.command",
    );
    let msg = error_at("[agents.mine]\nsubmit = \"cr\"\n", 1, "agents.mine");
    assert!(msg.contains("has no command"), "{msg}");
}

#[test]
fn invalid_values_are_explained() {
    let msg = error_at(
        "[agents.claude]\nsubmit = \"return\"\n",
        2,
        "agents.claude.submit",
    );
    assert!(msg.contains("\"enter\" or \"cr\""), "{msg}");
    error_at("tmux_socket = \"sub/dir\"\n", 1, "tmux_socket");
    error_at("project = \"my.project\"\n", 1, "project");
    error_at("base = \"\"\n", 1, "base");
    error_at("state_dir = \"\"\n", 1, "state_dir");
    error_at("worktrees_dir = \".\"\n", 1, "worktrees_dir");
    error_at(
        "[agents.\"bad name\"]\ncommand = [\"x\"]\n",
        1,
        "agents.\"bad name\"",
    );
}

#[test]
fn base_is_required_on_a_detached_head() {
    let (_dir, root) = repo();
    let msg = config::load_with(&root, Some("workers = 1\n"), None)
        .unwrap_err()
        .to_string();
    assert!(msg.contains("czar.toml: base: not set"), "{msg}");
    let cfg = config::load_with(&root, Some("base = \"main\"\n"), None).unwrap();
    assert_eq!(cfg.base, "main");
}

#[test]
fn a_missing_czar_toml_says_to_run_init() {
    let (_dir, root) = repo();
    let err = config::load(&root, Some("main")).unwrap_err();
    let msg = err.to_string();
    assert!(matches!(err.kind(), ConfigErrorKind::NoConfigFile(_)));
    assert!(
        msg.contains(&root.join("czar.toml").display().to_string()),
        "{msg}"
    );
    assert!(msg.contains("czar init"), "{msg}");
}

#[test]
fn init_writes_a_loadable_config_and_refuses_to_overwrite() {
    let (_dir, root) = repo();
    let written = config::init(&root).unwrap();
    assert_eq!(
        written,
        [root.join("czar.toml"), root.join("tasks/example.md")]
    );
    let loaded = config::load(&root, Some("main")).unwrap();
    let defaults = config::load_with(&root, None, Some("main")).unwrap();
    assert_eq!(loaded.timing, defaults.timing);
    assert_eq!(loaded.paths.tasks_dir, defaults.paths.tasks_dir);

    std::fs::write(root.join("czar.toml"), "workers = 5\n").unwrap();
    let err = config::init(&root).unwrap_err();
    assert!(matches!(err.kind(), ConfigErrorKind::AlreadyExists(_)));
    assert!(err.to_string().contains("already exists"), "{err}");
    assert_eq!(
        std::fs::read_to_string(root.join("czar.toml")).unwrap(),
        "workers = 5\n"
    );

    std::fs::remove_file(root.join("czar.toml")).unwrap();
    std::fs::write(root.join("tasks/example.md"), "mine").unwrap();
    assert_eq!(config::init(&root).unwrap(), [root.join("czar.toml")]);
    assert_eq!(
        std::fs::read_to_string(root.join("tasks/example.md")).unwrap(),
        "mine"
    );
}

#[test]
fn the_starter_file_shows_every_key_with_its_default() {
    let (_dir, root) = repo();
    // Uncomment the project-setting lines (everything before the agents example).
    let settings = INIT_TOML.split("# Override single fields").next().unwrap();
    let keys = [
        "project",
        "base",
        "workers",
        "agent",
        "tasks_dir",
        "worktrees_dir",
        "state_dir",
        "tmux_socket",
    ];
    let timing = [
        "poll_ms",
        "settle_ms",
        "ready_timeout_secs",
        "submit_confirm_secs",
        "submit_retries",
        "verify_timeout_secs",
        "max_verify_attempts",
        "branch_rescan_secs",
    ];
    for key in keys.iter().chain(&timing) {
        assert!(
            settings.contains(&format!("# {key} = ")),
            "{key} missing from czar.init.toml"
        );
    }
    let uncommented: String = settings
        .lines()
        .map(|l| match l.strip_prefix("# ") {
            Some(rest)
                if rest
                    .split(" = ")
                    .next()
                    .is_some_and(|k| keys.contains(&k) || timing.contains(&k)) =>
            {
                rest
            }
            _ => l,
        })
        .map(|l| format!("{l}\n"))
        .collect();
    let cfg = load(&root, &uncommented).unwrap();
    let defaults = load(&root, "").unwrap();
    assert_eq!(cfg.project, "myrepo");
    assert_eq!(cfg.timing, defaults.timing);
    assert_eq!(
        (cfg.workers, &cfg.agent, &cfg.tmux),
        (defaults.workers, &defaults.agent, &defaults.tmux)
    );
    assert_eq!(cfg.paths.tasks_dir, defaults.paths.tasks_dir);
    assert_eq!(cfg.paths.state_dir, defaults.paths.state_dir);
}

#[test]
fn keys_table_overrides_defaults_and_bad_names_say_where() {
    let (_dir, root) = repo();
    let cfg = load(&root, "[keys]\nkill = \"x\"\nup = [\"Up\", \"k\"]\n").unwrap();
    let x = config::parse_key("x").unwrap();
    let k = config::parse_key("k").unwrap();
    assert_eq!(cfg.keys["kill"], vec![x]);
    assert!(cfg.keys["up"].contains(&k));
    // The default keys of actions the user did not name stay.
    assert_eq!(cfg.keys["quit"][0], config::parse_key("q").unwrap());

    let msg = error_at("workers = 2\n[keys]\nkill = \"Ctrl+k\"\n", 3, "keys.kill");
    assert!(msg.contains("invalid value \"Ctrl+k\""), "{msg}");
    let msg = error_at("[keys]\nup = [\"Up\", \"Upp\"]\n", 2, "keys.up[1]");
    assert!(msg.contains("\"Upp\""), "{msg}");
    let msg = error_at("[keys]\nkil = \"x\"\n", 2, "keys.kil");
    assert!(msg.contains("did you mean \"kill\""), "{msg}");
    let msg = error_at("[keys]\nkill = 3\n", 2, "keys.kill");
    assert!(msg.contains("expected a key name or an array"), "{msg}");
}

#[test]
fn the_vi_preset_gives_j_and_k_to_moving_and_kill_to_capital_k() {
    let (_dir, root) = repo();
    let key = |k: &str| config::parse_key(k).unwrap();
    let cfg = load(&root, "[keys]\npreset = \"vi\"\n").unwrap();
    assert!(cfg.keys["up"].contains(&key("k")));
    assert!(cfg.keys["down"].contains(&key("j")));
    assert_eq!(cfg.keys["kill"], vec![key("K")]);
    // An action the table names itself wins over the preset.
    let cfg = load(&root, "[keys]\npreset = \"vi\"\nkill = \"X\"\n").unwrap();
    assert_eq!(cfg.keys["kill"], vec![key("X")]);
    let msg = error_at("[keys]\npreset = \"emacs\"\n", 2, "keys.preset");
    assert!(msg.contains("\"vi\""), "{msg}");
}

#[test]
fn attached_policy_is_wait_or_ignore() {
    let (_dir, root) = repo();
    assert!(load(&root, "").unwrap().wait_while_attached);
    assert!(
        !load(&root, "attached = \"ignore\"\n")
            .unwrap()
            .wait_while_attached
    );
    let msg = error_at("workers = 1\nattached = \"pause\"\n", 2, "attached");
    assert!(msg.contains("expected \"wait\" or \"ignore\""), "{msg}");
}

#[test]
fn overlap_policy_is_alert_or_hold() {
    let (_dir, root) = repo();
    assert!(!load(&root, "").unwrap().hold_overlaps);
    assert!(load(&root, "overlap = \"hold\"\n").unwrap().hold_overlaps);
    let msg = error_at("workers = 2\noverlap = \"pause\"\n", 2, "overlap");
    assert!(msg.contains("alert") && msg.contains("hold"), "{msg}");
}

#[test]
fn stuck_nudges_are_a_list_of_known_steps() {
    use czar::core::model::Nudge;
    let (_dir, root) = repo();
    assert_eq!(
        load(&root, "").unwrap().stuck_nudges,
        vec![Nudge::Escape, Nudge::Restart]
    );
    let cfg = load(&root, "stuck_nudges = \"escape, resend, restart\"\n").unwrap();
    assert_eq!(
        cfg.stuck_nudges,
        vec![Nudge::Escape, Nudge::Resend, Nudge::Restart]
    );
    let msg = error_at("stuck_nudges = \"escape,poke\"\n", 1, "stuck_nudges");
    assert!(msg.contains("resend"), "{msg}");
}

#[test]
fn landing_keys_are_checked_where_they_are_written() {
    use czar::core::model::LandMode;
    let (_dir, root) = repo();
    let cfg = load(&root, "").unwrap();
    assert_eq!(cfg.land.mode, LandMode::Off, "landing is opt-in");
    assert_eq!(cfg.land.into, cfg.base, "into defaults to the base");
    assert_eq!(
        (cfg.land.verify.as_deref(), cfg.land.keep_branches),
        (None, false)
    );
    assert_eq!(cfg.timing.max_land_attempts, 3);
    let cfg = load(
        &root,
        "land = \"squash\"\ninto = \"release\"\nland_verify = \"make check\"\nkeep_branches = true\n\
         remote = \"up\"\nforge = \"glab\"\n[timing]\nmax_land_attempts = 5\npr_poll_secs = 9\n",
    )
    .unwrap();
    assert_eq!(cfg.land.mode, LandMode::Squash);
    assert_eq!(cfg.land.into, "release");
    assert_eq!(cfg.land.verify.as_deref(), Some("make check"));
    assert!(cfg.land.keep_branches);
    assert_eq!(
        (cfg.land.remote.as_str(), cfg.land.forge.as_str()),
        ("up", "glab")
    );
    assert_eq!(cfg.timing.max_land_attempts, 5);
    assert_eq!(cfg.timing.pr_poll, std::time::Duration::from_secs(9));
    let msg = error_at("workers = 2\nland = \"yolo\"\n", 2, "land");
    assert!(msg.contains("merge") && msg.contains("off"), "{msg}");
    let msg = error_at("into = \"two words\"\n", 1, "into");
    assert!(msg.contains("branch"), "{msg}");
    let msg = error_at("keep_branches = \"yes\"\n", 1, "keep_branches");
    assert!(msg.contains("boolean"), "{msg}");
    let msg = error_at("forge = \"bitbucket\"\n", 1, "forge");
    assert!(msg.contains("gh") && msg.contains("glab"), "{msg}");
    let msg = error_at(
        "[timing]\nmax_land_attempts = 0\n",
        2,
        "timing.max_land_attempts",
    );
    assert!(msg.contains('0'), "{msg}");
}
