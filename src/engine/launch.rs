//! How an agent is started: the command tmux runs (the agent under `czar pane-log`) and the
//! environment it gets, which goes through a private file, never onto a command line (see
//! `pane_log::env`).

use super::{Ctx, Profile, Setup};
use crate::adapters::tmux::SessionSpec;
use crate::core::model::WorkerId;
use std::ffi::OsString;
use std::path::PathBuf;
use std::sync::Arc;

/// Variables a worker session must not inherit: they describe the czar's own terminal and tmux.
const NOT_PASSED: [&str; 4] = ["TMUX", "TMUX_PANE", "COLUMNS", "LINES"];

/// What any program of the profile gets: the czar's own environment (minus what describes the
/// czar's terminal) with the profile's `env` over it. `czar doctor` asks the agent its version
/// with it, so what it finds is what a worker would find.
pub fn profile_env(profile: &Profile) -> Vec<(OsString, OsString)> {
    let mut env: Vec<(OsString, OsString)> = std::env::vars_os()
        .filter(|(k, _)| !NOT_PASSED.iter().any(|n| k == n) && crate::pane_log::env::valid_name(k))
        .collect();
    env.extend(profile.env.iter().map(|(k, v)| (k.into(), v.into())));
    env
}

/// The agent's environment: [`profile_env`] and the worker's identity.
fn agent_env(setup: &Setup, worker: WorkerId, profile: &Profile) -> Vec<(OsString, OsString)> {
    let mut env = profile_env(profile);
    env.push(("CZAR_WORKER".into(), worker.to_string().into()));
    env.push((
        "CZAR_STATE_DIR".into(),
        setup.paths.state_dir.clone().into(),
    ));
    env
}

/// The profile with the account's environment over its own: each value read now, from the
/// variable or file the account names. An error names where, never a value.
pub(super) fn with_account(profile: &Profile, account: Option<&str>) -> Result<Profile, String> {
    let mut out = profile.clone();
    let Some(name) = account else {
        return Ok(out);
    };
    let acc = profile
        .accounts
        .iter()
        .find(|a| a.name == name)
        .ok_or_else(|| format!("the {} profile has no account {name:?}", profile.name))?;
    let home = std::env::var_os("HOME").map(PathBuf::from);
    if let (Some(dir), Some(var)) = (acc.dir_in(home.as_deref()), &profile.account_dir_env) {
        out.env.retain(|(k, _)| k != var);
        out.env.push((var.clone(), dir.display().to_string()));
    }
    for (var, source) in &acc.env {
        let value = source
            .read(home.as_deref())
            .map_err(|e| format!("account {name} of {}: {var}: {e}", profile.name))?;
        out.env.retain(|(k, _)| k != var);
        out.env.push((var.clone(), value));
    }
    Ok(out)
}

/// The command tmux starts for the agent, and the environment file it names (deleted by
/// pane-log once read). Every word is a tmux argument, so UTF-8; values never are words.
pub(super) fn agent_command(
    setup: &Setup,
    worker: WorkerId,
    profile: &Profile,
) -> Result<(Vec<String>, Option<PathBuf>), String> {
    let Some(czar) = setup.czar_exe.as_deref() else {
        let names: Vec<&str> = profile.env.iter().map(|(k, _)| k.as_str()).collect();
        tracing::warn!(
            worker,
            "czar's own path is not UTF-8, so tmux cannot start the agent under czar pane-log: \
             its output is not logged, and it gets the tmux server's environment instead of \
             czar's. Not passed: czar's environment, the profile's env ({}), CZAR_WORKER and \
             CZAR_STATE_DIR (on tmux's command line every local user could read them)",
            names.join(", ")
        );
        return Ok((profile.command.clone(), None));
    };
    // The agent's whole output, kept beyond tmux's scrollback for the operator and read by the
    // monitor to learn which panes changed.
    let log = setup.paths.output_log(worker);
    let log_word = crate::adapters::private::dir(&setup.paths.log_dir())
        .map_err(|e| e.to_string())
        .and_then(|()| log.to_str().ok_or("the path is not UTF-8".to_string()));
    if let Err(e) = &log_word {
        tracing::warn!(worker, "not keeping the output log {}: {e}", log.display());
    }
    // The state folder is private; a temporary folder only when its path cannot be a word.
    let state = setup.state_dir();
    let env_dir = if state.to_str().is_some() {
        state.to_path_buf()
    } else {
        std::env::temp_dir()
    };
    crate::pane_log::env::sweep(&env_dir);
    let file =
        crate::pane_log::env::write_file(&env_dir, worker, &agent_env(setup, worker, profile))
            .map_err(|e| {
                format!(
                    "writing the agent's environment in {}: {e}",
                    env_dir.display()
                )
            })?;
    let Some(file_word) = file.to_str().map(str::to_string) else {
        let _ = std::fs::remove_file(&file);
        return Err(format!(
            "no folder with a UTF-8 path for the agent's environment file ({} is not)",
            env_dir.display()
        ));
    };
    let command = crate::pane_log::wrap_agent(czar, log_word.ok(), &file_word, &profile.command);
    Ok((command, Some(file)))
}

