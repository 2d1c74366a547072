//! `[[auto_answer]]` rules: what the shipped profiles allow, how czar.toml replaces them, and
//! every mistake in them named by file, line and key.

use crate::config::{error_at, load, repo};

#[test]
fn shipped_claude_answers_trust_and_its_api_key_and_only_the_czars_own_commands() {
    let (_dir, root) = repo();
    let cfg = load(&root, "").unwrap();
    let rules = &cfg.profiles["claude"].auto_answer;
    // Each chooses its option by label, then presses Enter.
    let chosen: Vec<(&str, Vec<&str>)> = rules
        .iter()
        .map(|r| {
            let label = r.choose.as_ref().map_or("", |c| c.as_str());
            (label, r.keys.iter().map(String::as_str).collect())
        })
        .collect();
    assert_eq!(
        chosen,
        [
            ("^Yes, I trust this folder$", vec!["Enter"]),
            ("^Yes$", vec!["Enter"]),
            ("^Yes$", vec!["Enter"])
        ]
    );
    let permission = &rules[2];
    let allowed = |cmd: &str| permission.allow.iter().any(|a| a.is_match(cmd));
    for ok in [
        "czar done",
        "/work/target/debug/czar done",
        "czar claim src/a.rs tests/b.rs",
        "czar report \"halfway: parser done\"",
        "czar report 'it is $HOME, quoted'",
    ] {
        assert!(allowed(ok), "{ok}");
    }
    for bad in [
        "czar done; rm -rf ~",
        "czar done && git push",
        "$(rm -rf ~)/czar done",
        "czar report \"$(rm -rf ~)\"",
        "czar report \"a\" ; rm x",
        "czar report 'a'; rm x; echo 'b'",
        "czar claim a; rm b",
        "git commit -m x",
    ] {
        assert!(!allowed(bad), "{bad}");
    }
    // Codex: its folder trust, and commands it asks to run outside its sandbox.
    assert_eq!(cfg.profiles["codex"].auto_answer.len(), 2);
    assert_eq!(cfg.profiles["sim"].auto_answer[0].keys, ["y"]);
}

#[test]
fn czar_toml_replaces_the_whole_list() {
    let (_dir, root) = repo();
    let text = "[[agents.claude.auto_answer]]\npattern = 'Continue\\?'\nkeys = [\"y\"]\n";
    let cfg = load(&root, text).unwrap();
    let rules = &cfg.profiles["claude"].auto_answer;
    assert_eq!(rules.len(), 1);
    assert_eq!(rules[0].pattern.as_str(), "Continue\\?");
    assert!(rules[0].command.is_none());
    let cfg = load(&root, "[agents.claude]\nauto_answer = []\n").unwrap();
    assert!(cfg.profiles["claude"].auto_answer.is_empty());
}

#[test]
fn a_rule_needs_a_pattern_and_keys() {
    let head = "[[agents.claude.auto_answer]]\n";
    let msg = error_at(
        &format!("{head}keys = [\"y\"]\n"),
        1,
        "agents.claude.auto_answer[0]",
    );
    assert!(msg.contains("needs `pattern`"), "{msg}");
    let msg = error_at(
        &format!("{head}pattern = 'x'\n"),
        1,
        "agents.claude.auto_answer[0]",
    );
    assert!(msg.contains("needs `keys`"), "{msg}");
    let msg = error_at(
        &format!("{head}pattern = 'x'\nkeys = []\n"),
        3,
        "agents.claude.auto_answer[0].keys",
    );
    assert!(msg.contains("at least one key"), "{msg}");
    let msg = error_at(
        &format!("{head}pattern = 'x'\nkeys = [\"Enter\", \"C-c Enter\"]\n"),
        3,
        "agents.claude.auto_answer[0].keys[1]",
    );
    assert!(msg.contains("a tmux key name"), "{msg}");
    let msg = error_at(
        &format!("{head}pattern = '('\nkeys = [\"y\"]\n"),
        2,
        "agents.claude.auto_answer[0].pattern",
    );
    assert!(msg.contains("bad regex"), "{msg}");
    let msg = error_at(
        &format!("{head}pattern = 'x'\nkey = [\"y\"]\n"),
        3,
        "agents.claude.auto_answer[0].key",
    );
    assert!(msg.contains("did you mean \"keys\""), "{msg}");
}

#[test]
fn command_and_allow_come_together_and_command_captures() {
    let head = "[[agents.claude.auto_answer]]\npattern = 'x'\nkeys = [\"y\"]\n";
    let msg = error_at(
        &format!("{head}allow = ['git status']\n"),
        4,
        "agents.claude.auto_answer[0].allow",
    );
    assert!(msg.contains("also needs `command`"), "{msg}");
    let msg = error_at(
        &format!("{head}command = '\\$ (.+)'\n"),
        1,
        "agents.claude.auto_answer[0]",
    );
    assert!(msg.contains("non-empty `allow`"), "{msg}");
    let msg = error_at(
        &format!("{head}command = '\\$ .+'\nallow = ['ls']\n"),
        4,
        "agents.claude.auto_answer[0].command",
    );
    assert!(msg.contains("capture group"), "{msg}");
    let msg = error_at(
        &format!("{head}command = '\\$ (.+)'\nallow = ['ls', '[']\n"),
        5,
        "agents.claude.auto_answer[0].allow[1]",
    );
    assert!(msg.contains("bad regex"), "{msg}");
}

