//! The report of a run, its overall verdict and the exit code, and one
//! renderer per format.
//!
//! Renderers take a `&Report` and produce text; they decide nothing. The
//! overall status and the exit code are computed here, once.

mod checklist_report;
mod config_view;
mod drill;
mod drill_ci;
mod github;
mod json;
mod junit;
mod markdown;
mod nagios;
mod prometheus;
mod sarif;
mod table;
mod webhook_list;

pub use checklist_report::{
    ChecklistTotals, checklist_exit, checklist_schema, checklist_totals, render_checklist_json,
    render_checklist_markdown, render_checklist_table, stale_attestations_line,
};
pub use config_view::{config_schema, render_config_json, render_config_table};
pub use drill::{DRILL_FORMATS, drill_journal_schema, drill_schema, render_drill, render_drill_journal};
pub use json::{render as render_json, schema as json_report_schema};
pub use markdown::{SUMMARY_CAP, render as render_markdown};
pub use nagios::{NagiosState, could_not_start as nagios_could_not_start, state as nagios_state};
pub use table::{TableOptions, render as render_table, table_width, use_color};
pub use webhook_list::{
    list_exit, render_list_json, render_list_table, render_reactivation_json, render_reactivation_text,
    webhooks_list_schema, webhooks_reactivate_schema,
};

pub use crate::model::{Exit, Format, Report, Totals, exit_code};

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

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::checks::CheckId;
    use crate::model::{Outcome, Status};

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
