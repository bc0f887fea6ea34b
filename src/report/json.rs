//! The JSON format: `schema_version` 1, additive changes only.

use serde::Serialize;
use serde_json::{Map, Value};

use super::Report;

#[derive(Serialize)]
struct JsonReport<'a> {
    schema_version: u32,
    status: &'static str,
    checks: Vec<JsonCheck<'a>>,
    api_requests: u64,
    status_requests: u64,
    duration_ms: u64,
    sandbox: Option<&'static str>,
}

#[derive(Serialize)]
struct JsonCheck<'a> {
    id: &'static str,
    title: &'static str,
    status: &'static str,
    severity: &'static str,
    gate: &'static str,
    summary: &'a str,
    details: &'a [crate::model::Message],
    hint: Option<&'a str>,
    metrics: Map<String, Value>,
    duration_ms: u64,
    findings: Vec<JsonFinding<'a>>,
}

/// One finding: its stable code, its own status, and whether `allow`
/// accepted it (then with the reason).
#[derive(Serialize)]
struct JsonFinding<'a> {
    code: &'static str,
    status: &'static str,
    message: &'a str,
    allowed: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    location: Option<JsonLocation<'a>>,
}

/// Where a file finding points: a path relative to the repository, a line.
#[derive(Serialize)]
struct JsonLocation<'a> {
    path: &'a str,
    line: u32,
}

/// Renders the report as pretty JSON followed by a newline.
pub fn render(report: &Report) -> String {
    let checks = report
        .outcomes
        .iter()
        .map(|o| JsonCheck {
            id: o.id.as_str(),
            title: o.id.title(),
            status: o.status.as_str(),
            severity: o.severity.as_str(),
            gate: o.gate.as_str(),
            summary: &o.summary,
            details: &o.details,
            hint: o.hint.as_deref(),
            metrics: metrics(&o.metrics),
            duration_ms: o.duration.as_millis() as u64,
            findings: o.findings.iter().map(finding).collect(),
        })
        .collect();
    let doc = JsonReport {
        schema_version: 1,
        status: report.status().as_str(),
        checks,
        api_requests: report.api_requests,
        status_requests: report.status_requests,
        duration_ms: report.duration.as_millis() as u64,
        sandbox: report.sandbox,
    };
    pretty(&doc)
}

fn finding(f: &crate::model::Finding) -> JsonFinding<'_> {
    JsonFinding {
        code: f.code,
        status: f.status.as_str(),
        message: &f.message,
        allowed: f.allowed.is_some(),
        reason: f.allowed.as_deref(),
        location: f.location.as_ref().map(|l| JsonLocation { path: &l.path, line: l.line }),
    }
}

/// Pretty JSON and a final newline, for every JSON-shaped format.
/// Serialising plain structs and values of strings and numbers cannot fail.
pub(super) fn pretty(doc: &impl Serialize) -> String {
    let mut text = serde_json::to_string_pretty(doc).unwrap_or_else(|_| "{}".to_owned());
    text.push('\n');
    text
}

/// Plain metrics as `name: value`; labelled ones grouped as
/// `name: {label value: value}`. The thresholds JSON has always shown
/// (`p95_warn_ms`, `warn_below`, ...) come from the metric's bounds, under
/// the names its key gives them.
fn metrics(list: &[crate::checks::Metric]) -> Map<String, Value> {
    let mut out = Map::new();
    for m in list {
        let spec = m.key.spec();
        match &m.label {
            None => {
                out.insert(spec.json.to_owned(), number(m.value));
            }
            Some(item) => {
                let group = out.entry(spec.json.to_owned()).or_insert_with(|| Value::Object(Map::new()));
                if let Value::Object(map) = group {
                    map.insert(item.clone(), number(m.value));
                }
            }
        }
        let bounds = m.bounds.unwrap_or_default();
        let (warn_name, fail_name) = spec.json_bounds;
        for (name, threshold) in [(warn_name, bounds.warn), (fail_name, bounds.fail)] {
            if let (Some(name), Some(threshold)) = (name, threshold) {
                out.insert(name.to_owned(), number(threshold.value()));
            }
        }
    }
    out
}

/// Whole numbers as integers, so `"remaining": 95` not `95.0`.
fn number(value: f64) -> Value {
    if value.fract() == 0.0 && value.abs() < 9.0e15 {
        Value::from(value as i64)
    } else {
        serde_json::Number::from_f64(value).map_or(Value::Null, Value::Number)
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::report;
    use super::*;
    use crate::checks::{Bounds, MetricKey, Status, Threshold};

    #[test]
    fn findings_carry_code_status_message_and_what_was_allowed() {
        let mut r = report(&[Status::Fail, Status::Pass]);
        let at = crate::model::FileLocation { path: "a.js".into(), line: 3, message: "token".into() };
        r.outcomes[0] = r.outcomes[0].clone().finding("token-refused", Status::Fail, "refused").finding(
            "secret-in-repository",
            Status::Fail,
            "leak",
        );
        r.outcomes[0].findings[1].location = Some(at);
        r.outcomes[0].findings[1].allowed = Some("a fixture".into());
        let v: Value = serde_json::from_str(&render(&r)).expect("valid JSON");
        let found = &v["checks"][0]["findings"];
        assert_eq!(
            found[0],
            serde_json::json!({"code": "token-refused", "status": "fail", "message": "refused", "allowed": false})
        );
        assert_eq!(
            found[1],
            serde_json::json!({"code": "secret-in-repository", "status": "fail", "message": "leak", "allowed": true,
                "reason": "a fixture", "location": {"path": "a.js", "line": 3}})
        );
        assert_eq!(v["checks"][1]["findings"], serde_json::json!([]), "a pass may carry none, always as an array");
    }

    #[test]
    fn has_the_documented_shape() {
        let mut r = report(&[Status::Pass, Status::Fail]);
        let bounds = Bounds { warn: Some(Threshold::Above(2000.0)), ..Bounds::default() };
        r.outcomes[0] = r.outcomes[0].clone().bounded_metric(MetricKey::P95Ms, 120.0, bounds);
        r.outcomes[0] = r.outcomes[0].clone().metric(MetricKey::SlowestSignedMs, 0.5);
        r.outcomes[0] = r.outcomes[0].clone().labelled_metric(MetricKey::WebhookFailCount, "w1", 12.0);
        let v: Value = serde_json::from_str(&render(&r)).expect("valid JSON");
        assert_eq!(v["schema_version"], 1);
        assert_eq!(v["status"], "fail");
        assert_eq!(v["api_requests"], 4);
        assert_eq!(v["checks"][0]["id"], "auth");
        assert_eq!(v["checks"][0]["status"], "pass");
        assert_eq!(v["checks"][0]["severity"], "P1");
        assert_eq!(v["checks"][0]["metrics"]["p95_ms"], 120);
        assert_eq!(v["checks"][0]["metrics"]["slowest_signed_ms"], 0.5);
        assert_eq!(v["checks"][0]["metrics"]["p95_warn_ms"], 2000, "thresholds from the bounds");
        assert!(v["checks"][0]["metrics"].get("p95_fail_ms").is_none(), "no fail bound, no key");
        assert_eq!(v["checks"][0]["metrics"]["webhook_fail_count"]["w1"], 12);
        assert_eq!(v["checks"][0]["gate"], "fail");
        assert_eq!(v["checks"][1]["id"], "rate-limit");
        for key in ["id", "title", "status", "severity", "summary", "details", "metrics", "duration_ms"] {
            assert!(v["checks"][1].get(key).is_some(), "missing {key}");
        }
    }
}
