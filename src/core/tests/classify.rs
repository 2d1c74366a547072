//! The classifier's precedence and turn rules on small made-up screens.

use crate::core::answer::AnswerRule;
use crate::core::classify::*;
use crate::core::model::AgentState;
use regex::Regex;

fn rules() -> ScreenRules {
    let re = |s: &str| vec![Regex::new(s).unwrap()];
    ScreenRules {
        busy: re(r"esc to interrupt"),
        idle: re(r"^❯"),
        waiting: re(r"Do you want to proceed\?"),
        ignore_lines: re(r"^\s*⎿"),
        title_busy: re(r"^[\x{2800}-\x{28FF}]"),
        region_lines: 5,
        ..ScreenRules::default()
    }
}

#[test]
fn busy_beats_the_prompt_and_quoted_markers_are_ignored() {
    let r = classify(&rules(), "✻ Working… (esc to interrupt)\n❯ \n", "");
    assert_eq!(r.state, Some(AgentState::Busy));
    let r = classify(
        &rules(),
        "  ⎿ the words esc to interrupt in output\n❯ \n",
        "✳ claude",
    );
    assert_eq!(r.state, Some(AgentState::Idle), "{r:?}");
}

#[test]
fn old_lines_above_the_region_do_not_count() {
    let screen = "esc to interrupt\na\nb\nc\nd\n❯ \n";
    assert_eq!(classify(&rules(), screen, "").state, Some(AgentState::Idle));
}

#[test]
fn title_spinner_means_busy_and_nothing_means_unknown() {
    assert_eq!(
        classify(&rules(), "loading\n", "⠋ claude").state,
        Some(AgentState::Busy)
    );
    let r = classify(&rules(), "loading\n", "");
    assert_eq!((r.state, r.last_line.as_str()), (None, "loading"));
}

#[test]
fn waiting_keeps_the_question_or_else_the_dialog_line() {
    let r = classify(&rules(), "Do you want to proceed?\n❯ 1. Yes\n", "");
    assert_eq!(r.detail.as_deref(), Some("Do you want to proceed?"));
    let mut no_mark = rules();
    no_mark.waiting = vec![Regex::new("can't check actions").unwrap()];
    let r = classify(
        &no_mark,
        "Auto mode can't check actions here\nEnter to stay\n",
        "",
    );
    assert_eq!(r.state, Some(AgentState::Waiting));
    assert_eq!(
        r.detail.as_deref(),
        Some("Auto mode can't check actions here")
    );
}

#[test]
fn a_question_outranks_busy() {
    let r = classify(&rules(), "Do you want to proceed?\nesc to interrupt\n", "");
    assert_eq!(r.state, Some(AgentState::Waiting));
    assert!(r.reason.contains("proceed"));
    assert_eq!(
        r.answerable, None,
        "no auto_answer pattern: the operator decides"
    );
    let mut allowed = rules();
    allowed.auto_answer = vec![AnswerRule {
        pattern: Regex::new("proceed").unwrap(),
        keys: vec!["Enter".into()],
        command: None,
        allow: Vec::new(),
        choose: None,
    }];
    let r = classify(&allowed, "Do you want to proceed?\n❯ 1. Yes\n", "");
    let a = r.answerable.expect("answerable");
    assert_eq!(a.keys, ["Enter"]);
    assert_eq!(a.screen, "Do you want to proceed?\n❯ 1. Yes");
    let r = classify(&allowed, "  ⎿ Do you want to proceed?\n❯ \n", "");
    assert_eq!(
        (r.state, r.answerable),
        (Some(AgentState::Idle), None),
        "quoted in tool output"
    );
}

/// A failed turn, then a resent one that finished: the error line is still in the region.
const RESENT: &str = "❯ do it\nAPI Error: 500 oops\n❯ do it again\n● Done.\n❯\n";

fn turn_rules() -> ScreenRules {
    ScreenRules {
        idle: vec![Regex::new("^❯$").unwrap()],
        error: vec![Regex::new(r"API Error: \d{3}").unwrap()],
        rate_limited: vec![Regex::new(r"API Error: 429").unwrap()],
        region_lines: 10,
        ..ScreenRules::default()
    }
}

