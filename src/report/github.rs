//! GitHub Actions: `::error` / `::warning` workflow commands, one per check
//! that did not pass, escaped as the workflow-command rules require. The
//! job summary (Markdown) is appended to `$GITHUB_STEP_SUMMARY` by the
//! caller.

use super::Report;
use crate::checks::{Gate, Status};

/// Renders the annotations and a closing line.
pub(super) fn render(report: &Report) -> String {
    let mut out = String::new();
    for o in &report.outcomes {
        let command = match o.status {
            Status::Fail | Status::Error => "error",
            Status::Warn => "warning",
            Status::Pass | Status::Skip => continue,
        };
        let gate = if o.gate == Gate::ReportOnly { ", report-only" } else { "" };
        let title = format!(
            "clickup-preflight {} {} ({}{gate})",
            o.id.as_str(),
            o.status.as_str().to_ascii_uppercase(),
            o.severity.as_str()
        );
        let mut message = o.summary.to_string();
        for d in &o.details {
            message.push('\n');
            message.push_str(d);
        }
        if let Some(hint) = &o.hint {
            message.push_str(&format!("\nhint: {hint}"));
        }
        if o.locations.is_empty() {
            out.push_str(&format!("::{command} title={}::{}\n", property(&title), data(&message)));
        }
        for loc in &o.locations {
            out.push_str(&format!(
                "::{command} file={},line={},title={}::{}\n",
                property(&loc.path),
                loc.line,
                property(&title),
                data(&loc.message)
            ));
        }
    }
    out.push_str(&super::table::closing_line(report));
    out.push('\n');
    out
}

/// Escapes a command's message.
pub(super) fn data(s: &str) -> String {
    s.replace('%', "%25").replace('\r', "%0D").replace('\n', "%0A")
}

/// Escapes a command's property value (also `:` and `,`).
pub(super) fn property(s: &str) -> String {
    data(s).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::super::tests::report;
    use super::*;

    #[test]
    fn one_annotation_per_non_passing_check_escaped() {
        let mut r = report(&[Status::Pass, Status::Fail, Status::Warn, Status::Skip]);
        r.outcomes[1].summary = "100% down: a, b".into();
        r.outcomes[1].details = vec!["line two".into()];
        let out = render(&r);
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines[0], "::error title=clickup-preflight rate-limit FAIL (P2)::100%25 down: a, b%0Aline two");
        assert!(lines[1].starts_with("::warning title=clickup-preflight latency WARN (P2)::"), "{}", lines[1]);
        assert_eq!(lines.len(), 3, "{out}");
        assert_eq!(property("a:b,c%"), "a%3Ab%2Cc%25");
    }
}