/// Makes the worker's worktree (saving what a crashed agent left there) and starts its agent.
pub(super) async fn start_worker(
    ctx: &Ctx,
    worker: WorkerId,
    profile_name: &str,
    account: Option<&str>,
) -> Result<(), String> {
    let setup = &ctx.setup;
    let profile = setup
        .profile(profile_name)
        .ok_or_else(|| format!("unknown agent profile {profile_name:?}"))?;
    let with_account = with_account(profile, account)?;
    let profile = &with_account;
    if let Some(host) = ctx.hosts.as_ref().and_then(|f| f.host_of(worker)) {
        return super::on_host::start_worker(ctx, host, worker, profile).await;
    }
    let wt = setup.paths.worktree(worker);
    let (repo, base, wt2) = (Arc::clone(&ctx.repo), setup.base.clone(), wt.clone());
    let saved = tokio::task::spawn_blocking(move || {
        repo.ensure_worktree(&wt2, &format!("worker-{worker}"), &base)
            .map_err(|e| e.to_string())?;
        // A crashed agent may have left work behind: keep it before anything else runs there.
        Ok::<_, String>(repo.commit_wip(&wt2, "agent restarted"))
    })
    .await
    .map_err(|e| format!("worktree task failed: {e}"))??;
    match saved {
        Ok(Some(id)) => tracing::info!(
            worker,
            "saved leftovers of the previous agent as WIP commit {id}"
        ),
        Ok(None) => {}
        Err(e) => tracing::warn!(worker, "could not save leftovers before restarting: {e}"),
    }
    let name = crate::core::model::session_name(&setup.project, worker);
    // A dead pane left from a crash holds the name.
    if ctx.panes.exists(name.clone()).await.unwrap_or(false) {
        ctx.panes
            .kill(name.clone())
            .await
            .map_err(|e| e.to_string())?;
    }
    let (command, env_file) = agent_command(setup, worker, profile)?;
    let spec = SessionSpec {
        name,
        cwd: wt,
        command,
        // Nothing: every value given here is on the tmux server's command line for all to see.
        env: Vec::new(),
        width: setup.pane_size.0,
        height: setup.pane_size.1,
    };
    let started = ctx.panes.start(spec).await;
    if let (Err(_), Some(file)) = (&started, &env_file) {
        // No pane-log will take it.
        let _ = std::fs::remove_file(file);
    }
    started.map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::adapters::tmux::SubmitKey;
    use std::os::unix::ffi::OsStrExt;
    use std::os::unix::fs::PermissionsExt;
    use std::path::Path;
    use std::time::Duration;

    const SECRET: &str = "profile-secret-value";

    fn setup(state_dir: &Path, czar_exe: Option<&str>) -> (Setup, Profile) {
        let profile = Profile {
            name: "probe".into(),
            command: vec!["agent".into(), "--flag".into()],
            env: vec![("PROBE_KEY".into(), SECRET.into())],
            submit: SubmitKey::Enter,
            settle: Duration::ZERO,
            rules: Default::default(),
            accounts: Vec::new(),
            account_dir_env: None,
            usage: None,
            tags: Vec::new(),
        };
        // The shipped defaults, with this test's folders and its one profile.
        let cfg = crate::config::load_with(state_dir, None, Some("main")).unwrap();
        let mut setup = crate::engine::Setup::from_config(&cfg).unwrap();
        setup.paths.state_dir = state_dir.into();
        setup.profiles = [("probe".to_string(), profile.clone())].into();
        setup.czar_exe = czar_exe.map(str::to_string);
        (setup, profile)
    }

    fn has(vars: &[(OsString, OsString)], key: &str, value: &[u8]) -> bool {
        vars.iter().any(|(k, v)| k == key && v.as_bytes() == value)
    }

    #[test]
    fn the_command_names_a_private_file_that_holds_the_environment_and_no_value() {
        let dir = tempfile::tempdir().unwrap();
        let state = dir.path().join("state");
        let (setup, profile) = setup(&state, Some("/bin/czar"));
        let (command, file) = agent_command(&setup, 4, &profile).unwrap();
        let file = file.unwrap();
        assert_eq!(file.parent(), Some(state.as_path()));
        let log = setup.paths.output_log(4).display().to_string();
        let file_word = file.display().to_string();
        let want = [
            "/bin/czar",
            "pane-log",
            "--log",
            &log,
            "--env-file",
            &file_word,
            "--",
            "agent",
            "--flag",
        ];
        assert_eq!(command, want);
        let mode = std::fs::metadata(&file).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        let vars = crate::pane_log::env::take(&file).unwrap();
        assert!(has(&vars, "PROBE_KEY", SECRET.as_bytes()));
        assert!(has(&vars, "CZAR_WORKER", b"4"));
        assert!(has(&vars, "CZAR_STATE_DIR", state.as_os_str().as_bytes()));
        assert!(!vars.iter().any(|(k, _)| k == "TMUX"));
    }

    #[test]
    fn a_state_folder_that_is_not_utf8_keeps_no_log_and_puts_the_file_in_the_temporary_folder() {
        let dir = tempfile::tempdir().unwrap();
        let state = dir.path().join(std::ffi::OsStr::from_bytes(b"state-\xff"));
        let (setup, profile) = setup(&state, Some("/bin/czar"));
        let (command, file) = agent_command(&setup, 1, &profile).unwrap();
        let file = file.unwrap();
        assert_eq!(file.parent(), Some(std::env::temp_dir().as_path()));
        assert!(!command.iter().any(|w| w == "--log"), "{command:?}");
        assert!(command.contains(&"--env-file".to_string()));
        let vars = crate::pane_log::env::take(&file).unwrap();
        assert!(has(&vars, "PROBE_KEY", SECRET.as_bytes()));
    }

    #[test]
    fn without_a_utf8_czar_path_the_agent_runs_bare_and_nothing_is_passed() {
        let dir = tempfile::tempdir().unwrap();
        let (setup, profile) = setup(dir.path(), None);
        let (command, file) = agent_command(&setup, 1, &profile).unwrap();
        assert_eq!(command, profile.command);
        assert!(file.is_none());
        let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert!(left.is_empty(), "{left:?}");
    }
}
