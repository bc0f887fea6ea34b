//! The closed registry of checks and the types every check speaks.
//!
//! Each check lives in its own module and exposes one pure function,
//! `evaluate(&Evidence, &CheckConfig) -> Outcome`: no I/O, no clock, no
//! printing. [`CheckId`] is matched exhaustively in [`evaluate`], so a new
//! check does not compile until it is wired. Words such as `PASS` appear only
//! in renderers; here statuses are typed and ordered.

#![deny(clippy::print_stdout, clippy::print_stderr)]

pub mod api_error;
pub mod auth;
pub mod latency;
pub mod platform;
pub mod rate_limit;
pub mod secrets;
pub mod token;
pub mod webhook_endpoint;
pub mod webhooks;
pub mod workspaces;

use std::time::Duration;

use crate::config::CheckConfig;
use crate::evidence::Evidence;

/// A check's stable identifier. The kebab-case strings are public API: users
/// type them in `--only`, `--skip` and dashboards read them from JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, clap::ValueEnum)]
pub enum CheckId {
    /// `GET /user` answers with the user the token belongs to.
    Auth,
    /// Headroom left in the token's per-minute request budget.
    RateLimit,
    /// Round-trip time of every API request, p50/p95/max per endpoint and overall.
    Latency,
    /// The workspaces (`/team`) the token can reach.
    Workspaces,
    /// ClickUp's own public status page.
    Platform,
    /// Health, security and expected registrations of the workspaces' webhooks.
    Webhooks,
    /// Test deliveries to the team's own receiver (opt-in via checks.toml).
    WebhookEndpoint,
    /// No ClickUp secret in the repository or its client bundles; .env ignored; a pre-commit guard.
    Secrets,
    /// Where the token comes from, and whose it is.
    Token,
}

impl CheckId {
    /// Every check, in the order the report lists them.
    pub const ALL: [CheckId; 9] = [
        CheckId::Auth,
        CheckId::RateLimit,
        CheckId::Latency,
        CheckId::Workspaces,
        CheckId::Platform,
        CheckId::Webhooks,
        CheckId::WebhookEndpoint,
        CheckId::Secrets,
        CheckId::Token,
    ];

    /// The stable kebab-case id.
    pub fn as_str(self) -> &'static str {
        match self {
            CheckId::Auth => "auth",
            CheckId::RateLimit => "rate-limit",
            CheckId::Latency => "latency",
            CheckId::Workspaces => "workspaces",
            CheckId::Platform => "platform",
            CheckId::Webhooks => "webhooks",
            CheckId::WebhookEndpoint => "webhook-endpoint",
            CheckId::Secrets => "secrets",
            CheckId::Token => "token",
        }
    }

    /// A short human title for tables and reports.
    pub fn title(self) -> &'static str {
        match self {
            CheckId::Auth => "API token authenticates",
            CheckId::RateLimit => "Rate-limit headroom",
            CheckId::Latency => "API latency",
            CheckId::Workspaces => "Workspaces reachable",
            CheckId::Platform => "ClickUp platform status",
            CheckId::Webhooks => "Webhook health",
            CheckId::WebhookEndpoint => "Webhook receiver behaviour",
            CheckId::Secrets => "Secret hygiene of the repository",
            CheckId::Token => "Token provenance and owner",
        }
    }

    /// How urgent a non-passing result is, from the checklist's alert table:
    /// auth failures and an unreachable API are P1, rate limiting and latency
    /// P2, webhook failures P3. A platform incident is ClickUp's, not the
    /// team's, so it is P2.
    pub fn severity(self) -> Severity {
        match self {
            CheckId::Auth | CheckId::Workspaces | CheckId::Secrets => Severity::P1,
            CheckId::RateLimit | CheckId::Latency | CheckId::Platform | CheckId::Token => Severity::P2,
            CheckId::Webhooks | CheckId::WebhookEndpoint => Severity::P3,
        }
    }

    /// Whether the check needs requests to the ClickUp API (and so a token).
    pub fn needs_api(self) -> bool {
        !matches!(self, CheckId::Platform | CheckId::WebhookEndpoint | CheckId::Secrets)
    }

    /// Whether `check` runs it when no `--only` names it. The opt-in checks
    /// run when their subject is named: `webhook-endpoint` sends deliveries
    /// to the team's own receiver (`[[webhooks.probe]]`), `secrets` reads a
    /// repository (`--repo`), `token` judges an owner or a token command
    /// (`service_account`, `token_command`). `checklist` runs them all.
    pub fn on_by_default(self, opt_ins: OptIns) -> bool {
        match self {
            CheckId::WebhookEndpoint => opt_ins.receivers,
            CheckId::Secrets => opt_ins.repo,
            CheckId::Token => opt_ins.token_policy,
            _ => true,
        }
    }
}

