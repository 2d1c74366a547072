//! Dialogs a profile lets the czar answer by itself: which rule fits a waiting screen, and what
//! to press. Everything else that waits goes to the operator. Pure; the rules are profile data.

use regex::Regex;

/// One dialog the czar may answer, and how.
#[derive(Debug, Clone)]
pub struct AnswerRule {
    /// A region line that identifies the dialog.
    pub pattern: Regex,
    /// tmux key names, pressed in order. They should not depend on where the selection starts
    /// (`End`, not `Down`): a dialog still showing after an answer gets the same keys again.
    pub keys: Vec<String>,
    /// Where the dialog names the command it asks about: matched against the region as one
    /// text (lines joined by `\n`); its first capture group is the command.
    pub command: Option<Regex>,
    /// Anchored (`^(?:…)$`): the whole command must match one of them.
    pub allow: Vec<Regex>,
    /// The label of the option to choose: the selection is moved there (arrow keys counted
    /// from the option the screen shows selected) before `keys` are pressed. A dialog without
    /// that option does not fit the rule.
    pub choose: Option<Regex>,
}

impl AnswerRule {
    /// The keys that answer this dialog on `region`: the moves to the chosen option, then the
    /// rule's keys. None when the option to choose is not on screen.
    fn keys_for(&self, region: &[&str]) -> Option<(Vec<String>, Option<String>)> {
        let Some(label) = &self.choose else {
            return Some((self.keys.clone(), None));
        };
        let menu = super::menu::menu_without_footer(region)?;
        let mut keys = menu.keys_to(label)?;
        let chosen = menu.options.iter().find(|o| label.is_match(&o.label))?;
        keys.extend(self.keys.iter().cloned());
        Some((keys, Some(chosen.label.clone())))
    }
}

/// What the czar answers to a dialog, and what it records about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    pub keys: Vec<String>,
    /// One line for the record: the dialog line that matched, the allowed command if any.
    pub summary: String,
    /// The region it answers, as the operator would have seen it.
    pub screen: String,
}

/// The first rule that fits: its line is on screen and, when it asks about a command, the
/// command is on screen too and allowed. A rule whose command cannot be read whole does not
/// fit, so an unreadable command goes to the operator rather than being guessed at.
pub fn answer(rules: &[AnswerRule], region: &[&str]) -> Option<Answer> {
    let text = region.join("\n");
    rules.iter().find_map(|rule| {
        let line = region.iter().find(|l| rule.pattern.is_match(l))?;
        let mut summary = line.trim().to_string();
        if let Some(re) = &rule.command {
            // The lowest match: the live dialog sits at the bottom, older output above it.
            let caps = re.captures_iter(&text).last()?;
            let command = caps.get(1)?.as_str();
            let allowed = rule.allow.iter().find(|a| a.is_match(command))?;
            summary.push_str(&format!(
                " | command {command:?} allowed by /{}/",
                allowed.as_str()
            ));
        }
        let (keys, chosen) = rule.keys_for(region)?;
        if let Some(label) = chosen {
            summary.push_str(&format!(" | chose {label:?}"));
        }
        Some(Answer {
            keys,
            summary,
            screen: text.clone(),
        })
    })
}

/// The keys that say yes to a dialog the profile knows (a rule's line is on screen), for the
/// operator: the operator decides, so no allow-list applies. `None`: no known dialog.
pub fn dialog_keys(rules: &[AnswerRule], region: &[&str]) -> Option<Vec<String>> {
    let rule = rules
        .iter()
        .find(|r| region.iter().any(|l| r.pattern.is_match(l)))?;
    rule.keys_for(region).map(|(keys, _)| keys)
}

