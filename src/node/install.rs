//! `czar node install <host>`: puts this very binary on a host from `[hosts.<name>]` when it
//! is missing there or of another version, over the user's own ssh. The binary travels as data
//! on ssh's standard input (`cat > tmp`), never as text on a command line; the only words the
//! remote shell sees are paths from czar.toml, checked here and quoted as single words.
//!
//! Where it goes: the host's `czar` key when it is a path, else `<dir>/bin/czar` (which the
//! czar's connection puts first on the node's PATH, see `link::ssh_command`).

use super::link::shell_quote;
use crate::config::hosts::Host;
use crate::config::hosts::ssh_target;
use serde::Serialize;
use std::process::Stdio;
use tokio::process::Command;

const VERSION: &str = env!("CARGO_PKG_VERSION");

#[derive(Debug, thiserror::Error)]
pub enum InstallError {
    #[error("czar.toml has no [hosts.{name}]{known}")]
    NoHost { name: String, known: String },
    #[error("czar.toml [hosts.{host}] {key} = {value:?}: {why}")]
    Path {
        host: String,
        key: &'static str,
        value: String,
        why: &'static str,
    },
    #[error("czar.toml [hosts.{host}] ssh: {reason}")]
    Target { host: String, reason: String },
    #[error("host {host}: {what}: {detail}")]
    Remote {
        host: String,
        what: String,
        detail: String,
    },
}

/// What the install did, as `--json` prints it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Installed {
    pub host: String,
    pub path: String,
    pub version: String,
    /// `installed`, or `already` when the host had this version.
    pub action: &'static str,
    /// What `<path> --version` said before (none: missing or not runnable).
    pub was: Option<String>,
}

/// The path the binary goes to on `host`, checked: one it names is used as written (absolute,
/// or relative to the login's home), never with `~` (which the quoting would not expand), an
/// option-like start, or a final `/`.
pub fn destination(host: &Host) -> Result<String, InstallError> {
    let (key, value) = if host.czar.contains('/') {
        ("czar", host.czar.clone())
    } else {
        (
            "dir",
            format!("{}/bin/czar", host.dir.trim_end_matches('/')),
        )
    };
    let bad = |why| InstallError::Path {
        host: host.name.clone(),
        key,
        value: if key == "dir" {
            host.dir.clone()
        } else {
            value.clone()
        },
        why,
    };
    if value.starts_with('~') {
        return Err(bad(
            "`~` is not expanded; write the path relative to the login's home instead",
        ));
    }
    if value.starts_with('-') || value.ends_with('/') || value.contains(['\n', '\r', '\0']) {
        return Err(bad(
            "not a file path (starts with -, ends with /, or has a line break)",
        ));
    }
    if value.split('/').any(|part| part == "..") {
        return Err(bad("`..` is refused in the path czar is installed to"));
    }
    Ok(value)
}

/// `ssh` to `host` with the user's config (`CZAR_SSH_CONFIG` as for the node's connection),
/// no prompt, running `remote` there.
fn ssh(host: &Host, remote: &str) -> Result<Command, InstallError> {
    let target = ssh_target(&host.ssh).map_err(|reason| InstallError::Target {
        host: host.name.clone(),
        reason,
    })?;
    let mut cmd = Command::new("ssh");
    if let Some(config) = std::env::var_os("CZAR_SSH_CONFIG") {
        cmd.arg("-F").arg(config);
    }
    cmd.args(["-o", "BatchMode=yes", "-T"])
        .args(target)
        .arg(remote);
    cmd.kill_on_drop(true);
    Ok(cmd)
}

