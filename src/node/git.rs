//! The node's clone and worktrees, through the git command line (the same git the czar's
//! `git push`/`git fetch` over ssh reach): a bare clone, so the czar can push any branch to it,
//! with linked worktrees for the workers. Every word is an argument, never a shell string, and
//! every name was checked by `layout` first.

use super::layout::{self, Layout};
use std::path::Path;
use tokio::process::Command;

/// `git` with `args` in `cwd`; its standard output, or what it said on failure.
async fn git(cwd: &Path, args: &[&str]) -> Result<String, String> {
    let out = Command::new("git")
        .arg("-C")
        .arg(cwd)
        .args(args)
        .env("GIT_TERMINAL_PROMPT", "0")
        .stdin(std::process::Stdio::null())
        .output()
        .await
        .map_err(|e| format!("running git {}: {e}", args.first().unwrap_or(&"")))?;
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    } else {
        Err(format!(
            "git {} failed: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        ))
    }
}

/// Makes the bare clone when there is none yet.
pub async fn init(layout: &Layout) -> Result<(), String> {
    let repo = layout.repo();
    if repo.join("HEAD").exists() {
        return Ok(());
    }
    let dir = layout.dir.clone();
    let repo_word = repo.to_string_lossy().into_owned();
    git(&dir, &["init", "--quiet", "--bare", &repo_word]).await?;
    Ok(())
}

/// Fetches `branches` from `url` into the clone, moving them even when not fast-forward (the
/// czar's repository is the truth for what it sends).
pub async fn sync(layout: &Layout, url: &str, branches: &[String]) -> Result<(), String> {
    if url.starts_with('-') {
        return Err(format!("url {url:?} is refused: it reads as an option"));
    }
    let mut args = vec!["fetch".to_string(), "--quiet".into(), url.to_string()];
    for b in branches {
        layout::branch(b).map_err(|e| e.to_string())?;
        args.push(format!("+refs/heads/{b}:refs/heads/{b}"));
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    git(&layout.repo(), &args).await.map(drop)
}

/// A branch's tip in the clone.
pub async fn tip(layout: &Layout, branch: &str) -> Result<Option<String>, String> {
    layout::branch(branch).map_err(|e| e.to_string())?;
    let rev = format!("refs/heads/{branch}^{{commit}}");
    match git(&layout.repo(), &["rev-parse", "--quiet", "--verify", &rev]).await {
        Ok(out) => Ok(Some(out.trim().to_string())),
        Err(_) => Ok(None),
    }
}

/// Whether worktree `name` is there, and the branch it has checked out (none: detached).
pub async fn branch_at(layout: &Layout, name: &str) -> Result<super::proto::Answer, String> {
    let wt = layout.worktree(name).map_err(|e| e.to_string())?;
    if !wt.join(".git").exists() {
        return Ok(super::proto::Answer::At {
            present: false,
            branch: None,
        });
    }
    let head = git(&wt, &["symbolic-ref", "--quiet", "--short", "HEAD"]).await;
    Ok(super::proto::Answer::At {
        present: true,
        branch: head.ok().map(|b| b.trim().to_string()),
    })
}

/// Every branch and its tip, for the events of branches that moved.
pub async fn tips(layout: &Layout) -> Result<Vec<(String, String)>, String> {
    let out = git(
        &layout.repo(),
        &[
            "for-each-ref",
            "--format=%(refname:short) %(objectname)",
            "refs/heads",
        ],
    )
    .await?;
    Ok(out
        .lines()
        .filter_map(|l| l.split_once(' '))
        .map(|(b, t)| (b.to_string(), t.to_string()))
        .collect())
}

/// Puts worktree `name` on `branch`, made from `base` when the branch is new.
pub async fn worktree(layout: &Layout, name: &str, branch: &str, base: &str) -> Result<(), String> {
    let wt = layout.worktree(name).map_err(|e| e.to_string())?;
    layout::branch(branch).map_err(|e| e.to_string())?;
    layout::branch(base).map_err(|e| e.to_string())?;
    let exists = tip(layout, branch).await?.is_some();
    let wt_word = wt.to_string_lossy().into_owned();
    if !wt.join(".git").exists() {
        let repo = layout.repo();
        if exists {
            git(&repo, &["worktree", "add", "--quiet", &wt_word, branch]).await?;
        } else {
            git(
                &repo,
                &["worktree", "add", "--quiet", "-b", branch, &wt_word, base],
            )
            .await?;
        }
        return Ok(());
    }
    let current = git(&wt, &["symbolic-ref", "--quiet", "--short", "HEAD"]).await;
    if current.as_deref().map(str::trim) == Ok(branch) {
        return Ok(());
    }
    if exists {
        git(&wt, &["switch", "--quiet", branch]).await.map(drop)
    } else {
        git(&wt, &["switch", "--quiet", "-c", branch, base])
            .await
            .map(drop)
    }
}
