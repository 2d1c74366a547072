//! Cross-file checks: duplicate ids, unknown `needs`, dependency cycles. Every task
//! involved is dropped, so the scheduler only ever sees a complete, acyclic set.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::path::PathBuf;

use super::parse::Entry;
use super::{TaskError, TaskErrorKind};
use crate::core::model::TaskDef;

pub(super) fn check(
    entries: Vec<Entry>,
    broken: &[PathBuf],
    errors: &mut Vec<TaskError>,
) -> Vec<(TaskDef, PathBuf)> {
    // Tasks that are gone, by id, so a task that needs one can say why it is gone. A file
    // that failed to parse is known only by its stem, the id it most likely meant.
    let mut skipped: BTreeMap<String, PathBuf> = BTreeMap::new();
    for file in broken {
        if let Some(stem) = file.file_stem() {
            skipped.insert(stem.to_string_lossy().into_owned(), file.clone());
        }
    }

    let mut by_id: BTreeMap<String, Vec<Entry>> = BTreeMap::new();
    for entry in entries {
        by_id.entry(entry.def.id.clone()).or_default().push(entry);
    }
    let mut present: BTreeMap<String, Entry> = BTreeMap::new();
    for (id, mut copies) in by_id {
        if copies.len() == 1 {
            present.extend(copies.pop().map(|e| (id, e)));
            continue;
        }
        let first = &copies[0];
        let others = copies[1..].iter().map(|e| e.file.clone()).collect();
        let kind = TaskErrorKind::Duplicate {
            id: id.clone(),
            others,
        };
        errors.push(TaskError::new(&first.file, first.id_line, kind));
        skipped.insert(id, first.file.clone());
    }

    for cycle in cycles(&present) {
        let file_of = |id: &String| (id.clone(), present[id].file.clone());
        let path: Vec<(String, PathBuf)> = cycle.path.iter().map(file_of).collect();
        let others = cycle.others.iter().map(file_of).collect();
        let first = &present[&cycle.path[0]];
        let (file, line) = (first.file.clone(), first.needs_line);
        errors.push(TaskError::new(
            &file,
            line,
            TaskErrorKind::Cycle { path, others },
        ));
        for id in cycle.path.iter().chain(&cycle.others) {
            if let Some(entry) = present.remove(id) {
                skipped.insert(id.clone(), entry.file);
            }
        }
    }

    // Dropping a task can strand the tasks that need it, so repeat until nothing changes.
    loop {
        let mut dropped = Vec::new();
        for (id, entry) in &present {
            let missing: Vec<&String> = entry
                .def
                .needs
                .iter()
                .filter(|n| !present.contains_key(*n))
                .collect();
            for need in &missing {
                let (task, need) = (id.clone(), (*need).clone());
                let kind = match skipped.get(&need) {
                    Some(file) => TaskErrorKind::NeedSkipped {
                        task,
                        need,
                        need_file: file.clone(),
                    },
                    None => TaskErrorKind::UnknownNeed { task, need },
                };
                errors.push(TaskError::new(&entry.file, entry.needs_line, kind));
            }
            if !missing.is_empty() {
                dropped.push(id.clone());
            }
        }
        if dropped.is_empty() {
            break;
        }
        for id in dropped {
            if let Some(entry) = present.remove(&id) {
                skipped.insert(id, entry.file);
            }
        }
    }

    let mut tasks: Vec<(TaskDef, PathBuf)> =
        present.into_values().map(|e| (e.def, e.file)).collect();
    tasks.sort_by(|a, b| a.1.cmp(&b.1));
    tasks
}

/// One group of tasks that need each other: a concrete loop through them, plus any
/// other members of the same tangle.
struct Cycle {
    path: Vec<String>,
    others: Vec<String>,
}

/// The needs of `id` that are still loaded.
fn needs<'p>(present: &'p BTreeMap<String, Entry>, id: &str) -> Vec<&'p str> {
    present.get(id).map_or(Vec::new(), |e| {
        e.def
            .needs
            .iter()
            .filter(|n| present.contains_key(*n))
            .map(String::as_str)
            .collect()
    })
}

