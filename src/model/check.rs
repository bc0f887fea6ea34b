//! The verdict vocabulary every layer shares: which checks exist, how bad a
//! verdict is, how urgent, and when it fails the run.
//!
//! Plain data with no behaviour beyond ordering and naming; it knows no
//! command line, no file and no network.

use super::Named;

/// A check's stable identifier. The kebab-case strings are public API: users
/// type them in `--only`, `--skip` and dashboards read them from JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
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

impl Named for CheckId {
    const VARIANTS: &'static [Self] = &CheckId::ALL;

    fn name(self) -> &'static str {
        self.as_str()
    }

    fn about(self) -> &'static str {
        match self {
            CheckId::Auth => "`GET /user` answers with the user the token belongs to",
            CheckId::RateLimit => "Headroom left in the token's per-minute request budget",
            CheckId::Latency => "Round-trip time of every API request, p50/p95/max per endpoint and overall",
            CheckId::Workspaces => "The workspaces (`/team`) the token can reach",
            CheckId::Platform => "ClickUp's own public status page",
            CheckId::Webhooks => "Health, security and expected registrations of the workspaces' webhooks",
            CheckId::WebhookEndpoint => "Test deliveries to the team's own receiver (opt-in via checks.toml)",
            CheckId::Secrets => {
                "No ClickUp secret in the repository or its client bundles; .env ignored; a pre-commit guard"
            }
            CheckId::Token => "Where the token comes from, and whose it is",
        }
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
    /// Every status, least serious first.
    pub const ALL: [Status; 5] = [Status::Skip, Status::Pass, Status::Warn, Status::Error, Status::Fail];

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
    /// Every severity, most urgent first.
    pub const ALL: [Severity; 3] = [Severity::P1, Severity::P2, Severity::P3];

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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Gate {
    /// Never fails the run; the verdict is still reported.
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

/// `--fail-on` spells `report-only` as `never`.
impl Named for Gate {
    const VARIANTS: &'static [Self] = &[Gate::ReportOnly, Gate::Fail, Gate::Warn];

    fn name(self) -> &'static str {
        match self {
            Gate::ReportOnly => "never",
            Gate::Fail => "fail",
            Gate::Warn => "warn",
        }
    }

    fn about(self) -> &'static str {
        match self {
            Gate::ReportOnly => "Never fails the run; the verdict is still reported",
            Gate::Fail => "FAIL and ERROR fail the run (the default)",
            Gate::Warn => "WARN, FAIL and ERROR fail the run",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for id in CheckId::ALL {
            assert_eq!(CheckId::from_name(id.as_str()), Some(id));
            assert!(!id.about().is_empty());
        }
        assert_eq!(Gate::from_name("never"), Some(Gate::ReportOnly));
        assert_eq!(CheckId::from_name("Auth"), None);
    }

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
}
