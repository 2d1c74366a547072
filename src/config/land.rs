//! The landing keys: `land`, `into`, `land_verify` (and `keep_branches`, read with the layer).

use super::error::ConfigError;
use super::error::invalid;
use super::profile::Sourced;

/// Rejections before a reviewed task fails, unless `max_review_rounds` says.
pub(super) const DEFAULT_REVIEW_ROUNDS: u32 = 2;

/// `land`, `into` and `land_verify`, checked where they are written.
pub(super) fn resolve(
    mode_text: Sourced<String>,
    into: Option<Sourced<String>>,
    verify: Option<Sourced<String>>,
    remote: Sourced<String>,
    forge: Sourced<String>,
    base: &str,
) -> Result<super::Land, ConfigError> {
    use crate::core::model::LandMode;
    let mode = match LandMode::parse(&mode_text.value) {
        Some(m) => m,
        None => {
            return Err(invalid(
                &mode_text.at,
                &mode_text.value,
                "expected \"merge\", \"squash\", \"rebase\", \"pr\" or \"off\"",
            ));
        }
    };
    let into = match into {
        Some(v) if v.value.is_empty() => base.to_string(),
        Some(v) => {
            let bad = v.value.chars().any(|c| c.is_whitespace() || c.is_control())
                || v.value.starts_with('-');
            if bad {
                return Err(invalid(&v.at, &v.value, "a branch name, without spaces"));
            }
            v.value
        }
        None => base.to_string(),
    };
    let verify = match verify {
        Some(v) if v.value.trim().is_empty() => None,
        Some(v) => Some(v.value),
        None => None,
    };
    let bad_remote = remote.value.is_empty()
        || remote.value.starts_with('-')
        || remote
            .value
            .chars()
            .any(|c| c.is_whitespace() || c.is_control());
    if bad_remote {
        return Err(invalid(
            &remote.at,
            &remote.value,
            "a git remote's name, without spaces",
        ));
    }
    if forge.value != "gh" && forge.value != "glab" {
        return Err(invalid(
            &forge.at,
            &forge.value,
            "expected \"gh\" (GitHub) or \"glab\" (GitLab)",
        ));
    }
    Ok(super::Land {
        mode,
        into,
        verify,
        keep_branches: false,
        remote: remote.value,
        forge: forge.value,
        diff_tool: None,
        batch: 1,
        review: None,
        max_review_rounds: DEFAULT_REVIEW_ROUNDS,
    })
}

/// `review`: a profile that exists (empty: no review).
pub(super) fn review_profile<P>(
    review: Option<Sourced<String>>,
    profiles: &std::collections::BTreeMap<String, P>,
    mode: crate::core::model::LandMode,
) -> Result<Option<String>, ConfigError> {
    let Some(review) = review.filter(|r| !r.value.trim().is_empty()) else {
        return Ok(None);
    };
    // The review stands between a done task and its landing: with nothing landing it would
    // hold tasks for nothing.
    if !mode.is_on() {
        let why =
            "a review gate needs landing on (land = \"merge\", \"squash\", \"rebase\" or \"pr\")";
        return Err(invalid(&review.at, &review.value, why));
    }
    if profiles.contains_key(&review.value) {
        return Ok(Some(review.value));
    }
    let known = profiles.keys().cloned().collect::<Vec<_>>().join(", ");
    let kind = super::error::ConfigErrorKind::UnknownAgent {
        name: review.value,
        known,
    };
    Err(ConfigError::new(review.at, kind))
}
