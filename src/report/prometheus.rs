//! The Prometheus text exposition format, for node_exporter's textfile
//! collector: one gauge family per fact, with HELP and TYPE lines.

use super::Report;
use crate::checks::{CheckId, Status};

/// Renders the metrics. Families without samples are left out.
pub(super) fn render(report: &Report) -> String {
    let mut out = String::new();
    let statuses: Vec<(String, f64)> = report
        .outcomes
        .iter()
        .filter_map(|o| {
            let value = match o.status {
                Status::Pass => 0.0,
                Status::Warn => 1.0,
                Status::Fail => 2.0,
                Status::Error => 3.0,
                Status::Skip => return None,
            };
            Some((format!("check=\"{}\"", o.id.as_str()), value))
        })
        .collect();
    family(
        &mut out,
        "clickup_preflight_check_status",
        "Verdict per check: 0 pass, 1 warn, 2 fail, 3 error (could not evaluate); skipped checks are omitted.",
        &statuses,
    );
    let gating: Vec<(String, f64)> = report
        .outcomes
        .iter()
        .map(|o| (format!("check=\"{}\"", o.id.as_str()), if o.blocks() { 1.0 } else { 0.0 }))
        .collect();
    family(
        &mut out,
        "clickup_preflight_check_failing_gate",
        "1 when the check's verdict fails the run under its gate.",
        &gating,
    );
    let durations: Vec<(String, f64)> =
        report.outcomes.iter().map(|o| (format!("check=\"{}\"", o.id.as_str()), o.duration.as_secs_f64())).collect();
    family(
        &mut out,
        "clickup_preflight_check_duration_seconds",
        "Time spent gathering each check's evidence.",
        &durations,
    );

    let get = |id: CheckId, name: &str| {
        report
            .outcomes
            .iter()
            .find(|o| o.id == id)?
            .metrics
            .iter()
            .find(|m| m.name == name && m.label.is_none())
            .map(|m| m.value)
    };
    let quantiles: Vec<(String, f64)> = [("0.5", "p50_ms"), ("0.95", "p95_ms"), ("1", "max_ms")]
        .iter()
        .filter_map(|(q, name)| get(CheckId::Latency, name).map(|ms| (format!("quantile=\"{q}\""), ms / 1000.0)))
        .collect();
    family(
        &mut out,
        "clickup_preflight_latency_seconds",
        "Round trip of every API request this run made (nearest-rank quantiles; 1 is the slowest).",
        &quantiles,
    );
    let per_endpoint = |name: &str| -> Vec<(String, f64)> {
        latency_metrics(report, name)
            .filter_map(|m| m.label.as_ref().map(|(_, endpoint)| (label_value(endpoint), m.value)))
            .collect()
    };
    let endpoint_quantiles: Vec<(String, f64)> =
        [("0.5", "endpoint_p50_ms"), ("0.95", "endpoint_p95_ms"), ("1", "endpoint_max_ms")]
            .iter()
            .flat_map(|(q, name)| {
                per_endpoint(name)
                    .into_iter()
                    .map(move |(endpoint, ms)| (format!("endpoint=\"{endpoint}\",quantile=\"{q}\""), ms / 1000.0))
            })
            .collect();
    family(
        &mut out,
        "clickup_preflight_api_latency_seconds",
        "Round trip of this run's API requests per endpoint, ids replaced by {id} (nearest-rank quantiles over \
         the answered ones; 1 is the slowest).",
        &endpoint_quantiles,
    );
    let counts = |name: &str| -> Vec<(String, f64)> {
        per_endpoint(name).into_iter().map(|(endpoint, n)| (format!("endpoint=\"{endpoint}\""), n)).collect()
    };
    family(
        &mut out,
        "clickup_preflight_api_latency_samples",
        "API requests this run timed per endpoint, failed ones included.",
        &counts("endpoint_samples"),
    );
    family(
        &mut out,
        "clickup_preflight_api_latency_failed",
        "API requests per endpoint that gave no usable answer (left out of the quantiles).",
        &counts("endpoint_failed"),
    );
    let single = |name: &str| get(CheckId::RateLimit, name).map(|v| vec![(String::new(), v)]).unwrap_or_default();
    family(
        &mut out,
        "clickup_preflight_ratelimit_remaining",
        "X-RateLimit-Remaining, the lowest seen this run.",
        &single("remaining"),
    );
    family(
        &mut out,
        "clickup_preflight_ratelimit_limit",
        "X-RateLimit-Limit: requests per window for this token.",
        &single("limit"),
    );
    let mut fail_counts: Vec<(String, f64)> = Vec::new();
    let labelled = report
        .outcomes
        .iter()
        .filter(|o| o.id == CheckId::Webhooks)
        .flat_map(|o| &o.metrics)
        .filter(|m| m.name == "webhook_fail_count")
        .filter_map(|m| m.label.as_ref().map(|(key, value)| (format!("{key}=\"{}\"", label_value(value)), m.value)));
    // A series may appear once: a webhook id listed twice keeps its worst count.
    for (labels, value) in labelled {
        match fail_counts.iter_mut().find(|(l, _)| *l == labels) {
            Some((_, worst)) => *worst = worst.max(value),
            None => fail_counts.push((labels, value)),
        }
    }
    family(
        &mut out,
        "clickup_preflight_webhook_fail_count",
        "health.fail_count of each webhook, as ClickUp reports it.",
        &fail_counts,
    );
    family(
        &mut out,
        "clickup_preflight_last_run_timestamp_seconds",
        "Unix time when this report was produced.",
        &[(String::new(), report.finished_at_unix as f64)],
    );
    out
}

