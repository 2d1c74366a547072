//! The ports as this machine has them: tmux for the panes (with the agents' output logs
//! watched), libgit2 for the repository, SQLite for the state, process groups for the commands
//! the czar runs, and the system clock.

use super::ports::{Clock, Guard, OnChange, Panes, Ports, Processes, Ran, Repo, State};
use super::{EngineError, Paths, Setup};
use crate::adapters::bell::Bell;
use crate::adapters::claims::Claim;
use crate::adapters::git::{self, BranchStats, Git, GitError, SwitchOutcome};
use crate::adapters::output_watch::{self, Outputs};
use crate::adapters::store::{EventRow, Saved, Step, Store, StoreError};
use crate::adapters::tmux::TmuxError;
use crate::adapters::tmux::{PaneInfo, PaneScreen, SessionSpec, SubmitKey, Tmux, TmuxCounts};
use crate::core::model::WorkerId;
use crate::core::observation::Signal;
use futures::future::BoxFuture;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Opens every port for `setup`: the store, the repository, the tmux server.
pub(super) fn open(setup: &Setup) -> Result<Ports, EngineError> {
    let state = Store::open(setup.state_dir())?;
    let repo = Git::discover(&setup.paths.repo_root)?;
    Ok(Ports {
        panes: Arc::new(TmuxPanes {
            tmux: Tmux::new(setup.socket.clone()),
            paths: setup.paths.clone(),
        }),
        repo: Arc::new(repo),
        state: Box::new(state),
        processes: Arc::new(Shell),
        clock: Arc::new(SystemClock),
        prs: Arc::new(crate::adapters::forge::Forge {
            root: setup.paths.repo_root.clone(),
            remote: setup.land_remote.clone(),
            cli: setup.forge.clone(),
        }),
    })
}

impl super::ports::PullRequests for crate::adapters::forge::Forge {
    fn open(&self, branch: &str, into: &str, title: &str, body: &str) -> Result<String, String> {
        self.push(branch)?;
        crate::adapters::forge::Forge::open(self, branch, into, title, body)
    }

    fn view(&self, url: &str) -> crate::core::observation::PrStatus {
        crate::adapters::forge::Forge::view(self, url)
    }
}

/// One tmux server, and the output logs its panes' agents write (see `output_watch`).
struct TmuxPanes {
    tmux: Tmux,
    paths: Paths,
}

impl Panes for TmuxPanes {
    fn start(&self, spec: SessionSpec) -> BoxFuture<'_, Result<(), TmuxError>> {
        Box::pin(async move { self.tmux.new_session(&spec).await })
    }

    fn kill(&self, session: String) -> BoxFuture<'_, Result<(), TmuxError>> {
        Box::pin(async move { self.tmux.kill_session(&session).await })
    }

    fn exists(&self, session: String) -> BoxFuture<'_, Result<bool, TmuxError>> {
        Box::pin(async move { self.tmux.has_session(&session).await })
    }

    fn list(&self) -> BoxFuture<'_, Result<Vec<PaneInfo>, TmuxError>> {
        Box::pin(self.tmux.list_panes())
    }

    fn read(&self, targets: Vec<String>) -> BoxFuture<'_, Vec<Result<PaneScreen, TmuxError>>> {
        Box::pin(async move { self.tmux.capture_many(&targets).await })
    }

    fn capture(&self, target: String, ansi: bool) -> BoxFuture<'_, Result<String, TmuxError>> {
        Box::pin(async move { self.tmux.capture(&target, ansi).await })
    }

    fn paste(&self, target: String, text: Vec<u8>) -> BoxFuture<'_, Result<(), TmuxError>> {
        Box::pin(async move { self.tmux.paste(&target, &text).await })
    }

    fn submit(&self, target: String, key: SubmitKey) -> BoxFuture<'_, Result<(), TmuxError>> {
        Box::pin(async move { self.tmux.send_submit(&target, key).await })
    }

    fn key(&self, target: String, key: String) -> BoxFuture<'_, Result<(), TmuxError>> {
        Box::pin(async move { self.tmux.send_key(&target, &key).await })
    }

    fn literal(&self, target: String, text: String) -> BoxFuture<'_, Result<(), TmuxError>> {
        Box::pin(async move { self.tmux.send_literal(&target, &text).await })
    }

    fn counts(&self) -> TmuxCounts {
        self.tmux.counts()
    }

    fn watch_outputs(&self, outputs: Arc<Outputs>) -> Option<Guard> {
        let dir = self.paths.log_dir();
        let watched = crate::adapters::private::dir(&dir)
            .map_err(|e| e.to_string())
            .and_then(|()| {
                let names = output_watch::LogNames {
                    dir: &dir,
                    worker_of: Paths::worker_of_log,
                    file_of: Paths::log_name,
                };
                output_watch::watch(names, outputs).map_err(|e| e.to_string())
            });
        match watched {
            Ok(w) => Some(Box::new(w)),
            Err(e) => {
                tracing::warn!(
                    "not watching output logs in {} ({e}); panes are read when tmux's activity stamp moves",
                    dir.display()
                );
                None
            }
        }
    }
}

impl Repo for Git {
    fn ensure_worktree(&self, path: &Path, name: &str, base: &str) -> Result<(), GitError> {
        Git::ensure_worktree(self, path, name, base)
    }

    fn commit_wip(&self, path: &Path, reason: &str) -> Result<Option<String>, GitError> {
        Git::commit_wip(self, path, reason)
    }

