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
    let status = terminal::lend(term, async || {
        tokio::process::Command::new("tmux")
            .args(&args)
            .args(["attach-session", "-t", &target])
            // A nested client: the operator detaches it (prefix d) to come back here.
            .env_remove("TMUX")
            .status()
            .await
    })
    .await?;
    Ok(match status {
        Ok(s) if s.success() => format!("back from {session}"),
        Ok(s) => format!("tmux attach to {session} ended with {s}"),
        Err(e) => format!("could not run tmux attach: {e}"),
    })
}

const TEMPLATE: &str = "+++\ntitle = \"\"\npriority = 0\n# needs = [\"other-task-id\"]\n# verify = \"cargo test\"\n+++\nWhat the agent should do, in full.\n";

/// Opens `$EDITOR` on a new task; a task with a title is written to the tasks folder. It
/// gets the checks a task file gets, its `agent` against `agents`.
pub async fn edit_task(
    term: &mut Term,
    tasks_dir: &Path,
    state_dir: &Path,
    agents: &[&str],
) -> String {
    let draft = state_dir.join("new-task.md");
    if let Err(e) = crate::adapters::private::write(&draft, TEMPLATE.as_bytes()) {
        return format!("could not write {}: {e}", draft.display());
    }
    let editor = std::env::var("EDITOR").unwrap_or_else(|_| "vi".into());
    // $EDITOR may carry flags ("code -w"): split on spaces, as git does for simple values.
    let mut words = editor.split_whitespace();
    let program = words.next().unwrap_or("vi").to_string();
    let flags: Vec<String> = words.map(str::to_string).collect();
    let ran = terminal::lend(term, async || {
        tokio::process::Command::new(&program)
            .args(&flags)
            .arg(&draft)
            .status()
            .await
    })
    .await;
    match ran {
        Ok(Ok(s)) if s.success() => {}
        Ok(Ok(s)) => return format!("{editor} ended with {s}; no task added"),
        Ok(Err(e)) => return format!("could not run {editor}: {e}"),
        Err(e) => return format!("terminal: {e}"),
    }
    let text = match std::fs::read_to_string(&draft) {
        Ok(t) => t,
        Err(e) => return format!("reading {}: {e}", draft.display()),
    };
    let spec = match tasks::parse_task(&draft, &text, agents) {
        Ok(s) => s,
        Err(e) => return format!("not added: {e}"),
    };
    if spec.title.trim().is_empty() {
        return "no title: no task added".into();
    }
    // The draft's file name is the editor's; the task's own is made from its title.
    let new = TaskDef {
        id: String::new(),
        ..spec
    };
    write_task(tasks_dir, &new, agents)
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
    fn a_form_task_lands_in_the_tasks_folder() {
        let dir = tempfile::tempdir().unwrap();
        let new = TaskDef {
            title: "Fix login".into(),
            body: "Fix it.\n".into(),
            ..TaskDef::default()
        };
        assert_eq!(write_task(dir.path(), &new, &["sim"]), "added fix-login");
        let claud = TaskDef {
            agent: Some("claud".into()),
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
