//! The words behind a state, lifted from the screen: the question a waiting agent asks, the
//! retry or reset time a rate-limited one shows, the message of an error. Pure; the region is
//! the one the classifier matched against.

use super::model::AgentState;
use regex::Regex;
use std::sync::LazyLock;

/// A time the agent promises to go on at: "retrying in 13s", "resets at 3pm", "try again in 5
/// minutes", "retry after 20". Agent-neutral on purpose: the words differ little between agents.
static RETRY: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(
        r"(?i)\b(?:retrying in|retry(?:ing)? after|resets? (?:in|at)|reset at|try again (?:in|at|after)|available again (?:in|at))\s+[0-9][^·()|,]*",
    )
    .ok()
});

/// Lines of a choice list or dialog chrome: not the question itself.
static OPTION: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r"^\s*(?:[❯>›]\s|\d+\.\s|\(?[YyNn]\)|Esc |Enter )").ok());

pub fn detail(state: AgentState, region: &[&str]) -> Option<String> {
    match state {
        AgentState::Waiting => question(region),
        AgentState::RateLimited => retry_time(region),
        AgentState::Error => error_line(region),
        _ => None,
    }
}

/// The lowest line with a question mark that is not an option, cut after its first `?`
/// (dialogs continue the sentence with an explanation); box borders stripped.
fn question(region: &[&str]) -> Option<String> {
    let is_option = |l: &str| OPTION.as_ref().is_some_and(|re| re.is_match(l));
    region.iter().rev().find_map(|line| {
        let l = clean(line);
        if is_option(&l) {
            return None;
        }
        let end = l.find('?')?;
        Some(l[..=end].trim().to_string())
    })
}

/// The retry or reset time and, where the line counts them, the attempt ("retrying in 14s ·
/// attempt 6/10"); without a time (the client gave up) the message, as for an error.
fn retry_time(region: &[&str]) -> Option<String> {
    let re = RETRY.as_ref()?;
    let timed = region.iter().rev().find_map(|l| {
        let m = re.find(l)?;
        let mut out = m.as_str().trim().to_string();
        if let Some(a) = ATTEMPT.as_ref().and_then(|a| a.find(l)) {
            out.push_str(&format!(" · {}", a.as_str()));
        }
        Some(out)
    });
    timed.or_else(|| error_line(region))
}

/// "attempt 6/10" on a retry line.
static ATTEMPT: LazyLock<Option<Regex>> = LazyLock::new(|| Regex::new(r"\battempt \d+/\d+").ok());

/// The lowest line naming an error, as the agent wrote it.
fn error_line(region: &[&str]) -> Option<String> {
    region.iter().rev().find_map(|line| {
        let l = clean(line);
        let lower = l.to_lowercase();
        (lower.contains("error") || lower.contains("/login") || lower.contains("failed"))
            .then_some(l)
    })
}

/// A give-up's line as the operator reads it: without the glyphs and brackets in front
/// ("✕ [API Error: …" reads "API Error: …"; the remains of Aider's spinner go too).
pub fn gave_up_detail(line: &str) -> String {
    clean(line)
        .trim_start_matches(|c: char| !c.is_alphanumeric())
        .to_string()
}

fn clean(line: &str) -> String {
    line.trim()
        .trim_matches(|c| c == '│' || c == '┃' || c == '║')
        .trim()
        .trim_start_matches(['⎿', '●', '✻', '✶', '✳', '✢', '✽', '·'])
        .trim()
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_question_is_kept_without_its_options_or_explanation() {
        let region = [
            " Quick safety check: Is this a project you created or one you trust? (Like your own",
            " ❯ No, exit",
            "   Yes, I trust this folder",
            " Enter to confirm · Esc to cancel",
        ];
        assert_eq!(
            detail(AgentState::Waiting, &region).as_deref(),
            Some("Quick safety check: Is this a project you created or one you trust?")
        );
        let boxed = ["│ Allow execution of 'git'? │", "│ ● 1. Yes, allow once │"];
        assert_eq!(
            detail(AgentState::Waiting, &boxed).as_deref(),
            Some("Allow execution of 'git'?")
        );
        assert_eq!(detail(AgentState::Waiting, &["❯ 1. Yes?"]), None);
    }

    #[test]
    fn the_retry_time_is_kept() {
        let region = ["✻ API error · retrying in 13s · attempt 1/10", "❯"];
        assert_eq!(
            detail(AgentState::RateLimited, &region).as_deref(),
            Some("retrying in 13s · attempt 1/10")
        );
        let r = ["Claude usage limit reached. Your limit will reset at 3pm (Europe/Paris)."];
        assert_eq!(
            detail(AgentState::RateLimited, &r).as_deref(),
            Some("reset at 3pm")
        );
        assert_eq!(detail(AgentState::RateLimited, &["slow down"]), None);
        let gave_up = [
            "● API Error: Request rejected (429) · rate limited",
            "❯ Resend",
        ];
        assert_eq!(
            detail(AgentState::RateLimited, &gave_up).as_deref(),
            Some("API Error: Request rejected (429) · rate limited")
        );
    }

    #[test]
    fn errors_keep_their_message_and_other_states_keep_nothing() {
        let r = ["  ⎿  API Error: 500 Internal server error", "❯"];
        assert_eq!(
            detail(AgentState::Error, &r).as_deref(),
            Some("API Error: 500 Internal server error")
        );
        assert_eq!(detail(AgentState::Busy, &r), None);
    }
}
