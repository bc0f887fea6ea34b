//! Hostile servers that contradict or repeat themselves: a status page whose
//! headline disagrees with its parts, a key or header given twice with
//! different values, health that says `active` while counting failures, ids
//! that are not ids. Over real HTTP on loopback, through the real binary;
//! the verdict is never PASS on such evidence, and the report names why.

use crate::common;

use common::{FakeServer, Reply, Run, STATUS_OK, check_against};

/// `check --only platform` against a status page that always answers `body`.
fn platform(body: &str) -> Run {
    let body = body.to_owned();
    let server = FakeServer::start(move |_| Reply::json(&body));
    check_against(&server, &["--only", "platform"])
}

/// A Status.io body whose headline is 100 (Operational), with `services`,
/// `incidents` and active maintenance spliced in.
fn status_io_operational(services: &str, incidents: &str, maintenance: &str) -> String {
    format!(
        r#"{{"result":{{"status_overall":{{"updated":"2026-11-01T00:00:00Z","status":"Operational","status_code":100}},
            "status":[{services}],"incidents":[{incidents}],"maintenance":{{"active":[{maintenance}],"upcoming":[]}}}}}}"#
    )
}

#[test]
fn status_io_headline_100_with_a_service_down_fails_naming_the_service() {
    let healthy = platform(STATUS_OK);
    assert_eq!((healthy.code, healthy.status_of("platform").as_str()), (0, "pass"), "{}", healthy.all_output());

    let api_down = r#"{"id":"a","name":"API","status":"Operational","status_code":100,
        "containers":[{"id":"c","name":"EU","status":"Service Disruption","status_code":500}]}"#;
    let r = platform(&status_io_operational(api_down, "", ""));
    assert_eq!(r.code, 1, "{}", r.all_output());
    assert_eq!(r.status_of("platform"), "fail");
    let summary = r.summary_of("platform");
    assert!(summary.contains("headline says Operational (status code 100)"), "{summary}");
    assert!(summary.contains("API / EU (Service Disruption)"), "{summary}");

    let slow = r#"{"id":"a","name":"API","status":"Degraded Performance","status_code":300,"containers":[]}"#;
    let r = platform(&status_io_operational(slow, "", ""));
    assert_eq!((r.code, r.status_of("platform").as_str()), (0, "warn"), "{}", r.all_output());
    assert!(r.summary_of("platform").contains("API (Degraded Performance)"), "{}", r.summary_of("platform"));
}

