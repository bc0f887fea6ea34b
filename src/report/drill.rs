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
use schemars::JsonSchema;
use serde::Serialize;
use serde_json::Value;

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
#[derive(Serialize, JsonSchema)]
struct JsonDrill<'a> {
    /// The document's shape: additive changes only within a version.
    #[schemars(schema_with = "super::json::schema::version")]
    schema_version: u32,
    /// Always `drill`, telling this document from a `check` report.
    #[schemars(schema_with = "schema::kind")]
    kind: &'static str,
    /// The overall verdict: FAIL when an item failed or a `--require`d one
    /// was not exercised.
    #[schemars(schema_with = "schema::status")]
    status: &'static str,
    /// One verdict per checklist item the drill judges.
    items: Vec<JsonItem<'a>>,
    /// The fault plan as played.
    plan: Vec<JsonPhase>,
    /// The command drilled and how it ended.
    command: JsonCommand<'a>,
    /// Requests the command sent to the drill's API.
    requests: usize,
    /// How long the drill took.
    duration_ms: u64,
    /// When the drill started (RFC 3339, UTC).
    #[schemars(extend("format" = "date-time"))]
    started: String,
    /// What the drill noticed beside the items' verdicts.
    notes: Vec<&'a str>,
}

/// One checklist item's verdict and the evidence it rests on.
#[derive(Serialize, JsonSchema)]
struct JsonItem<'a> {
    /// The checklist item's id (the `[attest.<id>]` key).
    #[schemars(schema_with = "schema::item_id")]
    id: &'static str,
    /// The verdict; `not-exercised` when the run never triggered it.
    #[schemars(schema_with = "schema::status")]
    status: &'static str,
    /// One line saying what was seen.
    summary: &'a str,
    /// The journal entries and facts the verdict rests on.
    #[schemars(with = "Vec<String>")]
    evidence: &'a [crate::model::Message],
    /// Whether `--require` named the item.
    required: bool,
}

/// One phase of the fault plan.
#[derive(Serialize, JsonSchema)]
struct JsonPhase {
    /// What the drill did during it.
    #[schemars(schema_with = "schema::phase")]
    kind: &'static str,
    /// When it started, since the drill started.
    start_ms: u64,
    /// When it ended (exclusive).
    end_ms: u64,
}

/// The command drilled.
#[derive(Serialize, JsonSchema)]
struct JsonCommand<'a> {
    /// Its words, sanitized.
    argv: Vec<&'a str>,
    /// Its exit code; null when a signal ended it.
    exit_code: Option<i32>,
    /// How it ended.
    #[schemars(schema_with = "schema::ended")]
    ended: &'static str,
    /// How long it ran.
    duration_ms: u64,
}

/// The JSON Schema of `drill --format json`, as written to
/// `schema/drill-report.schema.json`.
pub fn drill_schema() -> Value {
    super::json::schema_of::<JsonDrill<'static>>("clickup-preflight drill --format json")
}

/// The JSON Schema of one line of `drill --journal`, as written to
/// `schema/drill-journal.schema.json`.
pub fn drill_journal_schema() -> Value {
    super::json::schema_of::<JsonJournalLine<'static>>("clickup-preflight drill --journal (one line)")
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
/// journal numbers them; never its value), the `ECODE` the drill returned,
/// and the items the entry is evidence for ([`crate::drill::counted_for`]:
/// by what the entry is; the verdicts come from the judges reading the
/// journal as a whole, and cite entries in their evidence).
pub fn render_drill_journal(journal: &Journal) -> String {
    journal.entries.iter().map(|e| format!("{}\n", journal_line(e))).collect()
}

/// One journal line. Its keys are in alphabetical order, as the lines have
/// always been written.
#[derive(Serialize, JsonSchema)]
struct JsonJournalLine<'a> {
    /// When the request arrived, since the drill started.
    at_ms: u64,
    /// The ClickUp `ECODE` the drill answered with, if any.
    ecode: Option<&'static str>,
    /// The fault the drill applied.
    #[schemars(schema_with = "schema::fault")]
    fault: &'static str,
    /// The checklist items this request is evidence for.
    #[schemars(schema_with = "schema::item_ids")]
    items: Vec<&'static str>,
    /// The method (`OTHER` for one the drill does not model).
    #[schemars(schema_with = "schema::method")]
    method: &'static str,
    /// The path and query, sanitized.
    path: &'a str,
    /// The phase the request fell in.
    #[schemars(schema_with = "schema::phase")]
    phase: &'static str,
    /// The drill's route template; null for a route it does not model.
    route: Option<&'static str>,
    /// The status answered; null when the connection got no answer.
    status: Option<u16>,
    /// The token it carried, by generation, never its value.
    token: JsonToken,
}

/// A token as the journal names it: `{"generation": n}` (1 first) for one
/// the drill issued, or a word.
#[derive(Serialize, JsonSchema)]
#[serde(untagged)]
enum JsonToken {
    /// The drill's token of this generation.
    Drill {
        /// 1 for the first token, 2 after a rotation, ...
        #[schemars(range(min = 1))]
        generation: u32,
    },
    /// No token, or one the drill never issued.
    Other(TokenWord),
}