/// Breadth-first from `from` along needs inside `rest`: each reached task and the task
/// it was reached from.
fn reach<'p>(
    present: &'p BTreeMap<String, Entry>,
    rest: &BTreeSet<&'p str>,
    from: &'p str,
) -> BTreeMap<&'p str, &'p str> {
    let mut prev = BTreeMap::new();
    let mut queue = VecDeque::from([from]);
    while let Some(id) = queue.pop_front() {
        for next in needs(present, id) {
            if rest.contains(next) && !prev.contains_key(next) {
                prev.insert(next, id);
                queue.push_back(next);
            }
        }
    }
    prev
}

fn cycles(present: &BTreeMap<String, Entry>) -> Vec<Cycle> {
    // Peel off tasks whose needs are all peeled: what remains is on a cycle or depends on one.
    let mut rest: BTreeSet<&str> = present.keys().map(String::as_str).collect();
    loop {
        let free: Vec<&str> = rest
            .iter()
            .copied()
            .filter(|id| needs(present, id).iter().all(|n| !rest.contains(n)))
            .collect();
        if free.is_empty() {
            break;
        }
        for id in free {
            rest.remove(id);
        }
    }
    let mut found = Vec::new();
    let mut done: BTreeSet<&str> = BTreeSet::new();
    for &start in &rest {
        if done.contains(start) {
            continue;
        }
        let forward = reach(present, &rest, start);
        let Some(&last) = forward.get(start) else {
            continue; // depends on a cycle without being on one
        };
        let mut path = vec![start];
        let mut at = last;
        while at != start {
            path.push(at);
            at = forward[at];
        }
        path[1..].reverse();
        let others: Vec<&str> = forward
            .keys()
            .copied()
            .filter(|id| !path.contains(id) && reach(present, &rest, id).contains_key(start))
            .collect();
        done.extend(&path);
        done.extend(&others);
        found.push(Cycle {
            path: path.into_iter().map(str::to_string).collect(),
            others: others.into_iter().map(str::to_string).collect(),
        });
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn entry(id: &str, needs: &[&str]) -> Entry {
        Entry {
            def: TaskDef {
                id: id.into(),
                title: id.into(),
                needs: needs.iter().map(|n| n.to_string()).collect(),
                ..TaskDef::default()
            },
            file: Path::new("tasks").join(format!("{id}.md")),
            id_line: None,
            needs_line: Some(3),
        }
    }

    fn ids(tasks: &[(TaskDef, PathBuf)]) -> Vec<&str> {
        tasks.iter().map(|(t, _)| t.id.as_str()).collect()
    }

    #[test]
    fn cycle_path_is_in_dependency_order() {
        let mut errors = Vec::new();
        let tasks = check(
            vec![
                entry("a", &["b"]),
                entry("b", &["c"]),
                entry("c", &["a"]),
                entry("d", &[]),
            ],
            &[],
            &mut errors,
        );
        assert_eq!(ids(&tasks), ["d"]);
        assert_eq!(errors.len(), 1);
        let msg = errors[0].to_string();
        assert!(
            msg.contains("\"a\" (tasks/a.md) -> \"b\" (tasks/b.md) -> \"c\" (tasks/c.md) -> \"a\""),
            "{msg}"
        );
    }

    #[test]
    fn tangles_name_every_member_and_strand_dependents() {
        let mut errors = Vec::new();
        let tasks = check(
            vec![
                entry("a", &["b", "c"]),
                entry("b", &["a"]),
                entry("c", &["a"]),
                entry("e", &["a"]),
                entry("f", &["f"]),
            ],
            &[],
            &mut errors,
        );
        assert!(tasks.is_empty());
        let text: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
        assert_eq!(errors.len(), 3, "{text:#?}");
        assert!(
            text[0].contains("(tasks/a.md) -> \"b\"")
                && text[0].contains("also caught in it: \"c\"")
        );
        assert!(
            text[1].contains("\"f\" (tasks/f.md) -> \"f\""),
            "{}",
            text[1]
        );
        assert!(text[2].starts_with("tasks/e.md:3: task \"e\" needs \"a\" (tasks/a.md)"));
    }
}
