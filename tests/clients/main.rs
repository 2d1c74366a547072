//! Tests against the real Codex CLI, Gemini CLI and Aider clients, run offline against one
//! loopback stand-in for their APIs. They skip loudly where a client is not installed
//! (`.ci/install-codex`, `.ci/install-gemini`, `.ci/install-aider`).

mod capture;
mod client;
mod fleet;
mod real;
mod recover;
mod standin;
#[path = "../support/mod.rs"]
mod support;
