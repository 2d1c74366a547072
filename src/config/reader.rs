//! A strict walker over a spanned TOML document.
//!
//! serde's derive would reject unknown keys, but its errors carry neither the dotted key path
//! nor (for semantic checks done after deserializing) a line. Walking toml's spanned
//! `DeTable` by hand keeps both for every value, so each error can say `file:line: key: what`.

use std::ops::Range;

use toml::Spanned;
use toml::de::{DeTable, DeValue};

use super::error::{ConfigError, ConfigErrorKind, Location};

/// One TOML text and the name it is reported under.
pub(super) struct Source<'s> {
    pub name: String,
    pub text: &'s str,
}

impl<'s> Source<'s> {
    fn line_of(&self, offset: usize) -> usize {
        let end = offset.min(self.text.len());
        1 + self.text.as_bytes()[..end]
            .iter()
            .filter(|&&b| b == b'\n')
            .count()
    }

    pub fn loc(&self, key: &str, span: Range<usize>) -> Location {
        Location {
            file: self.name.clone(),
            key: key.to_string(),
            line: Some(self.line_of(span.start)),
        }
    }

    pub fn parse(&self) -> Result<Spanned<DeTable<'s>>, ConfigError> {
        DeTable::parse(self.text).map_err(|err| {
            let line = err.span().map(|s| self.line_of(s.start));
            let snippet = line
                .and_then(|l| self.text.lines().nth(l - 1))
                .map(|l| format!(" (line: {:?})", l.trim_end()))
                .unwrap_or_default();
            let at = Location {
                file: self.name.clone(),
                key: String::new(),
                line,
            };
            let message = err.message().trim().to_string();
            ConfigError::new(at, ConfigErrorKind::Syntax { message, snippet })
        })
    }
}

/// Joins a key onto a dotted path, quoting keys that are not bare TOML keys.
pub(super) fn join_key(prefix: &str, key: &str) -> String {
    let bare = !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    let key = if bare {
        key.to_string()
    } else {
        format!("{key:?}")
    };
    if prefix.is_empty() {
        key
    } else {
        format!("{prefix}.{key}")
    }
}

/// The document's top-level table.
pub(super) fn root<'a, 's>(
    src: &'a Source<'s>,
    doc: &'a Spanned<DeTable<'s>>,
) -> TableView<'a, 's> {
    TableView {
        src,
        path: String::new(),
        table: doc.get_ref(),
        span: doc.span(),
    }
}

/// A table inside a document, with the key path that leads to it.
pub(super) struct TableView<'a, 's> {
    pub src: &'a Source<'s>,
    pub path: String,
    pub table: &'a DeTable<'s>,
    pub span: Range<usize>,
}

impl<'a, 's> TableView<'a, 's> {
    pub fn loc(&self) -> Location {
        self.src.loc(&self.path, self.span.clone())
    }

    /// Rejects any key not in `allowed`, naming it and suggesting a near miss.
    pub fn check_keys(&self, allowed: &[&str]) -> Result<(), ConfigError> {
        for (key, _) in self.table.iter() {
            let name: &str = key.get_ref();
            if allowed.contains(&name) {
                continue;
            }
            let mut hint = match allowed.iter().find(|k| near(k, name)) {
                Some(k) => format!(" (did you mean {k:?}?"),
                None => " (".to_string(),
            };
            if hint.len() > 2 {
                hint.push_str("; ");
            }
            hint.push_str(&format!("known keys: {})", allowed.join(", ")));
            let at = self.src.loc(&join_key(&self.path, name), key.span());
            return Err(ConfigError::new(at, ConfigErrorKind::UnknownKey { hint }));
        }
        Ok(())
    }

    pub fn get(&self, key: &str) -> Option<Node<'a, 's>> {
        self.table.get(key).map(|value| Node {
            src: self.src,
            key: join_key(&self.path, key),
            value,
        })
    }

    pub fn entries(&self) -> impl Iterator<Item = (String, Node<'a, 's>)> + '_ {
        self.table.iter().map(|(k, value)| {
            let name = k.get_ref().to_string();
            let node = Node {
                src: self.src,
                key: join_key(&self.path, &name),
                value,
            };
            (name, node)
        })
    }
}

