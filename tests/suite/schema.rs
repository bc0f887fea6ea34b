//! The JSON Schemas in `schema/` are what the code generates (regenerate
//! with `UPDATE_SCHEMA=1 cargo test --test suite schema::`), and the documents they
//! describe validate against them: every JSON golden file against its
//! command's schema (`check`, `checklist`, `webhooks list`), the shipped
//! `checks.toml` against the config schema; real drill output is validated
//! in `drill.rs`, real `config` and `webhooks reactivate` output in
//! `config_cmd.rs` and `webhooks.rs`. The validator is the small one in `common/json_schema.rs`,
//! and is shown to refuse wrong documents, as is each schema.

use crate::common;

use std::path::{Path, PathBuf};

use common::json_schema::{read_schema, toml_to_json, validate};
use serde_json::{Value, json};

const REGENERATE: &str = "UPDATE_SCHEMA=1 cargo test --test suite schema::";

/// The schema of a golden directory's `json.json`: the commands that are
/// not `check` have their own; every other directory is a `check` scenario.
fn schema_of_golden(dir: &str) -> &'static str {
    match dir {
        "checklist" => "checklist.schema.json",
        "webhooks-list" => "webhooks-list.schema.json",
        _ => "report.schema.json",
    }
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The schema file's text for a generated schema: pretty, one final newline.
fn text_of(schema: &Value) -> String {
    let mut text = serde_json::to_string_pretty(schema).expect("a schema serializes");
    text.push('\n');
    text
}

#[test]
fn the_schema_files_are_what_the_code_generates() {
    let updating = std::env::var_os("UPDATE_SCHEMA").is_some_and(|v| !v.is_empty() && v != "0");
    let mut stale = Vec::new();
    for (name, schema) in [
        ("checks.toml.schema.json", clickup_preflight::config::checks_toml_schema()),
        ("report.schema.json", clickup_preflight::report::json_report_schema()),
        ("drill-report.schema.json", clickup_preflight::report::drill_schema()),
        ("drill-journal.schema.json", clickup_preflight::report::drill_journal_schema()),
        ("webhooks-list.schema.json", clickup_preflight::report::webhooks_list_schema()),
        ("checklist.schema.json", clickup_preflight::report::checklist_schema()),
        ("config.schema.json", clickup_preflight::report::config_schema()),
        ("webhooks-reactivate.schema.json", clickup_preflight::report::webhooks_reactivate_schema()),
    ] {
        let path = root().join("schema").join(name);
        let generated = text_of(&schema);
        if updating {
            std::fs::create_dir_all(root().join("schema")).expect("mkdir schema");
            std::fs::write(&path, &generated).expect("write schema");
        } else if std::fs::read_to_string(&path).ok().as_deref() != Some(generated.as_str()) {
            stale.push(format!("schema/{name}"));
        }
    }
    assert!(stale.is_empty(), "{} differ from the code; if intended: {REGENERATE}", stale.join(", "));
}

/// A golden JSON file with its normalised values (`<n>`) put back as
/// numbers, so that it parses as the report it was.
fn golden_json(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).expect("read golden file").replace(": <n>", ": 0");
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{} is not JSON after normalising: {e}", path.display()))
}

#[test]
fn every_json_golden_file_validates_against_its_schema() {
    let mut validated = Vec::new();
    for entry in std::fs::read_dir(root().join("tests/golden")).expect("golden dir").flatten() {
        let dir = entry.file_name().to_string_lossy().into_owned();
        let path = entry.path().join("json.json");
        if !path.is_file() {
            continue;
        }
        let schema = schema_of_golden(&dir);
        let errors = validate(&read_schema(schema), &golden_json(&path));
        assert!(errors.is_empty(), "tests/golden/{dir}/json.json against schema/{schema}:\n{}", errors.join("\n"));
        validated.push(dir);
    }
    assert!(validated.len() >= 10, "expected the golden JSON files, validated {validated:?}");
    for other in ["checklist", "webhooks-list"] {
        assert!(validated.iter().any(|d| d == other), "no JSON golden for {other}: {validated:?}");
    }
}

