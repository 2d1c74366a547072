//! Pure builders: one function per tmux command, returning the exact argv
//! (without the `tmux` binary and socket flags, which the runner adds).
//!
//! tmux_interface builds the words; [`escape_word`] then protects each one
//! from tmux's own argv rule that splits commands at a trailing `;`.

use std::borrow::Cow;
use std::path::PathBuf;

use tmux_interface::{
    CapturePane, DeleteBuffer, HasSession, KillServer, KillSession, ListPanes, LoadBuffer,
    NewSession, PasteBuffer, RunShell, SendKeys, SetOption, TmuxCommand,
};

use super::error::TmuxError;
use super::parse::pane_format;

/// How to start one agent session.
#[derive(Clone, PartialEq, Eq)]
pub struct SessionSpec {
    /// Session name; must already be sanitised (see `sanitize_session_name`).
    pub name: String,
    pub cwd: PathBuf,
    /// Program and arguments, exec'd by tmux without a shell. Must not be empty.
    pub command: Vec<String>,
    /// Passed with `-e`, so ON THE COMMAND LINE: the tmux server that the client starts keeps
    /// its first command line for life, and `ps` shows it to every local user. Never secrets;
    /// the czar passes an agent's environment through `czar pane-log --env-file`. tmux also
    /// replaces a `PATH` given here with the client's own.
    pub env: Vec<(String, String)>,
    pub width: u16,
    pub height: u16,
}

/// Names of the environment variables only: a debug print must not carry their values.
impl std::fmt::Debug for SessionSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let env: Vec<&str> = self.env.iter().map(|(k, _)| k.as_str()).collect();
        f.debug_struct("SessionSpec")
            .field("name", &self.name)
            .field("cwd", &self.cwd)
            .field("command", &self.command)
            .field("env", &env)
            .field("width", &self.width)
            .field("height", &self.height)
            .finish()
    }
}

/// Which key submits a prompt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SubmitKey {
    /// The `Enter` key name.
    Enter,
    /// A raw carriage return byte (`-H 0d`), for agents or tmux versions that
    /// do not treat the key name as a submit.
    CarriageReturn,
}

/// tmux splits its argv into several commands at any word that ENDS in `;`
/// (the `;` is dropped), and turns a trailing `\;` into a literal `;`. So a
/// word ending in `;` gets a backslash inserted before that final `;`. This
/// is the only interpretation tmux applies to argv words; nothing else
/// (quotes, `$`, `~`, `#`) is touched.
pub fn escape_word(word: &str) -> String {
    match word.strip_suffix(';') {
        Some(head) => format!("{head}\\;"),
        None => word.to_string(),
    }
}

/// The word that separates two commands in one tmux invocation.
const COMMAND_SEPARATOR: &str = ";";

/// tmux_interface's default `cmd_alias` feature names commands by their short
/// aliases (`new`, `lsp`, `send`); we set the full name so the argv, logs and
/// error messages do not depend on which features the build unified.
pub(super) fn words(name: &'static str, mut cmd: TmuxCommand<'_>) -> Vec<String> {
    cmd.name(name);
    cmd.to_vec().iter().map(|w| escape_word(w)).collect()
}

/// `=name` makes tmux match the session name exactly; a bare name would also
/// match any session it is a prefix of (`w-1` would hit `w-10`).
pub fn exact_session(name: &str) -> String {
    format!("={name}")
}

/// Target the current window of an exactly-named session.
fn exact_session_window(name: &str) -> String {
    format!("={name}:")
}

fn validate(spec: &SessionSpec) -> Result<(), TmuxError> {
    let invalid = |msg: String| Err(TmuxError::Invalid(msg));
    if spec.name.is_empty() || spec.name.contains(['.', ':']) {
        return invalid(format!(
            "session name {:?} is empty or has '.'/':'",
            spec.name
        ));
    }
    if spec.command.is_empty() {
        return invalid("session command is empty".to_string());
    }
    if spec.width == 0 || spec.height == 0 {
        return invalid(format!("session size {}x{}", spec.width, spec.height));
    }
    if let Some((key, _)) = spec
        .env
        .iter()
        .find(|(k, _)| k.is_empty() || k.contains('='))
    {
        return invalid(format!("environment name {key:?}"));
    }
    Ok(())
}

