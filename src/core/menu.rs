//! A choice on screen that no rule names: a list of options with one selected (`❯`, `›`), and
//! a footer that says how to choose ("Esc to cancel", "Enter to confirm", "↑/↓ to choose").
//! Agents add dialogs with every release; one the profile does not know must still read as a
//! question, never as a prompt to paste into. Also where an option is chosen by its label:
//! the order of options changes between modes and versions, so the keys are counted from the
//! selection the screen shows, never assumed. Pure.

use regex::Regex;
use std::sync::LazyLock;

/// One option line of a menu.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Choice {
    /// Its text, marker and number removed.
    pub label: String,
    /// Its line in the region.
    pub line: usize,
}

/// A menu on screen: its options top to bottom, which one is selected, and its question.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Menu {
    pub options: Vec<Choice>,
    pub selected: usize,
}

/// Another option of a numbered menu.
static NUMBERED: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r"^\s*(?:│\s*)?(\d+)[.)]\s+(\S.*?)\s*│?$").ok());
/// The footer of a choice, below its options: a line that starts with a key and says what it
/// does ("Esc to cancel · Tab to amend", "↑/↓ to choose", "Press enter to confirm or esc to
/// cancel"); a reply that mentions a key mid-sentence is no footer.
static FOOTER: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(
        r"(?i)^\s*(?:press\s+)?(?:(?:esc|enter|tab)\b|↑/↓|↑↓).*\bto (?:cancel|confirm|choose|select|navigate)\b",
    )
    .ok()
});

/// The menu on `region`, if it shows one: the lowest selected option line with at least one
/// more option next to it and a footer below.
pub fn menu(region: &[&str]) -> Option<Menu> {
    let footer = region.iter().rposition(|l| is_footer(l))?;
    options(region, footer)
}

/// A menu whose footer may be missing (cut off by a short pane): for screens that show no
/// input box, where a list with a selection can only be a choice.
pub fn menu_without_footer(region: &[&str]) -> Option<Menu> {
    menu(region).or_else(|| options(region, region.len()))
}

fn options(region: &[&str], footer: usize) -> Option<Menu> {
    let sel = (0..footer)
        .rev()
        .find_map(|i| selected(region[i]).map(|s| (i, s)))?;
    let (at, (label_col, numbered, label)) = sel;
    let mut options = vec![Choice { label, line: at }];
    // Upwards, then downwards, while the lines are options of the same list.
    let mut i = at;
    while i > 0 {
        i -= 1;
        match option(region[i], label_col, numbered) {
            Some(l) => options.insert(0, Choice { label: l, line: i }),
            None if numbered && continuation(region[i], label_col) => {}
            None => break,
        }
    }
    let mut i = at + 1;
    while i < footer {
        match option(region[i], label_col, numbered) {
            Some(l) => options.push(Choice { label: l, line: i }),
            None if numbered && continuation(region[i], label_col) => {}
            None => break,
        }
        i += 1;
    }
    if options.len() < 2 {
        return None;
    }
    let selected = options.iter().position(|o| o.line == at)?;
    Some(Menu { options, selected })
}

impl Menu {
    /// The keys that move the selection to the first option whose label matches `label`,
    /// counted from the selected one. None: no option has that label.
    pub fn keys_to(&self, label: &Regex) -> Option<Vec<String>> {
        let target = self.options.iter().position(|o| label.is_match(&o.label))?;
        let (key, n) = if target >= self.selected {
            ("Down", target - self.selected)
        } else {
            ("Up", self.selected - target)
        };
        Some(vec![key.to_string(); n])
    }

    /// The question: the lowest line above the options that asks one (cut after its `?`),
    /// else the lowest that says anything.
    pub fn question(&self, region: &[&str]) -> Option<String> {
        let first = self.options.first()?.line;
        let said: Vec<&str> = region[..first]
            .iter()
            .map(|l| l.trim().trim_matches('│').trim())
            .filter(|t| !t.is_empty() && !t.chars().all(|c| "─╌━-".contains(c)))
            .collect();
        let asked = said
            .iter()
            .rev()
            .find_map(|t| t.find('?').map(|end| t[..=end].to_string()));
        asked.or_else(|| said.last().map(|t| t.to_string()))
    }
}

fn is_footer(line: &str) -> bool {
    FOOTER.as_ref().is_some_and(|re| re.is_match(line))
}

