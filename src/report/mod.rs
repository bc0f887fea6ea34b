//! The report of a run, its overall verdict and the exit code, and one
//! renderer per format.
//!
//! Renderers take a `&Report` and produce text; they decide nothing. The
//! overall status and the exit code are computed here, once.

mod checklist;
mod github;
mod json;
mod junit;
mod markdown;
mod nagios;
mod prometheus;
mod sarif;
mod table;
mod webhooks;

use std::process::ExitCode;
use std::time::Duration;

pub use checklist::{
    ChecklistTotals, checklist_exit, checklist_totals, render_checklist_json, render_checklist_markdown,
    render_checklist_table, stale_attestations_line,
};
pub use json::render as render_json;
pub use markdown::{SUMMARY_CAP, render as render_markdown};
pub use nagios::{NagiosState, could_not_start as nagios_could_not_start, state as nagios_state};
pub use table::{TableOptions, render as render_table, table_width, use_color};
pub use webhooks::{
    list_exit, render_list_json, render_list_table, render_reactivation_json, render_reactivation_text,
};

use crate::checks::{Outcome, Status};
pub use crate::model::Format;

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

/// Renders `report` in `format`. The table uses `table`; other formats are
/// the same whatever the terminal. Only `github` may print workflow
/// commands; no line of any other format can start one.
pub fn render(report: &Report, format: Format, table: TableOptions) -> String {
    let text = match format {
        Format::Table => table::render(report, table),
        Format::Json => json::render(report),
        Format::Junit => junit::render(report),
        Format::Github => return github::render(report),
        Format::Markdown => markdown::render(report),
        Format::Sarif => sarif::render(report),
        Format::Nagios => nagios::render(report),
        Format::Prometheus => prometheus::render(report),
    };
    crate::text::no_workflow_commands(text)
}

/// The process exit code for a report printed on stdout in `format`: the
/// monitoring-plugin convention (0/1/2/3) for `nagios`, the documented
/// 0/1 otherwise.
pub fn exit_code(report: &Report, format: Format) -> u8 {
    match format {
        Format::Nagios => nagios::state(report).code(),
        _ => report.exit().code(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::CheckId;

    pub(crate) fn report(statuses: &[Status]) -> Report {
        Report {
            outcomes: statuses
                .iter()
                .zip(CheckId::ALL)
                .map(|(s, id)| Outcome::new(id, *s, format!("{} summary", id.as_str())))
                .collect(),
            api_requests: 4,
            status_requests: 1,
            duration: Duration::from_millis(420),
            sandbox: None,
            finished_at_unix: 1_795_000_000,
        }
    }

    #[test]
    fn exit_code_follows_the_worst_outcome() {
        assert_eq!(report(&[Status::Pass, Status::Pass]).exit(), Exit::Ok);
        assert_eq!(report(&[Status::Pass, Status::Warn, Status::Skip]).exit(), Exit::Ok);
        assert_eq!(report(&[Status::Pass, Status::Error]).exit(), Exit::ChecksFailed);
        assert_eq!(report(&[Status::Fail, Status::Warn]).exit(), Exit::ChecksFailed);
        let mut r = report(&[Status::Fail, Status::Warn]);
        r.outcomes[0].gate = crate::checks::Gate::ReportOnly;
        assert_eq!(r.exit(), Exit::Ok, "a report-only FAIL does not fail the run");
        r.outcomes[1].gate = crate::checks::Gate::Warn;
        assert_eq!(r.exit(), Exit::ChecksFailed, "a fatal warning does");
        assert_eq!(Exit::CouldNotStart.code(), 2);
    }

    #[test]
    fn no_format_but_github_can_start_a_workflow_command() {
        let mut r = report(&[Status::Fail, Status::Warn]);
        r.outcomes[0].summary = "\n::stop-commands::x\n  ::error title=t::forged".into();
        r.outcomes[0].details = vec!["::warning::d".into(), "a\r\n::error::e".into()];
        r.outcomes[0].hint = Some("\n::notice::h".into());
        let table = TableOptions { color: false, quiet: false, width: 100 };
        for format in [Format::Table, Format::Json, Format::Junit, Format::Markdown, Format::Sarif, Format::Nagios] {
            let text = render(&r, format, table);
            assert!(!text.lines().any(|l| l.trim_start().starts_with("::")), "{format:?}:\n{text}");
        }
        let github = render(&r, Format::Github, table);
        let commands: Vec<&str> = github.lines().filter(|l| l.trim_start().starts_with("::")).collect();
        assert_eq!(commands.len(), 2, "{github}");
        assert!(commands.iter().all(|l| l.starts_with("::error title=") || l.starts_with("::warning title=")));
    }

    #[test]
    fn overall_status_is_the_worst() {
        assert_eq!(report(&[Status::Pass, Status::Warn]).status(), Status::Warn);
        assert_eq!(report(&[Status::Error, Status::Fail]).status(), Status::Fail);
        assert_eq!(report(&[]).status(), Status::Skip);
        let t = report(&[Status::Pass, Status::Warn, Status::Fail, Status::Error, Status::Skip]).totals();
        assert_eq!(t, Totals { pass: 1, warn: 1, fail: 1, error: 1, skip: 1 });
    }
}
