//! SARIF 2.1.0 for findings that point into the repository, so that code
//! scanning can show them on the lines they concern. One rule per finding
//! code that appears (codes are stable, so an alert keeps its identity
//! across runs); an allowed finding is a result with an external
//! suppression carrying its reason. Findings without file locations are not
//! code findings and are left out; a run with none is a valid empty run.

use serde_json::{Value, json};

use super::Report;
use crate::checks::{Finding, Outcome, Status};

pub(super) const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

fn level(status: Status) -> &'static str {
    match status {
        Status::Fail | Status::Error => "error",
        Status::Warn => "warning",
        Status::Pass | Status::Skip => "note",
    }
}

/// Renders the file-level findings as one SARIF run.
pub(super) fn render(report: &Report) -> String {
    let located: Vec<(&Outcome, &Finding)> = report
        .outcomes
        .iter()
        .flat_map(|o| o.findings.iter().filter(|f| f.location.is_some()).map(move |f| (o, f)))
        .collect();
    let mut rules: Vec<Value> = Vec::new();
    for (o, f) in &located {
        if !rules.iter().any(|r| r["id"] == f.code) {
            rules.push(json!({
                "id": f.code,
                "name": f.code,
                "shortDescription": {"text": format!("{}: {}", o.id.title(), f.code)},
                "defaultConfiguration": {"level": level(f.status)},
                "properties": {"check": o.id.as_str(), "severity": o.severity.as_str()}
            }));
        }
    }
    let results: Vec<Value> = located.iter().filter_map(|(_, f)| result(f)).collect();
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

/// One finding with a location as a SARIF result, suppressed when allowed.
fn result(f: &Finding) -> Option<Value> {
    let loc = f.location.as_ref()?;
    let mut result = json!({
        "ruleId": f.code,
        "level": level(f.status),
        "message": {"text": loc.message},
        "locations": [{"physicalLocation": {
            "artifactLocation": {"uri": loc.path.as_str(), "uriBaseId": "%SRCROOT%"},
            "region": {"startLine": loc.line.max(1)}
        }}]
    });
    if let Some(reason) = &f.allowed {
        result["suppressions"] = json!([{"kind": "external", "justification": reason}]);
    }
    Some(result)
}

#[cfg(test)]
mod tests {
    use super::super::tests::report;
    use super::*;
    use crate::checks::{FileLocation, Finding};

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
        let at = |line| FileLocation { path: "src/config.js".into(), line, message: "token pk_123…".into() };
        let found = |line| Finding::new("secret-in-repository", Status::Fail, "token").at(at(line));
        r.outcomes[0].findings = vec![found(12), found(14), Finding::new("no-pre-commit-guard", Status::Warn, "none")];
        r.outcomes[0].findings[1].allowed = Some("a test fixture".into());
        let doc: Value = serde_json::from_str(&render(&r)).expect("json");
        let result = &doc["runs"][0]["results"][0];
        assert_eq!(result["ruleId"], "secret-in-repository");
        assert_eq!(result["level"], "error");
        assert_eq!(result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"], "src/config.js");
        assert_eq!(result["locations"][0]["physicalLocation"]["region"]["startLine"], 12);
        assert!(result.get("suppressions").is_none(), "{result}");
        let allowed = &doc["runs"][0]["results"][1];
        assert_eq!(allowed["suppressions"][0]["justification"], "a test fixture");
        assert_eq!(doc["runs"][0]["results"].as_array().map(Vec::len), Some(2), "unlocated findings are not results");
        let rules = &doc["runs"][0]["tool"]["driver"]["rules"];
        assert_eq!(rules.as_array().map(Vec::len), Some(1), "one rule per code: {rules}");
        assert_eq!(
            (rules[0]["id"].as_str(), rules[0]["properties"]["check"].as_str()),
            (Some("secret-in-repository"), Some("auth"))
        );
    }
}