/// (column where the label starts, numbered, label) of a selected-option line: a marker (`❯`,
/// `›`, or `●` before a number), maybe a number, then the label.
fn selected(line: &str) -> Option<(usize, bool, String)> {
    let t = line.trim_start().trim_start_matches('│').trim_start();
    let rest = t
        .strip_prefix('❯')
        .or_else(|| t.strip_prefix('›'))
        .or_else(|| {
            t.strip_prefix('●')
                .filter(|r| r.trim_start().starts_with(char::is_numeric))
        })?;
    let rest = rest.trim_start();
    if rest.is_empty() {
        return None;
    }
    let (numbered, label) = match NUMBERED.as_ref().and_then(|re| re.captures(rest)) {
        Some(c) => (true, c.get(2)?.as_str().to_string()),
        None => (
            false,
            rest.trim_end().trim_end_matches('│').trim_end().to_string(),
        ),
    };
    let col = line.chars().count() - rest.chars().count();
    Some((col, numbered, label))
}

/// Another option of the list whose labels start at `label_col`.
fn option(line: &str, label_col: usize, numbered: bool) -> Option<String> {
    if selected(line).is_some() {
        return None;
    }
    if numbered {
        let c = NUMBERED.as_ref()?.captures(line)?;
        return Some(c.get(2)?.as_str().to_string());
    }
    let indent = line.chars().take_while(|c| c.is_whitespace()).count();
    let label = line.trim();
    (indent == label_col && !label.is_empty() && !is_footer(line)).then(|| label.to_string())
}

/// A wrapped option's second line: indented at least as deep as the labels.
fn continuation(line: &str, label_col: usize) -> bool {
    let indent = line.chars().take_while(|c| c.is_whitespace()).count();
    indent >= label_col && !line.trim().is_empty() && !is_footer(line)
}

#[cfg(test)]
mod tests {
    use super::*;

    const AUTO: [&str; 6] = [
        " Make auto mode your default permission mode?",
        "",
        " ❯ Yes, set auto mode as my default",
        "   No, keep accept edits",
        "",
        " ↑/↓ to choose · Esc to cancel",
    ];

    #[test]
    fn an_unknown_choice_is_a_menu_with_its_question() {
        let region: Vec<&str> = AUTO.iter().copied().filter(|l| !l.is_empty()).collect();
        let m = menu(&region).expect("a menu");
        let labels: Vec<&str> = m.options.iter().map(|o| o.label.as_str()).collect();
        assert_eq!(
            labels,
            ["Yes, set auto mode as my default", "No, keep accept edits"]
        );
        assert_eq!(m.selected, 0);
        assert_eq!(
            m.question(&region).as_deref(),
            Some("Make auto mode your default permission mode?")
        );
    }

    #[test]
    fn options_are_chosen_by_label_from_the_selection_shown() {
        let no_first = [
            " Auto mode can't check actions in this session, so this one needs your approval",
            " ❯ No",
            "   Yes",
            " Esc to cancel",
        ];
        let m = menu(&no_first).unwrap();
        let yes = Regex::new("^Yes$").unwrap();
        assert_eq!(m.keys_to(&yes), Some(vec!["Down".to_string()]));
        let numbered = [
            " Do you want to proceed?",
            " ❯ 1. Yes",
            "   2. Yes, and don't ask again for git add and git commit commands in",
            "      /tmp/project",
            "   3. No",
            " Esc to cancel · Tab to amend",
        ];
        let m = menu(&numbered).unwrap();
        assert_eq!(m.options.len(), 3);
        assert_eq!(m.keys_to(&yes), Some(vec![]));
        let no = Regex::new("^No").unwrap();
        assert_eq!(m.keys_to(&no), Some(vec!["Down".to_string(); 2]));
        let key = [
            "    Yes",
            "  ❯ No (recommended)",
            "  Enter to confirm · Esc to cancel",
        ];
        assert_eq!(
            menu(&key).unwrap().keys_to(&yes),
            Some(vec!["Up".to_string()])
        );
        assert_eq!(
            menu(&key).unwrap().keys_to(&Regex::new("Maybe").unwrap()),
            None
        );
    }

    #[test]
    fn the_input_box_and_echoed_prompts_are_no_menu() {
        let idle = [
            "❯ do the numbered things",
            "  1. first",
            "● Done.",
            "────────",
            "❯",
            "────────",
            "  ⏵⏵ accept edits on (shift+tab to cycle)",
        ];
        assert_eq!(menu(&idle), None);
        // A footer but one option only: the box holding text, not a choice.
        assert_eq!(menu(&["❯ hello", "esc to cancel"]), None);
    }
}