#[test]
fn the_shipped_checks_toml_starts_with_its_schema_line_and_validates() {
    let text = std::fs::read_to_string(root().join("checks.toml")).expect("checks.toml");
    assert_eq!(text.lines().next(), Some(clickup_preflight::config::SCHEMA_LINE));
    let target = clickup_preflight::config::SCHEMA_LINE.trim_start_matches("#:schema ").trim();
    assert!(root().join(target).is_file(), "the #:schema line names {target}, which does not exist");
    let doc = toml_to_json(&toml::from_str(&text).expect("checks.toml is TOML"));
    let errors = validate(&read_schema("checks.toml.schema.json"), &doc);
    assert!(errors.is_empty(), "checks.toml:\n{}", errors.join("\n"));
}

#[test]
fn the_config_schema_refuses_what_the_loader_refuses() {
    let schema = read_schema("checks.toml.schema.json");
    let refused = |source: &str| {
        let doc = toml_to_json(&toml::from_str(source).expect("TOML"));
        !validate(&schema, &doc).is_empty()
    };
    assert!(!refused("plan = \"business\"\n[latency]\nwarn_above = \"2s\"\nfail_p95_above = 3\n"));
    assert!(!refused("[checks.webhooks]\ngate = \"never\"\nallow = [{ code = \"x\", reason = \"y\" }]\n"));
    assert!(!refused("[attest.token-rotation]\nby = \"ops@example.com\"\non = 2026-11-01\n"));
    assert!(refused("[latency]\nsampels = 3\n"), "a misspelt key");
    assert!(refused("plan = \"gold\"\n"), "a plan that does not exist");
    assert!(refused("[checks.nope]\ngate = \"fail\"\n"), "a check id that does not exist");
    assert!(refused("[attest.nope]\nby = \"a\"\non = 2026-11-01\n"), "an item that does not exist");
    assert!(refused("[[webhooks.expect]]\nendpoint = \"https://a.example\"\n"), "events are required");
    assert!(refused("[api]\ntimeout = true\n"), "a duration is text or seconds");
}

#[test]
fn the_validator_refuses_wrong_documents() {
    let schema = json!({
        "type": "object",
        "properties": {
            "status": { "type": "string", "enum": ["pass", "fail"] },
            "version": { "const": 1 },
            "count": { "type": "integer", "minimum": 0, "maximum": 10 },
            "items": { "type": "array", "items": { "type": "number", "exclusiveMinimum": 0 } },
            "either": { "oneOf": [{ "type": "string" }, { "type": "integer" }, { "type": "number" }] },
            "hint": { "type": ["string", "null"] }
        },
        "required": ["status", "version"],
        "additionalProperties": false
    });
    let good = json!({"status": "pass", "version": 1, "count": 3, "items": [0.5], "either": "x", "hint": null});
    assert_eq!(validate(&schema, &good), Vec::<String>::new());
    let broken = |patch: Value| {
        let mut doc = good.clone();
        for (k, v) in patch.as_object().expect("object") {
            if v == "<remove>" {
                doc.as_object_mut().expect("object").remove(k);
            } else {
                doc[k] = v.clone();
            }
        }
        validate(&schema, &doc)
    };
    for (patch, expected) in [
        (json!({"status": "passed"}), "/status"),
        (json!({"status": 1}), "/status"),
        (json!({"version": 2}), "/version"),
        (json!({"version": "<remove>"}), "`version` is required"),
        (json!({"count": 11}), "/count"),
        (json!({"count": 1.5}), "/count"),
        (json!({"items": [0]}), "/items/0"),
        (json!({"items": {}}), "/items"),
        (json!({"either": 2}), "matches 2 of the oneOf"),
        (json!({"either": true}), "matches 0 of the oneOf"),
        (json!({"hint": 3}), "/hint"),
        (json!({"extra": 1}), "/extra"),
    ] {
        let errors = broken(patch.clone());
        assert!(errors.iter().any(|e| e.contains(expected)), "{patch} should be refused at {expected}: {errors:?}");
    }
    assert!(!validate(&schema, &json!([])).is_empty(), "not an object");
    let referring = json!({
        "$defs": { "Entry": { "type": "object", "required": ["by"] } },
        "type": "object",
        "properties": { "a": { "$ref": "#/$defs/Entry" } }
    });
    assert!(validate(&referring, &json!({"a": {"by": "x"}})).is_empty());
    assert!(!validate(&referring, &json!({"a": {}})).is_empty(), "a $ref is followed");
}