    fn switch_worktree(
        &self,
        path: &Path,
        branch: &str,
        base: &str,
    ) -> Result<SwitchOutcome, GitError> {
        Git::switch_worktree(self, path, branch, base)
    }

    fn release_worktree(&self, path: &Path, reason: &str) -> Result<Option<String>, GitError> {
        Git::release_worktree(self, path, reason)
    }

    fn branch_at(&self, worktree: &Path) -> Option<String> {
        git::branch_at(worktree)
    }

    fn branch_stats(&self, base: &str, branch: &str) -> Result<BranchStats, GitError> {
        Git::branch_stats(self, base, branch)
    }

    fn diff_text(&self, from: &str, to: &str) -> Result<String, GitError> {
        Git::diff_text(self, from, to)
    }

    fn branch_tip(&self, branch: &str) -> Option<String> {
        Git::branch_tip(self, branch)
    }

    fn commit_of(&self, rev: &str) -> Result<String, GitError> {
        Git::commit_of(self, rev)
    }

    fn commits_since(&self, from: &str, to: &str) -> Option<usize> {
        Git::commits_since(self, from, to)
    }

    fn put_branch(&self, branch: &str, at: &str, keep: Option<&str>) -> Result<(), GitError> {
        Git::put_branch(self, branch, at, keep)
    }

    fn uncommitted_paths(&self, worktree: &Path) -> Result<Vec<String>, GitError> {
        Git::uncommitted_paths(self, worktree)
    }

    fn predict_conflicts(&self, a: &str, b: &str) -> Result<Vec<String>, GitError> {
        Git::predict_conflicts(self, a, b)
    }

    fn watch(&self, on_move: OnChange) -> Option<Guard> {
        match git::watch_refs(self.git_dir(), on_move) {
            Ok(w) => Some(Box::new(w)),
            Err(e) => {
                tracing::warn!("not watching refs ({e}); relying on the periodic rescan");
                None
            }
        }
    }

    fn land_merge(
        &self,
        wt: &Path,
        into: &str,
        branch: &str,
        style: git::MergeStyle,
        message: &str,
    ) -> Result<git::Merged, GitError> {
        Git::land_merge(self, wt, into, branch, style, message)
    }

    fn landed_touching(
        &self,
        branch: &str,
        files: &[String],
        landed: &[(String, String, String)],
    ) -> Vec<String> {
        Git::landed_touching(self, branch, files, landed)
    }

    fn move_target(&self, into: &str, from: &str, to: &str) -> Result<git::Moved, GitError> {
        Git::move_target(self, into, from, to)
    }

    fn delete_branch(&self, branch: &str) -> Result<bool, GitError> {
        Git::delete_branch(self, branch)
    }
}

impl State for Store {
    fn load(&self) -> Result<Saved, StoreError> {
        Store::load(self)
    }

    fn commit_step(&mut self, step: &Step<'_>) -> Result<(), StoreError> {
        Store::commit_step(self, step)
    }

    fn forget_workers(&mut self, ids: &[WorkerId]) -> Result<(), StoreError> {
        Store::forget_workers(self, ids)
    }

    fn pending_signals(&self) -> Result<Vec<(i64, WorkerId, Signal)>, StoreError> {
        Store::pending_signals(self)
    }

    fn claims(&self) -> Result<Vec<Claim>, StoreError> {
        Store::claims(self)
    }

    fn events(&self, limit: usize) -> Result<Vec<EventRow>, StoreError> {
        Store::events(self, limit)
    }

    fn listen(&self, on_signal: OnChange) -> Option<Guard> {
        let dir = self.path().parent()?.to_path_buf();
        match Bell::in_dir(&dir).listen(on_signal) {
            Ok(l) => Some(Box::new(l)),
            Err(e) => {
                tracing::warn!("{e}; workers' signals are taken at each poll");
                None
            }
        }
    }
}

/// Commands through `sh -c`, each in a process group of its own that is ended whole when it
/// times out or the czar stops (see `adapters::group`): `sh` alone would leave `make test` and
/// its children running.
pub(super) struct Shell;

impl Processes for Shell {
    fn notify(&self, call: super::ports::NotifyCall) -> BoxFuture<'_, Ran> {
        Box::pin(async move {
            let Some((program, args)) = call.argv.split_first() else {
                return (false, "no command".to_string());
            };
            let mut cmd = std::process::Command::new(program);
            cmd.args(args).envs(call.env.iter().map(|(k, v)| (k, v)));
            match crate::adapters::group::run_with_input(cmd, Some(call.input), call.timeout).await
            {
                Ok(out) => {
                    let mut text = String::from_utf8_lossy(&out.stdout).into_owned();
                    text.push_str(&String::from_utf8_lossy(&out.stderr));
                    match out.status {
                        Some(status) if status.success() => (true, text),
                        Some(status) => (false, format!("`{program}` {status}\n{text}")),
                        None => (
                            false,
                            format!("`{program}` did not finish within {:?}", call.timeout),
                        ),
                    }
                }
                Err(e) => (false, format!("could not run `{program}`: {e}")),
            }
        })
    }

    fn run(&self, command: String, cwd: PathBuf, timeout: Duration) -> BoxFuture<'_, Ran> {
        Box::pin(async move {
            let mut cmd = std::process::Command::new("sh");
            cmd.arg("-c").arg(&command).current_dir(&cwd);
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
                Err(e) => (
                    false,
                    format!("could not run `{command}` in {}: {e}", cwd.display()),
                ),
            }
        })
    }
}

struct SystemClock;

impl Clock for SystemClock {
    fn now_ms(&self) -> u64 {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() as u64)
    }
}
