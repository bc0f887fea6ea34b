//! The JSON format: `schema_version` 1, additive changes only.

use schemars::JsonSchema;
use serde::Serialize;
use serde_json::{Map, Value};

use super::Report;

/// The JSON report's `schema_version`; additive changes keep it.
const SCHEMA_VERSION: u32 = 1;

/// The report of one `check` run.
#[derive(Serialize, JsonSchema)]
struct JsonReport<'a> {
    /// The report's shape: additive changes only within a version.
    #[schemars(schema_with = "schema::version")]
    schema_version: u32,
    /// The overall verdict: the worst of the checks'.
    #[schemars(schema_with = "schema::status")]
    status: &'static str,
    /// One entry per check run, in report order.
    checks: Vec<JsonCheck<'a>>,
    /// ClickUp API requests this run sent, retries included.
    api_requests: u64,
    /// Status-page requests this run sent.
    status_requests: u64,
    /// How long the run took.
    duration_ms: u64,
    /// The sandbox scenario the run was against, or null for a real API.
    sandbox: Option<&'static str>,
}

/// One check's verdict and its evidence.
#[derive(Serialize, JsonSchema)]
struct JsonCheck<'a> {
    /// The check's stable id.
    #[schemars(schema_with = "schema::check_id")]
    id: &'static str,
    /// A short human title.
    title: &'static str,
    /// The verdict.
    #[schemars(schema_with = "schema::status")]
    status: &'static str,
    /// How urgent a non-passing verdict is.
    #[schemars(schema_with = "schema::severity")]
    severity: &'static str,
    /// Which verdicts of this check fail the run.
    #[schemars(schema_with = "schema::gate")]
    gate: &'static str,
    /// One line saying what was seen.
    summary: &'a str,
    /// More lines of evidence.
    #[schemars(with = "Vec<String>")]
    details: &'a [crate::model::Message],
    /// What to do about it, or null.
    hint: Option<&'a str>,
    /// Named numbers; per-item ones (per endpoint, per webhook) as objects.
    #[schemars(schema_with = "schema::metrics")]
    metrics: Map<String, Value>,
    /// How long the check took.
    duration_ms: u64,
    /// Every problem found, each with its code (empty on a clean pass).
    findings: Vec<JsonFinding<'a>>,
}

/// One finding: its stable code, its own status, and whether `allow`
/// accepted it (then with the reason).
#[derive(Serialize, JsonSchema)]
struct JsonFinding<'a> {
    /// The finding's stable code (`allow` in checks.toml names it).
    #[schemars(schema_with = "schema::code")]
    code: &'static str,
    /// The finding's own verdict.
    #[schemars(schema_with = "schema::status")]
    status: &'static str,
    /// What was found.
    message: &'a str,
    /// Whether checks.toml accepts it (`allow`); it then no longer drives the verdict.
    allowed: bool,
    /// Why it is accepted, when it is.
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<&'a str>,
    /// Where in the repository, for file findings.
    #[serde(skip_serializing_if = "Option::is_none")]
    location: Option<JsonLocation<'a>>,
}

/// Where a file finding points: a path relative to the repository, a line.
#[derive(Serialize, JsonSchema)]
struct JsonLocation<'a> {
    /// Relative to the repository.
    path: &'a str,
    /// 1-based.
    line: u32,
}

/// The JSON Schema of `check --format json`, as written to
/// `schema/report.schema.json`: derived from the structs above, with the
/// closed sets (ids, statuses, codes, metric names) from the library's tables.
pub fn schema() -> Value {
    schema_of::<JsonReport<'static>>("clickup-preflight check --format json")
}

/// The JSON Schema of a renderer's serde struct `T`, as every file in
/// `schema/` is made: draft 2020-12, as serialized, every subschema inline
/// (no `$defs`, so each file reads top to bottom), titled with the command.
pub(super) fn schema_of<T: JsonSchema>(title: &str) -> Value {
    let generator = schemars::generate::SchemaSettings::draft2020_12()
        .with(|s| {
            s.inline_subschemas = true;
        })
        .for_serialize()
        .into_generator();
    let mut schema = generator.into_root_schema_for::<T>().to_value();
    if let Value::Object(root) = &mut schema {
        root.insert("title".into(), Value::from(title));
    }
    schema
}

/// The `schema_with` functions: each closed set's names, from its table.
pub(super) mod schema {
    use schemars::{Schema, SchemaGenerator, json_schema};
    use serde_json::{Map, Value};

    use crate::model::{CheckId, Gate, MetricKey, Severity, Status};

    pub(in crate::report) fn version(_: &mut SchemaGenerator) -> Schema {
        json_schema!({ "type": "integer", "const": super::SCHEMA_VERSION })
    }

    /// A string that is one of `list`: how every closed set is described.
    pub(in crate::report) fn names(list: Vec<&'static str>) -> Schema {
        json_schema!({ "type": "string", "enum": list })
    }

    pub(in crate::report) fn status(_: &mut SchemaGenerator) -> Schema {
        names(Status::ALL.iter().map(|s| s.as_str()).collect())
    }

    pub(in crate::report) fn check_id(_: &mut SchemaGenerator) -> Schema {
        names(CheckId::ALL.iter().map(|c| c.as_str()).collect())
    }

    pub(super) fn severity(_: &mut SchemaGenerator) -> Schema {
        names(Severity::ALL.iter().map(|s| s.as_str()).collect())
    }

    pub(super) fn gate(_: &mut SchemaGenerator) -> Schema {
        use crate::model::Named;
        names(Gate::VARIANTS.iter().map(|g| g.as_str()).collect())
    }

    /// Every finding code of every check, once.
    pub(super) fn code(_: &mut SchemaGenerator) -> Schema {
        let mut all: Vec<&'static str> = Vec::new();
        for id in CheckId::ALL {
            all.extend(crate::checks::codes(id).iter().copied().filter(|c| !all.contains(c)).collect::<Vec<_>>());
        }
        all.sort_unstable();
        names(all)
    }

    /// Every metric's JSON name, and the threshold names JSON shows beside
    /// some: a number, or for per-item metrics an object of numbers.
    pub(super) fn metrics(_: &mut SchemaGenerator) -> Schema {
        let mut properties = Map::new();
        for key in MetricKey::ALL {
            let spec = key.spec();
            let value = match spec.label {
                Some(_) => json_schema!({ "type": "object", "additionalProperties": { "type": "number" } }),
                None => json_schema!({ "type": "number" }),
            };
            properties.insert(spec.json.to_owned(), value.to_value());
            for bound in [spec.json_bounds.0, spec.json_bounds.1].into_iter().flatten() {
                properties.insert(bound.to_owned(), Value::from_iter([("type", "number")]));
            }
        }
        json_schema!({ "type": "object", "properties": properties, "additionalProperties": false })
    }
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
        schema_version: SCHEMA_VERSION,
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
