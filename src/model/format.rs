//! The output formats: what a report can be rendered as.

use super::Named;

/// An output format of `check` (and, for some, of the other commands).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum Format {
    /// A table for people, with hints below it.
    #[default]
    Table,
    /// Stable JSON (schema_version 1) for machines.
    Json,
    /// JUnit XML, one testcase per check, for CI test reports.
    Junit,
    /// GitHub Actions annotations and a job summary.
    Github,
    /// A Markdown summary, for PR comments.
    Markdown,
    /// SARIF 2.1.0 with the findings that point into the repository.
    Sarif,
    /// A monitoring-plugins status line with perfdata.
    Nagios,
    /// Prometheus text format for node_exporter's textfile collector.
    Prometheus,
}

impl Named for Format {
    const VARIANTS: &'static [Self] = &[
        Format::Table,
        Format::Json,
        Format::Junit,
        Format::Github,
        Format::Markdown,
        Format::Sarif,
        Format::Nagios,
        Format::Prometheus,
    ];

    fn name(self) -> &'static str {
        match self {
            Format::Table => "table",
            Format::Json => "json",
            Format::Junit => "junit",
            Format::Github => "github",
            Format::Markdown => "markdown",
            Format::Sarif => "sarif",
            Format::Nagios => "nagios",
            Format::Prometheus => "prometheus",
        }
    }

    fn about(self) -> &'static str {
        match self {
            Format::Table => "A table for people, with hints below it",
            Format::Json => "Stable JSON (schema_version 1) for machines",
            Format::Junit => "JUnit XML, one testcase per check, for CI test reports",
            Format::Github => "GitHub Actions annotations; appends a job summary to $GITHUB_STEP_SUMMARY when set",
            Format::Markdown => "A Markdown summary, for PR comments",
            Format::Sarif => "SARIF 2.1.0 with the findings that point into the repository",
            Format::Nagios => "A monitoring-plugins status line with perfdata; exit 0/1/2/3",
            Format::Prometheus => "Prometheus text format for node_exporter's textfile collector",
        }
    }
}