impl std::fmt::Display for CheckId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What switches the opt-in checks on; see [`CheckId::on_by_default`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct OptIns {
    /// `[[webhooks.probe]]` declared.
    pub receivers: bool,
    /// `--repo` given.
    pub repo: bool,
    /// `service_account` or `token_command` set.
    pub token_policy: bool,
}

/// A verdict, ordered from least to most serious so that the overall status
/// of a run is the maximum of its outcomes.
///
/// `Error` means "could not evaluate": evidence was missing or unparseable.
/// It is never turned into `Pass`. It ranks below `Fail` only because a
/// definite failure is the more useful headline when both are present; both
/// fail the run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Status {
    /// Not run (by policy or because it does not apply).
    Skip,
    /// Healthy.
    Pass,
    /// Works, but needs attention.
    Warn,
    /// Could not evaluate; the reason is in the summary.
    Error,
    /// Not ready for production.
    Fail,
}

impl Status {
    /// The lower-case word used in JSON and other machine formats.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Skip => "skip",
            Status::Pass => "pass",
            Status::Warn => "warn",
            Status::Error => "error",
            Status::Fail => "fail",
        }
    }

    /// Whether this status fails the run (exit code 1).
    pub fn is_failing(self) -> bool {
        matches!(self, Status::Fail | Status::Error)
    }
}

/// Alert priority, from the production checklist's alert table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Deserialize)]
pub enum Severity {
    /// Page someone: the integration is down.
    P1,
    /// Degraded: act within the day.
    P2,
    /// Attention needed.
    P3,
}

impl Severity {
    /// `P1`, `P2` or `P3`.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::P1 => "P1",
            Severity::P2 => "P2",
            Severity::P3 => "P3",
        }
    }
}

/// When a check's verdict fails the run: the gate policy, from `--fail-on`
/// and `checks.toml`, applied after evaluation and shown in every format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Deserialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum Gate {
    /// Never fails the run; the verdict is still reported.
    #[value(name = "never")]
    #[serde(rename = "never", alias = "report-only")]
    ReportOnly,
    /// FAIL and ERROR fail the run (the default).
    Fail,
    /// WARN, FAIL and ERROR fail the run.
    Warn,
}

impl Gate {
    /// Whether `status` fails the run under this gate.
    pub fn blocks(self, status: Status) -> bool {
        match self {
            Gate::ReportOnly => false,
            Gate::Fail => status.is_failing(),
            Gate::Warn => status.is_failing() || status == Status::Warn,
        }
    }

    /// `report-only`, `fail` or `warn`.
    pub fn as_str(self) -> &'static str {
        match self {
            Gate::ReportOnly => "report-only",
            Gate::Fail => "fail",
            Gate::Warn => "warn",
        }
    }
}

