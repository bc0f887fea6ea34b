//! The Prometheus text exposition format, for node_exporter's textfile
//! collector: one gauge family per fact, with HELP and TYPE lines.

use super::Report;
use crate::checks::{MetricKey, Status};
use crate::model::Series;

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

    for (series, samples) in metric_families(report) {
        family(&mut out, series.name, series.help, &samples);
    }
    family(
        &mut out,
        "clickup_preflight_findings",
        "Findings per check and stable code that drive its verdict this run (allowed ones are left out).",
        &finding_counts(report),
    );
    family(
        &mut out,
        "clickup_preflight_last_run_timestamp_seconds",
        "Unix time when this report was produced.",
        &[(String::new(), report.finished_at_unix as f64)],
    );
    out
}

/// The checks' metrics as families, in key order: each key with a
/// Prometheus series gives samples labelled by its item and quantile, in
/// base units. A series may appear once: a repeated label set (a webhook id
/// listed twice) keeps its highest value, the worst for every count exposed.
fn metric_families(report: &Report) -> Vec<(Series, Vec<(String, f64)>)> {
    let mut families: Vec<(Series, Vec<(String, f64)>)> = Vec::new();
    for key in MetricKey::ALL {
        let spec = key.spec();
        let Some(series) = spec.prometheus else { continue };
        if families.last().is_none_or(|(last, _)| last.name != series.name) {
            families.push((series, Vec::new()));
        }
        let Some((_, samples)) = families.last_mut() else { continue };
        let metrics = report.outcomes.iter().flat_map(|o| &o.metrics).filter(|m| m.key == key);
        for m in metrics {
            let mut labels: Vec<String> = Vec::new();
            match (spec.label, &m.label) {
                (Some(name), Some(item)) => labels.push(format!("{name}=\"{}\"", label_value(item))),
                (None, None) => {}
                // An item without a label name, or the reverse, has no series.
                _ => continue,
            }
            labels.extend(series.quantile.map(|q| format!("quantile=\"{q}\"")));
            let (labels, value) = (labels.join(","), spec.unit.to_base(m.value));
            match samples.iter_mut().find(|(l, _)| *l == labels) {
                Some((_, worst)) => *worst = worst.max(value),
                None => samples.push((labels, value)),
            }
        }
    }
    families
}

/// How many findings of each code each check reported, in report order:
/// the series alerts key on to tell a refused token (`token-refused`) from
/// an unreachable API (`api-unreachable`), which share a verdict. Findings
/// the user accepted (`allow`) no longer drive the verdict and are left out.
fn finding_counts(report: &Report) -> Vec<(String, f64)> {
    let mut samples: Vec<(String, f64)> = Vec::new();
    for outcome in &report.outcomes {
        for finding in outcome.findings.iter().filter(|f| f.allowed.is_none()) {
            let labels = format!("check=\"{}\",code=\"{}\"", outcome.id.as_str(), label_value(finding.code));
            match samples.iter_mut().find(|(l, _)| *l == labels) {
                Some((_, count)) => *count += 1.0,
                None => samples.push((labels, 1.0)),
            }
        }
    }
    samples
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
    use crate::checks::{CheckId, Outcome};

    #[test]
    fn families_have_help_type_and_samples() {
        let mut r = report(&[Status::Pass, Status::Warn, Status::Skip]);
        r.outcomes[1] =
            r.outcomes[1].clone().metric(MetricKey::RateLimitRemaining, 9.0).metric(MetricKey::RateLimitLimit, 100.0);
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
            o = o.labelled_metric(MetricKey::WebhookFailCount, id, count);
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
            .metric(MetricKey::P50Ms, 20.0)
            .metric(MetricKey::P95Ms, 40.0)
            .metric(MetricKey::MaxMs, 40.0);
        for (endpoint, p95) in [("/team", 40.0), ("/x\"y", 20.0)] {
            o = o
                .labelled_metric(MetricKey::EndpointP50Ms, endpoint, 20.0)
                .labelled_metric(MetricKey::EndpointP95Ms, endpoint, p95)
                .labelled_metric(MetricKey::EndpointMaxMs, endpoint, p95)
                .labelled_metric(MetricKey::EndpointSamples, endpoint, 2.0)
                .labelled_metric(MetricKey::EndpointFailed, endpoint, 0.0);
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
    fn each_check_s_findings_are_counted_by_code_and_allowed_ones_are_left_out() {
        let mut r = report(&[Status::Pass]);
        let refused = Outcome::new(CheckId::Auth, Status::Fail, "x").found("token-refused");
        let mut secrets = Outcome::new(CheckId::Secrets, Status::Fail, "x")
            .found("secret-in-repository")
            .found("secret-in-repository")
            .finding("no-pre-commit-guard", Status::Warn, "x");
        let reason = crate::text::Sanitizer::shapes_only().line("a known gap", crate::text::MESSAGE);
        secrets.allow(|code| (code == "no-pre-commit-guard").then(|| reason.clone()));
        r.outcomes.extend([refused, secrets]);
        let text = render(&r);
        let lines: Vec<&str> = text.lines().filter(|l| l.starts_with("clickup_preflight_findings{")).collect();
        assert_eq!(
            lines,
            vec![
                "clickup_preflight_findings{check=\"auth\",code=\"token-refused\"} 1",
                "clickup_preflight_findings{check=\"secrets\",code=\"secret-in-repository\"} 2",
            ]
        );
        assert!(text.contains("# TYPE clickup_preflight_findings gauge\n"));
        let healthy = render(&report(&[Status::Pass, Status::Pass]));
        assert!(!healthy.contains("clickup_preflight_findings"), "no finding, no family:\n{healthy}");
    }

    #[test]
    fn label_values_are_escaped() {
        assert_eq!(label_value("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
    }
}