/// What `<path> --version` prints on the host, if it runs there.
async fn remote_version(host: &Host, path: &str) -> Result<Option<String>, InstallError> {
    // ssh's own failure (no connection, key refused) is 255; a missing program (127) or one
    // that says nothing is read as not there.
    let remote = format!("{} --version", shell_quote(path));
    let out = ssh(host, &remote)?
        .stdin(Stdio::null())
        .output()
        .await
        .map_err(|e| remote_err(host, "running ssh", e.to_string()))?;
    if out.status.code() == Some(255) {
        return Err(remote_err(
            host,
            &format!("ssh {}", host.ssh),
            String::from_utf8_lossy(&out.stderr).trim().to_string(),
        ));
    }
    let said = String::from_utf8_lossy(&out.stdout).trim().to_string();
    Ok((out.status.success() && !said.is_empty()).then_some(said))
}

fn remote_err(host: &Host, what: &str, detail: String) -> InstallError {
    InstallError::Remote {
        host: host.name.clone(),
        what: what.to_string(),
        detail,
    }
}

/// Installs this binary on `host` unless it already runs this version there.
pub async fn install(host: &Host) -> anyhow::Result<Installed> {
    let path = destination(host)?;
    let ours = format!("czar {VERSION}");
    let was = remote_version(host, &path).await?;
    let mut done = Installed {
        host: host.name.clone(),
        path: path.clone(),
        version: VERSION.to_string(),
        action: "already",
        was: was.clone(),
    };
    if was.as_deref() == Some(ours.as_str()) {
        return Ok(done);
    }
    let exe = std::env::current_exe()
        .map_err(|e| anyhow::anyhow!("finding this czar's own binary: {e}"))?;
    let file =
        std::fs::File::open(&exe).map_err(|e| anyhow::anyhow!("reading {}: {e}", exe.display()))?;
    let parent = path.rsplit_once('/').map_or(".", |(p, _)| p);
    let parent = if parent.is_empty() { "/" } else { parent };
    // Written beside its destination, then renamed over it: a running node keeps its old
    // binary, and an interrupted copy never leaves a half file at the path.
    let tmp = format!("{path}.czar-install.tmp");
    let remote = format!(
        "umask 022 && mkdir -p {dir} && cat > {tmp} && chmod 755 {tmp} && mv -f {tmp} {dest}",
        dir = shell_quote(parent),
        tmp = shell_quote(&tmp),
        dest = shell_quote(&path),
    );
    let out = ssh(host, &remote)?
        .stdin(Stdio::from(file))
        .output()
        .await
        .map_err(|e| remote_err(host, "running ssh", e.to_string()))?;
    if !out.status.success() {
        return Err(remote_err(
            host,
            &format!("copying czar to {path}"),
            String::from_utf8_lossy(&out.stderr).trim().to_string(),
        )
        .into());
    }
    let now = remote_version(host, &path).await?;
    if now.as_deref() != Some(ours.as_str()) {
        return Err(remote_err(
            host,
            &format!("{path} --version after the copy"),
            format!(
                "said {:?}, not {ours:?} (another system or architecture?)",
                now.unwrap_or_default()
            ),
        )
        .into());
    }
    done.action = "installed";
    Ok(done)
}

/// `czar node install <name>` on the project in `dir`: prints what it did (JSON with `json`).
pub async fn run(dir: &std::path::Path, name: &str, json: bool) -> anyhow::Result<i32> {
    let cfg = crate::project::load(dir)?;
    let Some(host) = cfg.hosts.iter().find(|h| h.name == name) else {
        let names: Vec<&str> = cfg.hosts.iter().map(|h| h.name.as_str()).collect();
        let known = if names.is_empty() {
            String::new()
        } else {
            format!(" (hosts: {})", names.join(", "))
        };
        return Err(crate::project::UsageError(
            InstallError::NoHost {
                name: name.to_string(),
                known,
            }
            .to_string(),
        )
        .into());
    };
    let done = install(host).await?;
    if json {
        println!("{}", serde_json::to_string(&done)?);
    } else if done.action == "already" {
        println!(
            "{}: already at version {} ({})",
            done.host, done.version, done.path
        );
    } else {
        println!(
            "{}: installed czar {} at {} (was: {})",
            done.host,
            done.version,
            done.path,
            done.was.as_deref().unwrap_or("missing")
        );
    }
    Ok(0)
}
