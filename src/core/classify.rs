//! Screen text + pane title -> what the agent is doing, with the rule that said so.
//! Patterns come from the agent's profile (data, never code): this only applies them.

use super::answer::{Answer, AnswerRule, answer, dialog_keys};
use super::model::{AgentState, Input};
use regex::Regex;

/// The compiled screen rules of one agent profile.
#[derive(Debug, Clone, Default)]
pub struct ScreenRules {
    pub busy: Vec<Regex>,
    pub idle: Vec<Regex>,
    pub waiting: Vec<Regex>,
    pub error: Vec<Regex>,
    pub rate_limited: Vec<Regex>,
    /// Lines skipped before matching (tool output that may quote anything).
    pub ignore_lines: Vec<Regex>,
    pub title_busy: Vec<Regex>,
    pub title_idle: Vec<Regex>,
    /// Lines that open a turn (the agent's echo of a submitted prompt). An error or rate limit
    /// above the lowest one belongs to an earlier turn that the agent has since gone past.
    pub turn_start: Vec<Regex>,
    /// Waiting screens the czar may answer by itself.
    pub auto_answer: Vec<AnswerRule>,
    /// Only the last this-many non-empty lines count: old output higher up must not decide.
    pub region_lines: usize,
    /// Dialogs count only on the last this-many region lines (0: anywhere in the region):
    /// Aider asks on its bottom line, and the command output above may quote its questions.
    pub waiting_lines: usize,
    /// The agent's input box: its lowest matching line is the box, and capture group 1 is
    /// what sits typed in it. None: the box cannot be read.
    pub input: Vec<Regex>,
    /// What an empty box may show instead of nothing (a dim placeholder suggestion).
    pub input_empty: Vec<Regex>,
    /// Lines that say the client stopped retrying a failed request and waits for a new message.
    pub gave_up: Vec<Regex>,
    /// The agent's own furniture (a footer, a rule, a menu's options): never a worker's
    /// "last output", which is the lowest line that is not chrome.
    pub chrome: Vec<Regex>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reading {
    /// None when nothing matched: the caller keeps what it knew.
    pub state: Option<AgentState>,
    pub reason: String,
    /// The last non-empty line that is not prompt chrome, for the operator.
    pub last_line: String,
    /// Waiting on a dialog the profile allows the czar to answer: how, and the screen it answers.
    pub answerable: Option<Answer>,
    /// Waiting on a dialog the profile knows: the keys that say yes to it (the operator's).
    pub dialog_keys: Option<Vec<String>>,
    /// What the operator needs besides the state: the question a waiting agent asks, the
    /// retry or reset time a rate-limited one shows, the message of an error.
    pub detail: Option<String>,
    /// What the agent's input box holds.
    pub input: Input,
    /// Its client stopped retrying and waits for someone to send again (a `gave_up` line in
    /// the current turn).
    pub gave_up: bool,
}

/// Strongest first: a question for the operator outranks everything, a busy marker outranks the
/// prompt (agents draw their input box while they work).
pub fn classify(rules: &ScreenRules, screen: &str, title: &str) -> Reading {
    let mut reading = classify_state(rules, screen, title);
    reading.input = input(rules, &region(rules, screen));
    {
        let region = region(rules, screen);
        let turn = current_turn(rules, &region);
        // A line, or for a pattern that spans lines (Aider's error line right above its bare
        // prompt) the turn as one text, lines joined by \n.
        let joined = turn.join("\n");
        let gave_up = gave_up_at(&rules.gave_up, turn, &joined);
        reading.gave_up = gave_up.is_some();
        // The error the client gave up on, not a retry line of before (Aider's "Retrying in
        // 32.0 seconds..." above its last error): the lowest rate-limit line down to where the
        // give-up matched (Claude's give-up is its "Resend" hint under the error), else the
        // give-up's own first line (Gemini's "✕ [API Error: …", its 429 on a wrapped line).
        if let Some(at) = gave_up.filter(|_| reading.state == Some(AgentState::RateLimited)) {
            let limited = |l: &&&str| rules.rate_limited.iter().any(|re| re.is_match(l));
            let line = turn[..=at].iter().rev().find(limited).unwrap_or(&turn[at]);
            reading.detail = Some(super::detail::gave_up_detail(line));
        }
    }
    if let Some(state) = reading.state {
        let region = region(rules, screen);
        // Read the words where the state was read: an error's message from the current turn.
        let lines = match state {
            AgentState::Error | AgentState::RateLimited => current_turn(rules, &region),
            _ => &region,
        };
        if reading.detail.is_none() {
            reading.detail = super::detail::detail(state, lines);
        }
        // A dialog without a question mark ("Auto mode can't check actions in this session"):
        // its matched line is what the operator must read.
        if state == AgentState::Waiting && reading.detail.is_none() {
            reading.detail = region
                .iter()
                .find(|l| rules.waiting.iter().any(|re| re.is_match(l)))
                .map(|l| l.trim().to_string());
        }
    }
    reading
}

fn classify_state(rules: &ScreenRules, screen: &str, title: &str) -> Reading {
    let region = region(rules, screen);
    let last_line = region
        .iter()
        .rev()
        .find(|l| !rules.chrome.iter().any(|re| re.is_match(l)))
        .map(|l| l.trim().to_string())
        .unwrap_or_default();
    let turn = current_turn(rules, &region);
    let live = match rules.waiting_lines {
        0 => &region[..],
        n => &region[region.len().saturating_sub(n)..],
    };
    let screen_checks: [(&[Regex], &[&str], AgentState, &str); 4] = [
        (&rules.waiting, live, AgentState::Waiting, "waiting"),
        // Before error: agents show a rate limit as an API error (429) too.
        (
            &rules.rate_limited,
            turn,
            AgentState::RateLimited,
            "rate_limited",
        ),
        (&rules.error, turn, AgentState::Error, "error"),
        (&rules.busy, &region, AgentState::Busy, "busy"),
    ];
    for (i, (patterns, lines, state, name)) in screen_checks.into_iter().enumerate() {
        // Right after the dialogs the profile names: a choice it does not name is a question
        // too (a new client version's dialog), never a prompt to paste into.
        if i == 1
            && let Some(m) = super::menu::menu(&region)
        {
            let why = "a choice no rule names: {n} options, {label} selected, and a footer";
            return choice(rules, &region, &m, why, last_line, Input::Unknown);
        }
        if let Some(reason) = first_match(patterns, lines, name) {
            let (answerable, keys) = if state == AgentState::Waiting {
                // Only the live dialog's lines: a question quoted higher up is not answered.
                (
                    answer(&rules.auto_answer, live),
                    dialog_keys(&rules.auto_answer, live),
                )
            } else {
                (None, None)
            };
            return Reading {
                state: Some(state),
                reason,
                last_line,
                answerable,
                dialog_keys: keys,
                detail: None,
                input: Input::Unknown,
                gave_up: false,
            };
        }
    }
    if let Some(re) = rules.title_busy.iter().find(|re| re.is_match(title)) {
        let reason = format!("title matches title_busy /{}/", re.as_str());
        return plain(AgentState::Busy, reason, last_line);
    }
    // Idle is the one reading that lets the czar type: it needs the agent's own input box
    // where the profile can see one. A screen without it (a dialog no rule knows, a redraw)
    // is unknown, whatever the idle lines or the title say; some clients keep the same title
    // busy, idle and in dialogs, so the title alone is no evidence.
    let box_shown = rules.input.is_empty() || input(rules, &region) != Input::Hidden;
    if box_shown && let Some(reason) = first_match(&rules.idle, &region, "idle") {
        return plain(AgentState::Idle, reason, last_line);
    }
    if let Some(re) = rules.title_idle.iter().find(|re| re.is_match(title))
        && box_shown
    {
        let reason = format!("title matches title_idle /{}/", re.as_str());
        return plain(AgentState::Idle, reason, last_line);
    }
    if !box_shown && let Some(m) = super::menu::menu_without_footer(&region) {
        let why = "no input box, and a choice: {n} options, {label} selected";
        return choice(rules, &region, &m, why, last_line, Input::Hidden);
    }
    if !box_shown {
        return Reading {
            state: None,
            reason: "no input box on screen: not at its prompt".into(),
            last_line,
            answerable: None,
            dialog_keys: None,
            detail: None,
            input: Input::Hidden,
            gave_up: false,
        };
    }
    Reading {
        state: None,
        reason: "no pattern matched".into(),
        last_line,
        answerable: None,
        dialog_keys: None,
        detail: None,
        input: Input::Unknown,
        gave_up: false,
    }
}

/// What the input box holds: its lowest line in the region, the text after the prompt. Long
/// text is cut: the reading says that something is there, not all of it.
pub fn input(rules: &ScreenRules, region: &[&str]) -> Input {
    if rules.input.is_empty() {
        return Input::Unknown;
    }
    let typed = region.iter().rev().find_map(|line| {
        rules
            .input
            .iter()
            .find_map(|re| re.captures(line))
            .map(|c| c.get(1).map_or("", |m| m.as_str()))
    });
    let Some(typed) = typed else {
        return Input::Hidden;
    };
    let typed = typed.trim_matches(|c: char| c.is_whitespace());
    if typed.is_empty() || rules.input_empty.iter().any(|re| re.is_match(typed)) {
        return Input::Empty;
    }
    Input::Holds(typed.chars().take(INPUT_SHOWN).collect())
}

/// Characters of a non-empty input box kept in a reading.
const INPUT_SHOWN: usize = 80;

/// A reading with nothing for the operator to answer and no detail yet.
/// A choice no rule names, read as a question: `why` with `{n}` (how many options) and
/// `{label}` (the selected one, quoted) filled in.
fn choice(
    rules: &ScreenRules,
    region: &[&str],
    m: &super::menu::Menu,
    why: &str,
    last_line: String,
    input: Input,
) -> Reading {
    let reason = why
        .replace("{n}", &m.options.len().to_string())
        .replace("{label}", &format!("{:?}", m.options[m.selected].label));
    Reading {
        state: Some(AgentState::Waiting),
        reason,
        last_line,
        answerable: answer(&rules.auto_answer, region),
        dialog_keys: dialog_keys(&rules.auto_answer, region),
        detail: m.question(region),
        input,
        gave_up: false,
    }
}

fn plain(state: AgentState, reason: String, last_line: String) -> Reading {
    Reading {
        state: Some(state),
        reason,
        last_line,
        answerable: None,
        dialog_keys: None,
        detail: None,
        input: Input::Unknown,
        gave_up: false,
    }
}

/// The lines the patterns see: the last `region_lines` non-empty lines once ignored lines are
/// gone, trailing blanks trimmed.
pub fn region<'a>(rules: &ScreenRules, screen: &'a str) -> Vec<&'a str> {
    let lines: Vec<&str> = screen
        .lines()
        .map(|l| l.trim_end())
        .filter(|l| !l.is_empty())
        .filter(|l| !rules.ignore_lines.iter().any(|re| re.is_match(l)))
        .collect();
    let n = if rules.region_lines == 0 {
        15
    } else {
        rules.region_lines
    };
    lines[lines.len().saturating_sub(n)..].to_vec()
}

