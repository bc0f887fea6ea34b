//! The drill's report in every format `check` has but the monitoring ones
//! (a drill is a CI step, not a probe), and its journal as JSON lines.
//!
//! A drill's verdicts are per checklist item, not per check: they have no
//! `CheckId`, severity or metrics, and a fourth status, `not-exercised`.
//! Mapping them onto `model::Report` would invent those, so the drill has
//! small renderers of its own over [`DrillReport`] that share the check
//! renderers' building blocks: the table style, JSON printing, XML,
//! workflow-command and Markdown escaping, the size caps and the SARIF
//! schema. The CI formats are in `drill_ci`.

use comfy_table::{Attribute, Cell, Color};
use serde::Serialize;
use serde_json::{Value, json};

use super::Format;
use super::table::{TableOptions, count, keep_whole, new_table};
use crate::drill::{DrillReport, DrillStatus, ItemVerdict, Journal, JournalEntry, TokenUsed};
use crate::duration::human;
use crate::model::calendar::rfc3339;

/// The formats `drill` offers: `check`'s, but Nagios and Prometheus.
pub const DRILL_FORMATS: [Format; 6] =
    [Format::Table, Format::Json, Format::Junit, Format::Github, Format::Markdown, Format::Sarif];

/// Renders the drill's report in `format` (one of [`DRILL_FORMATS`]; the
/// others fall back to JSON). As for `check`, only `github` may print
/// workflow commands.
pub fn render_drill(report: &DrillReport, format: Format, table: TableOptions) -> String {
    let text = match format {
        Format::Table => render_table(report, table),
        Format::Junit => super::drill_ci::junit(report),
        Format::Github => return super::drill_ci::github(report),
        Format::Markdown => super::drill_ci::markdown(report),
        Format::Sarif => super::drill_ci::sarif(report),
        Format::Json | Format::Nagios | Format::Prometheus => render_json(report),
    };
    crate::text::no_workflow_commands(text)
}

/// The status word people read (`NOT EXERCISED`, with `(required)` when
/// `--require` named it).
pub(super) fn word(report: &DrillReport, item: &ItemVerdict) -> String {
    let base = match item.status {
        DrillStatus::Pass => "PASS",
        DrillStatus::Warn => "WARN",
        DrillStatus::Fail => "FAIL",
        DrillStatus::NotExercised => "NOT EXERCISED",
    };
    if report.is_required(item.id) && item.status == DrillStatus::NotExercised {
        format!("{base} (required)")
    } else {
        base.to_owned()
    }
}

/// The overall status in capitals.
pub(super) fn overall(report: &DrillReport) -> String {
    report.status().as_str().replace('-', " ").to_ascii_uppercase()
}

fn color(report: &DrillReport, item: &ItemVerdict) -> Color {
    match item.status {
        _ if report.failed(item) => Color::Red,
        DrillStatus::Warn => Color::Yellow,
        DrillStatus::Pass => Color::Green,
        DrillStatus::Fail | DrillStatus::NotExercised => Color::DarkGrey,
    }
}

/// The command line as one line, for people.
pub(super) fn command_line(report: &DrillReport) -> String {
    let words: Vec<&str> = report.command.argv.iter().map(crate::model::OutsideText::as_str).collect();
    words.join(" ")
}

/// `warm-up 0s-8s, rate-limit 8s-18s, ...`
pub(super) fn plan_line(report: &DrillReport) -> String {
    let phases: Vec<String> =
        report.plan.iter().map(|p| format!("{} {}-{}", p.kind, human(p.start), human(p.end))).collect();
    phases.join(", ")
}

/// `FAIL: 10 items, 3 passed, 1 failed, 6 not exercised; ...`: the last
/// line of the table and the GitHub annotations.
pub(super) fn closing_line(report: &DrillReport) -> String {
    let tally = |status| report.items.iter().filter(|i| i.status == status).count();
    let mut parts = vec![format!("{} passed", tally(DrillStatus::Pass))];
    for (status, what) in
        [(DrillStatus::Warn, "warned"), (DrillStatus::Fail, "failed"), (DrillStatus::NotExercised, "not exercised")]
    {
        if tally(status) > 0 {
            parts.push(format!("{} {what}", tally(status)));
        }
    }
    let exit = match report.command.end.code() {
        Some(code) => format!("exit {code}"),
        None => "no exit code".to_owned(),
    };
    format!(
        "drill {}: {}, {}; the command {} ({exit}) after {}; {} in {}",
        overall(report),
        count(report.items.len() as u64, "item"),
        parts.join(", "),
        report.command.end.as_str(),
        human(report.command.duration),
        count(report.requests as u64, "API request"),
        human(report.duration)
    )
}

