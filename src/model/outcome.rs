//! What one check concluded: the verdict with its evidence, numbers and
//! hint, as every renderer reads it.

use std::time::Duration;

use super::{Bounds, CheckId, Finding, FindingCode, Gate, Message, Metric, MetricKey, OutsideText, Severity, Status};

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
    /// What drives a non-passing verdict, each under a stable code. Every
    /// WARN, ERROR and FAIL carries at least one finding of its own status
    /// (`checks::evaluate` asserts it); PASS and SKIP may carry none.
    pub findings: Vec<Finding>,
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
            findings: Vec::new(),
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

    /// Adds a finding.
    pub fn finding(mut self, code: FindingCode, status: Status, message: impl Into<Message>) -> Self {
        self.findings.push(Finding::new(code, status, message));
        self
    }

    /// Records the verdict itself as one finding under `code`: the outcome's
    /// own status and summary, for checks that conclude one thing.
    pub fn found(self, code: FindingCode) -> Self {
        let (status, summary) = (self.status, self.summary.clone());
        self.finding(code, status, summary)
    }

    /// Accepts the findings whose code `allowed` names, with its reason, and
    /// recomputes the verdict from the rest: the worst remaining finding,
    /// or PASS when none remains. ERROR findings (evidence missing or
    /// unreadable) are never accepted, so an allow cannot turn "could not
    /// tell" into PASS; each acceptance is shown as a detail line.
    pub fn allow(&mut self, allowed: impl Fn(FindingCode) -> Option<OutsideText>) {
        let mut accepted: Vec<FindingCode> = Vec::new();
        for finding in &mut self.findings {
            let reason = match allowed(finding.code) {
                Some(reason) if finding.status != Status::Error => reason,
                _ => continue,
            };
            self.details.push(crate::message!("allowed: {} ({})", finding.code, &reason));
            finding.allowed = Some(reason);
            if !accepted.contains(&finding.code) {
                accepted.push(finding.code);
            }
        }
        if accepted.is_empty() || !matches!(self.status, Status::Warn | Status::Error | Status::Fail) {
            return;
        }
        let remaining = self.findings.iter().filter(|f| f.allowed.is_none()).map(|f| f.status).max();
        let status = remaining.unwrap_or(Status::Pass);
        if status != self.status {
            // Every format shows the summary; it says why the verdict moved.
            self.summary = crate::message!("{} (allowed: {})", self.summary, Message::join(accepted, ", "));
            self.status = status;
        }
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

    fn reason(code: FindingCode, allowed: &'static str) -> impl Fn(FindingCode) -> Option<OutsideText> {
        move |c| (c == allowed).then(|| OutsideText::from(format!("accepted {code}")))
    }

    #[test]
    fn allowing_the_only_finding_passes_and_says_so() {
        let mut o = Outcome::new(CheckId::Webhooks, Status::Fail, "hook suspended").found("webhook-suspended");
        o.allow(reason("webhook-suspended", "webhook-suspended"));
        assert_eq!(o.status, Status::Pass);
        assert_eq!(o.summary, "hook suspended (allowed: webhook-suspended)");
        assert_eq!(o.details, vec![Message::from("allowed: webhook-suspended (accepted webhook-suspended)")]);
        assert_eq!(o.findings[0].allowed.as_deref(), Some("accepted webhook-suspended"));
    }

    #[test]
    fn the_verdict_is_the_worst_finding_left() {
        let base = Outcome::new(CheckId::Webhooks, Status::Fail, "x")
            .finding("webhook-suspended", Status::Fail, "a")
            .finding("webhook-failing", Status::Warn, "b");
        let mut o = base.clone();
        o.allow(reason("x", "webhook-suspended"));
        assert_eq!(o.status, Status::Warn);
        let mut o = base.clone();
        o.allow(reason("x", "webhook-failing"));
        assert_eq!((o.status, o.summary.as_str()), (Status::Fail, "x"), "an allow that does not move the verdict");
        assert!(o.findings[1].allowed.is_some());
        let mut o = base;
        o.allow(|_| None);
        assert_eq!(o.status, Status::Fail);
        assert!(o.details.is_empty() && o.findings.iter().all(|f| f.allowed.is_none()));
    }

    #[test]
    fn an_error_is_never_allowed_into_a_pass() {
        let mut o = Outcome::new(CheckId::Auth, Status::Error, "no exchange").found("evidence-missing");
        o.allow(reason("x", "evidence-missing"));
        assert_eq!(o.status, Status::Error);
        assert!(o.findings[0].allowed.is_none() && o.details.is_empty());
        let mut o = Outcome::new(CheckId::Webhooks, Status::Fail, "x")
            .finding("webhook-suspended", Status::Fail, "a")
            .finding("webhook-health-unknown", Status::Error, "b");
        o.allow(|_| Some(OutsideText::from("everything")));
        assert_eq!(o.status, Status::Error, "the unreadable part still decides");
    }

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
