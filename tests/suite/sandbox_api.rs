//! The sandbox answers like the real ClickUp API where the reference records
//! what the real API does: plain-text and JSON 404s, 401 `OAUTH_027` for ids
//! that do not exist, 429 `APP_002`, and the rate-limit headers on every
//! answer of the API. Raw HTTP over loopback, so the test sees exactly the
//! bytes a team's own integration would.

use crate::common;

use std::time::Duration;

use common::raw_http::{Answer, send};
use common::{StandaloneSandbox, TOKEN, run};

impl Answer {
    fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }

    fn has_rate_limit_headers(&self) -> bool {
        ["x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-reset"]
            .iter()
            .all(|h| self.header(h).is_some_and(|v| v.parse::<u64>().is_ok()))
    }
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

// The drill world (`sandbox --world`): a stateful workspace an integration
// can read and change, and the journal of what it did.

/// A standalone sandbox serving the drill world (with these extra flags), and its origin.
fn world(extra: &[&str]) -> (StandaloneSandbox, String) {
    let mut args = vec!["--world"];
    args.extend_from_slice(extra);
    let sandbox = StandaloneSandbox::start_with(&args, &[("CLICKUP_API_TOKEN", TOKEN)]);
    let base = sandbox.api_url.trim_end_matches("/api/v2").to_owned();
    (sandbox, base)
}

/// A world answer that must be 200 with the rate-limit headers; its JSON.
fn world_ok(base: &str, method: &str, path: &str, body: &str) -> serde_json::Value {
    let answer = send(base, method, path, Some(TOKEN), body);
    assert_eq!(answer.status, 200, "{method} {path}: {}", answer.body);
    assert!(answer.has_rate_limit_headers(), "{method} {path}: {:?}", answer.headers);
    answer.json()
}

fn ids(doc: &serde_json::Value, key: &str) -> Vec<String> {
    let items = doc[key].as_array().unwrap_or_else(|| panic!("no {key} array in {doc}"));
    items.iter().map(|i| i["id"].as_str().expect("string id").to_owned()).collect()
}

#[test]
fn the_world_serves_the_hierarchy_in_clickups_shapes() {
    let (_sandbox, base) = world(&[]);
    let spaces = world_ok(&base, "GET", "/api/v2/team/9012345/space", "");
    assert_eq!(ids(&spaces, "spaces"), ["90110", "90111"]);
    assert!(spaces["spaces"][0]["statuses"].as_array().is_some_and(|s| s.len() == 3), "{spaces}");
    let other = world_ok(&base, "GET", "/api/v2/team/9012346/space", "");
    assert_eq!(other, serde_json::json!({"spaces": []}), "the second workspace is reachable and empty");

    let folders = world_ok(&base, "GET", "/api/v2/space/90110/folder", "");
    assert_eq!(ids(&folders, "folders"), ["90120", "90121"]);
    assert_eq!(folders["folders"][0]["task_count"], "255", "a string, as ClickUp sends it: {folders}");
    assert_eq!(ids(&folders["folders"][0], "lists"), ["901100200300", "901100200301"]);

    let folderless = world_ok(&base, "GET", "/api/v2/space/90111/list", "");
    assert_eq!(ids(&folderless, "lists"), ["901100200303"]);
    assert_eq!(folderless["lists"][0]["folder"]["hidden"], true, "{folderless}");
    let in_folder = world_ok(&base, "GET", "/api/v2/folder/90122/list", "");
    assert_eq!(ids(&in_folder, "lists"), ["901100200304"]);

    let list = world_ok(&base, "GET", "/api/v2/list/901100200300", "");
    assert_eq!((list["id"].as_str(), list["task_count"].as_u64()), (Some("901100200300"), Some(250)), "{list}");
    assert_eq!(list["space"]["id"], "90110");
    assert_eq!(list["folder"]["id"], "90120");
}