fn render_table(report: &DrillReport, options: TableOptions) -> String {
    let mut table = new_table(&["Status", "Item", "Summary"], options.width, options.color);
    let shown: Vec<&ItemVerdict> =
        report.items.iter().filter(|i| !options.quiet || i.status != DrillStatus::Pass).collect();
    for item in &shown {
        let mut status = Cell::new(word(report, item));
        if options.color {
            status = status.fg(color(report, item)).add_attribute(Attribute::Bold);
        }
        table.add_row(vec![status, Cell::new(item.id), Cell::new(&item.summary)]);
    }
    keep_whole(&mut table, 1, shown.iter().map(|i| i.id));
    let mut out = format!("{table}\n");
    for item in shown.iter().filter(|i| !i.evidence.is_empty()) {
        out.push_str(&format!("\n{}:\n", item.id));
        for line in &item.evidence {
            out.push_str(&format!("  - {line}\n"));
        }
    }
    out.push_str(&format!(
        "\ncommand: {}\nplan: {}\n{}\n",
        command_line(report),
        plan_line(report),
        closing_line(report)
    ));
    out
}

/// The JSON document (schema version 1, `"kind": "drill"`), keys in the
/// documented order.
#[derive(Serialize)]
struct JsonDrill<'a> {
    schema_version: u32,
    kind: &'static str,
    status: &'static str,
    items: Vec<JsonItem<'a>>,
    plan: Vec<JsonPhase>,
    command: JsonCommand<'a>,
    requests: usize,
    duration_ms: u64,
    started: String,
    notes: Vec<&'a str>,
}

#[derive(Serialize)]
struct JsonItem<'a> {
    id: &'static str,
    status: &'static str,
    summary: &'a str,
    evidence: &'a [crate::model::Message],
    required: bool,
}

#[derive(Serialize)]
struct JsonPhase {
    kind: &'static str,
    start_ms: u64,
    end_ms: u64,
}

#[derive(Serialize)]
struct JsonCommand<'a> {
    argv: Vec<&'a str>,
    exit_code: Option<i32>,
    ended: &'static str,
    duration_ms: u64,
}

fn render_json(report: &DrillReport) -> String {
    let millis = |d: std::time::Duration| d.as_millis() as u64;
    let doc = JsonDrill {
        schema_version: 1,
        kind: "drill",
        status: report.status().as_str(),
        items: report
            .items
            .iter()
            .map(|i| JsonItem {
                id: i.id,
                status: i.status.as_str(),
                summary: &i.summary,
                evidence: &i.evidence,
                required: report.is_required(i.id),
            })
            .collect(),
        plan: report
            .plan
            .iter()
            .map(|p| JsonPhase { kind: p.kind.as_str(), start_ms: millis(p.start), end_ms: millis(p.end) })
            .collect(),
        command: JsonCommand {
            argv: report.command.argv.iter().map(crate::model::OutsideText::as_str).collect(),
            exit_code: report.command.end.code(),
            ended: report.command.end.as_str(),
            duration_ms: millis(report.command.duration),
        },
        requests: report.requests,
        duration_ms: millis(report.duration),
        started: rfc3339(report.started_unix),
        notes: report.notes.iter().map(crate::model::Message::as_str).collect(),
    };
    super::json::pretty(&doc)
}

/// The journal as JSON lines, one request a line in arrival order: time,
/// method, path (sanitized, as the judges read it), the drill's route
/// template, status (`null`: no answer), the fault applied, the phase, the
/// token by generation (`{"generation": 1}` first, as the sandbox's own
/// journal numbers them; never its value) and the `ECODE` the drill
/// returned. Which items an entry counted for is not recorded: the judges
/// read the journal as a whole and cite entries in their evidence.
pub fn render_drill_journal(journal: &Journal) -> String {
    journal.entries.iter().map(|e| format!("{}\n", journal_line(e))).collect()
}