/// A request that carried no token of the drill's.
#[derive(Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
enum TokenWord {
    /// No `Authorization` header.
    Absent,
    /// A token the drill never issued.
    Unknown,
}

fn journal_line(entry: &JournalEntry) -> String {
    let token = match entry.token {
        TokenUsed::Drill(n) => JsonToken::Drill { generation: n + 1 },
        TokenUsed::Missing => JsonToken::Other(TokenWord::Absent),
        TokenUsed::Unknown => JsonToken::Other(TokenWord::Unknown),
    };
    let line = JsonJournalLine {
        at_ms: entry.at.as_millis() as u64,
        ecode: entry.ecode,
        fault: entry.fault.as_str(),
        items: crate::drill::counted_for(entry),
        method: entry.method.as_str(),
        path: entry.path.as_str(),
        phase: entry.phase.as_str(),
        route: entry.route,
        status: entry.status,
        token,
    };
    // Plain strings, numbers and nulls: serializing cannot fail.
    serde_json::to_string(&line).unwrap_or_default()
}

/// The `schema_with` functions: the drill's closed sets, each listed by a
/// match that stops compiling when a variant is added.
pub(super) mod schema {
    use std::time::Duration;

    use schemars::{Schema, SchemaGenerator};

    use super::super::json::schema::names;
    use crate::drill::{CommandEnd, DrillStatus, Fault, Method, PhaseKind};

    pub(super) fn kind(_: &mut SchemaGenerator) -> Schema {
        names(vec!["drill"])
    }

    pub(in crate::report) fn status(_: &mut SchemaGenerator) -> Schema {
        use DrillStatus::*;
        let _every = |s: DrillStatus| match s {
            Pass | Warn | Fail | NotExercised => (),
        };
        names([Pass, Warn, Fail, NotExercised].map(DrillStatus::as_str).to_vec())
    }

    /// The ids the drill's judges give their verdicts, asked of the judges.
    pub(super) fn item_id(_: &mut SchemaGenerator) -> Schema {
        let verdicts = crate::drill::judge_all(&crate::drill::Journal::default());
        names(verdicts.iter().map(|v| v.id).collect())
    }

    /// A list of those ids.
    pub(super) fn item_ids(generator: &mut SchemaGenerator) -> Schema {
        let item = item_id(generator);
        schemars::json_schema!({"type": "array", "items": item})
    }

    pub(super) fn phase(_: &mut SchemaGenerator) -> Schema {
        use PhaseKind::*;
        let _every = |p: PhaseKind| match p {
            WarmUp | RateLimit | ServerErrors | Outage | AuthFault | TokenRotation | Normal => (),
        };
        names(
            [WarmUp, RateLimit, ServerErrors, Outage, AuthFault, TokenRotation, Normal].map(PhaseKind::as_str).to_vec(),
        )
    }

    pub(super) fn ended(_: &mut SchemaGenerator) -> Schema {
        use CommandEnd::*;
        let _every = |e: CommandEnd| match e {
            Exited { .. } | Stopped { .. } | Killed => (),
        };
        names([Exited { code: None }, Stopped { code: None }, Killed].map(CommandEnd::as_str).to_vec())
    }

    pub(super) fn fault(_: &mut SchemaGenerator) -> Schema {
        use Fault::*;
        let _every = |f: Fault| match f {
            None | RateLimited { .. } | WindowExhausted { .. } | ServerError | Outage | AuthFault | RevokedToken => (),
        };
        let reset = Duration::ZERO;
        let all =
            [None, RateLimited { reset }, WindowExhausted { reset }, ServerError, Outage, AuthFault, RevokedToken];
        names(all.map(Fault::as_str).to_vec())
    }

    pub(super) fn method(_: &mut SchemaGenerator) -> Schema {
        use Method::*;
        let _every = |m: Method| match m {
            Get | Post | Put | Delete | Other => (),
        };
        names([Get, Post, Put, Delete, Other].map(Method::as_str).to_vec())
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use serde_json::json;

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
        assert_eq!(
            text.lines().next(),
            Some(
                r#"{"at_ms":1500,"ecode":"OAUTH_025","fault":"revoked-token","items":["token-rotation","ecode-parsed"],"method":"GET","path":"/api/v2/team","phase":"token-rotation","route":"/team","status":401,"token":{"generation":1}}"#
            ),
            "one compact line, keys in alphabetical order as ever"
        );
        let lines: Vec<Value> = text.lines().map(|l| serde_json::from_str(l).expect("a JSON line")).collect();
        assert_eq!(
            lines[0],
            json!({"at_ms": 1500, "method": "GET", "path": "/api/v2/team", "route": "/team", "status": 401,
                   "fault": "revoked-token", "phase": "token-rotation", "token": {"generation": 1}, "ecode": "OAUTH_025",
                   "items": ["token-rotation", "ecode-parsed"]})
        );
        assert_eq!((lines[1]["status"].is_null(), lines[1]["token"].as_str()), (true, Some("absent")));
        assert_eq!(
            lines[1]["items"],
            json!(["backoff-with-jitter", "circuit-breaker", "graceful-degradation"]),
            "a refused request during the outage"
        );
    }
}