/// One value, with its key path and span.
pub(super) struct Node<'a, 's> {
    pub src: &'a Source<'s>,
    pub key: String,
    pub value: &'a Spanned<DeValue<'s>>,
}

impl<'a, 's> Node<'a, 's> {
    pub fn loc(&self) -> Location {
        self.src.loc(&self.key, self.value.span())
    }

    pub fn error(&self, kind: ConfigErrorKind) -> ConfigError {
        ConfigError::new(self.loc(), kind)
    }

    pub fn wrong_type(&self, expected: &'static str) -> ConfigError {
        let found = kind_of(self.value.get_ref());
        self.error(ConfigErrorKind::WrongType { expected, found })
    }

    pub fn string(&self) -> Result<String, ConfigError> {
        match self.value.get_ref() {
            DeValue::String(s) => Ok(s.to_string()),
            _ => Err(self.wrong_type("a string")),
        }
    }

    pub fn boolean(&self) -> Result<bool, ConfigError> {
        match self.value.get_ref() {
            DeValue::Boolean(b) => Ok(*b),
            _ => Err(self.wrong_type("a boolean")),
        }
    }

    pub fn u64_in(&self, min: u64, max: u64) -> Result<u64, ConfigError> {
        let DeValue::Integer(int) = self.value.get_ref() else {
            return Err(self.wrong_type("an integer"));
        };
        // i128 holds every TOML integer, so a negative or huge value is reported as
        // out of range with its real value rather than as a parse failure.
        let value = i128::from_str_radix(int.as_str(), int.radix()).unwrap_or(i128::MAX);
        if value < i128::from(min) || value > i128::from(max) {
            return Err(self.error(ConfigErrorKind::OutOfRange { value, min, max }));
        }
        u64::try_from(value)
            .map_err(|_| self.error(ConfigErrorKind::OutOfRange { value, min, max }))
    }

    pub fn array(&self) -> Result<Vec<Node<'a, 's>>, ConfigError> {
        let DeValue::Array(items) = self.value.get_ref() else {
            return Err(self.wrong_type("an array"));
        };
        Ok(items
            .iter()
            .enumerate()
            .map(|(i, value)| Node {
                src: self.src,
                key: format!("{}[{i}]", self.key),
                value,
            })
            .collect())
    }

    pub fn table(&self) -> Result<TableView<'a, 's>, ConfigError> {
        match self.value.get_ref() {
            DeValue::Table(table) => Ok(TableView {
                src: self.src,
                path: self.key.clone(),
                table,
                span: self.value.span(),
            }),
            _ => Err(self.wrong_type("a table")),
        }
    }
}

/// True when `b` is one or two edits away from `a`: worth a "did you mean".
fn near(a: &str, b: &str) -> bool {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != cb);
            cur.push(sub.min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        prev = cur;
    }
    prev[b.len()] <= 2
}

/// "a string", "an integer", ...: how errors name the type a TOML value has.
pub fn kind_of(value: &DeValue<'_>) -> &'static str {
    match value {
        DeValue::String(_) => "a string",
        DeValue::Integer(_) => "an integer",
        DeValue::Float(_) => "a float",
        DeValue::Boolean(_) => "a boolean",
        DeValue::Datetime(_) => "a date-time",
        DeValue::Array(_) => "an array",
        DeValue::Table(_) => "a table",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn near_misses() {
        assert!(near("poll_ms", "pol_ms"));
        assert!(near("busy", "bussy"));
        assert!(!near("poll_ms", "workers"));
    }

    #[test]
    fn keys_are_quoted_only_when_needed() {
        assert_eq!(join_key("", "agents"), "agents");
        assert_eq!(join_key("agents", "my agent"), "agents.\"my agent\"");
    }

    #[test]
    fn lines_are_one_based() {
        let src = Source {
            name: "x".into(),
            text: "a = 1\nb = 2\n",
        };
        assert_eq!(src.line_of(0), 1);
        assert_eq!(src.line_of(6), 2);
    }
}
