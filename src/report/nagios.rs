//! The monitoring-plugins convention: one status line
//! `CLICKUP OK|WARNING|CRITICAL|UNKNOWN - summary | perfdata`, then one line
//! per check that did not pass, and exit code 0, 1, 2 or 3.
//!
//! FAIL is CRITICAL (an unreachable API, timeouts included, is a FAIL);
//! ERROR (could not evaluate) is UNKNOWN. Report-only checks are listed but
//! do not raise the state.

use super::Report;
use crate::checks::{Gate, Metric, Outcome, Status, Threshold};
pub use crate::model::{NagiosState, nagios_state as state};

/// The status line for a run that could not start.
pub fn could_not_start(reason: &str) -> String {
    format!("CLICKUP UNKNOWN - {}\n", one_line(reason))
}

/// Renders the plugin output.
pub(super) fn render(report: &Report) -> String {
    let state = state(report);
    let worst: Vec<&Outcome> =
        report.outcomes.iter().filter(|o| o.gate != Gate::ReportOnly && NagiosState::of(o.status) == state).collect();
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

/// `'label'=value[UOM];warn;crit;min;max` items, one per metric that has a
/// Nagios label, in key order; each carries the bounds its check judged it
/// against. A key reported twice keeps its first value.
fn perfdata(report: &Report) -> Vec<String> {
    let mut metrics: Vec<&Metric> = report
        .outcomes
        .iter()
        .flat_map(|o| &o.metrics)
        .filter(|m| m.label.is_none() && m.key.spec().nagios.is_some())
        .collect();
    metrics.sort_by_key(|m| m.key);
    metrics.dedup_by_key(|m| m.key);
    metrics.into_iter().filter_map(perf_item).collect()
}

fn perf_item(m: &Metric) -> Option<String> {
    let label = m.key.spec().nagios?;
    let bounds = m.bounds.unwrap_or_default();
    let threshold = |t: Option<Threshold>| match t {
        None => String::new(),
        Some(Threshold::Above(v)) => num(v),
        // Low is bad: `N:` alerts when the value is below N.
        Some(Threshold::Below(v)) => format!("{}:", num(v)),
    };
    let min = num(bounds.min.unwrap_or(m.unit().min()));
    let max = bounds.max.map(num).unwrap_or_default();
    Some(format!(
        "'{label}'={}{};{};{};{min};{max}",
        num(m.value),
        m.unit().nagios_uom(),
        threshold(bounds.warn),
        threshold(bounds.fail)
    ))
}

fn num(v: f64) -> String {
    if v.fract() == 0.0 { format!("{}", v as i64) } else { format!("{v:.3}").trim_end_matches('0').to_owned() }
}

#[cfg(test)]
mod tests {
    use super::super::tests::report;
    use super::*;
    use crate::checks::{Bounds, MetricKey};

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
        let bounds =
            Bounds { warn: Some(Threshold::Above(2000.0)), fail: Some(Threshold::Above(3000.0)), ..Bounds::default() };
        r.outcomes[2] = r.outcomes[2]
            .clone()
            .bounded_metric(MetricKey::P50Ms, 120.0, bounds)
            .bounded_metric(MetricKey::P95Ms, 180.5, bounds)
            .metric(MetricKey::MaxMs, 200.0);
        let out = render(&r);
        let first = out.lines().next().unwrap_or_default();
        assert!(first.starts_with("CLICKUP CRITICAL - auth: API unreachable / down really | "), "{first}");
        assert!(first.contains("'latency_p50'=120ms;2000;3000;0; 'latency_p95'=180.5ms;2000;3000;0;"), "{first}");
        assert_eq!(out.lines().nth(1), Some("FAIL auth: API unreachable / down really"));
    }

    #[test]
    fn perfdata_follows_key_order_and_draws_each_metrics_own_bounds() {
        let mut r = report(&[Status::Pass, Status::Pass]);
        // Rate limit before latency in the report; perfdata lists latency first.
        let low_is_bad = Bounds {
            warn: Some(Threshold::Below(10.0)),
            fail: Some(Threshold::Below(1.0)),
            max: Some(100.0),
            ..Bounds::default()
        };
        r.outcomes[1] = r.outcomes[1]
            .clone()
            .bounded_metric(MetricKey::RateLimitRemaining, 96.0, low_is_bad)
            .metric(MetricKey::RateLimitLimit, 100.0)
            .metric(MetricKey::RateLimitResetIn, 30.0);
        r.outcomes.push(
            crate::checks::Outcome::new(crate::checks::CheckId::Latency, Status::Pass, "x")
                .metric(MetricKey::P95Ms, 40.0)
                .labelled_metric(MetricKey::EndpointP95Ms, "/team", 40.0),
        );
        assert_eq!(
            perfdata(&r),
            vec!["'latency_p95'=40ms;;;0;", "'ratelimit_remaining'=96;10:;1:;0;100", "'ratelimit_limit'=100;;;0;"],
            "no bounds, empty thresholds; keys without a Nagios label and per-item metrics are left out"
        );
    }

    #[test]
    fn could_not_start_is_unknown() {
        assert_eq!(could_not_start("no token | set it"), "CLICKUP UNKNOWN - no token / set it\n");
        assert_eq!(could_not_start("a\u{85}b\u{2028}c\u{b}d"), "CLICKUP UNKNOWN - a b c d\n");
    }
}
