//! Every agent profile, shipped or the repository's own: its program found where its agent
//! would look (the PATH the agent gets), and its version, asked with the environment the agent
//! would get. A missing program matters as much as its profile is used: the default agent's or
//! a task's is a problem (czar refuses to start), anybody else's a warning.

use super::check::{Check, Status};
use super::tools::{self, Answer};
use crate::engine::preflight::{self, UsedBy};
use crate::engine::{Profile, Setup};
use std::ffi::OsString;
use std::path::Path;

/// One check per profile, in name order; the version questions run at once.
pub async fn check_all(setup: &Setup) -> Vec<Check> {
    let used = preflight::profiles_in_use(setup);
    let checks = setup.profiles.values().map(|profile| {
        let used_by = used
            .iter()
            .find(|(name, _)| *name == profile.name)
            .map_or(UsedBy::Nobody, |(_, u)| u.clone());
        check(setup, profile, used_by)
    });
    futures::future::join_all(checks).await
}

async fn check(setup: &Setup, profile: &Profile, used_by: UsedBy) -> Check {
    let name = format!("profile.{}", profile.name);
    let role = role(&used_by);
    let missing = if matches!(used_by, UsedBy::Nobody | UsedBy::Alternative(_)) {
        Status::Warning
    } else {
        Status::Problem
    };
    let path = match preflight::check_profile(setup, &profile.name, &used_by) {
        Ok(path) => path,
        Err(p) => return Check::not_ok(name, missing, format!("{}; {role}", p.what), p.fix),
    };
    let program = profile.command.first().map_or("", String::as_str);
    let found = found_where(profile, program, &path);
    if path.is_relative() {
        return Check::ok(
            name,
            format!("runs `{program}` from each worker's worktree (not checked here); {role}"),
        );
    }
    let env = crate::engine::profile_env(profile);
    let hidden = secrets(&profile.env, &env);
    let cwd = &setup.paths.repo_root;
    let answer = tools::ask(
        &path,
        &["--version"],
        Some(env),
        cwd,
        tools::VERSION_TIMEOUT,
    )
    .await;
    let shown = |text: &str| redact(text, &hidden);
    let asked = format!("`{} --version`", path.display());
    match answer {
        Answer::Version(line) => Check::ok(name, format!("{found} ({}); {role}", shown(&line))),
        // Not every agent knows `--version` (a shell may not): found is what counts.
        Answer::Failed { .. } => Check::ok(
            name,
            format!(
                "{found}; version unknown ({asked} {}); {role}",
                shown(&tools::said(&answer))
            ),
        ),
        Answer::TimedOut => Check::warning(
            name,
            format!("{found}, but {asked} {}; {role}", tools::said(&answer)),
            format!(
                "run {asked} by hand to see what it waits for (a login, a question, an update)"
            ),
        ),
        Answer::NotStarted(e) => Check::not_ok(
            name,
            missing,
            format!("{found}, but it cannot be run: {e}; {role}"),
            format!(
                "run {asked} by hand to see why, reinstall it or set [agents.{}] command in \
                 czar.toml",
                profile.name
            ),
        ),
    }
}

/// Who relies on the profile, for the report.
fn role(used_by: &UsedBy) -> String {
    match used_by {
        UsedBy::Default => "the default agent".into(),
        UsedBy::Tasks(files) => format!("named by {}", files.join(", ")),
        UsedBy::Alternative(files) => format!(
            "accepted, with other profiles, by {} (they run on another without it)",
            files.join(", ")
        ),
        UsedBy::Nobody => "not used (not the default agent, no task names it)".into(),
    }
}

fn found_where(profile: &Profile, program: &str, path: &Path) -> String {
    let own_path = profile.env.iter().any(|(k, _)| k == "PATH");
    match (program.contains('/'), own_path) {
        (true, _) => format!("`{program}` is there"),
        (false, true) => format!(
            "`{program}` is {} (on the PATH set in [agents.{}] env)",
            path.display(),
            profile.name
        ),
        (false, false) => format!("`{program}` is {}", path.display()),
    }
}

/// Values that must never be printed: everything the profile's `env` sets, and whatever of the
/// environment looks like a credential. Short values are left out: they cannot be secrets, and
/// hiding `1` would mangle every version number.
fn secrets(profile_env: &[(String, String)], env: &[(OsString, OsString)]) -> Vec<String> {
    const NAMES: [&str; 6] = ["KEY", "TOKEN", "SECRET", "PASSWORD", "PASSWD", "CREDENTIAL"];
    let credentials = env
        .iter()
        .filter(|(k, _)| {
            let k = k.to_string_lossy().to_ascii_uppercase();
            NAMES.iter().any(|n| k.contains(n))
        })
        .filter_map(|(_, v)| v.to_str());
    profile_env
        .iter()
        .map(|(_, v)| v.as_str())
        .chain(credentials)
        .filter(|v| v.len() >= 6)
        .map(str::to_string)
        .collect()
}

/// `text` with every secret replaced.
fn redact(text: &str, secrets: &[String]) -> String {
    secrets
        .iter()
        .fold(text.to_string(), |t, s| t.replace(s.as_str(), "<hidden>"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_in_the_environment_never_show() {
        let env: Vec<(OsString, OsString)> = vec![
            ("ANTHROPIC_API_KEY".into(), "sk-ant-very-secret".into()),
            ("GH_TOKEN".into(), "ghp_abcdef".into()),
            ("HOME".into(), "/home/someone".into()),
            ("SHORT_KEY".into(), "1".into()),
        ];
        let own = vec![("AGENT_MODE".to_string(), "profile-value".to_string())];
        let hidden = secrets(&own, &env);
        let line = "agent 1.0 (key sk-ant-very-secret, token ghp_abcdef, /home/someone, \
                    profile-value)";
        assert_eq!(
            redact(line, &hidden),
            "agent 1.0 (key <hidden>, token <hidden>, /home/someone, <hidden>)"
        );
    }
}
