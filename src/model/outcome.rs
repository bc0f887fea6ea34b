//! What one check concluded: the verdict with its evidence, numbers and
//! hint, as every renderer reads it.

use std::time::Duration;

use super::{Bounds, CheckId, Gate, Message, Metric, MetricKey, OutsideText, Severity, Status};

/// A place in the repository a finding points at, for SARIF and
/// annotations. Paths are relative to the repository root.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileLocation {
    /// Relative path, `/`-separated; the repository's text, sanitized.
    pub path: OutsideText,
    /// 1-based line.
    pub line: u32,
    /// What is wrong there; never the secret itself.
    pub message: Message,
}

/// What one check concluded, with enough evidence that every renderer can
/// explain the verdict without re-running anything.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    /// Which check.
    pub id: CheckId,
    /// The verdict.
    pub status: Status,
    /// One line: what was seen, against what was required.
    pub summary: Message,
    /// Further lines of evidence, each a complete sentence or fact.
    pub details: Vec<Message>,
    /// Numbers behind the verdict.
    pub metrics: Vec<Metric>,
    /// What to do about a non-passing verdict.
    pub hint: Option<Message>,
    /// How long gathering this check's evidence took.
    pub duration: Duration,
    /// Alert priority; the check's own unless `checks.toml` overrides it.
    pub severity: Severity,
    /// Whether and when this verdict fails the run.
    pub gate: Gate,
    /// Places in the repository the verdict points at.
    pub locations: Vec<FileLocation>,
}

impl Outcome {
    /// A bare outcome; builders below add the rest.
    pub fn new(id: CheckId, status: Status, summary: impl Into<Message>) -> Self {
        Outcome {
            id,
            status,
            summary: summary.into(),
            details: Vec::new(),
            metrics: Vec::new(),
            hint: None,
            duration: Duration::ZERO,
            severity: id.severity(),
            gate: Gate::Fail,
            locations: Vec::new(),
        }
    }

    /// Applies the run's policy for this check: its severity from
    /// `checks.toml` if set; `--fail-on never` makes every check
    /// report-only; otherwise the check's own `gate` wins over `--fail-on`.
    pub fn apply_policy(&mut self, gate: Option<Gate>, severity: Option<Severity>, fail_on: Gate) {
        if let Some(severity) = severity {
            self.severity = severity;
        }
        self.gate = match fail_on {
            Gate::ReportOnly => Gate::ReportOnly,
            _ => gate.unwrap_or(fail_on),
        };
    }

    /// Whether this outcome fails the run under its gate.
    pub fn blocks(&self) -> bool {
        self.gate.blocks(self.status)
    }

    /// Adds a remediation hint.
    pub fn hint(mut self, hint: impl Into<Message>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    /// Adds a line of evidence.
    pub fn detail(mut self, line: impl Into<Message>) -> Self {
        self.details.push(line.into());
        self
    }

    /// Adds a metric.
    pub fn metric(mut self, key: MetricKey, value: f64) -> Self {
        self.metrics.push(Metric::new(key, value));
        self
    }

    /// Adds a metric with the thresholds the check judged it against, so
    /// that monitors draw the same lines the verdict used.
    pub fn bounded_metric(mut self, key: MetricKey, value: f64, bounds: Bounds) -> Self {
        self.metrics.push(Metric { bounds: Some(bounds), ..Metric::new(key, value) });
        self
    }

    /// Adds a metric about one item (an endpoint, a webhook id); the label's
    /// name comes from the key.
    pub fn labelled_metric(mut self, key: MetricKey, item: impl Into<String>, value: f64) -> Self {
        self.metrics.push(Metric { label: Some(item.into()), ..Metric::new(key, value) });
        self
    }

    /// Sets how long gathering took.
    pub fn took(mut self, duration: Duration) -> Self {
        self.duration = duration;
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn per_check_gates_beat_fail_on_except_never() {
        let mut o = Outcome::new(CheckId::Platform, Status::Warn, "x");
        o.apply_policy(Some(Gate::Warn), Some(Severity::P1), Gate::Fail);
        assert_eq!((o.gate, o.severity), (Gate::Warn, Severity::P1));
        assert!(o.blocks());
        o.apply_policy(Some(Gate::Warn), Some(Severity::P1), Gate::ReportOnly);
        assert_eq!(o.gate, Gate::ReportOnly, "--fail-on never is report-only mode for every check");
        let mut o = Outcome::new(CheckId::Auth, Status::Fail, "x");
        o.apply_policy(None, None, Gate::Warn);
        assert_eq!((o.gate, o.severity), (Gate::Warn, Severity::P1));
    }
}
