//! Pull requests through the forge's own CLI (`gh` for GitHub, `glab` for GitLab), and the push
//! of a task branch with git. Every call is one program with an explicit argv (no shell): a
//! task's title and body go as arguments and standard input, never through `sh -c`.

use crate::core::observation::PrStatus;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// Lines of a failing check's log handed to the agent.
const LOG_LINES: usize = 60;

pub struct Forge {
    /// The repository's folder: where git and the CLI run.
    pub root: PathBuf,
    pub remote: String,
    /// `gh` or `glab`.
    pub cli: String,
}

impl Forge {
    /// Pushes `branch` to the remote (forced: the task branch is czar's own, and a rework after a
    /// follow-up may have merged the target in).
    pub fn push(&self, branch: &str) -> Result<(), String> {
        let spec = format!("+refs/heads/{branch}:refs/heads/{branch}");
        run(
            &self.root,
            "git",
            &["push", "-q", &self.remote, &spec],
            None,
        )
        .map(|_| ())
    }

    /// The URL of the branch's open pull request, opened now unless there is one.
    pub fn open(
        &self,
        branch: &str,
        into: &str,
        title: &str,
        body: &str,
    ) -> Result<String, String> {
        if let Some(url) = self.existing(branch) {
            return Ok(url);
        }
        let out = if self.cli == "glab" {
            let args = [
                "mr",
                "create",
                "--source-branch",
                branch,
                "--target-branch",
                into,
                "--title",
                title,
                "--description",
                body,
                "--yes",
            ];
            run(&self.root, &self.cli, &args, None)?
        } else {
            let args = [
                "pr",
                "create",
                "--head",
                branch,
                "--base",
                into,
                "--title",
                title,
                "--body-file",
                "-",
            ];
            run(&self.root, &self.cli, &args, Some(body))?
        };
        out.lines()
            .rev()
            .map(str::trim)
            .find(|l| l.starts_with("http"))
            .map(str::to_string)
            .ok_or_else(|| format!("{} printed no pull request URL: {}", self.cli, out.trim()))
    }

    fn existing(&self, branch: &str) -> Option<String> {
        if self.cli == "glab" {
            // A rework pushed again finds its merge request still open: `mr create` would fail.
            let args = ["mr", "view", branch, "--output", "json"];
            let out = run(&self.root, "glab", &args, None).ok()?;
            let v: serde_json::Value = serde_json::from_str(&out).ok()?;
            return (v["state"] == "opened").then(|| v["web_url"].as_str().map(str::to_string))?;
        }
        let out = run(
            &self.root,
            "gh",
            &["pr", "view", branch, "--json", "url,state"],
            None,
        )
        .ok()?;
        let v: serde_json::Value = serde_json::from_str(&out).ok()?;
        (v["state"] == "OPEN").then(|| v["url"].as_str().map(str::to_string))?
    }

    /// The pull request's state, and the log of a failing check.
    pub fn view(&self, url: &str) -> PrStatus {
        match self.ask(url) {
            Ok(s) => s,
            Err(e) => PrStatus::Unknown(e),
        }
    }

    fn ask(&self, url: &str) -> Result<PrStatus, String> {
        if self.cli == "glab" {
            let out = run(
                &self.root,
                "glab",
                &["mr", "view", url, "--output", "json"],
                None,
            )?;
            let v: serde_json::Value = serde_json::from_str(&out).map_err(|e| e.to_string())?;
            return Ok(match v["state"].as_str() {
                Some("merged") => PrStatus::Merged {
                    commit: v["merge_commit_sha"].as_str().map(str::to_string),
                },
                Some("closed") => PrStatus::Closed,
                _ if v["pipeline"]["status"] == "failed" => PrStatus::Failing {
                    check: "pipeline".into(),
                    log: v["pipeline"]["web_url"].as_str().unwrap_or("").to_string(),
                },
                _ => PrStatus::Open,
            });
        }
        let fields = "state,mergeCommit,statusCheckRollup";
        let out = run(
            &self.root,
            "gh",
            &["pr", "view", url, "--json", fields],
            None,
        )?;
        let v: serde_json::Value = serde_json::from_str(&out).map_err(|e| e.to_string())?;
        match v["state"].as_str() {
            Some("MERGED") => {
                let commit = v["mergeCommit"]["oid"].as_str().map(str::to_string);
                return Ok(PrStatus::Merged { commit });
            }
            Some("CLOSED") => return Ok(PrStatus::Closed),
            _ => {}
        }
        let checks = v["statusCheckRollup"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        let failed = checks.iter().find(|c| {
            matches!(
                c["conclusion"].as_str().or(c["state"].as_str()),
                Some("FAILURE" | "TIMED_OUT" | "CANCELLED" | "ERROR" | "ACTION_REQUIRED")
            )
        });
        let Some(c) = failed else {
            return Ok(PrStatus::Open);
        };
        let check = c["name"]
            .as_str()
            .or(c["context"].as_str())
            .unwrap_or("a check");
        let link = c["detailsUrl"]
            .as_str()
            .or(c["targetUrl"].as_str())
            .unwrap_or("");
        Ok(PrStatus::Failing {
            check: check.to_string(),
            log: self.check_log(link),
        })
    }

    /// The failed steps' log of the Actions run a check links to, cut to its last lines; the
    /// link itself when there is no such run.
    fn check_log(&self, link: &str) -> String {
        let run_id = link
            .split("/runs/")
            .nth(1)
            .map(|r| {
                r.chars()
                    .take_while(char::is_ascii_digit)
                    .collect::<String>()
            })
            .filter(|r| !r.is_empty());
        let Some(id) = run_id else {
            return link.to_string();
        };
        match run(
            &self.root,
            "gh",
            &["run", "view", &id, "--log-failed"],
            None,
        ) {
            Ok(log) => {
                let lines: Vec<&str> = log.lines().collect();
                lines[lines.len().saturating_sub(LOG_LINES)..].join("\n")
            }
            Err(e) => format!("{link} (its log could not be read: {e})"),
        }
    }
}

/// One program, its standard output; its standard error in the error.
fn run(cwd: &Path, program: &str, args: &[&str], input: Option<&str>) -> Result<String, String> {
    let mut child = Command::new(program)
        .args(args)
        .current_dir(cwd)
        // Never a password prompt on a terminal nobody watches.
        .env("GIT_TERMINAL_PROMPT", "0")
        .stdin(if input.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("{program} could not be run: {e}"))?;
    if let (Some(text), Some(mut stdin)) = (input, child.stdin.take()) {
        stdin
            .write_all(text.as_bytes())
            .map_err(|e| format!("writing to {program}: {e}"))?;
    }
    let out = child
        .wait_with_output()
        .map_err(|e| format!("{program}: {e}"))?;
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr);
        let first = err.lines().next().unwrap_or("").trim();
        return Err(format!(
            "{program} {} failed ({}): {first}",
            args.first().unwrap_or(&""),
            out.status
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}