fn journal_line(entry: &JournalEntry) -> Value {
    let token = match entry.token {
        TokenUsed::Drill(n) => json!({"generation": n + 1}),
        TokenUsed::Missing => json!("absent"),
        TokenUsed::Unknown => json!("unknown"),
    };
    json!({
        "at_ms": entry.at.as_millis() as u64,
        "method": entry.method.as_str(),
        "path": entry.path.as_str(),
        "route": entry.route,
        "status": entry.status,
        "fault": entry.fault.as_str(),
        "phase": entry.phase.as_str(),
        "token": token,
        "ecode": entry.ecode,
    })
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::drill::report::tests::report;
    use crate::drill::{Fault, Method, Phase, PhaseKind};
    use crate::message;

    const PLAIN: TableOptions = TableOptions { color: false, quiet: false, width: 120 };

    #[test]
    fn the_json_has_the_documented_shape() {
        let mut r = report(&[DrillStatus::Pass, DrillStatus::NotExercised], &["handles-401-429-500"]);
        r.plan =
            vec![Phase { kind: PhaseKind::Outage, start: Duration::from_millis(100), end: Duration::from_millis(900) }];
        r.items[0].evidence = vec![message!("GET /team at 1s")];
        let text = render_drill(&r, Format::Json, PLAIN);
        let v: Value = serde_json::from_str(&text).expect("json");
        let order =
            ["schema_version", "kind", "status", "items", "plan", "command", "requests", "duration_ms", "started"];
        let at: Vec<usize> = order.iter().filter_map(|k| text.find(&format!("\n  \"{k}\":"))).collect();
        assert!(at.len() == order.len() && at.windows(2).all(|w| w[0] < w[1]), "keys in the documented order: {text}");
        assert_eq!(
            (v["schema_version"].as_u64(), v["kind"].as_str(), v["status"].as_str()),
            (Some(1), Some("drill"), Some("fail"))
        );
        assert_eq!(
            v["items"][0],
            json!({"id": "token-rotation", "status": "pass", "summary": "summary", "evidence": ["GET /team at 1s"], "required": false})
        );
        assert_eq!(v["items"][1]["status"], "not-exercised");
        assert_eq!(v["items"][1]["required"], true);
        assert_eq!(v["plan"], json!([{"kind": "outage", "start_ms": 100, "end_ms": 900}]));
        assert_eq!(v["command"], json!({"argv": [], "exit_code": 0, "ended": "exited", "duration_ms": 0}));
        assert_eq!(v["started"], "2026-11-18T11:06:40Z");
        for key in ["requests", "duration_ms"] {
            assert!(v[key].is_u64(), "{key}: {v}");
        }
    }

    #[test]
    fn the_table_names_every_item_its_evidence_and_a_closing_line() {
        let mut r =
            report(&[DrillStatus::Fail, DrillStatus::NotExercised, DrillStatus::Warn], &["handles-401-429-500"]);
        r.items[0].evidence = vec![message!("GET /team at 1s was sent again")];
        let text = render_drill(&r, Format::Table, PLAIN);
        assert!(text.contains("NOT EXERCISED (required)"), "{text}");
        assert!(text.contains("token-rotation:\n  - GET /team at 1s was sent again"), "{text}");
        assert!(text.trim_end().ends_with("drill FAIL: 3 items, 0 passed, 1 warned, 1 failed, 1 not exercised; the command exited (exit 0) after 0ms; 0 API requests in 0ms"), "{text}");
        let quiet = render_drill(
            &report(&[DrillStatus::Pass, DrillStatus::Warn], &[]),
            Format::Table,
            TableOptions { quiet: true, ..PLAIN },
        );
        assert!(!quiet.contains("token-rotation") && quiet.contains("handles-401-429-500"), "{quiet}");
    }

    #[test]
    fn journal_lines_name_the_token_by_generation_only() {
        let entry = JournalEntry {
            at: Duration::from_millis(1500),
            method: Method::Get,
            route: Some("/team"),
            path: "/api/v2/team".into(),
            status: Some(401),
            ecode: Some("OAUTH_025"),
            fault: Fault::RevokedToken,
            phase: PhaseKind::TokenRotation,
            token: TokenUsed::Drill(0),
            window: None,
            data_version: None,
            covered_by_webhook: false,
        };
        let refused = JournalEntry {
            status: None,
            fault: Fault::Outage,
            token: TokenUsed::Missing,
            ecode: None,
            ..entry.clone()
        };
        let text = render_drill_journal(&Journal { entries: vec![entry, refused], ..Journal::default() });
        let lines: Vec<Value> = text.lines().map(|l| serde_json::from_str(l).expect("a JSON line")).collect();
        assert_eq!(
            lines[0],
            json!({"at_ms": 1500, "method": "GET", "path": "/api/v2/team", "route": "/team", "status": 401,
                   "fault": "revoked-token", "phase": "token-rotation", "token": {"generation": 1}, "ecode": "OAUTH_025"})
        );
        assert_eq!((lines[1]["status"].is_null(), lines[1]["token"].as_str()), (true, Some("absent")));
    }
}
