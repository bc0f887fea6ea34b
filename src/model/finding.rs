//! Findings: what a check found, each under a stable code, so that a user can
//! accept one known finding (`allow` in `checks.toml`) without silencing the
//! whole check, and so that SARIF and dashboards can key on the kind of
//! problem rather than on its prose.

use super::{FileLocation, Message, OutsideText, Status};

/// A finding's stable kebab-case code, e.g. `webhook-suspended`. Codes are
/// public API: users write them in `allow`, SARIF uses them as rule ids.
/// Each check declares the codes it can report in one const list
/// (`checks::<check>::CODES`).
pub type FindingCode = &'static str;

/// One thing a check found that drives its verdict.
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    /// The kind of finding; stable public API.
    pub code: FindingCode,
    /// What this finding alone makes of the check.
    pub status: Status,
    /// What was found, in one line.
    pub message: Message,
    /// The place in the repository it points at, for file findings.
    pub location: Option<FileLocation>,
    /// Why the user accepted it (`allow` in `checks.toml`), when they did;
    /// an allowed finding is still shown but no longer drives the verdict.
    pub allowed: Option<OutsideText>,
}

impl Finding {
    /// A finding not (yet) allowed, without a location.
    pub fn new(code: FindingCode, status: Status, message: impl Into<Message>) -> Self {
        Finding { code, status, message: message.into(), location: None, allowed: None }
    }

    /// Points the finding at a place in the repository.
    pub fn at(mut self, location: FileLocation) -> Self {
        self.location = Some(location);
        self
    }
}

/// Whether `code` has the documented shape: lower-case ASCII words joined by
/// single hyphens.
pub fn is_kebab_case(code: &str) -> bool {
    !code.is_empty()
        && code.split('-').all(|w| !w.is_empty() && w.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kebab_case_is_lower_words_and_single_hyphens() {
        assert!(is_kebab_case("webhook-suspended") && is_kebab_case("api-unreachable") && is_kebab_case("p95-high"));
        for bad in ["", "Webhook", "a--b", "-a", "a-", "a_b", "a b"] {
            assert!(!is_kebab_case(bad), "{bad}");
        }
    }
}