#[test]
fn the_big_list_pages_to_its_last_page() {
    let (_sandbox, base) = world(&[]);
    let mut seen = std::collections::BTreeSet::new();
    let mut last = Vec::new();
    for page in 0..3 {
        let doc = world_ok(&base, "GET", &format!("/api/v2/list/901100200300/task?page={page}"), "");
        let page_ids = ids(&doc, "tasks");
        assert_eq!(page_ids.len(), if page < 2 { 100 } else { 50 }, "page {page}");
        seen.extend(page_ids);
        last.push(doc["last_page"].as_bool().expect("last_page is a boolean"));
        assert_eq!(doc["tasks"][0]["list"]["id"], "901100200300");
    }
    assert_eq!(last, [false, false, true]);
    assert_eq!(seen.len(), 250, "every task once across the pages");
    let first = world_ok(&base, "GET", "/api/v2/list/901100200300/task", "");
    assert_eq!(ids(&first, "tasks")[0], *seen.iter().next().expect("a task").clone(), "no page is page 0");
    let past = world_ok(&base, "GET", "/api/v2/list/901100200300/task?page=7", "");
    assert_eq!((past["tasks"].as_array().map(Vec::len), &past["last_page"]), (Some(0), &serde_json::json!(true)));
    let bad = send(&base, "GET", "/api/v2/list/901100200300/task?page=first", Some(TOKEN), "");
    assert_eq!(bad.status, 400, "{}", bad.body);
}

