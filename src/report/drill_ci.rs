//! The drill's report for CI: JUnit, GitHub annotations, Markdown and
//! SARIF, escaped with the same helpers as `check`'s formats.

use serde_json::{Value, json};

use super::drill::{closing_line, command_line, overall, plan_line, word};
use super::github::{data, property};
use super::junit::{attr, element, text};
use super::markdown::{cell, clip, escape, push_details};
use crate::drill::{DrillReport, DrillStatus, ItemVerdict};
use crate::duration::human;
use crate::model::calendar::rfc3339;

/// The summary and the evidence, one per line.
fn body(item: &ItemVerdict) -> String {
    let mut lines = vec![item.summary.to_string()];
    lines.extend(item.evidence.iter().map(ToString::to_string));
    lines.join("\n")
}

/// JUnit XML: one `<testcase>` per item. A failed item (a required one
/// not exercised included) is a `<failure>`; not exercised is
/// `<skipped>`; a warning passes with `WARN:` in `<system-out>`, as
/// `check`'s warnings do.
pub(super) fn junit(report: &DrillReport) -> String {
    let failures = report.items.iter().filter(|i| report.failed(i)).count();
    let skipped = report.items.iter().filter(|i| i.status == DrillStatus::NotExercised && !report.failed(i)).count();
    let counts = format!(
        r#"tests="{}" failures="{failures}" errors="0" skipped="{skipped}" time="{:.3}""#,
        report.items.len(),
        report.duration.as_secs_f64()
    );
    let name = "clickup-preflight drill";
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    out.push_str(&format!("<testsuites name=\"{name}\" {counts}>\n"));
    out.push_str(&format!(
        "  <testsuite name=\"{name}\" {counts} timestamp=\"{}\">\n",
        rfc3339(report.started_unix).trim_end_matches('Z')
    ));
    out.push_str(&format!(
        "    <properties>\n      <property name=\"command\" value=\"{}\"/>\n      <property name=\"plan\" value=\"{}\"/>\n    </properties>\n",
        attr(&command_line(report)),
        attr(&plan_line(report))
    ));
    for item in &report.items {
        out.push_str(&format!("    <testcase classname=\"clickup-preflight.drill\" name=\"{}\">\n", attr(item.id)));
        let evidence: Vec<String> = item.evidence.iter().map(ToString::to_string).collect();
        if report.failed(item) {
            out.push_str(&element("failure", &item.summary, &word(report, item), &evidence.join("\n")));
        } else if item.status == DrillStatus::NotExercised {
            out.push_str(&format!("      <skipped message=\"{}\"/>\n", attr(&item.summary)));
        } else {
            let prefix = if item.status == DrillStatus::Warn { "WARN: " } else { "" };
            out.push_str(&format!("      <system-out>{}</system-out>\n", text(&format!("{prefix}{}", body(item)))));
        }
        out.push_str("    </testcase>\n");
    }
    out.push_str("  </testsuite>\n</testsuites>\n");
    out
}

/// GitHub Actions: `::error` per failed item, `::warning` per warning,
/// then the closing line. The job summary is the caller's, as for `check`.
pub(super) fn github(report: &DrillReport) -> String {
    let mut out = String::new();
    for item in &report.items {
        let command = match item.status {
            _ if report.failed(item) => "error",
            DrillStatus::Warn => "warning",
            _ => continue,
        };
        let title = format!("clickup-preflight drill {} {}", item.id, word(report, item));
        out.push_str(&format!("::{command} title={}::{}\n", property(&title), data(&body(item))));
    }
    out.push_str(&crate::text::no_workflow_commands(closing_line(report)));
    out.push('\n');
    out
}

fn icon(report: &DrillReport, item: &ItemVerdict) -> String {
    let mark = match item.status {
        _ if report.failed(item) => "❌",
        DrillStatus::Pass => "✅",
        DrillStatus::Warn => "⚠️",
        DrillStatus::Fail | DrillStatus::NotExercised => "⏭️",
    };
    format!("{mark} {}", word(report, item))
}