#[test]
fn the_report_schema_refuses_a_golden_report_with_a_wrong_field() {
    let schema = read_schema("report.schema.json");
    let good = golden_json(&root().join("tests/golden/healthy/json.json"));
    assert!(validate(&schema, &good).is_empty());
    let mut renamed_status = good.clone();
    renamed_status["checks"][0]["status"] = json!("PASS");
    let mut unknown_metric = good.clone();
    unknown_metric["checks"][0]["metrics"]["p99_ms"] = json!(1);
    let mut no_summary = good.clone();
    no_summary["checks"][1].as_object_mut().expect("check").remove("summary");
    let mut bad_code = good.clone();
    bad_code["checks"][0]["findings"] =
        json!([{"code": "no-such-code", "status": "fail", "message": "m", "allowed": false}]);
    for (what, doc) in [
        ("an upper-case status", renamed_status),
        ("an unknown metric", unknown_metric),
        ("a missing summary", no_summary),
        ("an unknown finding code", bad_code),
    ] {
        assert!(!validate(&schema, &doc).is_empty(), "{what} passed the schema");
    }
}

#[test]
#[should_panic(expected = "does not implement `pattern`")]
fn the_validator_refuses_keywords_it_does_not_implement() {
    validate(&json!({"type": "string", "pattern": "^a"}), &json!("b"));
}

#[test]
fn the_drill_schemas_refuse_wrong_documents() {
    let line = json!({"at_ms": 1500, "ecode": "OAUTH_025", "fault": "revoked-token", "method": "GET",
        "path": "/api/v2/team", "phase": "token-rotation", "route": "/team", "status": 401, "token": {"generation": 1},
        "items": ["token-rotation", "ecode-parsed"]});
    let journal = read_schema("drill-journal.schema.json");
    assert_eq!(validate(&journal, &line), Vec::<String>::new());
    for (key, wrong) in [
        ("token", json!({"generation": 0})),
        ("items", json!(["no-such-item"])),
        ("token", json!("pk_1")),
        ("fault", json!("slow")),
        ("status", json!("401")),
        ("phase", json!("warmup")),
    ] {
        let mut doc = line.clone();
        doc[key] = wrong.clone();
        assert!(!validate(&journal, &doc).is_empty(), "{key}: {wrong} passed the journal schema");
    }
    let report = json!({"schema_version": 1, "kind": "drill", "status": "not-exercised",
        "items": [{"id": "caching", "status": "pass", "summary": "s", "evidence": [], "required": false}],
        "plan": [{"kind": "outage", "start_ms": 0, "end_ms": 1}],
        "command": {"argv": ["sh"], "exit_code": null, "ended": "killed", "duration_ms": 1},
        "requests": 0, "duration_ms": 1, "started": "2026-11-18T11:06:40Z", "notes": []});
    let schema = read_schema("drill-report.schema.json");
    assert_eq!(validate(&schema, &report), Vec::<String>::new());
    for (pointer, wrong) in [
        ("/kind", json!("check")),
        ("/items/0/id", json!("no-such-item")),
        ("/items/0/status", json!("PASS")),
        ("/command/ended", json!("crashed")),
        ("/requests", json!(-1)),
    ] {
        let mut doc = report.clone();
        *doc.pointer_mut(pointer).expect("pointer") = wrong.clone();
        assert!(!validate(&schema, &doc).is_empty(), "{pointer}: {wrong} passed the drill report schema");
    }
}

