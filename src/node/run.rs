//! A task's verify, run where its worktree is: on the node, as the czar runs it on its own
//! machine (a process group of its own, ended whole at the time limit).

use std::path::Path;
use std::time::Duration;

/// `command` through `sh -c` in `cwd`: whether it passed, and what it printed.
pub async fn verify(command: &str, cwd: &Path, timeout: Duration) -> (bool, String) {
    if !cwd.is_dir() {
        return (false, format!("worktree {} is not there", cwd.display()));
    }
    let mut cmd = std::process::Command::new("sh");
    cmd.arg("-c").arg(command).current_dir(cwd);
    match crate::adapters::group::run(cmd, timeout).await {
        Ok(out) => {
            let mut text = String::from_utf8_lossy(&out.stdout).into_owned();
            text.push_str(&String::from_utf8_lossy(&out.stderr));
            match out.status {
                Some(status) => (status.success(), text),
                None => (
                    false,
                    format!("`{command}` did not finish within {timeout:?}\n{text}"),
                ),
            }
        }
        Err(e) => (false, format!("could not run `{command}`: {e}")),
    }
}
