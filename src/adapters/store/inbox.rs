//! How an operator's task intent is written in the inbox (`kind = "task"`), so another process
//! (`czar task hold ...`) reaches a running czar the way `czar done` does.

use crate::core::observation::TaskAction;

/// `<verb> <task>` and, for hold, a newline and the note; for priority, ` <n>` after the task.
/// Task ids have no spaces or newlines (they name files and branches).
pub(super) fn encode_task_action(task: &str, action: &TaskAction) -> String {
    match action {
        TaskAction::Hold { note } => format!("hold {task}\n{note}"),
        TaskAction::Priority(p) => format!("priority {task} {p}"),
        a => format!("{} {task}", a.verb()),
    }
}

pub(super) fn decode_task_action(text: &str) -> Option<(String, TaskAction)> {
    let (head, note) = text.split_once('\n').unwrap_or((text, ""));
    let mut words = head.split(' ');
    let (verb, task) = (words.next()?, words.next()?.to_string());
    let action = match verb {
        "hold" => TaskAction::Hold { note: note.into() },
        "release" => TaskAction::Release,
        "cancel" => TaskAction::Cancel,
        "retry" => TaskAction::Retry,
        "priority" => TaskAction::Priority(words.next()?.parse().ok()?),
        _ => return None,
    };
    Some((task, action))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_action_round_trips() {
        let actions = [
            TaskAction::Hold {
                note: "after the release\nsecond line".into(),
            },
            TaskAction::Release,
            TaskAction::Cancel,
            TaskAction::Retry,
            TaskAction::Priority(-7),
        ];
        for a in actions {
            let text = encode_task_action("fix-login", &a);
            assert_eq!(
                decode_task_action(&text),
                Some(("fix-login".to_string(), a))
            );
        }
        assert_eq!(decode_task_action("explode x"), None);
        assert_eq!(decode_task_action("priority x high"), None);
    }
}
