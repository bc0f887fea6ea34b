//! `[checks.<id>]` in `checks.toml` and `--fail-on`: which verdicts fail
//! the run, and the severity each check reports. Applied to outcomes after
//! evaluation; every format shows the result, so nobody is surprised by a
//! gate.

use std::collections::BTreeMap;

use super::{ConfigError, LoadedFile, Located};
use crate::model::Named;
use crate::model::{CheckId, Gate, OutsideText, Severity};

/// One check's overrides.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CheckPolicy {
    /// What of this check fails the run, when not the run's `--fail-on`.
    pub gate: Option<Gate>,
    /// The severity to report instead of the check's own.
    pub severity: Option<Severity>,
}

/// One accepted finding from `[checks.<id>] allow`: the code as written,
/// the reason (sanitized: the file is outside text), and where the code is
/// written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Allowance {
    /// The finding code, one the check reports (`checks::refuse_allow`).
    pub code: String,
    /// Why it is accepted; shown next to the finding in every format.
    pub reason: OutsideText,
    /// Where `code` is written.
    pub at: Located,
}

/// Reads `allow` of every `[checks.<id>]`: each entry needs a non-empty
/// reason and a code the check reports (not a typo, not another check's
/// code, not one that only means missing evidence): an allow that matched
/// nothing would silently accept nothing.
pub(super) fn allows(file: &LoadedFile) -> Result<BTreeMap<CheckId, Vec<Allowance>>, ConfigError> {
    let sanitizer = crate::text::Sanitizer::shapes_only();
    let mut out = BTreeMap::new();
    for (key, entry) in file.config.checks.iter().flatten() {
        let (Some(id), Some(entries)) = (CheckId::from_name(key), &entry.allow) else { continue };
        let mut list = Vec::new();
        for (i, e) in entries.iter().enumerate() {
            let name = format!("checks.{key}.allow[{i}]");
            if e.reason.get_ref().trim().is_empty() {
                let at = file.located_span(e.reason.span(), format!("{name}.reason"));
                return Err(at.error("a reason is required: say why this finding is accepted"));
            }
            let at = file.located_span(e.code.span(), format!("{name}.code"));
            if let Some(why) = crate::checks::refuse_allow(id, e.code.get_ref()) {
                return Err(at.error(crate::redact::scrub_token_like(&why)));
            }
            let reason = sanitizer.line(e.reason.get_ref().trim(), crate::text::MESSAGE);
            list.push(Allowance { code: e.code.get_ref().clone(), reason, at });
        }
        out.insert(id, list);
    }
    Ok(out)
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
