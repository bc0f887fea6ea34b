//! The table format for people: one row per check, hints below, a closing
//! line with totals and time.

use comfy_table::{Attribute, Cell, Color, ColumnConstraint, ContentArrangement, Table, Width, presets};

use super::Report;
use crate::checks::{Gate, Status};
use crate::duration::human;

/// How the table is drawn; decided by the caller from the terminal and the
/// environment (`NO_COLOR`), not here.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TableOptions {
    /// ANSI colours on the status word.
    pub color: bool,
    /// Only non-passing checks.
    pub quiet: bool,
    /// Wrap to this width.
    pub width: u16,
}

fn word(status: Status) -> &'static str {
    match status {
        Status::Pass => "PASS",
        Status::Warn => "WARN",
        Status::Fail => "FAIL",
        Status::Error => "ERROR",
        Status::Skip => "SKIP",
    }
}

fn color(status: Status) -> Color {
    match status {
        Status::Pass => Color::Green,
        Status::Warn => Color::Yellow,
        Status::Fail | Status::Error => Color::Red,
        Status::Skip => Color::DarkGrey,
    }
}

/// Renders the table, the hints and the closing line.
pub fn render(report: &Report, options: TableOptions) -> String {
    let shown: Vec<_> = report.outcomes.iter().filter(|o| !options.quiet || o.status != Status::Pass).collect();
    let mut out = String::new();
    if !shown.is_empty() {
        let mut table = new_table(&["Status", "Check", "Severity", "Summary"], options.width, options.color);
        for o in &shown {
            let mut status = Cell::new(word(o.status));
            if options.color {
                status = status.fg(color(o.status)).add_attribute(Attribute::Bold);
            }
            let severity = if o.status == Status::Pass || o.status == Status::Skip { "-" } else { o.severity.as_str() };
            table.add_row(vec![status, Cell::new(o.id.as_str()), Cell::new(severity), Cell::new(&o.summary)]);
        }
        out.push_str(&table.to_string());
        out.push('\n');
    }
    // One cause (an unresolvable host, say) fails several checks alike:
    // its hint is spelled out once and referred to after that.
    let mut hinted: Vec<(&str, &str)> = Vec::new();
    for o in shown.iter().filter(|o| o.status != Status::Pass) {
        if o.details.is_empty() && o.hint.is_none() {
            continue;
        }
        out.push_str(&format!("\n{} ({}):\n", o.id.as_str(), word(o.status)));
        for line in &o.details {
            out.push_str(&format!("  - {line}\n"));
        }
        if let Some(hint) = &o.hint {
            match hinted.iter().find(|(_, earlier)| *earlier == hint.as_str()) {
                Some((first, _)) => out.push_str(&format!("  hint: as for {first} above\n")),
                None => {
                    out.push_str(&format!("  hint: {hint}\n"));
                    hinted.push((o.id.as_str(), hint));
                }
            }
        }
    }
    out.push('\n');
    if let Some(line) = gate_line(report) {
        out.push_str(&line);
        out.push('\n');
    }
    out.push_str(&closing_line(report));
    out.push('\n');
    out
}

/// Checks whose gate differs from the default, so that nobody is surprised
/// by what passed or failed the run.
fn gate_line(report: &Report) -> Option<String> {
    let special: Vec<String> = report
        .outcomes
        .iter()
        .filter(|o| o.gate != Gate::Fail)
        .map(|o| match o.gate {
            Gate::ReportOnly => format!("{} is report-only", o.id.as_str()),
            _ => format!("{} fails the run on WARN", o.id.as_str()),
        })
        .collect();
    (!special.is_empty()).then(|| format!("gate: {}", special.join("; ")))
}

pub(super) fn closing_line(report: &Report) -> String {
    let t = report.totals();
    let mut parts = vec![format!("{} passed", t.pass)];
    for (n, what) in [(t.warn, "warned"), (t.fail, "failed"), (t.error, "errored"), (t.skip, "skipped")] {
        if n > 0 {
            parts.push(format!("{n} {what}"));
        }
    }
    let checks = if report.outcomes.len() == 1 { "1 check" } else { &format!("{} checks", report.outcomes.len()) };
    let mut line = format!(
        "{}: {checks}, {} in {}; {}, {}",
        word(report.status()),
        parts.join(", "),
        human(report.duration),
        count(report.api_requests, "API request"),
        count(report.status_requests, "status-page request")
    );
    if let Some(name) = report.sandbox {
        line.push_str(&format!(" (sandbox scenario `{name}`)"));
    }
    line
}

/// A table in the house style: condensed UTF-8 borders, wrapped to
/// `width`, ANSI styling only when `color`.
pub(super) fn new_table(header: &[&str], width: u16, color: bool) -> Table {
    let mut table = Table::new();
    table
        .load_preset(presets::UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Dynamic)
        .set_width(width)
        .set_header(header.to_vec());
    if color {
        table.enforce_styling();
    } else {
        table.force_no_tty();
    }
    table
}

/// Keeps every cell of `column` on one line: ids a user copies into another
/// command (a webhook id into `reactivate`, an item id into `[attest.<id>]`)
/// must never be split across lines. The other columns wrap instead.
pub(super) fn keep_whole<'a>(table: &mut Table, column: usize, cells: impl Iterator<Item = &'a str>) {
    let widest = cells.map(|c| c.chars().count()).max().unwrap_or(0);
    let widest = u16::try_from(widest).unwrap_or(u16::MAX);
    if let Some(col) = table.column_mut(column) {
        // The boundary counts the column's padding too.
        let boundary = widest.saturating_add(col.padding_width());
        col.set_constraint(ColumnConstraint::LowerBoundary(Width::Fixed(boundary)));
    }
}

