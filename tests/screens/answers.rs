//! The answer policy on recorded screens: which waiting screens a shipped profile lets the czar
//! answer (and with which keys), and that everything else is left to the operator.

use super::{config, fixtures};
use czar::core::AgentState;
use czar::core::classify::classify;

/// The keys the shipped claude profile answers each recorded claude dialog with; `None`: raised
/// to the operator. Options are chosen by label, so the keys depend on what is selected.
const CLAUDE: [(&str, Option<&[&str]>); 10] = [
    ("waiting-trust-dialog", Some(&["Down", "Enter"])),
    ("waiting-trust-dialog-yes-selected", Some(&["Enter"])),
    ("waiting-api-key", Some(&["Up", "Enter"])),
    ("waiting-permission-czar-done", Some(&["Enter"])),
    ("waiting-permission-czar-report", Some(&["Enter"])),
    // `echo change >> notes.txt && git add -A && git commit …`: not the czar's command.
    ("waiting-permission-bash", None),
    ("waiting-auto-mode-gateway-notice", None),
    // 2.1.332: a dialog no rule names, and auto mode's approval with "No" listed first.
    ("waiting-auto-mode-default-dialog", None),
    ("waiting-auto-mode-approval-no-first", None),
    ("waiting-auto-mode-gateway-notice-2.1.332", None),
];

#[test]
fn claude_answers_what_its_policy_allows_and_raises_the_rest() {
    let cfg = config();
    let rules = cfg.profile("claude").unwrap().rules();
    let all = fixtures();
    for (name, keys) in CLAUDE {
        let fx = all
            .iter()
            .find(|f| f.agent == "claude" && f.name == name)
            .unwrap_or_else(|| panic!("no fixture claude/{name}"));
        let r = classify(&rules, &fx.screen, &fx.title);
        assert_eq!(r.state, Some(AgentState::Waiting), "{name}");
        let got = r.answerable.as_ref().map(|a| a.keys.clone());
        let want = keys.map(|k| k.iter().map(|s| s.to_string()).collect::<Vec<_>>());
        assert_eq!(got, want, "{name}: {:?}", r.answerable);
        if let Some(a) = &r.answerable {
            // The record keeps the dialog as it was on screen.
            assert!(fx.screen.contains(a.summary.split(" | ").next().unwrap()));
            assert!(a.screen.lines().all(|l| fx.screen.contains(l)), "{name}");
        } else {
            assert!(
                r.detail.is_some(),
                "{name}: the operator needs the question"
            );
        }
    }
    let r = classify(
        &rules,
        &all.iter()
            .find(|f| f.name == "waiting-permission-czar-report")
            .unwrap()
            .screen,
        "",
    );
    let summary = r.answerable.map(|a| a.summary).unwrap_or_default();
    assert!(
        summary.contains(r#"command "czar report \"parser done, tests next\"""#),
        "{summary}"
    );
}

#[test]
fn only_waiting_screens_are_ever_answered() {
    let cfg = config();
    for fx in fixtures() {
        let rules = cfg.profile(&fx.agent).unwrap().rules();
        let r = classify(&rules, &fx.screen, &fx.title);
        if r.answerable.is_some() {
            assert_eq!(
                r.state,
                Some(AgentState::Waiting),
                "{}/{}",
                fx.agent,
                fx.name
            );
        }
    }
}

/// Auto mode lists `❯ No` before `Yes`: the czar's own command is answered by moving to "Yes",
/// never by pressing Enter on whatever comes first.
#[test]
fn the_czars_own_command_is_approved_by_label_when_no_comes_first() {
    let cfg = config();
    let rules = cfg.profile("claude").unwrap().rules();
    let all = fixtures();
    let fx = all
        .iter()
        .find(|f| f.agent == "claude" && f.name == "waiting-auto-mode-approval-no-first")
        .expect("fixture");
    let line = " echo change >> notes.txt && git add -A && git commit -q -m 'Add a note'";
    assert!(fx.screen.contains(line));
    let screen = fx.screen.replace(line, " czar done");
    let r = classify(&rules, &screen, &fx.title);
    let a = r.answerable.expect("the czar's own command is answered");
    assert_eq!(a.keys, ["Down", "Enter"]);
    assert!(a.summary.contains(r#"chose "Yes""#), "{}", a.summary);
    // With "Yes" selected already, Enter alone.
    let selected = screen.replace(" ❯ No\n   Yes", "   No\n ❯ Yes");
    assert_ne!(selected, screen);
    let r = classify(&rules, &selected, &fx.title);
    assert_eq!(
        r.answerable.map(|a| a.keys),
        Some(vec!["Enter".to_string()])
    );
}
