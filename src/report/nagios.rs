//! The monitoring-plugins convention: one status line
//! `CLICKUP OK|WARNING|CRITICAL|UNKNOWN - summary | perfdata`, then one line
//! per check that did not pass, and exit code 0, 1, 2 or 3.
//!
//! FAIL is CRITICAL (an unreachable API, timeouts included, is a FAIL);
//! ERROR (could not evaluate) is UNKNOWN. Report-only checks are listed but
//! do not raise the state.

use super::Report;
use crate::checks::{CheckId, Gate, Outcome, Status};

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

fn state_of(status: Status) -> NagiosState {
    match status {
        Status::Pass | Status::Skip => NagiosState::Ok,
        Status::Warn => NagiosState::Warning,
        Status::Error => NagiosState::Unknown,
        Status::Fail => NagiosState::Critical,
    }
}

/// The plugin state of a report: the worst of its gating checks.
pub fn state(report: &Report) -> NagiosState {
    report
        .outcomes
        .iter()
        .filter(|o| o.gate != Gate::ReportOnly)
        .map(|o| state_of(o.status))
        .max()
        .unwrap_or(NagiosState::Ok)
}

/// The status line for a run that could not start.
pub fn could_not_start(reason: &str) -> String {
    format!("CLICKUP UNKNOWN - {}\n", one_line(reason))
}

/// Renders the plugin output.
pub(super) fn render(report: &Report) -> String {
    let state = state(report);
    let worst: Vec<&Outcome> =
        report.outcomes.iter().filter(|o| o.gate != Gate::ReportOnly && state_of(o.status) == state).collect();
    let text = if state == NagiosState::Ok {
        let t = report.totals();
        format!("{} of {} checks passed", t.pass, report.outcomes.len())
    } else {
        worst.iter().take(2).map(|o| format!("{}: {}", o.id.as_str(), o.summary)).collect::<Vec<_>>().join("; ")
    };
    let mut out = format!("CLICKUP {} - {}", state.as_str(), one_line(&text));
    let perf = perfdata(report);
    if !perf.is_empty() {
        out.push_str(" | ");
        out.push_str(&perf.join(" "));
    }
    out.push('\n');
    for o in report.outcomes.iter().filter(|o| o.status != Status::Pass && o.status != Status::Skip) {
        let note = if o.gate == Gate::ReportOnly { " (report-only)" } else { "" };
        out.push_str(&format!(
            "{} {}{note}: {}\n",
            o.status.as_str().to_ascii_uppercase(),
            o.id.as_str(),
            one_line(&o.summary)
        ));
    }
    out
}

/// Plugin output is line-based and `|` starts perfdata: neither a line
/// break (of any kind) nor a pipe may appear in the text.
fn one_line(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '|' => '/',
            c if c.is_control() || matches!(c, '\u{2028}' | '\u{2029}') => ' ',
            c => c,
        })
        .collect()
}

fn metric(o: Option<&Outcome>, name: &str) -> Option<f64> {
    o?.metrics.iter().find(|m| m.name == name && m.label.is_none()).map(|m| m.value)
}

/// `'label'=value[UOM];warn;crit;min;max` items from the checks' metrics.
fn perfdata(report: &Report) -> Vec<String> {
    let find = |id: CheckId| report.outcomes.iter().find(|o| o.id == id);
    let (latency, rate, workspaces, hooks) =
        (find(CheckId::Latency), find(CheckId::RateLimit), find(CheckId::Workspaces), find(CheckId::Webhooks));
    let mut out = Vec::new();
    let mut push = |label: &str, value: Option<f64>, uom: &str, warn: String, crit: String, max: String| {
        if let Some(v) = value {
            out.push(format!("'{label}'={}{uom};{warn};{crit};0;{max}", num(v)));
        }
    };
    let (warn_ms, fail_ms) = (metric(latency, "p95_warn_ms"), metric(latency, "p95_fail_ms"));
    let opt = |v: Option<f64>| v.map(num).unwrap_or_default();
    push("latency_p50", metric(latency, "p50_ms"), "ms", opt(warn_ms), opt(fail_ms), String::new());
    push("latency_p95", metric(latency, "p95_ms"), "ms", opt(warn_ms), opt(fail_ms), String::new());
    let limit = metric(rate, "limit");
    // Low is bad: `N:` alerts when the value is below N.
    let warn_below = metric(rate, "warn_below").map(|w| format!("{}:", num(w))).unwrap_or_default();
    push("ratelimit_remaining", metric(rate, "remaining"), "", warn_below, "1:".into(), opt(limit));
    push("ratelimit_limit", limit, "", String::new(), String::new(), String::new());
    push("workspaces", metric(workspaces, "workspaces"), "", String::new(), "1:".into(), String::new());
    push("webhooks_failing", metric(hooks, "failing"), "", "0".into(), String::new(), String::new());
    push("webhooks_suspended", metric(hooks, "suspended"), "", String::new(), "0".into(), String::new());
    out
}

fn num(v: f64) -> String {
    if v.fract() == 0.0 { format!("{}", v as i64) } else { format!("{v:.3}").trim_end_matches('0').to_owned() }
}

#[cfg(test)]
mod tests {
    use super::super::tests::report;
    use super::*;

    #[test]
    fn states_map_from_the_worst_gating_check() {
        assert_eq!(state(&report(&[Status::Pass, Status::Skip])), NagiosState::Ok);
        assert_eq!(state(&report(&[Status::Pass, Status::Warn])), NagiosState::Warning);
        assert_eq!(state(&report(&[Status::Warn, Status::Error])), NagiosState::Unknown);
        assert_eq!(state(&report(&[Status::Error, Status::Fail])), NagiosState::Critical);
        let mut r = report(&[Status::Fail, Status::Pass]);
        r.outcomes[0].gate = Gate::ReportOnly;
        assert_eq!(state(&r), NagiosState::Ok, "report-only checks do not raise the state");
        assert_eq!(
            [NagiosState::Ok, NagiosState::Warning, NagiosState::Critical, NagiosState::Unknown].map(NagiosState::code),
            [0, 1, 2, 3]
        );
    }

    #[test]
    fn status_line_text_and_perfdata() {
        let mut r = report(&[Status::Fail, Status::Pass, Status::Pass]);
        r.outcomes[0].summary = "API unreachable | down\nreally".into();
        r.outcomes[2] = r.outcomes[2]
            .clone()
            .metric("p50_ms", 120.0)
            .metric("p95_ms", 180.5)
            .metric("p95_warn_ms", 2000.0)
            .metric("p95_fail_ms", 3000.0);
        let out = render(&r);
        let first = out.lines().next().unwrap_or_default();
        assert!(first.starts_with("CLICKUP CRITICAL - auth: API unreachable / down really | "), "{first}");
        assert!(first.contains("'latency_p50'=120ms;2000;3000;0; 'latency_p95'=180.5ms;2000;3000;0;"), "{first}");
        assert_eq!(out.lines().nth(1), Some("FAIL auth: API unreachable / down really"));
    }

    #[test]
    fn could_not_start_is_unknown() {
        assert_eq!(could_not_start("no token | set it"), "CLICKUP UNKNOWN - no token / set it\n");
        assert_eq!(could_not_start("a\u{85}b\u{2028}c\u{b}d"), "CLICKUP UNKNOWN - a b c d\n");
    }
}
