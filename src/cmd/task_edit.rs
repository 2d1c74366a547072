//! `czar task edit ID`: the task's file in `$EDITOR`, through a draft in the state folder. A
//! draft that does not check out is opened again with the error on top; leaving it unchanged
//! gives up and keeps it (and the task's file as it was).

use super::tasks::queue;
use crate::project::UsageError;
use crate::tasks;
use crate::visible::one_line;
use std::path::Path;

pub fn edit(dir: &Path, id: &str) -> anyhow::Result<i32> {
    let q = queue(dir)?;
    let Some(file) = q.files.file_of(id).map(Path::to_path_buf) else {
        return Err(UsageError(format!(
            "no task file for {:?} (`czar task ls` lists the tasks)",
            one_line(id)
        ))
        .into());
    };
    let agents = crate::tasks::known_names(&q.cfg.profiles, &q.cfg.hosts);
    let draft = q.cfg.paths.state_dir.join(format!("edit-{id}.md"));
    // A draft kept from an earlier failed edit is where the operator left off.
    let mut text = match std::fs::read_to_string(&draft) {
        Ok(kept) => kept,
        Err(_) => std::fs::read_to_string(&file)
            .map_err(|e| UsageError(format!("{}: {e}", file.display())))?,
    };
    loop {
        crate::adapters::private::write(&draft, text.as_bytes())?;
        run_editor(&draft)?;
        let edited = std::fs::read_to_string(&draft)?;
        let clean = tasks::without_error_note(&edited);
        match tasks::check_draft(&file, id, &clean, &agents) {
            Ok(_) => {
                std::fs::write(&file, clean.as_bytes())?;
                let _ = std::fs::remove_file(&draft);
                let state = q.model.tasks.get(id).map(super::tasks::state_word);
                println!("saved {}", file.display());
                if let Some(s) = state.filter(|s| *s != "pending" && *s != "held") {
                    println!("{id} is {s}: the new text is used if it is queued again");
                }
                return Ok(0);
            }
            Err(e) if edited == text => {
                eprintln!(
                    "czar: not saved: {}\nczar: the draft is kept in {}; `czar task edit {id}` opens it again",
                    one_line(&e),
                    draft.display()
                );
                return Ok(1);
            }
            Err(e) => text = tasks::with_error_note(&clean, &e),
        }
    }
}

fn run_editor(file: &Path) -> anyhow::Result<()> {
    let editor = std::env::var("EDITOR").unwrap_or_else(|_| "vi".into());
    // $EDITOR may carry flags ("code -w"): split on spaces, as git does for simple values.
    let mut words = editor.split_whitespace();
    let program = words.next().unwrap_or("vi").to_string();
    let status = std::process::Command::new(&program)
        .args(words)
        .arg(file)
        .status()
        .map_err(|e| UsageError(format!("could not run {editor}: {e}")))?;
    if !status.success() {
        return Err(UsageError(format!("{editor} ended with {status}; nothing saved")).into());
    }
    Ok(())
}