/// The width to draw at: the terminal's when stdout is one, else 120
/// columns (CI logs).
pub fn table_width(stdout_is_tty: bool) -> u16 {
    usable_width(if stdout_is_tty { Table::new().width() } else { None })
}

/// A pseudo-terminal may report 0 columns (`script`, some CI runners); a
/// table squeezed into that prints one character per line. Below 40
/// columns the width is treated as unknown.
fn usable_width(detected: Option<u16>) -> u16 {
    detected.filter(|w| *w >= 40).unwrap_or(120)
}

/// Whether to colour: never with `--no-color` or a non-empty `NO_COLOR`
/// (no-color.org); otherwise on a terminal, or anywhere when
/// `CLICOLOR_FORCE` is set to something other than `0` (CI logs that render
/// ANSI).
pub fn use_color(
    stdout_is_tty: bool,
    no_color_flag: bool,
    no_color: Option<&std::ffi::OsStr>,
    clicolor_force: Option<&std::ffi::OsStr>,
) -> bool {
    let set = |v: Option<&std::ffi::OsStr>| v.is_some_and(|v| !v.is_empty() && v != "0");
    if no_color_flag || no_color.is_some_and(|v| !v.is_empty()) {
        return false;
    }
    stdout_is_tty || set(clicolor_force)
}

pub(super) fn count(n: u64, what: &str) -> String {
    if n == 1 { format!("1 {what}") } else { format!("{n} {what}s") }
}

#[cfg(test)]
mod tests {
    use super::super::tests::report;
    use super::*;

    const PLAIN: TableOptions = TableOptions { color: false, quiet: false, width: 100 };

    #[test]
    fn lists_every_check_and_closes_with_totals() {
        let mut r = report(&[Status::Pass, Status::Warn]);
        r.outcomes[1].hint = Some("do the thing".into());
        let text = render(&r, PLAIN);
        assert!(text.contains("PASS") && text.contains("auth summary"), "{text}");
        assert!(text.contains("WARN") && text.contains("rate-limit"), "{text}");
        assert!(text.contains("rate-limit (WARN):\n  hint: do the thing"), "{text}");
        assert!(
            text.trim_end()
                .ends_with("WARN: 2 checks, 1 passed, 1 warned in 420ms; 4 API requests, 1 status-page request"),
            "{text}"
        );
        assert!(!text.contains('\u{1b}'), "no colour codes when colour is off");
    }

    #[test]
    fn a_hint_shared_by_several_checks_is_spelled_out_once() {
        let mut r = report(&[Status::Fail, Status::Error, Status::Fail]);
        for o in &mut r.outcomes {
            o.hint = Some("host.invalid does not resolve".into());
        }
        r.outcomes[1].hint = Some("another cause".into());
        let text = render(&r, PLAIN);
        assert_eq!(text.matches("host.invalid does not resolve").count(), 1, "{text}");
        assert!(text.contains("another cause"), "{text}");
        let third = r.outcomes[2].id.as_str();
        let first = r.outcomes[0].id.as_str();
        assert!(text.contains(&format!("{third} (FAIL):\n  hint: as for {first} above")), "{text}");
    }

    #[test]
    fn non_default_gates_are_stated() {
        let mut r = report(&[Status::Fail, Status::Warn]);
        r.outcomes[0].gate = Gate::ReportOnly;
        r.outcomes[1].gate = Gate::Warn;
        let text = render(&r, PLAIN);
        assert!(text.contains("gate: auth is report-only; rate-limit fails the run on WARN\n"), "{text}");
        assert!(!render(&report(&[Status::Fail]), PLAIN).contains("gate:"));
    }

    #[test]
    fn quiet_hides_passing_rows() {
        let text = render(&report(&[Status::Pass, Status::Fail]), TableOptions { quiet: true, ..PLAIN });
        assert!(!text.contains("auth summary"), "{text}");
        assert!(text.contains("rate-limit summary"), "{text}");
    }

    #[test]
    fn an_unusable_terminal_width_falls_back_to_120() {
        assert_eq!(usable_width(Some(0)), 120);
        assert_eq!(usable_width(None), 120);
        assert_eq!(usable_width(Some(80)), 80);
    }

    #[test]
    fn no_color_clicolor_force_and_pipes() {
        use std::ffi::OsStr;
        let one = Some(OsStr::new("1"));
        assert!(use_color(true, false, None, None));
        assert!(use_color(true, false, Some(OsStr::new("")), None), "an empty NO_COLOR does not count");
        assert!(!use_color(true, false, one, None));
        assert!(!use_color(true, true, None, None), "--no-color");
        assert!(!use_color(false, false, None, None));
        assert!(use_color(false, false, None, one), "CLICOLOR_FORCE colours a pipe");
        assert!(!use_color(false, false, None, Some(OsStr::new("0"))));
        assert!(!use_color(false, false, one, one), "NO_COLOR beats CLICOLOR_FORCE");
    }

    #[test]
    fn colour_is_applied_only_when_asked() {
        let text = render(&report(&[Status::Fail]), TableOptions { color: true, ..PLAIN });
        assert!(text.contains('\u{1b}'), "{text}");
    }
}