#[test]
fn a_task_is_created_read_updated_commented_and_deleted() {
    let (_sandbox, base) = world(&[]);
    for body in [r#"{"description":"no name"}"#, r#"{"name":""}"#, r#"{"name":42}"#] {
        let refused = send(&base, "POST", "/api/v2/list/901100200301/task", Some(TOKEN), body);
        assert_eq!(refused.status, 400, "{body}");
        assert_eq!(refused.json(), serde_json::json!({"err": "Task name invalid", "ECODE": "INPUT_005"}), "{body}");
    }
    let created =
        world_ok(&base, "POST", "/api/v2/list/901100200301/task", r#"{"name":"Ship the drill","description":"first"}"#);
    let id = created["id"].as_str().expect("an id").to_owned();
    assert_eq!(
        (created["name"].as_str(), created["status"]["status"].as_str()),
        (Some("Ship the drill"), Some("to do"))
    );
    let task_path = format!("/api/v2/task/{id}");
    assert_eq!(world_ok(&base, "GET", &task_path, ""), created);
    let listed = world_ok(&base, "GET", "/api/v2/list/901100200301/task", "");
    assert!(ids(&listed, "tasks").contains(&id), "{listed}");

    let updated = world_ok(&base, "PUT", &task_path, r#"{"name":"Shipped the drill","status":"complete"}"#);
    assert_eq!(
        (updated["name"].as_str(), updated["status"]["type"].as_str()),
        (Some("Shipped the drill"), Some("closed"))
    );
    assert_eq!(updated["description"], "first", "fields not given are kept");
    assert_eq!(world_ok(&base, "GET", &task_path, "")["name"], "Shipped the drill");
    let bad_status = send(&base, "PUT", &task_path, Some(TOKEN), r#"{"status":"nonsense"}"#);
    assert_eq!(bad_status.status, 400, "{}", bad_status.body);

    let comment_path = format!("{task_path}/comment");
    let missing = send(&base, "POST", &comment_path, Some(TOKEN), r#"{"notify_all":false}"#);
    assert_eq!(missing.status, 400, "comment_text is required: {}", missing.body);
    let comment = world_ok(&base, "POST", &comment_path, r#"{"comment_text":"done","notify_all":false}"#);
    assert!(comment["id"].is_string() && comment["hist_id"].is_string() && comment["date"].is_u64(), "{comment}");

    let deleted = send(&base, "DELETE", &task_path, Some(TOKEN), "");
    assert_eq!((deleted.status, deleted.body.as_str()), (204, ""));
    assert!(deleted.has_rate_limit_headers(), "{:?}", deleted.headers);
    let not_authorized = serde_json::json!({"err": "Team not authorized", "ECODE": "OAUTH_027"});
    for (method, path) in [("GET", task_path.clone()), ("DELETE", task_path.clone()), ("POST", comment_path)] {
        let gone = send(&base, method, &path, Some(TOKEN), r#"{"comment_text":"late"}"#);
        assert_eq!((gone.status, gone.json()), (401, not_authorized.clone()), "{method} {path}");
    }
}

#[test]
fn world_ids_that_do_not_exist_are_401_team_not_authorized() {
    let (_sandbox, base) = world(&[]);
    let not_authorized = serde_json::json!({"err": "Team not authorized", "ECODE": "OAUTH_027"});
    for (method, path) in [
        ("GET", "/api/v2/team/1/space"),
        ("GET", "/api/v2/space/1/folder"),
        ("GET", "/api/v2/space/1/list"),
        ("GET", "/api/v2/folder/1/list"),
        ("GET", "/api/v2/list/1"),
        ("GET", "/api/v2/list/1/task"),
        ("POST", "/api/v2/list/1/task"),
        ("GET", "/api/v2/task/nope"),
        ("PUT", "/api/v2/task/nope"),
        ("DELETE", "/api/v2/webhook/00000000-dead-beef"),
        ("POST", "/api/v2/team/1/webhook"),
    ] {
        let answer =
            send(&base, method, path, Some(TOKEN), r#"{"name":"x","endpoint":"https://h.example/x","events":"*"}"#);
        assert_eq!((answer.status, answer.json()), (401, not_authorized.clone()), "{method} {path}");
        assert!(answer.has_rate_limit_headers(), "{method} {path}");
    }
}

#[test]
fn a_created_webhook_returns_its_secret_and_is_listed_until_deleted() {
    let (_sandbox, base) = world(&[]);
    for body in [
        r#"{"events":["taskCreated"]}"#,
        r#"{"endpoint":"https://h.example/x"}"#,
        r#"{"endpoint":"https://h.example/x","events":"taskCreated"}"#,
        "not json",
    ] {
        let refused = send(&base, "POST", "/api/v2/team/9012345/webhook", Some(TOKEN), body);
        assert_eq!(refused.status, 400, "{body}: {}", refused.body);
    }
    let body =
        r#"{"endpoint":"http://127.0.0.1:9/hooks","events":["taskCreated","taskUpdated"],"list_id":901100200300}"#;
    let created = world_ok(&base, "POST", "/api/v2/team/9012345/webhook", body);
    let id = created["id"].as_str().expect("an id").to_owned();
    let hook = &created["webhook"];
    assert_eq!(hook["id"], id.as_str());
    assert_eq!(id.len(), 36, "a UUID: {id}");
    assert!(hook["secret"].as_str().is_some_and(|s| s.len() >= 32), "{created}");
    assert_eq!((hook["team_id"].as_u64(), hook["list_id"].as_u64()), (Some(9012345), Some(901100200300)));
    assert_eq!(hook["health"], serde_json::json!({"status": "active", "fail_count": 0}));

    let listing = world_ok(&base, "GET", "/api/v2/team/9012345/webhook", "");
    let listed = listing["webhooks"].as_array().and_then(|l| l.iter().find(|h| h["id"] == id.as_str())).cloned();
    assert_eq!(listed.as_ref(), Some(hook), "listed as created, secret included");

    let deleted = world_ok(&base, "DELETE", &format!("/api/v2/webhook/{id}"), "");
    assert_eq!(deleted, serde_json::json!({}));
    let listing = world_ok(&base, "GET", "/api/v2/team/9012345/webhook", "");
    assert!(!ids(&listing, "webhooks").contains(&id), "{listing}");
    assert_eq!(ids(&listing, "webhooks").len(), 1, "the scenario's own webhook stays");
    let again = send(&base, "DELETE", &format!("/api/v2/webhook/{id}"), Some(TOKEN), "");
    assert_eq!(again.status, 401);
}

#[test]
fn without_the_world_the_sandbox_answers_as_before() {
    let (_sandbox, base) = sandbox("healthy", &[]);
    let body = r#"{"endpoint":"https://h.example/x","events":"*"}"#;
    assert_eq!(send(&base, "POST", "/api/v2/team/9012345/webhook", Some(TOKEN), body).status, 405);
    assert_eq!(send(&base, "GET", "/api/v2/team/9012345/space", Some(TOKEN), "").status, 404);
    assert_eq!(send(&base, "GET", "/sandbox/journal", None, "").status, 404);
}

#[test]
fn the_journal_records_every_api_request_and_never_the_token() {
    let (_sandbox, base) = world(&["--fault", "status=503,share=0.5,route=/list/901100200303"]);
    let query_token = format!("/api/v2/list/901100200300/task?page=1&token={TOKEN}");
    let requests: [(&str, &str, Option<&str>, u16); 8] = [
        ("GET", "/api/v2/user", Some(TOKEN), 200),
        ("GET", "/api/v2/team/9012345/space", Some(TOKEN), 200),
        ("GET", &query_token, Some(TOKEN), 200),
        ("DELETE", "/api/v2/task/nope", Some(TOKEN), 401),
        ("GET", "/api/v2/task/86dr00001/attachment", Some(TOKEN), 404),
        ("GET", "/api/v2/user", None, 400),
        ("GET", "/api/v2/user", Some("pk_1_WRONGWRONGWRONG"), 401),
        ("GET", "/api/v2/list/901100200303", Some(TOKEN), 200),
    ];
    for (method, path, token, status) in requests {
        assert_eq!(send(&base, method, path, token, "").status, status, "{method} {path}");
    }
    let faulted = send(&base, "GET", "/api/v2/list/901100200303", Some(TOKEN), "");
    assert_eq!(faulted.status, 503, "the second request to the path meets the fault");
    send(&base, "GET", "/1.0/status/5b6e0963c662144d00913a09", None, "");

    let journal = send(&base, "GET", "/sandbox/journal", None, "");
    assert_eq!(journal.status, 200);
    assert!(journal.header("content-type").is_some_and(|c| c.starts_with("application/x-ndjson")));
    assert!(!journal.body.contains(TOKEN) && !journal.body.contains("TESTTOKEN"), "{}", journal.body);
    let lines: Vec<serde_json::Value> =
        journal.body.lines().map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}"))).collect();
    let got: Vec<(String, String, serde_json::Value, serde_json::Value, serde_json::Value, serde_json::Value)> = lines
        .iter()
        .map(|l| {
            let text = |k: &str| l[k].as_str().unwrap_or_else(|| panic!("{k} in {l}")).to_owned();
            (
                text("method"),
                text("path"),
                l["route"].clone(),
                l["status"].clone(),
                l["fault"].clone(),
                l["token"].clone(),
            )
        })
        .collect();
    let current = serde_json::json!({"generation": 1});
    let expected =
        |method: &str, path: &str, route: Option<&str>, status: u16, fault: Option<&str>, token: &serde_json::Value| {
            (
                method.to_owned(),
                path.to_owned(),
                serde_json::json!(route),
                serde_json::json!(status),
                serde_json::json!(fault),
                token.clone(),
            )
        };
    assert_eq!(
        got,
        [
            expected("GET", "/api/v2/user", Some("/user"), 200, None, &current),
            expected("GET", "/api/v2/team/9012345/space", Some("/team/{id}/space"), 200, None, &current),
            expected("GET", "/api/v2/list/901100200300/task", Some("/list/{id}/task"), 200, None, &current),
            expected("DELETE", "/api/v2/task/nope", Some("/task/{id}"), 401, None, &current),
            expected("GET", "/api/v2/task/86dr00001/attachment", None, 404, None, &current),
            expected("GET", "/api/v2/user", Some("/user"), 400, None, &serde_json::json!("absent")),
            expected("GET", "/api/v2/user", Some("/user"), 401, None, &serde_json::json!("unknown")),
            expected("GET", "/api/v2/list/901100200303", Some("/list/{id}"), 200, None, &current),
            expected("GET", "/api/v2/list/901100200303", Some("/list/{id}"), 503, Some("status=503"), &current),
        ],
        "one line per API request, in order; the status page and the journal itself are not API requests"
    );
    assert_eq!(lines[2]["query"], "page=1&token=[REDACTED]", "the query is kept, the token masked");
    assert_eq!(lines[0]["rate_limit_remaining"], 99, "{}", lines[0]);
    let times: Vec<u64> = lines.iter().map(|l| l["at_ms"].as_u64().expect("at_ms")).collect();
    assert!(times.windows(2).all(|w| w[0] <= w[1]), "{times:?}");
}

// `sandbox --world --plan FILE` and `--duration D`: the world plays the
// drill's fault plan from its start, so an integration can be tried by hand.

/// Each journal line's `(at_ms, status, phase, fault)`, in order.
fn plan_journal(base: &str) -> Vec<(u64, u64, String, serde_json::Value)> {
    let journal = send(base, "GET", "/sandbox/journal", None, "");
    assert_eq!(journal.status, 200);
    journal
        .body
        .lines()
        .map(|l| {
            let line: serde_json::Value = serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}"));
            let number = |k: &str| line[k].as_u64().unwrap_or_else(|| panic!("{k} in {line}"));
            let phase = line["phase"].as_str().unwrap_or_else(|| panic!("phase in {line}")).to_owned();
            (number("at_ms"), number("status"), phase, line["fault"].clone())
        })
        .collect()
}

#[test]
fn a_world_with_a_plan_plays_its_faults_from_the_start_then_answers_normally() {
    let file = common::scratch_dir("world-plan").join("plan.toml");
    let plan =
        "[[phase]]\nkind = \"outage\"\nlength = \"500ms\"\n\n[[phase]]\nkind = \"auth-fault\"\nlength = \"500ms\"\n";
    std::fs::write(&file, plan).expect("write the plan");
    let file = file.to_string_lossy().into_owned();
    let (sandbox, base) = world(&["--plan", &file, "--duration", "2s"]);
    let expected = format!(
        "{file} scaled to 2s, 2s from the start: outage 1s, auth-fault 1s, then answers normally (window 10 requests, reset 6s, 30% server errors)"
    );
    assert_eq!(sandbox.fault_plan.as_deref(), Some(expected.as_str()), "the plan scaled twice over, reset included");

    let outage = send(&base, "GET", "/api/v2/user", Some(TOKEN), "");
    let sent = std::time::Instant::now();
    assert_eq!(outage.status, 503, "{}", outage.body);
    assert!(!outage.has_rate_limit_headers(), "a load balancer's page: {:?}", outage.headers);
    // Aim the next requests at the middle of the later phases, by the
    // world's own clock.
    let first_at = plan_journal(&base)[0].0;
    assert!(first_at < 1000, "the first request came {first_at} ms after the start: the machine is too loaded to aim");
    let at_plan_time = |ms: u64| {
        let due = Duration::from_millis(ms.saturating_sub(first_at));
        std::thread::sleep(due.saturating_sub(sent.elapsed()));
    };
    at_plan_time(1400);
    let refused = send(&base, "GET", "/api/v2/team", Some(TOKEN), "");
    assert_eq!((refused.status, refused.json()["ECODE"].clone()), (401, serde_json::json!("OAUTH_025")));
    at_plan_time(2300);
    let normal = send(&base, "GET", "/api/v2/team", Some(TOKEN), "");
    assert_eq!(normal.status, 200);
    assert!(normal.has_rate_limit_headers());

    let recorded: Vec<(u64, String, serde_json::Value)> =
        plan_journal(&base).into_iter().map(|(_, status, phase, fault)| (status, phase, fault)).collect();
    let line = |status: u64, phase: &str, fault: Option<&str>| (status, phase.to_owned(), serde_json::json!(fault));
    assert_eq!(
        recorded,
        [
            line(503, "outage", Some("plan:outage")),
            line(401, "auth-fault", Some("plan:auth-fault")),
            line(200, "normal", None)
        ]
    );
}

#[test]
fn a_duration_alone_scales_the_built_in_plan_and_says_so() {
    let (sandbox, base) = world(&["--duration", "30s"]);
    assert_eq!(
        sandbox.fault_plan.as_deref(),
        Some(
            "the built-in plan scaled to 30s, 30s from the start: warm-up 4s, rate-limit 5s, normal 2.5s, server-errors 5s, normal 2.5s, outage 4s, normal 2.5s, auth-fault 1.5s, normal 3s, then answers normally (window 10 requests, reset 1.5s, 30% server errors)"
        )
    );
    assert_eq!(send(&base, "GET", "/api/v2/user", Some(TOKEN), "").status, 200);
    let recorded = plan_journal(&base);
    assert_eq!((recorded[0].2.as_str(), &recorded[0].3), ("warm-up", &serde_json::Value::Null), "{recorded:?}");
    // Without --plan or --duration the world plays no plan: no phase recorded.
    let (plain, base) = world(&[]);
    assert_eq!(plain.fault_plan, None);
    send(&base, "GET", "/api/v2/user", Some(TOKEN), "");
    let line = send(&base, "GET", "/sandbox/journal", None, "").body;
    assert!(!line.contains("\"phase\""), "{line}");
}

#[test]
fn a_bad_plan_or_duration_is_one_line_naming_the_place_and_exit_2() {
    let dir = common::scratch_dir("world-plan-bad");
    let bad = dir.join("plan.toml");
    std::fs::write(&bad, "[[phase]]\nkind = \"chaos\"\nlength = \"1s\"\n").expect("write");
    let bad = bad.to_string_lossy().into_owned();
    let missing = dir.join("missing.toml").to_string_lossy().into_owned();
    let cases: [(&[&str], String); 4] = [
        (&["--world", "--plan", &bad], format!("{bad}:2: `kind`: expected one of warm-up")),
        (&["--world", "--plan", &missing], format!("{missing}: cannot read the plan: ")),
        (&["--world", "--duration", "0s"], "expected a duration such as".to_owned()),
        (&["--plan", &bad], "--world".to_owned()),
    ];
    for (args, expected) in cases {
        let out = common::command(&dir)
            .args(["sandbox", "--listen", "127.0.0.1:0"])
            .args(args)
            .output()
            .expect("run the sandbox");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(&expected), "{args:?}: {stderr}");
        assert!(out.stdout.is_empty(), "{args:?}: nothing served, nothing printed");
    }
    let out = common::command(&dir).args(["sandbox", "--world", "--plan", &bad]).output().expect("run");
    assert_eq!(String::from_utf8_lossy(&out.stderr).lines().count(), 1, "one line");
}
