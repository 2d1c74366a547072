//! The text a worker receives: the preamble from `prompts/worker.md`, then the task, unchanged.
//! Pure: the delivery protocol renders it in the core, and the engine pastes what it is given.

use super::model::Task;

const WORKER_TEMPLATE: &str = include_str!("../../prompts/worker.md");

pub struct PromptContext<'a> {
    pub project: &'a str,
    pub worker: u32,
    pub base: &'a str,
    pub status_file: &'a str,
    pub status_json: &'a str,
}

/// Placeholders are filled in one pass, so text inside a value (a title holding `{branch}`, say)
/// is never expanded again.
pub fn render(ctx: &PromptContext<'_>, task: &Task) -> String {
    let verify_hint = match &task.def.verify {
        Some(cmd) => format!(" (it runs `{cmd}`, which must pass)"),
        None => String::new(),
    };
    let previous = match (&task.reason, task.attempts) {
        (Some(why), n) if n > 1 => format!(
            "\n- This task was tried before ({why}). What that attempt committed is on the branch already; pick up from there.\n"
        ),
        _ => String::new(),
    };
    let worker = ctx.worker.to_string();
    let branch = task.branch();
    let values: [(&str, &str); 10] = [
        ("previous", &previous),
        ("project", ctx.project),
        ("worker", &worker),
        ("title", &task.def.title),
        ("task", &task.def.id),
        ("branch", &branch),
        ("base", ctx.base),
        ("status_file", ctx.status_file),
        ("status_json", ctx.status_json),
        ("verify_hint", &verify_hint),
    ];
    let mut out = fill(WORKER_TEMPLATE, &values);
    out.push_str(&task.def.body);
    out
}

/// `{key}` placeholders of `template` filled from `values` in one pass (a value is never
/// expanded again); unknown ones stay as they are.
pub fn fill(template: &str, values: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let hit = after.find('}').and_then(|close| {
            let key = &after[..close];
            values
                .iter()
                .find(|(k, _)| *k == key)
                .map(|(_, v)| (*v, close))
        });
        match hit {
            Some((value, close)) => {
                out.push_str(value);
                rest = &after[close + 1..];
            }
            None => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::model::TaskDef;

    #[test]
    fn preamble_then_body_byte_exact_and_values_not_reexpanded() {
        let body = "do {branch} things \"$(x)\"\n\ttab\n";
        let task = Task::new(
            TaskDef {
                id: "t1".into(),
                title: "T {base}".into(),
                body: body.into(),
                ..TaskDef::default()
            },
            0,
        );
        let ctx = PromptContext {
            project: "p",
            worker: 3,
            base: "main",
            status_file: "s.md",
            status_json: "s.json",
        };
        let text = render(&ctx, &task);
        assert!(text.ends_with(body));
        assert!(text.contains("worker 3"));
        assert!(text.contains("`czar/t1`"));
        assert!(text.contains("\"T {base}\""));
        assert!(!text[..text.len() - body.len()].contains("{branch}"));
    }
}
