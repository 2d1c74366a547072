//! Task files that stop loading while the czar runs. The loader leaves such a file out, and the
//! rest of the queue goes on; but a task the operator added and that silently never runs is
//! lost work, so each distinct error becomes an event the front ends show as it happens (and
//! `--auto` counts at the end), and so does its fix.

use super::command::{Command, EventKind};
use super::model::Model;
use std::collections::BTreeMap;

/// The task files that do not load now (file → error): new or changed errors are recorded,
/// and files whose error went away get a note.
pub(super) fn errors_seen(
    model: &mut Model,
    errors: BTreeMap<String, String>,
    out: &mut Vec<Command>,
) {
    for (file, error) in &errors {
        if model.task_file_errors.get(file) != Some(error) {
            out.push(Command::record(
                None,
                None,
                EventKind::TaskFileError,
                error.clone(),
            ));
        }
    }
    for (file, was) in &model.task_file_errors {
        if !errors.contains_key(file) {
            let first = was.lines().next().unwrap_or("");
            out.push(Command::record(
                None,
                None,
                EventKind::TaskFileFixed,
                format!("{file}: no error any more (it was: {first})"),
            ));
        }
    }
    model.task_file_errors = errors;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::observation::Observation;
    use crate::core::update;

    fn kinds(out: &[Command]) -> Vec<(EventKind, String)> {
        out.iter()
            .filter_map(|c| match c {
                Command::Record(e) if e.task.is_none() && e.worker.is_none() => {
                    Some((e.kind, e.detail.clone()))
                }
                _ => None,
            })
            .collect()
    }

    fn seen(m: &mut Model, errors: &[(&str, &str)]) -> Vec<(EventKind, String)> {
        let map = errors
            .iter()
            .map(|(f, e)| (f.to_string(), e.to_string()))
            .collect();
        kinds(&update(m, Observation::TaskFileErrors(map), 1))
    }

    #[test]
    fn each_distinct_error_is_recorded_once_and_its_fix_noted() {
        // Stopping: no workers wanted, so only the task-file events come out.
        let mut m = Model {
            stopping: true,
            ..Model::default()
        };
        let e1 = ("t/a.md", "t/a.md:3: the task text is empty");
        assert_eq!(
            seen(&mut m, &[e1]),
            [(EventKind::TaskFileError, e1.1.into())]
        );
        assert!(
            seen(&mut m, &[e1]).is_empty(),
            "the same error again is not news"
        );
        let e2 = ("t/a.md", "t/a.md:4: agent: no agent profile named \"x\"");
        let e3 = ("t/b.md", "t/b.md:1: not text: a NUL byte");
        assert_eq!(
            seen(&mut m, &[e2, e3]),
            [
                (EventKind::TaskFileError, e2.1.into()),
                (EventKind::TaskFileError, e3.1.into())
            ]
        );
        let fixed = seen(&mut m, &[e3]);
        assert_eq!(fixed.len(), 1);
        assert_eq!(fixed[0].0, EventKind::TaskFileFixed);
        assert!(
            fixed[0].1.starts_with("t/a.md: no error any more"),
            "{fixed:?}"
        );
        assert_eq!(m.task_file_errors.len(), 1);
    }
}