/// A named number with its unit, so that every format can chart it.
#[derive(Debug, Clone, PartialEq)]
pub struct Metric {
    /// Name including the unit suffix, e.g. `p95_ms`; stable public API.
    pub name: &'static str,
    /// The value.
    pub value: f64,
    /// One label, for per-item series such as a webhook's fail count.
    pub label: Option<(&'static str, String)>,
}

/// A place in the repository a finding points at, for SARIF and
/// annotations. Paths are relative to the repository root.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileLocation {
    /// Relative path, `/`-separated; the repository's text, sanitized.
    pub path: crate::text::OutsideText,
    /// 1-based line.
    pub line: u32,
    /// What is wrong there; never the secret itself.
    pub message: String,
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
    pub summary: String,
    /// Further lines of evidence, each a complete sentence or fact.
    pub details: Vec<String>,
    /// Numbers behind the verdict.
    pub metrics: Vec<Metric>,
    /// What to do about a non-passing verdict.
    pub hint: Option<String>,
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
    pub fn new(id: CheckId, status: Status, summary: impl Into<String>) -> Self {
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

    /// Whether this outcome fails the run under its gate.
    pub fn blocks(&self) -> bool {
        self.gate.blocks(self.status)
    }

    /// Adds a remediation hint.
    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    /// Adds a line of evidence.
    pub fn detail(mut self, line: impl Into<String>) -> Self {
        self.details.push(line.into());
        self
    }

    /// Adds a metric.
    pub fn metric(mut self, name: &'static str, value: f64) -> Self {
        self.metrics.push(Metric { name, value, label: None });
        self
    }

    /// Adds a metric for one labelled item (e.g. one webhook).
    pub fn labelled_metric(mut self, name: &'static str, label: (&'static str, String), value: f64) -> Self {
        self.metrics.push(Metric { name, value, label: Some(label) });
        self
    }

    /// Sets how long gathering took.
    pub fn took(mut self, duration: Duration) -> Self {
        self.duration = duration;
        self
    }
}

/// Runs one check's pure evaluation. Exhaustive on purpose.
pub fn evaluate(id: CheckId, evidence: &Evidence, cfg: &CheckConfig) -> Outcome {
    match id {
        CheckId::Auth => auth::evaluate(evidence, cfg),
        CheckId::RateLimit => rate_limit::evaluate(evidence, cfg),
        CheckId::Latency => latency::evaluate(evidence, cfg),
        CheckId::Workspaces => workspaces::evaluate(evidence, cfg),
        CheckId::Platform => platform::evaluate(evidence, cfg),
        CheckId::Webhooks => webhooks::evaluate(evidence, cfg),
        CheckId::WebhookEndpoint => webhook_endpoint::evaluate(evidence, cfg),
        CheckId::Secrets => secrets::evaluate(evidence, cfg),
        CheckId::Token => token::evaluate(evidence, cfg),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_order_by_seriousness() {
        assert!(Status::Skip < Status::Pass);
        assert!(Status::Pass < Status::Warn);
        assert!(Status::Warn < Status::Error);
        assert!(Status::Error < Status::Fail);
        assert!(Status::Fail.is_failing() && Status::Error.is_failing());
        assert!(!Status::Warn.is_failing());
    }

    #[test]
    fn gates_decide_which_statuses_fail_the_run() {
        for status in [Status::Skip, Status::Pass, Status::Warn, Status::Error, Status::Fail] {
            assert!(!Gate::ReportOnly.blocks(status));
        }
        assert!(
            !Gate::Fail.blocks(Status::Warn) && Gate::Fail.blocks(Status::Error) && Gate::Fail.blocks(Status::Fail)
        );
        assert!(
            Gate::Warn.blocks(Status::Warn) && !Gate::Warn.blocks(Status::Pass) && !Gate::Warn.blocks(Status::Skip)
        );
    }

    #[test]
    fn ids_are_kebab_case_and_match_clap_names() {
        use clap::ValueEnum;
        for id in CheckId::ALL {
            let clap_name = id.to_possible_value().map(|v| v.get_name().to_owned());
            assert_eq!(clap_name.as_deref(), Some(id.as_str()));
        }
    }
}
