//! The routing keys of a task's front matter: `agent` (one profile or a list, in the order
//! they are tried), `tags` (each declared by some profile) and `labels` (each declared by some
//! host).

use toml::Spanned;
use toml::de::DeValue;

use super::parse::Front;
use super::{TaskError, TaskErrorKind};

impl Front<'_> {
    /// `agent`: one profile name, or a list of them in the order they are tried.
    pub(super) fn agents(
        &self,
        v: Option<&Spanned<DeValue>>,
        known: &[&str],
    ) -> Result<Vec<String>, TaskError> {
        let Some(v) = v else { return Ok(Vec::new()) };
        let items: Vec<(&Spanned<DeValue>, String)> = match v.get_ref() {
            DeValue::Array(items) if !items.is_empty() => items
                .iter()
                .enumerate()
                .map(|(i, item)| Ok((item, format!("agent[{i}]"))))
                .collect::<Result<_, TaskError>>()?,
            DeValue::Array(_) => {
                let kind = TaskErrorKind::Invalid {
                    key: "agent".into(),
                    reason: "must name at least one profile (leave the key out for any)",
                };
                return Err(self.error(v.span().start, kind));
            }
            _ => vec![(v, "agent".to_string())],
        };
        let mut names = Vec::new();
        for (item, key) in items {
            let name = match item.get_ref() {
                DeValue::String(s) => s.to_string(),
                _ => return Err(self.wrong_type(item, &key, "a profile name or a list of them")),
            };
            if name.trim().is_empty() {
                let kind = TaskErrorKind::Invalid {
                    key,
                    reason: "must not be empty (leave the key out instead)",
                };
                return Err(self.error(item.span().start, kind));
            }
            if !known.contains(&name.as_str()) || name.starts_with([super::TAG, super::LABEL]) {
                let kind = TaskErrorKind::UnknownAgent {
                    name,
                    known: super::profile_names(known),
                };
                return Err(self.error(item.span().start, kind));
            }
            if names.contains(&name) {
                let kind = TaskErrorKind::Invalid {
                    key,
                    reason: "repeats a profile listed before it",
                };
                return Err(self.error(item.span().start, kind));
            }
            names.push(name);
        }
        Ok(names)
    }

    /// `tags`: each must be declared by some profile (`known` holds them as `#tag`).
    pub(super) fn tags(
        &self,
        v: Option<&Spanned<DeValue>>,
        known: &[&str],
    ) -> Result<Vec<String>, TaskError> {
        self.declared(
            v,
            known,
            ("tags", "a list of tags", super::TAG),
            |key, tag| TaskErrorKind::UnknownTag { key, tag },
        )
    }

    /// `labels`: each must be declared by some host (`known` holds them as `@label`).
    pub(super) fn labels(
        &self,
        v: Option<&Spanned<DeValue>>,
        known: &[&str],
    ) -> Result<Vec<String>, TaskError> {
        let what = ("labels", "a list of labels", super::LABEL);
        self.declared(v, known, what, |key, label| TaskErrorKind::UnknownLabel {
            key,
            label,
        })
    }

    /// A list of names each declared somewhere (`known` holds them behind `prefix`), without
    /// repeats; `(key, expected, prefix)`.
    fn declared(
        &self,
        v: Option<&Spanned<DeValue>>,
        known: &[&str],
        (key, expected, prefix): (&'static str, &'static str, char),
        unknown: impl Fn(String, String) -> TaskErrorKind,
    ) -> Result<Vec<String>, TaskError> {
        let Some(v) = v else { return Ok(Vec::new()) };
        let DeValue::Array(items) = v.get_ref() else {
            return Err(self.wrong_type(v, key, expected));
        };
        let mut names = Vec::new();
        for (i, item) in items.iter().enumerate() {
            let name = self.string(item, &format!("{key}[{i}]"))?;
            if !known.contains(&format!("{prefix}{name}").as_str()) {
                let kind = unknown(format!("{key}[{i}]"), name);
                return Err(self.error(item.span().start, kind));
            }
            if !names.contains(&name) {
                names.push(name);
            }
        }
        Ok(names)
    }
}
