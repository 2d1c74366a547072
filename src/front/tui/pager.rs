//! The Landing panel's diff, outside the dashboard: `$PAGER` if set, else the configured
//! `diff_tool` (delta, say). The terminal is lent to it as it is for an attach, and taken back
//! when it exits. The diff reaches it on its standard input, as data.

use super::terminal::{self, Term};
use std::process::Stdio;
use tokio::io::AsyncWriteExt;

/// The program to show a diff with: `$PAGER` when set and not blank, else `diff_tool`.
pub fn chosen(pager_env: Option<&str>, diff_tool: Option<&str>) -> Option<String> {
    pager_env
        .filter(|p| !p.trim().is_empty())
        .or(diff_tool.filter(|t| !t.trim().is_empty()))
        .map(str::to_string)
}

/// Runs `program` (a command line, run by `sh -c` as git runs its pager) with `text` on its
/// standard input, in the dashboard's terminal; returns a note for the footer.
pub async fn show(term: &mut Term, program: &str, text: String) -> std::io::Result<String> {
    let status = terminal::lend(term, async || {
        let mut child = tokio::process::Command::new("sh")
            .args(["-c", program])
            .stdin(Stdio::piped())
            .spawn()?;
        if let Some(mut stdin) = child.stdin.take() {
            // A pager quit before reading it all closes the pipe: that is not an error.
            let _ = stdin.write_all(text.as_bytes()).await;
            drop(stdin);
        }
        child.wait().await
    })
    .await?;
    let shown = crate::visible::one_line(program).into_owned();
    Ok(match status {
        Ok(s) if s.success() => format!("back from {shown}"),
        Ok(s) => format!("{shown} ended with {s}"),
        Err(e) => format!("could not run {shown}: {e}"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_pager_wins_over_the_tool_and_blank_means_unset() {
        assert_eq!(
            chosen(Some("less -R"), Some("delta")).as_deref(),
            Some("less -R")
        );
        assert_eq!(chosen(Some(" "), Some("delta")).as_deref(), Some("delta"));
        assert_eq!(chosen(None, Some("")), None);
        assert_eq!(chosen(None, None), None);
    }
}