#[test]
fn the_old_keys_say_where_their_meaning_went() {
    let msg = error_at(
        "[agents.sim]\nanswer_keys = [\"y\"]\n",
        2,
        "agents.sim.answer_keys",
    );
    assert!(
        msg.contains("[[auto_answer]] rule names its own `keys`"),
        "{msg}"
    );
    let msg = error_at(
        "[agents.sim.patterns]\nauto_answer = ['x']\n",
        2,
        "agents.sim.patterns.auto_answer",
    );
    assert!(msg.contains("[[auto_answer]] rules"), "{msg}");
}

#[test]
fn a_rule_may_choose_an_option_by_label_and_then_presses_enter() {
    let (_dir, root) = repo();
    let text = "[[agents.claude.auto_answer]]\npattern = 'default permission mode\\?'\nchoose = '^No, keep'\n";
    let cfg = load(&root, text).unwrap();
    let rule = &cfg.profiles["claude"].auto_answer[0];
    assert_eq!(rule.keys, ["Enter"]);
    assert_eq!(rule.choose.as_ref().map(|c| c.as_str()), Some("^No, keep"));
    let msg = error_at(
        "[[agents.claude.auto_answer]]\npattern = 'x'\nchoose = '('\n",
        3,
        "agents.claude.auto_answer[0].choose",
    );
    assert!(msg.contains("bad regex"), "{msg}");
}

#[test]
fn questions_nobody_answers_and_given_up_limits_have_settings() {
    use czar::core::model::OnWaiting;
    let (_dir, root) = repo();
    let cfg = load(&root, "").unwrap();
    assert_eq!(cfg.on_waiting, OnWaiting::Remind);
    assert_eq!(cfg.timing.waiting_limit.as_secs(), 0);
    assert_eq!(cfg.timing.rate_limit_backoff.as_secs(), 30);
    let text =
        "on_waiting = \"fail\"\n[timing]\nwaiting_limit_secs = 90\nrate_limit_backoff_secs = 5\n";
    let cfg = load(&root, text).unwrap();
    assert_eq!(cfg.on_waiting, OnWaiting::Fail);
    assert_eq!(cfg.timing.waiting_limit.as_secs(), 90);
    assert_eq!(cfg.timing.rate_limit_backoff.as_secs(), 5);
    let msg = error_at("workers = 2\non_waiting = \"ignore\"\n", 2, "on_waiting");
    assert!(msg.contains("remind") && msg.contains("fail"), "{msg}");
    let claude = &cfg.profiles["claude"];
    assert_eq!(claude.ready_settle_ms, 1000);
    assert!(!claude.patterns.gave_up.is_empty());
    let msg = error_at(
        "[agents.claude]\nresend = \" \"\n",
        2,
        "agents.claude.resend",
    );
    assert!(msg.contains("the words sent"), "{msg}");
}

#[test]
fn accounts_name_where_their_values_are_never_the_values() {
    use czar::config::ValueRef;
    let (_dir, root) = repo();
    let text = "[[agents.claude.accounts]]\nname = \"work\"\nenv = { CLAUDE_CONFIG_DIR = \"env:CLAUDE_WORK\", ANTHROPIC_API_KEY = \"file:~/.keys/work\" }\n";
    let cfg = load(&root, text).unwrap();
    let accounts = &cfg.profiles["claude"].accounts;
    assert_eq!(accounts.len(), 1);
    assert_eq!(accounts[0].name, "work");
    assert!(accounts[0].env.contains(&(
        "CLAUDE_CONFIG_DIR".to_string(),
        ValueRef::Env("CLAUDE_WORK".into())
    )));
    assert!(accounts[0].env.contains(&(
        "ANTHROPIC_API_KEY".to_string(),
        ValueRef::File("~/.keys/work".into())
    )));
    // A value written in czar.toml is refused, and not repeated in the error.
    let secret = "sk-ant-api03-very-secret";
    let msg = error_at(
        &format!(
            "[[agents.claude.accounts]]\nname = \"x\"\nenv = {{ ANTHROPIC_API_KEY = \"{secret}\" }}\n"
        ),
        3,
        "agents.claude.accounts[0].env.ANTHROPIC_API_KEY",
    );
    assert!(
        msg.contains("env:VARIABLE") && !msg.contains(secret),
        "{msg}"
    );
    let msg = error_at(
        "[[agents.claude.accounts]]\nname = \"a b\"\n",
        2,
        "agents.claude.accounts[0].name",
    );
    assert!(msg.contains("unique name"), "{msg}");
}

#[test]
fn token_budgets_are_numbers_in_their_own_table() {
    let (_dir, root) = repo();
    let cfg = load(&root, "").unwrap();
    assert_eq!((cfg.budget.max_tokens, cfg.budget.max_task_tokens), (0, 0));
    let cfg = load(
        &root,
        "[budget]\nmax_tokens = 2000000\nmax_task_tokens = 300000\n",
    )
    .unwrap();
    assert_eq!(
        (cfg.budget.max_tokens, cfg.budget.max_task_tokens),
        (2_000_000, 300_000)
    );
    let msg = error_at("[budget]\nmax_dollars = 3\n", 2, "budget.max_dollars");
    assert!(msg.contains("unknown"), "{msg}");
}