#[test]
fn status_io_headline_100_with_an_active_incident_or_maintenance_warns_naming_it() {
    let r = platform(&status_io_operational("", r#"{"name":"Webhooks delayed","datetime_open":"x"}"#, ""));
    assert_eq!(r.status_of("platform"), "warn", "{}", r.stdout);
    assert!(r.summary_of("platform").contains("incidents: Webhooks delayed"), "{}", r.summary_of("platform"));
    // An incident of an unexpected shape still counts.
    let r = platform(&status_io_operational("", r#"{"messages":[{"details":"?"}]}"#, ""));
    assert_eq!(r.status_of("platform"), "warn");
    assert!(r.summary_of("platform").contains("(untitled)"), "{}", r.summary_of("platform"));

    let r = platform(&status_io_operational("", "", r#"{"name":"Database upgrade"}"#));
    assert_eq!(r.status_of("platform"), "warn", "{}", r.stdout);
    assert!(r.summary_of("platform").contains("maintenance in progress: Database upgrade"));
}

/// A Statuspage summary with indicator `none` and the given components and
/// incidents.
fn statuspage_none(components: &str, incidents: &str) -> String {
    format!(
        r#"{{"page":{{"id":"p","name":"P"}},"status":{{"indicator":"none","description":"All Systems Operational"}},
            "components":[{components}],"incidents":[{incidents}],"scheduled_maintenances":[]}}"#
    )
}

#[test]
fn statuspage_indicator_none_disagreeing_with_a_component_or_incident_is_not_a_pass() {
    let r = platform(&statuspage_none(r#"{"name":"API","status":"operational"}"#, ""));
    assert_eq!(r.status_of("platform"), "pass", "{}", r.stdout);

    let r = platform(&statuspage_none(r#"{"name":"API","status":"major_outage"}"#, ""));
    assert_eq!((r.code, r.status_of("platform").as_str()), (1, "fail"), "{}", r.stdout);
    let summary = r.summary_of("platform");
    assert!(summary.contains("indicator `none`") && summary.contains("API (major_outage)"), "{summary}");
    let r = platform(&statuspage_none(r#"{"name":"API","status":"degraded_performance"}"#, ""));
    assert_eq!(r.status_of("platform"), "warn");

    let open = r#"{"name":"Login failures","status":"investigating","impact":"major"}"#;
    let r = platform(&statuspage_none("", open));
    assert_eq!(r.status_of("platform"), "fail", "{}", r.stdout);
    assert!(r.summary_of("platform").contains("incidents: Login failures"));
    let resolved = r#"{"name":"Yesterday","status":"resolved","impact":"major"}"#;
    assert_eq!(platform(&statuspage_none("", resolved)).status_of("platform"), "pass");
}

#[test]
fn a_status_level_given_twice_with_different_values_is_an_error() {
    let twice = r#"{"result":{"status_overall":{"status":"Operational","status_code":500,"status_code":100},
        "status":[],"incidents":[],"maintenance":{"active":[],"upcoming":[]}}}"#;
    let r = platform(twice);
    assert_eq!((r.code, r.status_of("platform").as_str()), (1, "error"), "{}", r.stdout);
    assert!(r.summary_of("platform").contains("duplicate key `status_code`"), "{}", r.summary_of("platform"));
    let twice = r#"{"status":{"indicator":"critical","indicator":"none"},"components":[]}"#;
    let r = platform(twice);
    assert_eq!(r.status_of("platform"), "error", "{}", r.stdout);
    assert!(r.summary_of("platform").contains("duplicate key `indicator`"), "{}", r.summary_of("platform"));
}

// ---- rate-limit ------------------------------------------------------------

/// An API whose answers carry `headers`, with `teams` workspaces that have
/// no webhooks, and a healthy status page.
fn api_with(headers: Vec<(String, String)>, teams: usize) -> FakeServer {
    let list: Vec<String> = (0..teams).map(|i| format!(r#"{{"id":"{}","name":"w{i}"}}"#, 1_000_000 + i)).collect();
    let teams_body = format!(r#"{{"teams":[{}]}}"#, list.join(","));
    FakeServer::start(move |seen| {
        let body = match seen.path.as_str() {
            "/status" => return Reply::json(STATUS_OK),
            "/api/v2/user" => common::USER_OK.to_owned(),
            "/api/v2/team" => teams_body.clone(),
            _ => r#"{"webhooks":[]}"#.to_owned(),
        };
        Reply::Full(200, headers.clone(), body)
    })
}

fn json_only() -> Vec<(String, String)> {
    vec![("content-type".into(), "application/json".into())]
}

#[test]
fn without_rate_limit_headers_a_run_keeps_a_fixed_request_ceiling() {
    let server = api_with(json_only(), 2000);
    let r = check_against(&server, &[]);
    let sent = server.requests().iter().filter(|s| s.path.starts_with("/api/v2/")).count();
    assert!(sent <= 10, "{sent} API requests sent with the window unknown");
    assert_eq!(r.json()["api_requests"], sent as u64, "the report counts what was sent");
    assert_eq!(r.status_of("rate-limit"), "error", "{}", r.stdout);
    assert_eq!(r.status_of("webhooks"), "warn", "{}", r.stdout);
    assert!(r.summary_of("webhooks").contains("1992 workspaces not checked"), "{}", r.summary_of("webhooks"));

    // With a stated window the budget is its share instead: 10% of 10,000.
    let mut stated = json_only();
    stated.extend([("x-ratelimit-limit".into(), "10000".into()), ("x-ratelimit-remaining".into(), "9999".into())]);
    let server = api_with(stated, 2000);
    let r = check_against(&server, &[]);
    let sent = server.requests().iter().filter(|s| s.path.starts_with("/api/v2/")).count();
    assert_eq!(sent, 1000, "{}", r.summary_of("webhooks"));
    assert_eq!(r.status_of("rate-limit"), "pass");
}

#[test]
fn a_rate_limit_header_sent_twice_with_different_values_is_an_error() {
    let mut twice = common::rate_headers();
    twice.push(("x-ratelimit-remaining".into(), "3".into()));
    let server = api_with(twice, 1);
    let r = check_against(&server, &["--only", "auth,rate-limit"]);
    assert_eq!((r.code, r.status_of("rate-limit").as_str()), (1, "error"), "{}", r.stdout);
    let summary = r.summary_of("rate-limit");
    assert!(summary.contains("X-RateLimit-Remaining (`3` and `90`)") && summary.contains("twice"), "{summary}");

    let mut same = common::rate_headers();
    same.push(("x-ratelimit-remaining".into(), "90".into()));
    let r = check_against(&api_with(same, 1), &["--only", "auth,rate-limit"]);
    assert_eq!(r.status_of("rate-limit"), "pass", "the same value twice is not ambiguous: {}", r.stdout);
}

#[test]
fn a_reset_in_milliseconds_is_converted_and_said() {
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
    let mut headers = json_only();
    headers.extend([
        ("x-ratelimit-limit".into(), "100".into()),
        ("x-ratelimit-remaining".into(), "90".into()),
        ("x-ratelimit-reset".into(), ((now + 40) * 1000).to_string()),
    ]);
    let r = check_against(&api_with(headers, 1), &["--only", "auth,rate-limit"]);
    assert_eq!(r.status_of("rate-limit"), "pass", "{}", r.stdout);
    let summary = r.summary_of("rate-limit");
    assert!(summary.contains("milliseconds, converted"), "{summary}");
    let reset = r.check("rate-limit")["metrics"]["reset_in_s"].as_f64().unwrap_or(-1.0);
    assert!((30.0..=40.0).contains(&reset), "reset read as {reset}s: {summary}");
}

// ---- webhooks and workspaces ------------------------------------------------

/// One webhook object as ClickUp lists it, with the given health and events.
fn webhook_json(id: &str, status: &str, fail_count: u64, events: &str) -> String {
    format!(
        r#"{{"id":"{id}","userid":1,"team_id":9012345,"endpoint":"https://hooks.example/{id}","client_id":"c",
            "events":{events},"task_id":null,"list_id":null,"folder_id":null,"space_id":null,
            "health":{{"status":"{status}","fail_count":{fail_count}}},"secret":"s"}}"#
    )
}

/// An API with the workspaces `teams` (a JSON array) whose every webhook
/// listing answers `hooks` (a JSON array), with rate-limit headers.
fn api_listing(teams: &str, hooks: &str) -> FakeServer {
    let teams = format!(r#"{{"teams":{teams}}}"#);
    let hooks = format!(r#"{{"webhooks":{hooks}}}"#);
    FakeServer::start(move |seen| match seen.path.as_str() {
        "/status" => Reply::json(STATUS_OK),
        "/api/v2/user" => Reply::Full(200, common::rate_headers(), common::USER_OK.to_owned()),
        "/api/v2/team" => Reply::Full(200, common::rate_headers(), teams.clone()),
        _ => Reply::Full(200, common::rate_headers(), hooks.clone()),
    })
}

const ONE_TEAM: &str = r#"[{"id":"9012345","name":"Acme"}]"#;

fn webhooks_run(hooks: &[String]) -> Run {
    let server = api_listing(ONE_TEAM, &format!("[{}]", hooks.join(",")));
    check_against(&server, &["--only", "webhooks"])
}

#[test]
fn an_active_webhook_at_the_suspension_threshold_fails() {
    let fine = webhooks_run(&[webhook_json("a1", "active", 0, r#"["taskCreated"]"#)]);
    assert_eq!((fine.code, fine.status_of("webhooks").as_str()), (0, "pass"), "{}", fine.stdout);
    let r = webhooks_run(&[webhook_json("a1", "active", 150, r#"["taskCreated"]"#)]);
    assert_eq!((r.code, r.status_of("webhooks").as_str()), (1, "fail"), "{}", r.stdout);
    assert!(r.summary_of("webhooks").contains("says `active` but its fail_count 150"), "{}", r.summary_of("webhooks"));
}

#[test]
fn a_webhook_with_no_events_warns() {
    for events in ["[]", "null"] {
        let hook = webhook_json("a1", "active", 0, events).replace(r#""events":null,"#, "");
        let r = webhooks_run(&[hook]);
        assert_eq!(r.status_of("webhooks"), "warn", "events {events}: {}", r.stdout);
        assert!(r.summary_of("webhooks").contains("subscribes to no events"), "{}", r.summary_of("webhooks"));
    }
}

#[test]
fn a_webhook_id_listed_twice_is_an_error() {
    let a = webhook_json("a1", "active", 0, r#"["taskCreated"]"#);
    let r = webhooks_run(&[a.clone(), a.clone()]);
    assert_eq!((r.code, r.status_of("webhooks").as_str()), (1, "error"), "{}", r.stdout);
    assert_eq!(r.summary_of("webhooks"), "webhook a1 is listed 2 times, identically");
    let r = webhooks_run(&[a, webhook_json("a1", "active", 3, r#"["taskCreated"]"#)]);
    assert!(r.summary_of("webhooks").contains("with different contents"), "{}", r.summary_of("webhooks"));
    let series = r.check("webhooks")["metrics"]["webhook_fail_count"].clone();
    assert_eq!(series, serde_json::json!({"a1": 3}), "one series per id");
}

#[test]
fn an_empty_or_non_digit_workspace_id_is_not_a_workspace_nor_a_url() {
    let teams = r#"[{"id":"","name":"Ghost"},{"id":"abc","name":"Letters"},{"id":"9012345","name":"Acme"}]"#;
    let server = api_listing(teams, "[]");
    let r = check_against(&server, &["--only", "workspaces,webhooks"]);
    assert_eq!(r.code, 1, "{}", r.all_output());
    assert_eq!(r.status_of("workspaces"), "error", "{}", r.stdout);
    assert!(r.summary_of("workspaces").contains("``, `abc`"), "{}", r.summary_of("workspaces"));
    assert_eq!(r.status_of("webhooks"), "error", "{}", r.stdout);
    assert!(r.all_output().contains("is not a workspace id (digits)"), "{}", r.stdout);
    let listings: Vec<String> =
        server.requests().into_iter().map(|s| s.path).filter(|p| p.ends_with("/webhook")).collect();
    assert_eq!(listings, vec!["/api/v2/team/9012345/webhook"], "only real ids become URLs");

    let r = check_against(&api_listing(ONE_TEAM, "[]"), &["--only", "workspaces"]);
    assert_eq!(r.status_of("workspaces"), "pass", "{}", r.stdout);
}