/// Markdown: the verdict table, then the evidence of each item that did
/// not pass in a `<details>` block; as capped as `check`'s Markdown.
pub(super) fn markdown(report: &DrillReport) -> String {
    let mut out = format!(
        "## ClickUp drill: {}\n\n{}\n\nCommand: `{}`; plan: {}\n\n",
        overall(report),
        escape(&closing_line(report)),
        clip(&command_line(report), 1024).replace('`', "'"),
        escape(&plan_line(report))
    );
    out.push_str("| Status | Item | Summary |\n|---|---|---|\n");
    for item in &report.items {
        out.push_str(&format!("| {} | `{}` | {} |\n", icon(report, item), item.id, cell(&clip(&item.summary, 1024))));
    }
    for item in report.items.iter().filter(|i| i.status != DrillStatus::Pass && !i.evidence.is_empty()) {
        let lines: String = item.evidence.iter().map(|line| format!("- {}\n", escape(line))).collect();
        if !push_details(&mut out, item.id, &icon(report, item), &lines) {
            break;
        }
    }
    out
}

/// SARIF 2.1.0. A drill's verdicts are about behaviour, not lines of code,
/// and code scanning refuses results without a file location, so, as in
/// `check`'s SARIF, there are no results: each judged item is a rule, and
/// each item that did not pass is a tool notification of the run's
/// invocation (level error, warning or note) carrying its summary and
/// evidence.
pub(super) fn sarif(report: &DrillReport) -> String {
    let level = |item: &ItemVerdict| match item.status {
        _ if report.failed(item) => "error",
        DrillStatus::Warn => "warning",
        _ => "note",
    };
    let rules: Vec<Value> = report
        .items
        .iter()
        .map(|i| {
            let text = crate::model::checklist_items::item_by_id(i.id).map_or(i.id, |item| item.text);
            json!({"id": i.id, "name": i.id, "shortDescription": {"text": text}})
        })
        .collect();
    let notifications: Vec<Value> = report
        .items
        .iter()
        .filter(|i| i.status != DrillStatus::Pass)
        .map(|i| {
            json!({"level": level(i), "message": {"text": i.summary.as_str()}, "descriptor": {"id": i.id},
                   "properties": {"status": i.status.as_str(), "required": report.is_required(i.id), "evidence": i.evidence}})
        })
        .collect();
    let doc = json!({
        "$schema": super::sarif::SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "clickup-preflight", "version": env!("CARGO_PKG_VERSION"), "rules": rules}},
            "invocations": [{
                "executionSuccessful": true,
                "startTimeUtc": rfc3339(report.started_unix),
                "toolExecutionNotifications": notifications,
                "properties": {"kind": "drill", "status": report.status().as_str(), "duration": human(report.duration).to_string()}
            }],
            "results": []
        }]
    });
    super::json::pretty(&doc)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::drill::report::tests::report;
    use crate::message;
    use crate::report::{Format, TableOptions, render_drill};

    const PLAIN: TableOptions = TableOptions { color: false, quiet: false, width: 120 };

    fn hostile() -> DrillReport {
        let mut r = report(
            &[DrillStatus::Fail, DrillStatus::Warn, DrillStatus::NotExercised, DrillStatus::Pass],
            &["backoff-with-jitter"],
        );
        r.items[0].summary = message!("{} <b>&\"x\" 100%, a:b", crate::model::OutsideText::from("\n::error::forged"));
        r.items[0].evidence = vec![message!("{}", crate::model::OutsideText::from("</failure><x>"))];
        r
    }

    #[test]
    fn junit_maps_failed_required_and_skipped_items_and_escapes() {
        let xml = render_drill(&hostile(), Format::Junit, PLAIN);
        let doc = roxmltree::Document::parse(&xml).expect("well-formed XML");
        let suite = doc.descendants().find(|n| n.has_tag_name("testsuite")).expect("a suite");
        assert_eq!(
            (suite.attribute("tests"), suite.attribute("failures"), suite.attribute("skipped")),
            (Some("4"), Some("2"), Some("0"))
        );
        let case = |name: &str| doc.descendants().find(|n| n.attribute("name") == Some(name)).expect(name);
        let failure = case("token-rotation").children().find(|n| n.has_tag_name("failure")).expect("a failure");
        assert!(failure.attribute("message").is_some_and(|m| m.contains("<b>&\"x\"")), "{xml}");
        assert_eq!(failure.text(), Some("</failure><x>"));
        let required =
            case("backoff-with-jitter").children().find(|n| n.has_tag_name("failure")).expect("required fails");
        assert_eq!(required.attribute("type"), Some("NOT EXERCISED (required)"));
        assert!(case("caching").children().any(|n| n.has_tag_name("system-out")));
        let unrequired = render_drill(&report(&[DrillStatus::NotExercised], &[]), Format::Junit, PLAIN);
        assert!(unrequired.contains(r#"failures="0" errors="0" skipped="1""#), "{unrequired}");
        assert!(unrequired.contains(r#"<skipped message="summary"/>"#), "{unrequired}");
        assert!(
            case("handles-401-429-500")
                .children()
                .any(|n| n.has_tag_name("system-out") && n.text().is_some_and(|t| t.starts_with("WARN: ")))
        );
    }

    #[test]
    fn only_github_starts_workflow_commands_and_they_are_escaped() {
        let r = hostile();
        for format in [Format::Table, Format::Json, Format::Junit, Format::Markdown, Format::Sarif] {
            let text = render_drill(&r, format, PLAIN);
            assert!(!text.lines().any(|l| l.trim_start().starts_with("::")), "{format:?}:\n{text}");
        }
        let github = render_drill(&r, Format::Github, PLAIN);
        let commands: Vec<&str> = github.lines().filter(|l| l.starts_with("::")).collect();
        assert_eq!(commands.len(), 3, "{github}");
        assert!(commands[0].starts_with("::error title=clickup-preflight drill token-rotation FAIL::"), "{github}");
        assert!(commands[0].contains("100%25, a:b"), "{github}");
        assert!(commands[1].starts_with("::warning title=clickup-preflight drill handles-401-429-500 WARN::"));
        assert!(
            commands[2]
                .starts_with("::error title=clickup-preflight drill backoff-with-jitter NOT EXERCISED (required)::")
        );
    }

    #[test]
    fn markdown_is_a_table_then_details_escaped() {
        let md = render_drill(&hostile(), Format::Markdown, PLAIN);
        assert!(md.starts_with("## ClickUp drill: FAIL\n"), "{md}");
        assert!(md.contains("| ❌ FAIL | `token-rotation` |"), "{md}");
        assert!(md.contains("&lt;b&gt;&amp;"), "{md}");
        assert!(md.contains("- &lt;/failure&gt;&lt;x&gt;"), "{md}");
        assert!(md.contains("| ❌ NOT EXERCISED (required) | `backoff-with-jitter` |"), "{md}");
    }

    #[test]
    fn sarif_is_a_valid_run_with_a_rule_per_item_and_no_located_results() {
        let doc: Value = serde_json::from_str(&render_drill(&hostile(), Format::Sarif, PLAIN)).expect("json");
        let run = &doc["runs"][0];
        assert_eq!(doc["version"], "2.1.0");
        assert_eq!(run["results"], json!([]));
        assert_eq!(run["tool"]["driver"]["rules"].as_array().map(Vec::len), Some(4));
        assert_eq!(
            run["tool"]["driver"]["rules"][3]["shortDescription"]["text"],
            "Caching reduces unnecessary API calls"
        );
        let notes = run["invocations"][0]["toolExecutionNotifications"].as_array().cloned().unwrap_or_default();
        let levels: Vec<&str> = notes.iter().filter_map(|n| n["level"].as_str()).collect();
        assert_eq!(levels, ["error", "warning", "error"]);
        assert_eq!(notes[2]["descriptor"]["id"], "backoff-with-jitter");
    }
}