#[test]
fn the_checklist_and_listing_schemas_refuse_a_golden_with_a_wrong_field() {
    let checklist = read_schema("checklist.schema.json");
    let good = golden_json(&root().join("tests/golden/checklist/json.json"));
    assert!(validate(&checklist, &good).is_empty());
    let listing = read_schema("webhooks-list.schema.json");
    let hooks = golden_json(&root().join("tests/golden/webhooks-list/json.json"));
    assert!(validate(&listing, &hooks).is_empty());
    let wrong = with;
    let without = |doc: &Value, parent: &str, key: &str| {
        let mut doc = doc.clone();
        doc.pointer_mut(parent).and_then(Value::as_object_mut).unwrap_or_else(|| panic!("{parent}")).remove(key);
        doc
    };
    // Item 0 is open, item 1 verified by a check, item 3 attested.
    for (what, doc) in [
        ("a state that does not exist", wrong(&good, "/items/0/state", json!("done"))),
        ("an open item without its reason", without(&good, "/items/0", "reason")),
        ("a verified item without its check", without(&good, "/items/1", "check")),
        ("a verified item whose check does not exist", wrong(&good, "/items/1/check", json!("nope"))),
        ("an attested item marked verified", wrong(&good, "/items/3/state", json!("verified"))),
        ("an attestation without its date", without(&good, "/items/3/attested", "on")),
        ("an item id that does not exist", wrong(&good, "/items/0/id", json!("nope"))),
        ("a basis that does not exist", wrong(&good, "/items/0/basis", json!("hunch"))),
        ("a count that is not a number", wrong(&good, "/totals/open", json!("19"))),
    ] {
        assert!(!validate(&checklist, &doc).is_empty(), "{what} passed the checklist schema");
    }
    for (what, doc) in [
        ("a level that does not exist", wrong(&hooks, "/webhooks/0/location/level", json!("team"))),
        ("events that are not a list", wrong(&hooks, "/webhooks/0/events", json!("*"))),
        ("a webhook without its workspace", without(&hooks, "/webhooks/1", "workspace")),
        ("an error without its text", wrong(&hooks, "/errors", json!([{"workspace": "1"}]))),
    ] {
        assert!(!validate(&listing, &doc).is_empty(), "{what} passed the webhooks list schema");
    }
}

/// `doc` with the value at `pointer` replaced.
fn with(doc: &Value, pointer: &str, value: Value) -> Value {
    let mut doc = doc.clone();
    *doc.pointer_mut(pointer).unwrap_or_else(|| panic!("{pointer}")) = value;
    doc
}

#[test]
fn the_config_and_reactivation_schemas_refuse_wrong_documents() {
    let config = read_schema("config.schema.json");
    let good = json!({"schema_version": 1, "settings": {
        "api.timeout": {"source": "flag --timeout", "value": "4s"},
        "api.request_budget_percent": {"source": "default", "value": 7.5},
        "latency.samples": {"source": "checks.toml:3", "value": 2},
        "workspaces": {"source": "default", "value": ["9011"]},
        "plan": {"source": "default", "value": null}}});
    assert_eq!(validate(&config, &good), Vec::<String>::new());
    let mut no_source = good.clone();
    no_source["settings"]["plan"].as_object_mut().expect("setting").remove("source");
    for (what, doc) in [
        ("another schema_version", with(&good, "/schema_version", json!(2))),
        ("a boolean value", with(&good, "/settings/plan/value", json!(true))),
        ("a list of numbers", with(&good, "/settings/workspaces/value", json!([9011]))),
        ("an object value", with(&good, "/settings/api.timeout/value", json!({"seconds": 4}))),
        ("a source that is not text", with(&good, "/settings/api.timeout/source", json!(null))),
        ("a setting without its source", no_source),
        ("settings as a list", with(&good, "/settings", json!([]))),
    ] {
        assert!(!validate(&config, &doc).is_empty(), "{what} passed the config schema");
    }

    let reactivation = read_schema("webhooks-reactivate.schema.json");
    let good = json!({"after": {"fail_count": 0, "health": "active"}, "before": {"fail_count": null, "health": null},
        "changes": [], "endpoint": "https://h.example/x", "id": "w1", "schema_version": 1, "status": "pass"});
    assert_eq!(validate(&reactivation, &good), Vec::<String>::new());
    let mut no_id = good.clone();
    no_id.as_object_mut().expect("object").remove("id");
    for (what, doc) in [
        ("a verdict a reactivation does not have", with(&good, "/status", json!("warn"))),
        ("an upper-case verdict", with(&good, "/status", json!("PASS"))),
        ("a negative fail count", with(&good, "/after/fail_count", json!(-1))),
        ("a health that is not text", with(&good, "/after/health", json!(1))),
        ("changes that are not a list", with(&good, "/changes", json!("endpoint"))),
        ("a reactivation without the webhook's id", no_id),
    ] {
        assert!(!validate(&reactivation, &doc).is_empty(), "{what} passed the reactivation schema");
    }
}
