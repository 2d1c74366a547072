//! What the dashboard does outside itself: attach to a worker's session, open `$EDITOR` on a new
//! task, write a task file. The engine is not involved: attaching only looks, and a new task
//! file is picked up by the engine's own watch on the tasks folder.

use super::terminal::{self, Term};
use crate::adapters::tmux::Socket;
use crate::core::model::TaskDef;
use crate::tasks;
use std::path::{Path, PathBuf};

/// The tmux flags that select the workers' server.
fn socket_args(socket: &Socket) -> Vec<String> {
    match socket {
        Socket::Default => Vec::new(),
        Socket::Name(n) => vec!["-L".into(), n.clone()],
        Socket::Path(p) => vec!["-S".into(), p.display().to_string()],
    }
}

/// Whether the dashboard runs inside a tmux client of the very server the workers live on: then
/// `switch-client` moves that client to the worker and back is tmux's own "last session".
pub fn same_server(socket: &Socket, tmux_env: Option<&str>, tmpdir: &Path, uid: u32) -> bool {
    let Some(env) = tmux_env.filter(|e| !e.is_empty()) else {
        return false;
    };
    let ours = env.split(',').next().unwrap_or("");
    match socket {
        Socket::Default => true,
        Socket::Name(n) => Path::new(ours) == tmpdir.join(format!("tmux-{uid}")).join(n),
        Socket::Path(p) => Path::new(ours) == p,
    }
}

fn in_same_server(socket: &Socket) -> bool {
    let env = std::env::var("TMUX").ok();
    let tmpdir = std::env::var_os("TMUX_TMPDIR").map_or(PathBuf::from("/tmp"), PathBuf::from);
    let uid = rustix::process::getuid().as_raw();
    same_server(socket, env.as_deref(), &tmpdir, uid)
}