/// `new-session -d -c DIR -e K=V.. -s NAME -x W -y H -- CMD..`, chained in the
/// same invocation with `set-option -w remain-on-exit on`, so the option is set
/// before the server can notice the command exiting (a command that dies at
/// once would otherwise take its session with it).
pub fn new_session(spec: &SessionSpec) -> Result<Vec<String>, TmuxError> {
    validate(spec)?;
    let cwd = spec.cwd.to_str().ok_or_else(|| {
        TmuxError::Invalid(format!("working directory {:?} is not UTF-8", spec.cwd))
    })?;
    let mut new = NewSession::new()
        .detached()
        .start_directory(cwd)
        .session_name(spec.name.as_str())
        .width(usize::from(spec.width))
        .height(usize::from(spec.height));
    for (key, value) in &spec.env {
        new = new.environment(key.as_str(), value.as_str());
    }
    let mut cmd = new.build();
    // "--" keeps a program name starting with '-' from being read as a flag.
    cmd.push_param("--");
    // tmux hands a single word to `sh -c`, but execvp's two or more words.
    // `env PROGRAM` keeps a lone program out of the shell: env execs it.
    if let [program] = spec.command.as_slice() {
        cmd.push_param("env");
        cmd.push_param("--");
        cmd.push_param(program.as_str());
    } else {
        for word in &spec.command {
            cmd.push_param(word.as_str());
        }
    }
    let mut argv = words("new-session", cmd);
    argv.push(COMMAND_SEPARATOR.to_string());
    argv.extend(words(
        "set-option",
        SetOption::new()
            .window()
            .target_pane(exact_session_window(&spec.name))
            .option("remain-on-exit")
            .value("on")
            .build(),
    ));
    // The status bar shows `[<session>] `: tmux's default of 10 columns cut worker names.
    argv.push(COMMAND_SEPARATOR.to_string());
    argv.extend([
        "set-option".to_string(),
        "-t".to_string(),
        exact_session_window(&spec.name),
        "status-left-length".to_string(),
        (spec.name.chars().count() + 3).to_string(),
    ]);
    Ok(argv)
}

pub fn list_panes() -> Vec<String> {
    words(
        "list-panes",
        ListPanes::new().all().format(pane_format()).build(),
    )
}

/// `run-shell true`: a constant, harmless job whose exit makes the server
/// run its SIGCHLD handler, which reaps every exited child (see list_panes).
pub fn reap_children() -> Vec<String> {
    words("run-shell", RunShell::new().shell_command("true").build())
}

pub fn has_session(name: &str) -> Vec<String> {
    words(
        "has-session",
        HasSession::new()
            .target_session(exact_session(name))
            .build(),
    )
}

pub fn kill_session(name: &str) -> Vec<String> {
    words(
        "kill-session",
        KillSession::new()
            .target_session(exact_session(name))
            .build(),
    )
}

pub fn kill_server() -> Vec<String> {
    words("kill-server", KillServer::new().build())
}

/// The visible screen only, one line per screen row (no `-J`: rows stay as the
/// operator sees them, so screen patterns can rely on line positions).
pub fn capture(target: &str, ansi: bool) -> Vec<String> {
    let mut cmd = CapturePane::new().stdout();
    if ansi {
        cmd = cmd.escape_sequences();
    }
    words("capture-pane", cmd.target_pane(target).build())
}

/// `lines` rows of scrollback plus the visible screen, wrapped lines joined
/// (`-J`) because this is read as text, not laid out as a screen.
pub fn capture_history(target: &str, lines: u32) -> Vec<String> {
    words(
        "capture-pane",
        CapturePane::new()
            .stdout()
            .join()
            .start_line(format!("-{lines}"))
            .target_pane(target)
            .build(),
    )
}

/// `load-buffer -b NAME -`: the text arrives on stdin, byte for byte.
pub fn load_buffer(buffer: &str) -> Vec<String> {
    words(
        "load-buffer",
        LoadBuffer::new().buffer_name(buffer).path("-").build(),
    )
}

/// `paste-buffer -d -p -r`: delete the buffer afterwards, wrap in bracketed
/// paste when the app asked for it, and keep LF as LF (without `-r` tmux
/// turns every LF into CR, which many TUIs take as "submit").
pub fn paste_buffer(buffer: &str, target: &str) -> Vec<String> {
    words(
        "paste-buffer",
        PasteBuffer::new()
            .delete()
            .bracket_codes()
            .no_replacement()
            .buffer_name(buffer)
            .target_pane(target)
            .build(),
    )
}

pub fn delete_buffer(buffer: &str) -> Vec<String> {
    words(
        "delete-buffer",
        DeleteBuffer::new().buffer_name(buffer).build(),
    )
}

pub fn send_submit(target: &str, key: SubmitKey) -> Vec<String> {
    let keys = SendKeys::new();
    let (keys, key_word) = match key {
        SubmitKey::Enter => (keys, "Enter"),
        SubmitKey::CarriageReturn => (keys.hex(), "0d"),
    };
    send_keys_with(keys.target_pane(target).build(), key_word)
}

/// `send-keys -l`: every character is sent as itself, never looked up as a
/// key name, so "Enter" or "C-c" in the text stay text.
pub fn send_literal(target: &str, text: &str) -> Vec<String> {
    send_keys_with(
        SendKeys::new().disable_lookup().target_pane(target).build(),
        text,
    )
}

pub fn send_key(target: &str, key_name: &str) -> Vec<String> {
    send_keys_with(SendKeys::new().target_pane(target).build(), key_name)
}

fn send_keys_with<'a>(mut cmd: TmuxCommand<'a>, key: impl Into<Cow<'a, str>>) -> Vec<String> {
    // "--" so text starting with '-' is not parsed as flags.
    cmd.push_param("--");
    cmd.push_param(key);
    words("send-keys", cmd)
}
