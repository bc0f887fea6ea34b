//! `[checks.<id>]` in `checks.toml` and `--fail-on`: which verdicts fail
//! the run, and the severity each check reports. Applied to outcomes after
//! evaluation; every format shows the result, so nobody is surprised by a
//! gate.

use std::collections::BTreeMap;

use super::{ConfigError, LoadedFile};
use crate::model::Named;
use crate::model::{CheckId, Gate, Severity};

/// One check's overrides.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CheckPolicy {
    /// What of this check fails the run, when not the run's `--fail-on`.
    pub gate: Option<Gate>,
    /// The severity to report instead of the check's own.
    pub severity: Option<Severity>,
}

/// Validates `[checks.<id>]` tables: every key must be a check id.
pub(super) fn policies(file: &LoadedFile) -> Result<BTreeMap<CheckId, CheckPolicy>, ConfigError> {
    let mut out = BTreeMap::new();
    for (key, entry) in file.config.checks.iter().flatten() {
        let Some(id) = CheckId::from_name(key) else {
            let ids: Vec<&str> = CheckId::ALL.iter().map(|c| c.as_str()).collect();
            let shown = crate::redact::scrub_token_like(key);
            let message = format!("`{shown}` is not a check id; expected one of {}", ids.join(", "));
            return Err(file.invalid_table(&format!("checks.{key}"), message));
        };
        out.insert(id, CheckPolicy { gate: entry.gate, severity: entry.severity });
    }
    Ok(out)
}