#[test]
fn an_error_from_an_earlier_turn_does_not_outrank_the_prompt() {
    let mut rules = turn_rules();
    let r = classify(&rules, RESENT, "");
    assert_eq!(r.state, Some(AgentState::Error), "without turn_start");
    rules.turn_start = vec![Regex::new("^❯ ").unwrap()];
    let r = classify(&rules, RESENT, "");
    assert_eq!(r.state, Some(AgentState::Idle), "{r:?}");
    // The same error in the current turn still counts, with its message.
    let r = classify(&rules, "❯ do it\nAPI Error: 500 oops\n❯\n", "");
    assert_eq!(r.state, Some(AgentState::Error));
    assert_eq!(r.detail.as_deref(), Some("API Error: 500 oops"));
    let limited = "❯ a\nAPI Error: 429 retrying in 9s\n❯ b\nAPI Error: 429 slow\n❯\n";
    let r = classify(&rules, limited, "");
    assert_eq!(r.state, Some(AgentState::RateLimited));
    assert_eq!(
        r.detail.as_deref(),
        Some("API Error: 429 slow"),
        "the earlier turn's retry time is stale"
    );
}

#[test]
fn the_turn_start_line_itself_is_the_operators_words() {
    let mut rules = turn_rules();
    rules.turn_start = vec![Regex::new("^❯ ").unwrap()];
    let r = classify(
        &rules,
        "❯ fix the API Error: 500 in the handler\n● On it.\n❯\n",
        "",
    );
    assert_eq!(r.state, Some(AgentState::Idle), "{r:?}");
    let region = ["a", "❯ one", "b", "❯ two", "c"];
    assert_eq!(current_turn(&rules, &region), ["c"]);
    rules.turn_start.clear();
    assert_eq!(current_turn(&rules, &region), region);
}

#[test]
fn last_output_is_the_lowest_line_that_is_not_chrome() {
    let re = |s: &str| Regex::new(s).unwrap();
    let rules = ScreenRules {
        chrome: vec![re(r"^\? for shortcuts"), re(r"^─{3,}$"), re(r"^❯ ?$")],
        ..rules()
    };
    let screen = "● Wrote src/login.rs\n────────\n❯ \n────────\n? for shortcuts · sim-agent\n";
    let r = classify(&rules, screen, "");
    assert_eq!(r.last_line, "● Wrote src/login.rs");
    // Without chrome patterns the footer is the last line, as before.
    assert_eq!(
        classify(&self::rules(), screen, "").last_line,
        "? for shortcuts · sim-agent"
    );
}

#[test]
fn with_waiting_lines_only_the_bottom_lines_can_be_a_dialog() {
    // Aider asks on its bottom line; the command output above may quote its questions.
    let question = r"\(Y\)es/\(N\)o \[Yes\]:$";
    let mut rules = ScreenRules {
        idle: vec![Regex::new("^>$").unwrap()],
        waiting: vec![Regex::new(question).unwrap()],
        auto_answer: vec![AnswerRule {
            pattern: Regex::new(question).unwrap(),
            keys: vec!["y".into()],
            command: None,
            allow: Vec::new(),
            choose: None,
        }],
        waiting_lines: 2,
        region_lines: 10,
        ..ScreenRules::default()
    };
    let trap = "Running printf\nRun shell command? (Y)es/(N)o [Yes]:\n────\n>\n";
    assert_eq!(classify(&rules, trap, "").state, Some(AgentState::Idle));
    let live = "> do it\ncmd\nRun shell command? (Y)es/(N)o [Yes]:\n";
    let r = classify(&rules, live, "");
    assert_eq!(r.state, Some(AgentState::Waiting));
    assert_eq!(
        r.answerable.map(|a| a.screen),
        Some("cmd\nRun shell command? (Y)es/(N)o [Yes]:".into())
    );
    rules.waiting_lines = 0;
    assert_eq!(classify(&rules, trap, "").state, Some(AgentState::Waiting));
}

#[test]
fn an_input_box_drawn_like_an_echoed_prompt_does_not_open_a_turn() {
    // Codex: "› <prompt>" echoes a prompt, and "› <text>" is also the composer below.
    let rules = ScreenRules {
        idle: vec![Regex::new("^› ").unwrap()],
        error: vec![Regex::new("^■ ").unwrap()],
        turn_start: vec![Regex::new(r"^› \S").unwrap()],
        input: vec![Regex::new("^›(?: (.*))?$").unwrap()],
        region_lines: 10,
        ..ScreenRules::default()
    };
    let r = classify(
        &rules,
        "› do it\n■ unexpected status 401\n› Ask Codex\n",
        "",
    );
    assert_eq!(r.state, Some(AgentState::Error), "{r:?}");
    let r = classify(
        &rules,
        "› do it\n■ boom\n› again\n• Done.\n› Ask Codex\n",
        "",
    );
    assert_eq!(r.state, Some(AgentState::Idle), "{r:?}");
}