/// The region lines below the lowest turn start (all of them when no turn start shows). The turn
/// start itself is left out: it echoes the operator's words, which may name any error.
pub fn current_turn<'r, 'a>(rules: &ScreenRules, region: &'r [&'a str]) -> &'r [&'a str] {
    // The input box is not a turn's start, even where it looks like an echoed prompt (Codex
    // draws both as "› <text>"): it is the lowest line an input pattern matches.
    let input_box = region
        .iter()
        .rposition(|l| rules.input.iter().any(|re| re.is_match(l)));
    let start = region.iter().enumerate().rposition(|(i, l)| {
        Some(i) != input_box && rules.turn_start.iter().any(|re| re.is_match(l))
    });
    start.map_or(region, |i| &region[i + 1..])
}

/// Where in the turn a `gave_up` pattern matched: the line, or for a match in the turn joined
/// by \n the line it starts on.
fn gave_up_at(patterns: &[Regex], turn: &[&str], joined: &str) -> Option<usize> {
    patterns.iter().find_map(|re| {
        turn.iter().position(|l| re.is_match(l)).or_else(|| {
            re.find(joined)
                .map(|m| joined[..m.start()].matches('\n').count())
                .filter(|i| *i < turn.len())
        })
    })
}

fn first_match(patterns: &[Regex], region: &[&str], name: &str) -> Option<String> {
    for re in patterns {
        if let Some(line) = region.iter().find(|l| re.is_match(l)) {
            return Some(format!(
                "{name} pattern /{}/ matched {:?}",
                re.as_str(),
                line.trim()
            ));
        }
    }
    None
}