/// The operator's yes or no to what the agent shows: a known dialog (`keys`: its yes) gets those
/// keys for yes and Escape for no, which cancels such dialogs; any other question is answered
/// in words, `y` or `n` typed and submitted.
pub fn operator_answer(keys: Option<&[String]>, yes: bool) -> OperatorAnswer {
    match keys {
        Some(keys) if yes => OperatorAnswer::Keys(keys.to_vec()),
        Some(_) => OperatorAnswer::Keys(vec!["Escape".to_string()]),
        None => OperatorAnswer::Words(if yes { "y" } else { "n" }.to_string()),
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OperatorAnswer {
    Keys(Vec<String>),
    Words(String),
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(pattern: &str, keys: &[&str]) -> AnswerRule {
        AnswerRule {
            pattern: Regex::new(pattern).unwrap(),
            keys: keys.iter().map(|k| k.to_string()).collect(),
            command: None,
            allow: Vec::new(),
            choose: None,
        }
    }

    fn permission(allow: &[&str]) -> AnswerRule {
        AnswerRule {
            command: Some(
                Regex::new(r"(?m)^╌+\n (?:│ )?(.+)\n╌+\n This command requires").unwrap(),
            ),
            allow: allow
                .iter()
                .map(|a| Regex::new(&format!("^(?:{a})$")).unwrap())
                .collect(),
            ..rule(r"^ Do you want to proceed\?$", &["Home", "Enter"])
        }
    }

    const PERMISSION: &str = "● Committing.\n╌╌╌╌\n git commit -q -m 'Do x'\n╌╌╌╌\n \
        This command requires approval\n Do you want to proceed?\n ❯ 1. Yes\n   2. No";

    #[test]
    fn the_operator_answers_a_known_dialog_with_its_keys_whatever_the_allow_list() {
        let region: Vec<&str> = PERMISSION.lines().collect();
        let rules = [permission(&["czar done"])];
        assert_eq!(answer(&rules, &region), None, "not allowed by itself");
        assert_eq!(
            dialog_keys(&rules, &region),
            Some(vec!["Home".to_string(), "Enter".to_string()])
        );
        let keys = dialog_keys(&rules, &region);
        assert_eq!(
            operator_answer(keys.as_deref(), true),
            OperatorAnswer::Keys(vec!["Home".into(), "Enter".into()])
        );
        assert_eq!(
            operator_answer(keys.as_deref(), false),
            OperatorAnswer::Keys(vec!["Escape".into()])
        );
        assert_eq!(dialog_keys(&rules, &["Proceed? (y/n)"]), None);
        assert_eq!(
            operator_answer(None, false),
            OperatorAnswer::Words("n".into())
        );
    }

    #[test]
    fn each_dialog_gets_the_keys_of_its_own_rule() {
        let rules = [
            rule("trust this folder", &["End", "Enter"]),
            rule("use this API key", &["Home", "Enter"]),
        ];
        let key = [
            "Detected a custom API key",
            "Do you want to use this API key?",
        ];
        let a = answer(&rules, &key).unwrap();
        assert_eq!(a.keys, ["Home", "Enter"]);
        assert_eq!(a.summary, "Do you want to use this API key?");
        assert_eq!(
            a.screen,
            "Detected a custom API key\nDo you want to use this API key?"
        );
        let trust = [
            "Quick safety check",
            " ❯ No, exit",
            "   Yes, I trust this folder",
        ];
        assert_eq!(answer(&rules, &trust).unwrap().keys, ["End", "Enter"]);
        assert_eq!(answer(&rules, &["Do you want to proceed?"]), None);
    }

    #[test]
    fn a_command_is_answered_only_when_an_allow_pattern_matches_all_of_it() {
        let region: Vec<&str> = PERMISSION.lines().collect();
        let a = answer(&[permission(&["git commit -q -m '[^']*'"])], &region).unwrap();
        assert_eq!(a.keys, ["Home", "Enter"]);
        assert!(
            a.summary
                .contains(r#"command "git commit -q -m 'Do x'" allowed by"#),
            "{}",
            a.summary
        );
        // A prefix is not enough: the rest of the command could do anything.
        assert_eq!(answer(&[permission(&["git commit"])], &region), None);
        assert_eq!(answer(&[permission(&[])], &region), None);
    }

    #[test]
    fn a_command_that_cannot_be_read_whole_goes_to_the_operator() {
        // Wrapped over two lines: the capture pattern only reads a one-line command.
        let wrapped =
            PERMISSION.replace(" git commit -q -m 'Do x'", " │ git commit -q -m 'Do\n │ x'");
        let region: Vec<&str> = wrapped.lines().collect();
        assert_eq!(answer(&[permission(&[".*"])], &region), None);
        // The top of the command box scrolled out of the region.
        let region: Vec<&str> = PERMISSION.lines().skip(2).collect();
        assert_eq!(answer(&[permission(&[".*"])], &region), None);
    }

    #[test]
    fn the_lowest_command_box_is_the_live_one() {
        let older = "╌╌╌╌\n git commit -q -m 'Do x'\n╌╌╌╌\n This command requires approval\n";
        let screen = format!("{older}● Next.\n{}", PERMISSION.replace("'Do x'", "'Do y'"));
        let region: Vec<&str> = screen.lines().collect();
        let a = answer(&[permission(&["git commit -q -m 'Do y'"])], &region);
        assert!(a.is_some());
        assert_eq!(
            answer(&[permission(&["git commit -q -m 'Do x'"])], &region),
            None
        );
    }
}
