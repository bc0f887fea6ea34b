//! SARIF 2.1.0 for findings that point into the repository, so that code
//! scanning can show them on the lines they concern. Checks without file
//! locations are not code findings and are left out; a run with none is a
//! valid empty run.

use serde_json::{Value, json};

use super::Report;
use crate::checks::Status;

const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

fn level(status: Status) -> &'static str {
    match status {
        Status::Fail | Status::Error => "error",
        Status::Warn => "warning",
        Status::Pass | Status::Skip => "note",
    }
}

/// Renders the file-level findings as one SARIF run.
pub(super) fn render(report: &Report) -> String {
    let located: Vec<_> = report.outcomes.iter().filter(|o| !o.locations.is_empty()).collect();
    let rules: Vec<Value> = located
        .iter()
        .map(|o| {
            json!({
                "id": o.id.as_str(),
                "name": o.id.title(),
                "shortDescription": {"text": o.id.title()},
                "defaultConfiguration": {"level": level(o.status)},
                "properties": {"severity": o.severity.as_str()}
            })
        })
        .collect();
    let results: Vec<Value> = located
        .iter()
        .flat_map(|o| {
            o.locations.iter().map(move |loc| {
                json!({
                    "ruleId": o.id.as_str(),
                    "level": level(o.status),
                    "message": {"text": loc.message},
                    "locations": [{"physicalLocation": {
                        "artifactLocation": {"uri": loc.path.as_str(), "uriBaseId": "%SRCROOT%"},
                        "region": {"startLine": loc.line.max(1)}
                    }}]
                })
            })
        })
        .collect();
    let doc = json!({
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "clickup-preflight",
                "version": env!("CARGO_PKG_VERSION"),
                "rules": rules
            }},
            "results": results
        }]
    });
    super::json::pretty(&doc)
}

#[cfg(test)]
mod tests {
    use super::super::tests::report;
    use super::*;
    use crate::checks::FileLocation;

    #[test]
    fn no_file_findings_is_a_valid_empty_run() {
        let doc: Value = serde_json::from_str(&render(&report(&[Status::Fail, Status::Pass]))).expect("json");
        assert_eq!(doc["version"], "2.1.0");
        assert_eq!(doc["runs"][0]["tool"]["driver"]["name"], "clickup-preflight");
        assert_eq!(doc["runs"][0]["results"].as_array().map(Vec::len), Some(0));
    }

    #[test]
    fn located_findings_become_results_with_regions() {
        let mut r = report(&[Status::Fail]);
        r.outcomes[0].locations =
            vec![FileLocation { path: "src/config.js".into(), line: 12, message: "token pk_123…".into() }];
        let doc: Value = serde_json::from_str(&render(&r)).expect("json");
        let result = &doc["runs"][0]["results"][0];
        assert_eq!(result["ruleId"], "auth");
        assert_eq!(result["level"], "error");
        assert_eq!(result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"], "src/config.js");
        assert_eq!(result["locations"][0]["physicalLocation"]["region"]["startLine"], 12);
        assert_eq!(doc["runs"][0]["tool"]["driver"]["rules"][0]["id"], "auth");
    }
}
