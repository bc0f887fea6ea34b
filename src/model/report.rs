//! A run's report, its overall verdict and the one function that turns it
//! into the process's exit code.

use std::process::ExitCode;
use std::time::Duration;

use super::{Format, Gate, Outcome, Status};

/// Everything a run found.
#[derive(Debug, Clone)]
pub struct Report {
    /// One outcome per selected check, in report order.
    pub outcomes: Vec<Outcome>,
    /// Requests sent to the ClickUp API.
    pub api_requests: u64,
    /// Requests sent to the status page.
    pub status_requests: u64,
    /// Wall time of the run.
    pub duration: Duration,
    /// The sandbox scenario, when the run was against the built-in fake.
    pub sandbox: Option<&'static str>,
    /// Unix seconds when the run finished, for timestamps in reports.
    pub finished_at_unix: u64,
}

/// Counts of outcomes by status.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Totals {
    /// PASS outcomes.
    pub pass: usize,
    /// WARN outcomes.
    pub warn: usize,
    /// FAIL outcomes.
    pub fail: usize,
    /// ERROR outcomes.
    pub error: usize,
    /// SKIP outcomes.
    pub skip: usize,
}

/// The process exit codes: the public contract documented in the README.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// 0: no check failed (warnings allowed).
    Ok,
    /// 1: at least one check is FAIL or ERROR.
    ChecksFailed,
    /// 2: the run could not start (usage, config, no token).
    CouldNotStart,
    /// 4: `webhooks reactivate`: every workspace was listed and none has
    /// the webhook (a typo, or it was deleted), so nothing was sent.
    WebhookNotFound,
    /// 5: `webhooks reactivate`: the person at the terminal answered no.
    Declined,
}

impl Exit {
    /// The numeric code.
    pub fn code(self) -> u8 {
        match self {
            Exit::Ok => 0,
            Exit::ChecksFailed => 1,
            Exit::CouldNotStart => 2,
            // 3 is Nagios's UNKNOWN: not reused, so that no code means two things.
            Exit::WebhookNotFound => 4,
            Exit::Declined => 5,
        }
    }
}

impl From<Exit> for ExitCode {
    fn from(exit: Exit) -> Self {
        ExitCode::from(exit.code())
    }
}

impl Report {
    /// The worst status of all outcomes; `Skip` when there are none.
    pub fn status(&self) -> Status {
        self.outcomes.iter().map(|o| o.status).max().unwrap_or(Status::Skip)
    }

    /// How many outcomes have each status.
    pub fn totals(&self) -> Totals {
        let mut t = Totals::default();
        for o in &self.outcomes {
            match o.status {
                Status::Pass => t.pass += 1,
                Status::Warn => t.warn += 1,
                Status::Fail => t.fail += 1,
                Status::Error => t.error += 1,
                Status::Skip => t.skip += 1,
            }
        }
        t
    }

    /// The exit code: the one place that decides it. Each outcome fails the
    /// run according to its gate (`--fail-on`, `checks.toml`).
    pub fn exit(&self) -> Exit {
        if self.outcomes.iter().any(Outcome::blocks) { Exit::ChecksFailed } else { Exit::Ok }
    }
}

/// A plugin state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum NagiosState {
    /// 0.
    Ok,
    /// 1.
    Warning,
    /// 3 (ranks below CRITICAL when combining).
    Unknown,
    /// 2.
    Critical,
}

impl NagiosState {
    /// The plugin exit code.
    pub fn code(self) -> u8 {
        match self {
            NagiosState::Ok => 0,
            NagiosState::Warning => 1,
            NagiosState::Critical => 2,
            NagiosState::Unknown => 3,
        }
    }

    /// `OK`, `WARNING`, `CRITICAL`, `UNKNOWN`.
    pub fn as_str(self) -> &'static str {
        match self {
            NagiosState::Ok => "OK",
            NagiosState::Warning => "WARNING",
            NagiosState::Critical => "CRITICAL",
            NagiosState::Unknown => "UNKNOWN",
        }
    }
}

impl NagiosState {
    /// The state one verdict maps to: FAIL is CRITICAL, ERROR UNKNOWN.
    pub fn of(status: Status) -> NagiosState {
        match status {
            Status::Pass | Status::Skip => NagiosState::Ok,
            Status::Warn => NagiosState::Warning,
            Status::Error => NagiosState::Unknown,
            Status::Fail => NagiosState::Critical,
        }
    }
}

/// The plugin state of a report: the worst of its gating checks.
pub fn nagios_state(report: &Report) -> NagiosState {
    report
        .outcomes
        .iter()
        .filter(|o| o.gate != Gate::ReportOnly)
        .map(|o| NagiosState::of(o.status))
        .max()
        .unwrap_or(NagiosState::Ok)
}

/// The process exit code for a report printed on stdout in `format`: the
/// monitoring-plugin convention (0/1/2/3) for `nagios`, the documented
/// 0/1 otherwise.
pub fn exit_code(report: &Report, format: Format) -> u8 {
    match format {
        Format::Nagios => nagios_state(report).code(),
        _ => report.exit().code(),
    }
}
