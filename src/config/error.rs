//! Errors that always say where: which file, which key, which line.

use std::fmt;
use std::path::PathBuf;

/// Where a configuration value (or a problem) came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    /// The user's file path as given, or `<built-in config/...>` for embedded data.
    pub file: String,
    /// Dotted key path such as `timing.poll_ms` or `agents.claude.patterns.busy[2]`;
    /// empty when the problem is not tied to one key (a TOML syntax error).
    pub key: String,
    /// 1-based line in `file`, when known.
    pub line: Option<usize>,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
        }
        if !self.key.is_empty() {
            write!(f, ": {}", self.key)?;
        }
        Ok(())
    }
}

/// A configuration problem, displayed as `file:line: key: what`. Boxed: it travels
/// through every `?` of the reader, and most of those never fail.
#[derive(Debug, thiserror::Error)]
#[error("{}: {}", .0.0, .0.1)]
pub struct ConfigError(Box<(Location, ConfigErrorKind)>);

#[derive(Debug, thiserror::Error)]
pub enum ConfigErrorKind {
    #[error("invalid TOML: {message}{snippet}")]
    Syntax { message: String, snippet: String },
    #[error("expected {expected}, found {found}")]
    WrongType {
        expected: &'static str,
        found: &'static str,
    },
    #[error("unknown key{hint}")]
    UnknownKey { hint: String },
    #[error("{value} is out of range (allowed: {min}..={max})")]
    OutOfRange { value: i128, min: u64, max: u64 },
    #[error("invalid value {value:?}: {reason}")]
    Invalid { value: String, reason: String },
    #[error("bad regex {pattern:?}: {reason}")]
    BadRegex { pattern: String, reason: String },
    #[error("no agent profile named {name:?} (known profiles: {known})")]
    UnknownAgent { name: String, known: String },
    #[error("must be a non-empty array whose first word names a program")]
    EmptyCommand,
    #[error("{what}")]
    Missing { what: String },
    #[error("not found; run `czar init` in the repository to create it")]
    NoConfigFile(PathBuf),
    #[error("already exists; edit it, or remove it before running `czar init` again")]
    AlreadyExists(PathBuf),
    #[error("cannot {action}: {source}")]
    Io {
        action: String,
        source: std::io::Error,
    },
}

impl ConfigError {
    pub fn new(at: Location, kind: ConfigErrorKind) -> Self {
        Self(Box::new((at, kind)))
    }

    /// Where: file, key path, line.
    pub fn at(&self) -> &Location {
        &self.0.0
    }

    pub fn kind(&self) -> &ConfigErrorKind {
        &self.0.1
    }

    pub(super) fn io(path: &std::path::Path, action: &str, source: std::io::Error) -> Self {
        let at = Location {
            file: path.display().to_string(),
            key: String::new(),
            line: None,
        };
        let action = action.to_string();
        Self::new(at, ConfigErrorKind::Io { action, source })
    }
}

/// A value that is there but cannot be used: the key's place, what was written, and why not.
pub(super) fn invalid(at: &Location, value: &str, reason: &str) -> ConfigError {
    let kind = ConfigErrorKind::Invalid {
        value: value.to_string(),
        reason: reason.to_string(),
    };
    ConfigError::new(at.clone(), kind)
}
