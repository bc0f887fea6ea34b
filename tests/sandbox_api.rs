//! The sandbox answers like the real ClickUp API where the reference records
//! what the real API does: plain-text and JSON 404s, 401 `OAUTH_027` for ids
//! that do not exist, 429 `APP_002`, and the rate-limit headers on every
//! answer of the API. Raw HTTP over loopback, so the test sees exactly the
//! bytes a team's own integration would.

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use common::{StandaloneSandbox, TOKEN, run};

/// One answer, as received.
struct Answer {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

impl Answer {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }

    fn has_rate_limit_headers(&self) -> bool {
        ["x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-reset"]
            .iter()
            .all(|h| self.header(h).is_some_and(|v| v.parse::<u64>().is_ok()))
    }
}

/// Sends one HTTP/1.1 request to `base` (`http://host:port/...`) + `path`.
fn send(base: &str, method: &str, path: &str, token: Option<&str>, body: &str) -> Answer {
    let authority = base.trim_start_matches("http://").split('/').next().expect("host:port");
    let mut stream = TcpStream::connect(authority).expect("connect to the sandbox");
    stream.set_read_timeout(Some(Duration::from_secs(10))).expect("timeout");
    let auth = token.map(|t| format!("authorization: {t}\r\n")).unwrap_or_default();
    let request = format!(
        "{method} {path} HTTP/1.1\r\nhost: {authority}\r\n{auth}content-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).expect("send");
    let mut raw = String::new();
    stream.read_to_string(&mut raw).expect("read the answer");
    let (head, body) = raw.split_once("\r\n\r\n").expect("a head and a body");
    let mut lines = head.lines();
    let status = lines.next().and_then(|l| l.split_whitespace().nth(1)).and_then(|s| s.parse().ok()).expect("status");
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    Answer { status, headers, body: body.to_owned() }
}

/// A standalone sandbox accepting [`TOKEN`], and its origin. With `faults`,
/// the scenario is `healthy`.
fn sandbox(scenario: &str, faults: &[&str]) -> (StandaloneSandbox, String) {
    let env = [("CLICKUP_API_TOKEN", TOKEN)];
    let sandbox = if faults.is_empty() {
        StandaloneSandbox::start(scenario, &env)
    } else {
        assert_eq!(scenario, "healthy", "faults are injected on top of healthy");
        let args: Vec<&str> = faults.iter().flat_map(|f| ["--fault", f]).collect();
        StandaloneSandbox::start_with(&args, &env)
    };
    let base = sandbox.api_url.trim_end_matches("/api/v2").to_owned();
    (sandbox, base)
}

#[test]
fn unknown_routes_answer_json_below_known_resources_and_plain_text_elsewhere() {
    let (_sandbox, base) = sandbox("healthy", &[]);
    let json = send(&base, "GET", "/api/v2/team/9012345/nothing-here", Some(TOKEN), "");
    assert_eq!(json.status, 404);
    assert!(json.header("content-type").is_some_and(|c| c.starts_with("application/json")));
    assert_eq!(json.json(), serde_json::json!({"err": "Route not found", "ECODE": "APP_001"}));
    for path in ["/api/v2/nothing-here", "/api/v2/", "/api/v3/user", "/nothing-here"] {
        let plain = send(&base, "GET", path, Some(TOKEN), "");
        assert_eq!(plain.status, 404, "{path}");
        assert!(plain.header("content-type").is_some_and(|c| c.starts_with("text/plain")), "{path}");
        assert_eq!(plain.body, "404 page not found\n", "{path}");
    }
}

#[test]
fn ids_that_do_not_exist_are_401_team_not_authorized() {
    let (_sandbox, base) = sandbox("healthy", &[]);
    let not_authorized = serde_json::json!({"err": "Team not authorized", "ECODE": "OAUTH_027"});
    let team = send(&base, "GET", "/api/v2/team/1/webhook", Some(TOKEN), "");
    assert_eq!((team.status, team.json()), (401, not_authorized.clone()));
    let body = r#"{"endpoint":"https://h.example/x","events":["taskCreated"],"status":"active"}"#;
    let hook = send(&base, "PUT", "/api/v2/webhook/00000000-dead-beef", Some(TOKEN), body);
    assert_eq!((hook.status, hook.json()), (401, not_authorized));
}

#[test]
fn every_api_answer_carries_the_rate_limit_headers() {
    let (_sandbox, base) = sandbox("healthy", &[]);
    let hook = r#"{"endpoint":"https://h.example/x","events":["taskCreated"],"status":"active"}"#;
    let cases = [
        ("GET", "/api/v2/user", Some(TOKEN), "", 200),
        ("GET", "/api/v2/team", Some(TOKEN), "", 200),
        ("GET", "/api/v2/team/9012345/webhook", Some(TOKEN), "", 200),
        ("GET", "/api/v2/user", None, "", 400),
        ("GET", "/api/v2/user", Some("pk_1_WRONGWRONGWRONG"), "", 401),
        ("GET", "/api/v2/team/1/webhook", Some(TOKEN), "", 401),
        ("PUT", "/api/v2/webhook/00000000-dead-beef", Some(TOKEN), hook, 401),
        ("PUT", "/api/v2/webhook/x", Some(TOKEN), "not json", 400),
        ("DELETE", "/api/v2/user", Some(TOKEN), "", 405),
        ("GET", "/api/v2/team/9012345/nothing-here", Some(TOKEN), "", 404),
        ("GET", "/api/v2/nothing-here", Some(TOKEN), "", 404),
    ];
    for (method, path, token, body, status) in cases {
        let answer = send(&base, method, path, token, body);
        assert_eq!(answer.status, status, "{method} {path}: {}", answer.body);
        assert!(answer.has_rate_limit_headers(), "{method} {path} ({status}) lacks them: {:?}", answer.headers);
    }
    let (_exhausted, base) = sandbox("rate-exhausted", &[]);
    let spent = send(&base, "GET", "/api/v2/user", Some(TOKEN), "");
    assert_eq!(spent.status, 429);
    assert!(spent.has_rate_limit_headers(), "{:?}", spent.headers);
    // The outage scenario models a load balancer's 503 page in front of the
    // API: no application answered, so there is no window to report.
    let (_down, base) = sandbox("outage", &[]);
    let page = send(&base, "GET", "/api/v2/user", Some(TOKEN), "");
    assert_eq!(page.status, 503);
    assert!(!page.has_rate_limit_headers() && page.header("x-ratelimit-limit").is_none(), "{:?}", page.headers);
}

#[test]
fn an_injected_429_is_clickups_own_with_the_rate_limit_headers() {
    let (_sandbox, base) = sandbox("healthy", &["status=429"]);
    let answer = send(&base, "GET", "/api/v2/user", Some(TOKEN), "");
    assert_eq!(answer.status, 429);
    assert_eq!(answer.json(), serde_json::json!({"err": "Rate limit reached", "ECODE": "APP_002"}));
    assert!(answer.has_rate_limit_headers(), "{:?}", answer.headers);
    assert_eq!(answer.header("x-ratelimit-remaining"), Some("0"));
    assert_eq!(answer.header("x-ratelimit-limit"), Some("100"), "the scenario's limit");
}

#[test]
fn the_client_reports_either_404_clearly_when_the_api_url_is_wrong() {
    let (sandbox, _) = sandbox("healthy", &[]);
    for (api_url, shown) in [
        (format!("{}/nowhere", sandbox.api_url), "GET /user answered HTTP 404"),
        (format!("{}/team/extra", sandbox.api_url), "GET /user answered HTTP 404 (APP_001: Route not found)"),
    ] {
        let r = run(
            &["check", "--api-url", &api_url, "--only", "auth", "--format", "json"],
            &[("CLICKUP_API_TOKEN", TOKEN)],
        );
        assert_eq!(r.code, 1, "{api_url}: {}", r.all_output());
        assert!(!r.stderr.contains("panicked"), "{}", r.stderr);
        assert_eq!(r.status_of("auth"), "fail", "{api_url}");
        assert!(r.summary_of("auth").contains(shown), "{api_url}: {}", r.summary_of("auth"));
        let hint = r.check("auth")["hint"].as_str().unwrap_or_default().to_owned();
        assert!(hint.contains("is the API URL the v2 base"), "{api_url}: {hint}");
    }
}

#[test]
fn a_default_check_costs_two_requests_plus_one_per_workspace_and_times_each_endpoint() {
    let env = [("CLICKUP_API_TOKEN", TOKEN)];
    let sandbox = StandaloneSandbox::start_with(&["--workspaces", "5"], &env);
    let base = sandbox.api_url.trim_end_matches("/api/v2").to_owned();
    let args = ["check", "--api-url", &sandbox.api_url, "--status-url", &sandbox.status_url, "--format", "json"];
    let r = run(&args, &env);
    assert_eq!(r.code, 0, "{}", r.all_output());
    let served = send(&base, "GET", "/sandbox/stats", None, "").json()["api_requests"].clone();
    assert_eq!(served, 7, "/user, /team and one listing for each of the 5 workspaces, no extra latency sample");
    assert_eq!(r.json()["api_requests"], served, "the report counts what the API served");

    let latency = r.check("latency");
    assert_eq!(latency["status"], "pass", "{latency}");
    assert_eq!(latency["metrics"]["samples"], 7, "every request is a sample: {latency}");
    assert_eq!(
        latency["metrics"]["endpoint_samples"],
        serde_json::json!({"/user": 1, "/team": 1, "/team/{id}/webhook": 5}),
        "one class per endpoint, not per workspace"
    );
    for endpoint in ["/user", "/team", "/team/{id}/webhook"] {
        for metric in ["endpoint_p50_ms", "endpoint_p95_ms", "endpoint_max_ms"] {
            assert!(latency["metrics"][metric][endpoint].is_number(), "{metric} of {endpoint}: {latency}");
        }
    }
    let details = latency["details"].to_string();
    assert!(details.contains("/team/{id}/webhook: p50 "), "{details}");
    assert!(
        details.contains("/user: p50 ") && details.contains("over 1 sample (p95 of 1 is just the max)"),
        "{details}"
    );
}

#[test]
fn the_webhook_update_requires_endpoint_events_and_status() {
    let (_sandbox, base) = sandbox("webhook-suspended", &[]);
    let path = "/api/v2/webhook/4b67ac88-0a1b-4c2d-9e3f-5a6b7c8d9e01";
    for (body, missing) in [
        (r#"{"status":"active"}"#, "endpoint"),
        (r#"{"endpoint":"https://h.example/x","status":"active"}"#, "events"),
        (r#"{"endpoint":"https://h.example/x","events":"taskCreated","status":"active"}"#, "events"),
        (r#"{"endpoint":"https://h.example/x","events":["taskCreated"]}"#, "status"),
    ] {
        let answer = send(&base, "PUT", path, Some(TOKEN), body);
        assert_eq!(answer.status, 400, "{body}: {}", answer.body);
        let doc = answer.json();
        assert_eq!(doc["ECODE"], "INPUT_004", "{body}");
        assert!(doc["err"].as_str().is_some_and(|e| e.starts_with(missing)), "{body}: {doc}");
    }
    let body = r#"{"endpoint":"https://hooks.acme.example/clickup/tasks","events":"*","status":"active"}"#;
    let answer = send(&base, "PUT", path, Some(TOKEN), body);
    assert_eq!(answer.status, 200, "{}", answer.body);
    let doc = answer.json();
    assert_eq!(doc["id"], "4b67ac88-0a1b-4c2d-9e3f-5a6b7c8d9e01");
    assert_eq!(doc["webhook"]["events"], "*");
    assert_eq!(doc["webhook"]["health"], serde_json::json!({"status": "active", "fail_count": 0}));
}
