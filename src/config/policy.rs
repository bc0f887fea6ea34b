//! `[checks.<id>]` in `checks.toml` and `--fail-on`: which verdicts fail
//! the run, and the severity each check reports. Applied to outcomes after
//! evaluation; every format shows the result, so nobody is surprised by a
//! gate.

use std::collections::BTreeMap;

use super::{ConfigError, LoadedFile};
use crate::checks::{CheckId, Gate, Outcome, Severity};
use crate::model::Named;

/// One check's overrides.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Policy {
    /// What of this check fails the run, when not the run's `--fail-on`.
    pub gate: Option<Gate>,
    /// The severity to report instead of the check's own.
    pub severity: Option<Severity>,
}

/// Validates `[checks.<id>]` tables: every key must be a check id.
pub fn policies(file: &LoadedFile) -> Result<BTreeMap<CheckId, Policy>, ConfigError> {
    let mut out = BTreeMap::new();
    for (key, entry) in file.config.checks.iter().flatten() {
        let Some(id) = CheckId::from_name(key) else {
            let ids: Vec<&str> = CheckId::ALL.iter().map(|c| c.as_str()).collect();
            let shown = crate::redact::scrub_token_like(key);
            let message = format!("`{shown}` is not a check id; expected one of {}", ids.join(", "));
            return Err(file.invalid_table(&format!("checks.{key}"), message));
        };
        out.insert(id, Policy { gate: entry.gate, severity: entry.severity });
    }
    Ok(out)
}

/// Sets an outcome's severity and gate: `--fail-on never` makes every check
/// report-only; otherwise the check's own `gate` wins over `--fail-on`.
pub fn apply(outcome: &mut Outcome, policy: Option<&Policy>, fail_on: Gate) {
    if let Some(severity) = policy.and_then(|p| p.severity) {
        outcome.severity = severity;
    }
    outcome.gate = match fail_on {
        Gate::ReportOnly => Gate::ReportOnly,
        _ => policy.and_then(|p| p.gate).unwrap_or(fail_on),
    };
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::Status;

    #[test]
    fn per_check_gates_beat_fail_on_except_never() {
        let warn_fatal = Policy { gate: Some(Gate::Warn), severity: Some(Severity::P1) };
        let mut o = Outcome::new(CheckId::Platform, Status::Warn, "x");
        apply(&mut o, Some(&warn_fatal), Gate::Fail);
        assert_eq!((o.gate, o.severity), (Gate::Warn, Severity::P1));
        assert!(o.blocks());
        apply(&mut o, Some(&warn_fatal), Gate::ReportOnly);
        assert_eq!(o.gate, Gate::ReportOnly, "--fail-on never is report-only mode for every check");
        let mut o = Outcome::new(CheckId::Auth, Status::Fail, "x");
        apply(&mut o, None, Gate::Warn);
        assert_eq!((o.gate, o.severity), (Gate::Warn, Severity::P1));
    }
}