/// The latency check's labelled metrics named `name`.
fn latency_metrics<'a>(report: &'a Report, name: &'a str) -> impl Iterator<Item = &'a crate::checks::Metric> {
    report
        .outcomes
        .iter()
        .filter(|o| o.id == CheckId::Latency)
        .flat_map(|o| &o.metrics)
        .filter(move |m| m.name == name && m.label.is_some())
}

fn family(out: &mut String, name: &str, help: &str, samples: &[(String, f64)]) {
    if samples.is_empty() {
        return;
    }
    out.push_str(&format!("# HELP {name} {help}\n# TYPE {name} gauge\n"));
    for (labels, value) in samples {
        let labels = if labels.is_empty() { String::new() } else { format!("{{{labels}}}") };
        out.push_str(&format!("{name}{labels} {}\n", number(*value)));
    }
}

/// Label values escape backslash, double quote and newline.
fn label_value(v: &str) -> String {
    v.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n")
}

fn number(v: f64) -> String {
    if v.is_nan() {
        "NaN".into()
    } else if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        format!("{v}")
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::report;
    use super::*;

    #[test]
    fn families_have_help_type_and_samples() {
        let mut r = report(&[Status::Pass, Status::Warn, Status::Skip]);
        r.outcomes[1] = r.outcomes[1].clone().metric("remaining", 9.0).metric("limit", 100.0);
        let text = render(&r);
        assert!(text.contains("# TYPE clickup_preflight_check_status gauge\n"));
        assert!(text.contains("clickup_preflight_check_status{check=\"auth\"} 0\n"));
        assert!(text.contains("clickup_preflight_check_status{check=\"rate-limit\"} 1\n"));
        assert!(!text.contains("clickup_preflight_check_status{check=\"latency\"}"), "skipped is omitted");
        assert!(text.contains("clickup_preflight_ratelimit_remaining 9\n"));
        assert!(text.contains("clickup_preflight_last_run_timestamp_seconds 1795000000\n"));
        assert!(!text.contains("clickup_preflight_latency_seconds"), "no samples, no family");
    }

    #[test]
    fn a_repeated_webhook_label_gives_one_series_with_the_worst_value() {
        let mut r = report(&[Status::Pass]);
        let mut o = crate::checks::Outcome::new(CheckId::Webhooks, Status::Error, "x");
        for (id, count) in [("w1", 3.0), ("w2", 1.0), ("w1", 12.0)] {
            o = o.labelled_metric("webhook_fail_count", ("webhook", id.into()), count);
        }
        r.outcomes.push(o);
        let text = render(&r);
        let lines: Vec<&str> =
            text.lines().filter(|l| l.starts_with("clickup_preflight_webhook_fail_count{")).collect();
        assert_eq!(
            lines,
            vec![
                "clickup_preflight_webhook_fail_count{webhook=\"w1\"} 12",
                "clickup_preflight_webhook_fail_count{webhook=\"w2\"} 1"
            ]
        );
    }

    #[test]
    fn latency_is_one_series_per_endpoint_and_quantile_beside_the_overall_one() {
        let mut r = report(&[Status::Pass]);
        let mut o = crate::checks::Outcome::new(CheckId::Latency, Status::Pass, "x")
            .metric("p50_ms", 20.0)
            .metric("p95_ms", 40.0)
            .metric("max_ms", 40.0);
        for (endpoint, p95) in [("/team", 40.0), ("/x\"y", 20.0)] {
            let label = || ("endpoint", endpoint.to_owned());
            o = o
                .labelled_metric("endpoint_p50_ms", label(), 20.0)
                .labelled_metric("endpoint_p95_ms", label(), p95)
                .labelled_metric("endpoint_max_ms", label(), p95)
                .labelled_metric("endpoint_samples", label(), 2.0)
                .labelled_metric("endpoint_failed", label(), 0.0);
        }
        r.outcomes.push(o);
        let text = render(&r);
        for line in [
            "clickup_preflight_latency_seconds{quantile=\"0.95\"} 0.04\n",
            "clickup_preflight_api_latency_seconds{endpoint=\"/team\",quantile=\"0.5\"} 0.02\n",
            "clickup_preflight_api_latency_seconds{endpoint=\"/team\",quantile=\"0.95\"} 0.04\n",
            "clickup_preflight_api_latency_seconds{endpoint=\"/x\\\"y\",quantile=\"1\"} 0.02\n",
            "clickup_preflight_api_latency_samples{endpoint=\"/team\"} 2\n",
            "clickup_preflight_api_latency_failed{endpoint=\"/team\"} 0\n",
        ] {
            assert!(text.contains(line), "{line} missing from\n{text}");
        }
        assert_eq!(text.matches("# TYPE clickup_preflight_api_latency_seconds gauge\n").count(), 1);
    }

    #[test]
    fn label_values_are_escaped() {
        assert_eq!(label_value("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
    }
}
