//! `czar classify --agent <profile> [--title T] [--json] < screen.txt`: what the czar would
//! read from a screen, and why. For tuning profiles against a captured screen.

use crate::cli::ClassifyArgs;
use crate::config::{self, CONFIG_FILE_NAME, ProjectConfig};
use crate::core::explain::{Explanation, explain};
use crate::project::{self, UsageError};
use serde_json::json;
use std::io::Read;
use std::path::Path;

pub fn run(dir: &Path, args: &ClassifyArgs) -> anyhow::Result<()> {
    let cfg = profiles(dir)?;
    let Some(profile) = cfg.profile(&args.agent) else {
        let known: Vec<&str> = cfg.profiles.keys().map(String::as_str).collect();
        return Err(UsageError(format!(
            "unknown agent profile {:?} (known: {})",
            args.agent,
            known.join(", ")
        ))
        .into());
    };
    let mut bytes = Vec::new();
    std::io::stdin()
        .read_to_end(&mut bytes)
        .map_err(|e| UsageError(format!("reading the screen from standard input: {e}")))?;
    let screen = String::from_utf8(bytes).map_err(|e| {
        UsageError(format!(
            "the screen on standard input is not UTF-8 text (byte {})",
            e.utf8_error().valid_up_to()
        ))
    })?;
    let e = explain(&profile.rules(), &screen, &args.title);
    if args.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&as_json(&args.agent, &e))?
        );
    } else {
        print!("{}", as_text(&e));
    }
    Ok(())
}

/// This repository's profiles when it has a czar.toml (so its overrides apply), else the shipped ones.
fn profiles(dir: &Path) -> anyhow::Result<ProjectConfig> {
    match project::repo_root(dir) {
        Ok((root, branch)) if root.join(CONFIG_FILE_NAME).exists() => {
            config::load(&root, branch.as_deref()).map_err(|e| UsageError(e.to_string()).into())
        }
        _ => {
            config::load_with(dir, None, Some("main")).map_err(|e| UsageError(e.to_string()).into())
        }
    }
}

fn state_name(e: &Explanation) -> Option<&'static str> {
    e.reading.state.map(|s| s.as_str())
}

pub(crate) fn as_json(agent: &str, e: &Explanation) -> serde_json::Value {
    json!({
        "agent": agent,
        "state": state_name(e),
        "reason": e.reading.reason,
        "detail": e.reading.detail,
        "last_line": e.reading.last_line,
        "signals": e.signals,
        "lines": e.lines,
    })
}

pub(crate) fn as_text(e: &Explanation) -> String {
    let mut out = String::new();
    let state =
        state_name(e).unwrap_or("unknown (no pattern matched: the czar keeps what it knew)");
    out.push_str(&format!("state:  {state}\nreason: {}\n", e.reading.reason));
    if let Some(d) = &e.reading.detail {
        out.push_str(&format!("detail: {d}\n"));
    }
    out.push_str("signals:\n");
    if e.signals.is_empty() {
        out.push_str("  (none)\n");
    }
    for s in &e.signals {
        out.push_str(&format!("  {:<12} /{}/  {:?}\n", s.kind, s.pattern, s.text));
    }
    out.push_str(&format!("last {} lines considered:\n", e.lines.len()));
    for l in &e.lines {
        out.push_str(&format!("  | {l}\n"));
    }
    out
}