/// Shows the worker's session to the operator and returns when they are back on the dashboard.
/// Returns a note for the footer.
pub async fn attach(term: &mut Term, socket: &Socket, session: &str) -> std::io::Result<String> {
    let target = format!("={session}");
    if in_same_server(socket) {
        let out = tokio::process::Command::new("tmux")
            .args(socket_args(socket))
            .args(["switch-client", "-t", &target])
            .output()
            .await?;
        return Ok(if out.status.success() {
            format!("switched to {session}; tmux's last-session key (prefix L) comes back")
        } else {
            format!(
                "switch-client failed: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            )
        });
    }
    let args = socket_args(socket);
    let back = detach_keys(socket).await;
    let status = terminal::lend(term, async || {
        let child = tokio::process::Command::new("tmux")
            .args(&args)
            .args(["attach-session", "-t", &target])
            // A nested client: the operator detaches it to come back here.
            .env_remove("TMUX")
            .spawn();
        let mut child = match child {
            Ok(c) => c,
            Err(e) => return Err(e),
        };
        // Once the client is up, its status line says how to come back (a message only the
        // new client shows; the session's own settings stay as they are).
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        let note = format!("czar: {back} to come back to the dashboard");
        let _ = tokio::process::Command::new("tmux")
            .args(&args)
            .args(["display-message", "-d", "8000", "-t", &target, &note])
            .env_remove("TMUX")
            .output()
            .await;
        child.wait().await
    })
    .await?;
    Ok(match status {
        Ok(s) if s.success() => format!("back from {session} ({back} next time)"),
        Ok(s) => format!("tmux attach to {session} ended with {s}"),
        Err(e) => format!("could not run tmux attach: {e}"),
    })
}

/// Shows a worker's session on its host: `argv` is `ssh -t HOST tmux -S … attach-session -t
/// =SESSION` (see `node::link::attach_command`), run with the terminal lent to it as for a local
/// attach; the host's tmux detach key (its prefix, then d) ends ssh and brings the dashboard
/// back. Returns a note for the footer.
pub async fn attach_remote(
    term: &mut Term,
    argv: &[String],
    session: &str,
) -> std::io::Result<String> {
    let Some((program, args)) = argv.split_first() else {
        return Ok(format!("no command to attach to {session}"));
    };
    let status = terminal::lend(term, async || {
        tokio::process::Command::new(program)
            .args(args)
            // ssh's own tmux client on the host; TMUX here means nothing there.
            .env_remove("TMUX")
            .status()
            .await
    })
    .await?;
    Ok(match status {
        Ok(s) if s.success() => {
            format!("back from {session} (the host's tmux prefix, then d, next time)")
        }
        // 255: ssh itself failed (unreachable host, refused key); otherwise tmux's exit (no
        // such session there).
        Ok(s) => format!("ssh attach to {session} ended with {s}"),
        Err(e) => format!("could not run ssh: {e}"),
    })
}

/// The keys that detach the worker's client. Inside another tmux (the dashboard runs in a pane
/// of a different server) a plain prefix goes to the outer tmux, which with the same prefix
/// would detach the operator's own client: the prefix is then pressed twice, once for the
/// outer tmux to send it on (its default `send-prefix` binding).
async fn detach_keys(socket: &Socket) -> String {
    async fn prefix(args: &[String], outer: bool) -> Option<String> {
        let mut c = tokio::process::Command::new("tmux");
        c.args(args).args(["show-options", "-gv", "prefix"]);
        if !outer {
            c.env_remove("TMUX");
        }
        let out = c.output().await.ok()?;
        let p = String::from_utf8_lossy(&out.stdout).trim().to_string();
        (out.status.success() && !p.is_empty()).then_some(p)
    }
    let inner = prefix(&socket_args(socket), false)
        .await
        .unwrap_or_else(|| "C-b".into());
    let nested = std::env::var("TMUX").is_ok_and(|t| !t.is_empty());
    let outer = if nested {
        prefix(&[], true).await
    } else {
        None
    };
    nested_detach_keys(&inner, outer.as_deref())
}

/// How to detach a client whose prefix is `inner`, from inside a tmux whose prefix is `outer`.
pub fn nested_detach_keys(inner: &str, outer: Option<&str>) -> String {
    match outer {
        Some(o) if o == inner => format!("press {inner} {inner} d"),
        _ => format!("press {inner} d"),
    }
}

const TEMPLATE: &str = "+++\ntitle = \"\"\npriority = 0\n# needs = [\"other-task-id\"]\n# verify = \"cargo test\"\n+++\nWhat the agent should do, in full.\n";

/// Runs `$EDITOR` (default vi) on `file` in the dashboard's terminal.
async fn run_editor(term: &mut Term, file: &Path) -> Result<(), String> {
    let editor = std::env::var("EDITOR").unwrap_or_else(|_| "vi".into());
    // $EDITOR may carry flags ("code -w"): split on spaces, as git does for simple values.
    let mut words = editor.split_whitespace();
    let program = words.next().unwrap_or("vi").to_string();
    let flags: Vec<String> = words.map(str::to_string).collect();
    let ran = terminal::lend(term, async || {
        tokio::process::Command::new(&program)
            .args(&flags)
            .arg(file)
            .status()
            .await
    })
    .await;
    match ran {
        Ok(Ok(s)) if s.success() => Ok(()),
        Ok(Ok(s)) => Err(format!("{editor} ended with {s}")),
        Ok(Err(e)) => Err(format!("could not run {editor}: {e}")),
        Err(e) => Err(format!("terminal: {e}")),
    }
}

/// A draft kept from an earlier try (the operator's work, never overwritten), else `fresh`.
fn open_draft(draft: &Path, fresh: &str) -> Result<String, String> {
    let text = std::fs::read_to_string(draft).unwrap_or_else(|_| fresh.to_string());
    crate::adapters::private::write(draft, text.as_bytes())
        .map_err(|e| format!("could not write {}: {e}", draft.display()))?;
    Ok(text)
}

/// A draft that did not check out keeps the operator's text, with the error on top.
fn keep_draft(draft: &Path, text: &str, error: &str, key: &str) -> String {
    let _ = crate::adapters::private::write(draft, tasks::with_error_note(text, error).as_bytes());
    format!(
        "not saved: {} (the draft is kept: {key} opens it again)",
        error.lines().next().unwrap_or("")
    )
}

/// Opens `$EDITOR` on a new task; a task with a title is written to the tasks folder. It
/// gets the checks a task file gets, its `agent` against `agents`.
pub async fn edit_task(
    term: &mut Term,
    tasks_dir: &Path,
    state_dir: &Path,
    agents: &[&str],
) -> String {
    let draft = state_dir.join("new-task.md");
    if let Err(e) = open_draft(&draft, TEMPLATE) {
        return e;
    }
    if let Err(e) = run_editor(term, &draft).await {
        return format!("{e}; no task added");
    }
    let text = match std::fs::read_to_string(&draft) {
        Ok(t) => tasks::without_error_note(&t),
        Err(e) => return format!("reading {}: {e}", draft.display()),
    };
    let spec = match tasks::parse_task(&draft, &text, agents) {
        Ok(s) if s.title.trim().is_empty() => {
            return keep_draft(&draft, &text, "a task needs a title", "t");
        }
        Ok(s) => s,
        Err(e) => return keep_draft(&draft, &text, &e.to_string(), "t"),
    };
    // The draft's file name is the editor's; the task's own is made from its title.
    let new = TaskDef {
        id: String::new(),
        ..spec
    };
    let said = write_task(tasks_dir, &new, agents);
    if said.starts_with("added ") {
        let _ = std::fs::remove_file(&draft);
    }
    said
}

/// Opens `$EDITOR` on task `id`'s file, through a draft (`czar task edit` uses the same one):
/// the file changes only when the draft checks out and keeps the task's id.
pub async fn edit_existing(
    term: &mut Term,
    tasks_dir: &Path,
    state_dir: &Path,
    agents: &[&str],
    id: &str,
) -> String {
    let set = tasks::load_dir(tasks_dir, agents);
    let Some(file) = set.file_of(id).map(Path::to_path_buf) else {
        return format!("{id} has no task file to edit");
    };
    let draft = state_dir.join(format!("edit-{id}.md"));
    let Ok(original) = std::fs::read_to_string(&file) else {
        return format!("could not read {}", file.display());
    };
    if let Err(e) = open_draft(&draft, &original) {
        return e;
    }
    if let Err(e) = run_editor(term, &draft).await {
        return format!("{e}; {id} not changed");
    }
    let text = match std::fs::read_to_string(&draft) {
        Ok(t) => tasks::without_error_note(&t),
        Err(e) => return format!("reading {}: {e}", draft.display()),
    };
    if let Err(e) = tasks::check_draft(&file, id, &text, agents) {
        return keep_draft(&draft, &text, &e, "e");
    }
    if let Err(e) = std::fs::write(&file, text.as_bytes()) {
        return format!("could not write {}: {e}", file.display());
    }
    let _ = std::fs::remove_file(&draft);
    format!("saved {id}")
}

/// Writes the task's new priority into its file (a pending task takes its file's priority
/// whenever the task files are read again).
pub fn set_priority<V: crate::tasks::Tagged>(
    tasks_dir: &Path,
    profiles: &std::collections::BTreeMap<String, V>,
    hosts: &[crate::config::hosts::Host],
    id: &str,
    priority: i64,
) -> Result<(), String> {
    let agents = tasks::known_names(profiles, hosts);
    let set = tasks::load_dir(tasks_dir, &agents);
    let Some(file) = set.file_of(id) else {
        return Ok(());
    };
    let text = std::fs::read_to_string(file).map_err(|e| format!("{}: {e}", file.display()))?;
    let new = tasks::with_priority(&text, priority);
    tasks::check_draft(file, id, &new, &agents)?;
    std::fs::write(file, new.as_bytes()).map_err(|e| format!("{}: {e}", file.display()))
}

pub fn write_task(tasks_dir: &Path, new: &TaskDef, agents: &[&str]) -> String {
    match tasks::write_task(tasks_dir, new, agents) {
        Ok(p) => format!(
            "added {}",
            p.file_stem()
                .map_or(String::new(), |s| s.to_string_lossy().into())
        ),
        Err(e) => format!("not added: {e}"),
    }
}

/// Opens a pull request's page with the desktop's opener (`xdg-open`, `open` on macOS), detached
/// and silent; what happened, for the footer.
pub fn open_url(url: &str) -> String {
    let opener = if cfg!(target_os = "macos") {
        "open"
    } else {
        "xdg-open"
    };
    let started = std::process::Command::new(opener)
        .arg(url)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn();
    match started {
        Ok(_) => format!("opened {}", crate::visible::one_line(url)),
        Err(e) => format!("could not run {opener} ({e}); the pull request: {url}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn switch_client_only_on_the_workers_own_server() {
        let tmp = Path::new("/tmp");
        let env = "/tmp/tmux-1000/work,123,0";
        let name = |n: &str| Socket::Name(n.into());
        assert!(same_server(&name("work"), Some(env), tmp, 1000));
        assert!(!same_server(&name("other"), Some(env), tmp, 1000));
        assert!(!same_server(&name("work"), None, tmp, 1000));
        assert!(same_server(&Socket::Default, Some(env), tmp, 1000));
        let path = Socket::Path("/tmp/tmux-1000/work".into());
        assert!(same_server(&path, Some(env), tmp, 1000));
    }

    #[test]
    fn a_nested_client_with_the_outer_prefix_needs_it_twice() {
        assert_eq!(nested_detach_keys("C-b", Some("C-b")), "press C-b C-b d");
        assert_eq!(nested_detach_keys("C-b", Some("C-a")), "press C-b d");
        assert_eq!(nested_detach_keys("C-a", None), "press C-a d");
    }

    #[test]
    fn a_form_task_lands_in_the_tasks_folder() {
        let dir = tempfile::tempdir().unwrap();
        let new = TaskDef {
            title: "Fix login".into(),
            body: "Fix it.\n".into(),
            ..TaskDef::default()
        };
        assert_eq!(write_task(dir.path(), &new, &["sim"]), "added fix-login");
        let claud = TaskDef {
            agent: vec!["claud".into()],
            ..new.clone()
        };
        let refused = write_task(dir.path(), &claud, &["sim"]);
        assert!(
            refused.contains("no agent profile named \"claud\""),
            "{refused}"
        );
        let text = std::fs::read_to_string(dir.path().join("fix-login.md")).unwrap();
        assert!(text.ends_with("Fix it.\n"), "{text}");
    }
}
