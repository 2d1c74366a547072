//! A profile's token keys: where its agent reports the tokens it used (`usage`), what they cost
//! (`[agents.<name>.prices]`, dollars per million tokens), how many its context holds
//! (`context_window`) and how it is told to compact them (`compact`, `compact_at`).
//!
//! ```toml
//! [agents.claude]
//! usage = "claude"
//! context_window = 200000
//! compact = "/compact"
//! compact_at = 0.85
//! [agents.claude.prices]
//! input = 3.0
//! output = 15.0
//! cached_input = 0.3
//! ```

use super::error::{ConfigError, ConfigErrorKind};
use super::reader::{Node, TableView};
use crate::core::model::{Meter, Prices};
use crate::core::reports::Source;
use toml::de::DeValue;

const PRICE_KEYS: &[&str] = &["input", "output", "cached_input", "cache_write"];
/// A price past this many dollars per million tokens is a typo.
const MAX_PRICE: f64 = 10_000.0;
/// The default share of the context window at which the agent is asked to compact.
pub const DEFAULT_COMPACT_AT: f64 = 0.85;

/// What a profile says about its tokens, resolved.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProfileMeter {
    /// Where its agent reports them (None: nowhere czar reads).
    pub usage: Option<Source>,
    /// What the core needs: prices, window, compaction.
    pub meter: Meter,
}

/// The keys as one layer (a shipped profile, the user's `[agents.<name>]`) sets them.
#[derive(Debug, Clone, Default)]
pub(super) struct MeterLayer {
    usage: Option<Source>,
    prices: Option<Prices>,
    context_window: Option<u64>,
    compact: Option<String>,
    compact_at: Option<u32>,
}

impl MeterLayer {
    pub fn read(view: &TableView) -> Result<MeterLayer, ConfigError> {
        let mut layer = MeterLayer::default();
        if let Some(node) = view.get("usage") {
            let word = node.string()?;
            let known: Vec<&str> = Source::ALL.iter().map(|(n, _)| *n).collect();
            layer.usage = Some(Source::parse(&word).ok_or_else(|| {
                node.error(ConfigErrorKind::Invalid {
                    value: word.clone(),
                    reason: format!("one of {}", known.join(", ")),
                })
            })?);
        }
        if let Some(node) = view.get("prices") {
            let table = node.table()?;
            table.check_keys(PRICE_KEYS)?;
            let price = |key: &str| -> Result<Option<u64>, ConfigError> {
                table.get(key).map(|n| micros(&n, MAX_PRICE)).transpose()
            };
            let (Some(input), Some(output)) = (price("input")?, price("output")?) else {
                let what = "prices need `input` and `output` (dollars per million tokens)";
                return Err(node.error(ConfigErrorKind::Missing { what: what.into() }));
            };
            layer.prices = Some(Prices {
                input,
                output,
                // Unpriced cache reads and writes cost what input does.
                cached_input: price("cached_input")?.unwrap_or(input),
                cache_write: price("cache_write")?.unwrap_or(input),
            });
        }
        if let Some(node) = view.get("context_window") {
            layer.context_window = Some(node.u64_in(1_000, 100_000_000)?);
        }
        if let Some(node) = view.get("compact") {
            let text = node.string()?;
            if text.trim().is_empty() || text.contains(['\n', '\r']) {
                return Err(node.error(ConfigErrorKind::Invalid {
                    value: text,
                    reason: "one line typed to the agent, e.g. \"/compact\"".into(),
                }));
            }
            layer.compact = Some(text);
        }
        if let Some(node) = view.get("compact_at") {
            let share = number(&node)?;
            if !(0.1..=1.0).contains(&share) {
                return Err(node.error(ConfigErrorKind::Invalid {
                    value: share.to_string(),
                    reason: "a share of the context window between 0.1 and 1.0".into(),
                }));
            }
            layer.compact_at = Some((share * 1000.0).round() as u32);
        }
        Ok(layer)
    }

    /// `over` wins key by key.
    pub fn merge(self, over: MeterLayer) -> MeterLayer {
        MeterLayer {
            usage: over.usage.or(self.usage),
            prices: over.prices.or(self.prices),
            context_window: over.context_window.or(self.context_window),
            compact: over.compact.or(self.compact),
            compact_at: over.compact_at.or(self.compact_at),
        }
    }

    pub fn resolve(self) -> ProfileMeter {
        ProfileMeter {
            usage: self.usage,
            meter: Meter {
                prices: self.prices,
                context_window: self.context_window.unwrap_or(0),
                compact: self.compact,
                compact_at_permille: self
                    .compact_at
                    .unwrap_or((DEFAULT_COMPACT_AT * 1000.0) as u32),
            },
        }
    }
}

/// A TOML integer or float.
fn number(node: &Node) -> Result<f64, ConfigError> {
    let parsed = match node.value.get_ref() {
        DeValue::Integer(i) => i64::from_str_radix(i.as_str(), i.radix())
            .ok()
            .map(|n| n as f64),
        DeValue::Float(f) => f.as_str().replace('_', "").parse::<f64>().ok(),
        _ => return Err(node.wrong_type("a number")),
    };
    parsed
        .filter(|n| n.is_finite())
        .ok_or_else(|| node.wrong_type("a finite number"))
}

/// Dollars (0 ..= `max`) as millionths of a dollar.
pub(super) fn micros(node: &Node, max: f64) -> Result<u64, ConfigError> {
    let dollars = number(node)?;
    if !(0.0..=max).contains(&dollars) {
        return Err(node.error(ConfigErrorKind::Invalid {
            value: dollars.to_string(),
            reason: format!("dollars, from 0 to {max}"),
        }));
    }
    Ok((dollars * 1e6).round() as u64)
}
