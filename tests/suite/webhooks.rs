//! Webhooks: health from ClickUp, expectations from checks.toml, the
//! `webhooks` commands, and test deliveries to a receiver — every verdict
//! end to end against the sandbox over loopback.

use crate::common;

use std::time::Duration;

use common::json_schema::assert_valid;
use common::{FakeServer, Reply, Run, StandaloneSandbox, TOKEN, run, run_in, scratch_dir};

const TASK_HOOK: &str = "4b67ac88-0a1b-4c2d-9e3f-5a6b7c8d9e01";
const SANDBOX_SECRET: &str = "SANDBOX-WEBHOOK-SECRET";

fn check_with_config(name: &str, scenario: &str, config: &str) -> Run {
    let dir = scratch_dir(name);
    std::fs::write(dir.join("checks.toml"), config).expect("write checks.toml");
    run_in(
        &dir,
        &["check", "--sandbox", scenario, "--only", "webhooks", "--format", "json"],
        &[],
        Duration::from_secs(30),
    )
}

#[test]
fn healthy_webhooks_pass_at_one_request_per_workspace() {
    let r = run(&["check", "--sandbox", "healthy", "--only", "webhooks", "--format", "json"], &[]);
    assert_eq!(r.code, 0, "{}", r.all_output());
    assert_eq!(r.status_of("webhooks"), "pass");
    assert_eq!(r.json()["api_requests"], 3, "1 /team and 1 listing for each of the 2 workspaces");
    let details = r.check("webhooks")["details"].to_string();
    assert!(details.contains("watches list 901100200300 (most specific of space, list)"), "{details}");
}

#[test]
fn a_failing_webhook_warns_with_its_fail_count() {
    let r = run(&["check", "--sandbox", "webhook-failing", "--format", "json"], &[]);
    assert_eq!(r.code, 0, "a warning does not fail the gate");
    assert_eq!(r.status_of("webhooks"), "warn");
    assert!(r.summary_of("webhooks").contains("is failing: fail_count 12"), "{}", r.summary_of("webhooks"));
}

#[test]
fn a_suspended_webhook_fails_p3_naming_id_and_endpoint() {
    let r = run(&["check", "--sandbox", "webhook-suspended", "--format", "json"], &[]);
    assert_eq!(r.code, 1);
    let check = r.check("webhooks");
    assert_eq!(check["status"], "fail");
    assert_eq!(check["severity"], "P3");
    let summary = r.summary_of("webhooks");
    assert!(summary.contains(TASK_HOOK) && summary.contains("https://hooks.acme.example/clickup/tasks"), "{summary}");
    assert_eq!(check["metrics"]["suspended"], 1);
}

#[test]
fn a_plain_http_endpoint_fails() {
    let r = run(&["check", "--sandbox", "webhook-insecure", "--format", "json"], &[]);
    assert_eq!(r.status_of("webhooks"), "fail");
    assert!(
        r.summary_of("webhooks").contains("http://staging-hooks.acme.example/clickup) is not https://"),
        "{}",
        r.summary_of("webhooks")
    );
}

#[test]
fn an_undocumented_event_warns() {
    let api = FakeServer::start(|seen| {
        match seen.path.as_str() {
        "/api/v2/team" => Reply::Full(200, common::rate_headers(), r#"{"teams":[{"id":"1","name":"A"}]}"#.into()),
        _ => Reply::Full(
            200,
            common::rate_headers(),
            r#"{"webhooks":[{"id":"w1","team_id":1,"endpoint":"https://h.example/x","events":["taskCreated","taskExploded"],"health":{"status":"active","fail_count":0}}]}"#.into(),
        ),
    }
    });
    let r = run(
        &["check", "--api-url", &api.url("/api/v2"), "--only", "webhooks", "--format", "json"],
        &[("CLICKUP_API_TOKEN", TOKEN)],
    );
    assert_eq!(r.status_of("webhooks"), "warn");
    assert!(r.summary_of("webhooks").contains("undocumented events: taskExploded"), "{}", r.summary_of("webhooks"));
}

#[test]
fn no_webhooks_and_no_expectation_is_skip() {
    let r = run(&["check", "--sandbox", "no-workspaces", "--only", "webhooks", "--format", "json"], &[]);
    assert_eq!(r.status_of("webhooks"), "skip");
    assert!(r.check("webhooks")["hint"].as_str().is_some_and(|h| h.contains("[[webhooks.expect]]")));
}

#[test]
fn expectations_met_pass() {
    let config = "[[webhooks.expect]]\nendpoint = \"https://hooks.acme.example/clickup/tasks/\"\nevents = [\"taskCreated\", \"taskUpdated\"]\nworkspace = \"9012345\"\nlist_id = \"901100200300\"\n";
    let r = check_with_config("expect-met", "healthy", config);
    assert_eq!(r.status_of("webhooks"), "pass", "{}", r.stdout);
    assert!(r.summary_of("webhooks").contains("all 1 expected registrations present"));
}

#[test]
fn expectations_missing_fewer_events_or_elsewhere_fail_with_the_difference() {
    let cases = [
        (
            "[[webhooks.expect]]\nendpoint = \"https://api.example.com/clickup\"\nevents = [\"taskCreated\"]\n",
            "expected webhook https://api.example.com/clickup is not registered",
        ),
        (
            "[[webhooks.expect]]\nendpoint = \"https://hooks.acme.example/clickup/tasks\"\nevents = [\"taskCreated\", \"taskDeleted\"]\n",
            "subscribes to fewer events: missing taskDeleted",
        ),
        (
            "[[webhooks.expect]]\nendpoint = \"https://hooks.acme.example/clickup/tasks\"\nevents = [\"taskCreated\"]\nfolder_id = \"555\"\n",
            "watches list 901100200300 instead of folder 555",
        ),
        (
            "[[webhooks.expect]]\nendpoint = \"https://hooks.acme.example/clickup/tasks\"\nevents = [\"taskCreated\"]\nworkspace = \"9012346\"\n",
            "is registered in workspace 9012345, not 9012346",
        ),
    ];
    for (i, (config, expected)) in cases.iter().enumerate() {
        let r = check_with_config(&format!("expect-fail-{i}"), "healthy", config);
        assert_eq!(r.status_of("webhooks"), "fail", "{config}");
        assert!(r.summary_of("webhooks").contains(expected), "{config}: {}", r.summary_of("webhooks"));
        assert_eq!(r.code, 1);
    }
}

#[test]
fn named_workspaces_are_listed_without_waiting_for_team() {
    let r = check_with_config("named-workspaces", "healthy", "workspaces = [\"9012346\"]\n");
    assert_eq!(r.status_of("webhooks"), "pass");
    assert_eq!(r.json()["api_requests"], 1, "only the named workspace's listing, no /team");
}

#[test]
fn the_webhook_secret_is_never_printed() {
    for args in [
        vec!["check", "--sandbox", "webhook-suspended", "-vv"],
        vec!["check", "--sandbox", "healthy", "--format", "json", "-vv"],
        vec!["webhooks", "list", "--sandbox", "healthy", "--format", "json", "-vv"],
        vec!["webhooks", "list", "--sandbox", "healthy"],
    ] {
        let r = run(&args, &[("CLICKUP_API_TOKEN", TOKEN)]);
        assert!(!r.all_output().contains(SANDBOX_SECRET), "{args:?} printed a webhook secret");
        assert!(!r.all_output().contains(TOKEN), "{args:?} printed the token");
    }
}

#[test]
fn webhooks_list_prints_table_and_json() {
    let r = run(&["webhooks", "list", "--sandbox", "webhook-failing"], &[]);
    assert_eq!(r.code, 0, "{}", r.all_output());
    assert!(r.stdout.contains("failing") && r.stdout.contains("9012346"), "{}", r.stdout);
    let r = run(&["webhooks", "list", "--sandbox", "webhook-failing", "--format", "json"], &[]);
    let doc = r.json();
    let hooks = doc["webhooks"].as_array().expect("webhooks");
    assert_eq!(hooks.len(), 2);
    let task = hooks.iter().find(|h| h["id"] == TASK_HOOK).expect("the task hook");
    assert_eq!(task["health"], "failing");
    assert_eq!(task["fail_count"], 12);
    assert_eq!(task["location"]["level"], "list");
    assert_eq!(task["workspace"], "9012345");
    assert_eq!(doc["errors"].as_array().map(Vec::len), Some(0));
}

#[test]
fn webhooks_list_never_splits_an_id_so_it_can_be_copied_into_reactivate() {
    let doc = run(&["webhooks", "list", "--sandbox", "healthy", "--format", "json"], &[]).json();
    let hooks = doc["webhooks"].as_array().expect("webhooks");
    assert_eq!(hooks.len(), 2);
    let table = run(&["webhooks", "list", "--sandbox", "healthy"], &[]);
    assert_eq!(table.code, 0, "{}", table.all_output());
    for hook in hooks {
        for key in ["id", "workspace"] {
            let token = hook[key].as_str().expect(key);
            assert!(table.stdout.contains(&format!(" {token} ")), "{key} {token} is split:\n{}", table.stdout);
        }
        for event in hook["events"].as_array().expect("events") {
            let event = event.as_str().expect("event");
            assert!(table.stdout.contains(event), "event {event} is split:\n{}", table.stdout);
        }
    }
}

#[test]
fn webhooks_commands_offer_only_the_formats_they_take() {
    for command in [&["webhooks", "list"][..], &["webhooks", "reactivate"][..]] {
        let help = run(&[command, &["--help"]].concat(), &[]);
        assert_eq!(help.code, 0);
        let formats =
            help.stdout.split("--format").nth(1).unwrap_or_default().split("\n  -").next().unwrap_or_default();
        assert!(formats.contains("table") && formats.contains("json"), "{command:?}: {formats}");
        for other in ["junit", "github", "markdown", "sarif", "nagios", "prometheus"] {
            assert!(!formats.contains(other), "{command:?} offers {other}:\n{formats}");
        }
    }
    let refused = run(&["webhooks", "list", "--sandbox", "healthy", "--format", "junit"], &[]);
    assert_eq!(refused.code, 2, "{}", refused.all_output());
    assert!(refused.stderr.contains("[possible values: table, json]"), "{}", refused.stderr);
    let checklist = run(&["checklist", "--help"], &[]);
    let formats =
        checklist.stdout.split("--format").nth(1).unwrap_or_default().split("\n  -").next().unwrap_or_default();
    assert!(formats.contains("markdown") && !formats.contains("junit"), "{formats}");
}

#[test]
fn webhooks_list_fails_when_a_workspace_cannot_be_listed() {
    let r = run(&["webhooks", "list", "--sandbox", "unauthorized", "--format", "json"], &[]);
    assert_eq!(r.code, 1);
    assert!(r.json()["errors"][0]["error"].as_str().is_some_and(|e| e.contains("OAUTH_025")), "{}", r.stdout);
}

#[test]
fn reactivate_changes_what_the_next_list_shows() {
    let sandbox = StandaloneSandbox::start("webhook-suspended", &[("CLICKUP_API_TOKEN", TOKEN)]);
    let env = [("CLICKUP_API_TOKEN", TOKEN)];
    let list = || run(&["webhooks", "list", "--api-url", &sandbox.api_url, "--format", "json"], &env).json();
    let health_of = |doc: &serde_json::Value| {
        doc["webhooks"].as_array().and_then(|h| h.iter().find(|h| h["id"] == TASK_HOOK)).map(|h| h["health"].clone())
    };
    assert_eq!(health_of(&list()), Some("suspended".into()));

    let refused = run(&["webhooks", "reactivate", TASK_HOOK, "--api-url", &sandbox.api_url], &env);
    assert_eq!(refused.code, 2, "no terminal and no --yes: {}", refused.stderr);
    assert!(refused.stderr.contains("pass --yes"), "{}", refused.stderr);
    assert_eq!(health_of(&list()), Some("suspended".into()), "nothing changed without confirmation");

    let done = run(&["webhooks", "reactivate", TASK_HOOK, "--yes", "--api-url", &sandbox.api_url], &env);
    assert_eq!(done.code, 0, "{}", done.all_output());
    assert!(done.stdout.contains("suspended (fail_count 100) -> active (fail_count 0)"), "{}", done.stdout);
    assert_eq!(health_of(&list()), Some("active".into()));

    let check = run(&["check", "--api-url", &sandbox.api_url, "--only", "webhooks", "--format", "json"], &env);
    assert_eq!(check.status_of("webhooks"), "pass", "the next check sees it active");
}

#[test]
fn reactivate_reports_json_and_unknown_ids() {
    let r =
        run(&["webhooks", "reactivate", TASK_HOOK, "--yes", "--sandbox", "webhook-suspended", "--format", "json"], &[]);
    assert_eq!(r.code, 0, "{}", r.all_output());
    let doc = r.json();
    assert_eq!(doc["before"]["health"], "suspended");
    assert_eq!(doc["after"]["health"], "active");
    assert_eq!(doc["status"], "pass");
    assert_valid("webhooks-reactivate.schema.json", &doc, "a reactivation against the sandbox");
    let missing = run(&["webhooks", "reactivate", "00000000-dead-beef", "--yes", "--sandbox", "healthy"], &[]);
    assert_eq!(missing.code, 4, "not found has its own exit code");
    assert!(missing.stderr.contains("no webhook 00000000-dead-beef in the 2 workspaces listed"), "{}", missing.stderr);
    let bad = run(&["webhooks", "reactivate", "../user", "--yes", "--sandbox", "healthy"], &[]);
    assert_eq!(bad.code, 2, "{}", bad.stderr);
}

/// `check --only webhooks` against a fake ClickUp with one workspace `1`
/// listing `listed`, under `config`.
fn check_listing(name: &str, listed: &'static str, config: &str) -> Run {
    let api = FakeServer::start(move |seen| match seen.path.as_str() {
        "/api/v2/team" => Reply::Full(200, common::rate_headers(), r#"{"teams":[{"id":1,"name":"A"}]}"#.into()),
        _ => Reply::Full(200, common::rate_headers(), listed.into()),
    });
    let dir = scratch_dir(name);
    std::fs::write(dir.join("checks.toml"), config).expect("write checks.toml");
    let args = ["check", "--api-url", &api.url("/api/v2"), "--only", "webhooks", "--format", "json"];
    run_in(&dir, &args, &[("CLICKUP_API_TOKEN", TOKEN)], Duration::from_secs(30))
}

/// Location ids as numbers in one webhook and strings in the other; `team_id`
/// a number in one and a string in the other; `events` a list or `"*"`.
const BOTH_SHAPES: &str = r#"{"webhooks":[
    {"id":"w1","team_id":1,"endpoint":"https://h.example/a","events":["taskCreated"],"task_id":null,"list_id":901,"folder_id":null,"space_id":77,"health":{"status":"active","fail_count":0}},
    {"id":"w2","team_id":"1","endpoint":"https://h.example/b","events":"*","task_id":"86abc9","list_id":null,"folder_id":"55","space_id":null,"health":{"status":"active","fail_count":0}}]}"#;

const EXPECT_BOTH: &str = "[[webhooks.expect]]\nendpoint = \"https://h.example/a\"\nevents = [\"taskCreated\"]\nworkspace = \"1\"\nlist_id = \"901\"\n\n[[webhooks.expect]]\nendpoint = \"https://h.example/b\"\nevents = [\"taskMoved\"]\nworkspace = \"1\"\ntask_id = \"86abc9\"\n";

#[test]
fn ids_arrive_as_numbers_or_strings_and_events_as_a_list_or_star() {
    let r = check_listing("both-shapes", BOTH_SHAPES, EXPECT_BOTH);
    assert_eq!(r.status_of("webhooks"), "pass", "{}", r.all_output());
    let details = r.check("webhooks")["details"].to_string();
    assert!(details.contains("webhook w1 in workspace 1") && details.contains("watches list 901"), "{details}");
    assert!(details.contains("webhook w2 in workspace 1") && details.contains("events *"), "{details}");
    assert!(details.contains("watches task 86abc9 (most specific of folder, task)"), "{details}");

    let elsewhere = EXPECT_BOTH.replace("list_id = \"901\"", "list_id = \"902\"");
    let r = check_listing("both-shapes-elsewhere", BOTH_SHAPES, &elsewhere);
    assert_eq!(r.status_of("webhooks"), "fail", "a number 901 is not 902: {}", r.stdout);
    assert!(r.summary_of("webhooks").contains("watches list 901 instead of list 902"), "{}", r.summary_of("webhooks"));
}

#[test]
fn a_health_status_clickup_does_not_document_is_never_pass() {
    const PAUSED: &str = r#"{"webhooks":[{"id":"w1","team_id":1,"endpoint":"https://h.example/a","events":["taskCreated"],"health":{"status":"paused","fail_count":0}}]}"#;
    let r = check_listing("paused", PAUSED, "");
    assert_eq!(r.status_of("webhooks"), "error", "{}", r.stdout);
    assert!(r.summary_of("webhooks").contains("unknown health status `paused`"), "{}", r.summary_of("webhooks"));
    assert_eq!(r.code, 1);
}

#[test]
fn an_empty_listing_or_a_missing_webhook_says_clickup_lists_only_the_tokens_own() {
    let empty = check_listing("empty", r#"{"webhooks":[]}"#, "");
    assert_eq!(empty.status_of("webhooks"), "skip");
    let hint = empty.check("webhooks")["hint"].as_str().unwrap_or_default().to_owned();
    assert!(hint.contains("only the webhooks created by the token's own user"), "{hint}");
    let missing = check_listing("missing", r#"{"webhooks":[]}"#, EXPECT_BOTH);
    assert_eq!(missing.status_of("webhooks"), "fail");
    let hint = missing.check("webhooks")["hint"].as_str().unwrap_or_default().to_owned();
    assert!(hint.contains("the token that registered the webhooks"), "{hint}");
    assert!(hint.contains("deactivated"), "{hint}");
}

// ---- webhooks reactivate: restate the subscription, verify the answer ---

/// One workspace `1` with one suspended webhook `w1`, listed as `listed`
/// (ids as numbers); the PUT is answered with `answer(body sent)`.
fn fake_clickup(listed: &'static str, answer: impl Fn(&str) -> String + Send + Sync + 'static) -> FakeServer {
    FakeServer::start(move |seen| match (seen.method.as_str(), seen.path.as_str()) {
        ("GET", "/api/v2/team") => {
            Reply::Full(200, common::rate_headers(), r#"{"teams":[{"id":"1","name":"A"}]}"#.into())
        }
        ("GET", "/api/v2/team/1/webhook") => Reply::Full(200, common::rate_headers(), listed.into()),
        ("PUT", "/api/v2/webhook/w1") => Reply::Full(200, common::rate_headers(), answer(&seen.body)),
        _ => Reply::Full(404, vec![], "404 page not found\n".into()),
    })
}

const LISTED_W1: &str = r#"{"webhooks":[{"id":"w1","userid":7,"team_id":1,"endpoint":"https://h.example/x?k=1","events":["taskCreated","taskMoved"],"task_id":null,"list_id":901,"folder_id":null,"space_id":77,"health":{"status":"suspended","fail_count":100}}]}"#;

/// ClickUp's answer to the PUT: the webhook with what was sent, health
/// active, its location as strings this time.
fn echo(sent: &str) -> String {
    let sent: serde_json::Value = serde_json::from_str(sent).unwrap_or_default();
    serde_json::json!({"id": "w1", "webhook": {"id": "w1", "team_id": 1, "endpoint": sent["endpoint"],
        "events": sent["events"], "list_id": "901", "space_id": "77", "health": {"status": "active", "fail_count": 0}}})
    .to_string()
}

fn reactivate_w1(server: &FakeServer, format: &str) -> Run {
    let api = server.url("/api/v2");
    run(
        &["webhooks", "reactivate", "w1", "--yes", "--api-url", &api, "--format", format],
        &[("CLICKUP_API_TOKEN", TOKEN)],
    )
}

/// The body of the one PUT the fake server saw.
fn sent_put(server: &FakeServer) -> serde_json::Value {
    let puts: Vec<_> = server.requests().into_iter().filter(|r| r.method == "PUT").collect();
    assert_eq!(puts.len(), 1, "{puts:?}");
    serde_json::from_str(&puts[0].body).unwrap_or_else(|e| panic!("PUT body is not JSON ({e}): {}", puts[0].body))
}

#[test]
fn reactivate_restates_endpoint_and_events_and_passes_when_only_health_changed() {
    let server = fake_clickup(LISTED_W1, echo);
    let r = reactivate_w1(&server, "table");
    assert_eq!(r.code, 0, "{}", r.all_output());
    assert!(r.stdout.contains("suspended (fail_count 100) -> active (fail_count 0)"), "{}", r.stdout);
    assert!(!r.stdout.contains("FAIL"), "{}", r.stdout);
    assert!(r.stderr.contains("fix the receiver first"), "{}", r.stderr);
    assert!(r.stderr.contains("3 API requests"), "/team, one listing, the PUT: {}", r.stderr);
    let body = sent_put(&server);
    assert_eq!(
        body,
        serde_json::json!({"endpoint": "https://h.example/x?k=1", "events": ["taskCreated", "taskMoved"], "status": "active"})
    );
}

#[test]
fn reactivate_sends_events_star_back_as_listed() {
    const LISTED_STAR: &str = r#"{"webhooks":[{"id":"w1","team_id":"1","endpoint":"https://h.example/all","events":"*","health":{"status":"suspended","fail_count":100}}]}"#;
    let server = fake_clickup(LISTED_STAR, |sent| {
        let sent: serde_json::Value = serde_json::from_str(sent).unwrap_or_default();
        serde_json::json!({"id": "w1", "webhook": {"id": "w1", "team_id": 1, "endpoint": sent["endpoint"],
            "events": ["*"], "health": {"status": "active", "fail_count": 0}}})
        .to_string()
    });
    let r = reactivate_w1(&server, "json");
    assert_eq!(r.code, 0, "`*` and [`*`] are the same subscription: {}", r.all_output());
    assert_eq!(r.json()["status"], "pass");
    assert_eq!(sent_put(&server)["events"], "*");
}

#[test]
fn reactivate_fails_when_the_answer_shows_the_webhook_changed() {
    let server = fake_clickup(LISTED_W1, |_| {
        r#"{"id":"w1","webhook":{"id":"w1","team_id":1,"endpoint":"https://other.example/y","events":"*","space_id":"77","health":{"status":"active","fail_count":0}}}"#.into()
    });
    let r = reactivate_w1(&server, "table");
    assert_eq!(r.code, 1, "a changed webhook is not a success: {}", r.all_output());
    assert!(r.stdout.contains("FAIL"), "{}", r.stdout);
    for difference in [
        "endpoint: https://h.example/x?k=1 -> https://other.example/y",
        "events: taskCreated, taskMoved -> *",
        "location: list 901 -> space 77",
    ] {
        assert!(r.stdout.contains(difference), "missing `{difference}` in:\n{}", r.stdout);
    }
    let json = reactivate_w1(&server, "json");
    assert_eq!(json.code, 1);
    assert_eq!(json.json()["status"], "fail");
    assert_eq!(json.json()["changes"].as_array().map(Vec::len), Some(3));
    assert_valid("webhooks-reactivate.schema.json", &json.json(), "a reactivation that changed the webhook");
}

#[test]
fn reactivate_with_workspace_goes_straight_there() {
    let server = fake_clickup(LISTED_W1, echo);
    let api = server.url("/api/v2");
    let env = [("CLICKUP_API_TOKEN", TOKEN)];
    let r = run(&["webhooks", "reactivate", "w1", "--yes", "--workspace", "1", "--api-url", &api], &env);
    assert_eq!(r.code, 0, "{}", r.all_output());
    let paths: Vec<String> = server.requests().into_iter().map(|s| format!("{} {}", s.method, s.path)).collect();
    assert_eq!(paths, ["GET /api/v2/team/1/webhook", "PUT /api/v2/webhook/w1"], "no /team");
    let bad = run(&["webhooks", "reactivate", "w1", "--yes", "--workspace", "../1", "--api-url", &api], &env);
    assert_eq!(bad.code, 2, "{}", bad.stderr);
    assert!(bad.stderr.contains("--workspace") && bad.stderr.contains("digits"), "{}", bad.stderr);
    let elsewhere = run(&["webhooks", "reactivate", "w9", "--yes", "--workspace", "1", "--api-url", &api], &env);
    assert_eq!(elsewhere.code, 4, "{}", elsewhere.stderr);
    assert!(elsewhere.stderr.contains("no webhook w9 in workspace 1"), "{}", elsewhere.stderr);
    assert!(elsewhere.stderr.contains("created by the token's own user"), "{}", elsewhere.stderr);
}

/// The last webhook of the last generated workspace (`--workspaces 50`).
const LAST_SCALE_HOOK: &str = "00000049-0000-4000-8000-000000000001";
const FIRST_SCALE_HOOK: &str = "00000000-0000-4000-8000-000000000000";

fn scale_sandbox() -> StandaloneSandbox {
    StandaloneSandbox::start_with(
        &["--workspaces", "50", "--webhooks-per-workspace", "2"],
        &[("CLICKUP_API_TOKEN", TOKEN)],
    )
}

/// The `N API requests` a command said it spent.
fn spent(r: &Run) -> u64 {
    let line = r.stderr.lines().find(|l| l.contains(" API requests")).unwrap_or_else(|| panic!("{}", r.stderr));
    line.split_whitespace().next().and_then(|n| n.parse().ok()).unwrap_or_else(|| panic!("{line}"))
}

#[test]
fn fifty_workspaces_are_all_listed_and_a_webhook_in_the_last_is_repaired() {
    let env = [("CLICKUP_API_TOKEN", TOKEN)];
    let sandbox = scale_sandbox();
    let api = sandbox.api_url.as_str();
    let list = run(&["webhooks", "list", "--api-url", api, "--format", "json"], &env);
    assert_eq!(list.code, 0, "{}", list.all_output());
    assert_eq!(list.json()["webhooks"].as_array().map(Vec::len), Some(100));
    assert_eq!(spent(&list), 51, "/team and 50 listings");
    assert!(list.stderr.contains("49 left in the rate-limit window"), "{}", list.stderr);
    let direct =
        run(&["webhooks", "reactivate", LAST_SCALE_HOOK, "--yes", "--workspace", "9100049", "--api-url", api], &env);
    assert_eq!(direct.code, 0, "{}", direct.all_output());
    assert_eq!(spent(&direct), 2, "one listing and the PUT");

    // A fresh window: the search stops at the first workspace that has it.
    let sandbox = scale_sandbox();
    let api = sandbox.api_url.as_str();
    let first = run(&["webhooks", "reactivate", FIRST_SCALE_HOOK, "--yes", "--api-url", api], &env);
    assert_eq!(first.code, 0, "{}", first.all_output());
    assert!(spent(&first) <= 10, "/team, at most the 8 listings in flight, the PUT: {}", first.stderr);
    let last = run(&["webhooks", "reactivate", LAST_SCALE_HOOK, "--yes", "--api-url", api, "--format", "json"], &env);
    assert_eq!(last.code, 0, "{}", last.all_output());
    assert_eq!(last.json()["status"], "pass");
    assert_eq!(spent(&last), 52, "/team, 50 listings, the PUT");
}

#[test]
fn explicit_commands_never_spend_the_last_5_requests_of_the_window() {
    // `rate-limited`: 5 requests left when the run starts.
    let r = run(&["webhooks", "list", "--sandbox", "rate-limited", "--format", "json"], &[]);
    assert_eq!(r.code, 1, "{}", r.all_output());
    assert_eq!(spent(&r), 1, "only /team, which states the window: {}", r.stderr);
    let errors = r.json()["errors"].to_string();
    assert!(errors.contains("last requests are left to production"), "{errors}");
    let repair = run(&["webhooks", "reactivate", TASK_HOOK, "--yes", "--sandbox", "rate-limited"], &[]);
    assert_eq!(repair.code, 1, "not searched is not `not found`: {}", repair.all_output());
    assert!(repair.stderr.contains("some could not be listed"), "{}", repair.stderr);
}

// ---- webhook-endpoint: test deliveries to a receiver -------------------

const RECEIVER_SECRET: &str = "whsec-test-0123456789abcdef";

/// Probes a standalone sandbox receiver in `mode` and returns the run.
fn probe_receiver(mode: &str) -> Run {
    probe_receiver_signing_with(mode, RECEIVER_SECRET)
}

/// Probes a receiver in `mode` that verifies with [`RECEIVER_SECRET`], the
/// probe signing with `probe_secret` (another value models a rotation that
/// reached ClickUp but not the receiver).
fn probe_receiver_signing_with(mode: &str, probe_secret: &str) -> Run {
    probe(&["--receiver", mode], "", probe_secret)
}

/// Probes a slow receiver waiting `delay` with `[webhook_endpoint]`
/// thresholds `warn_above` and `fail_above`: the production 5 s and 7 s are
/// data, so the test crosses small ones in milliseconds.
fn probe_slow_receiver(mode: &str, delay: &str, (warn_above, fail_above): (&str, &str)) -> Run {
    let thresholds = format!("[webhook_endpoint]\nwarn_above = \"{warn_above}\"\nfail_above = \"{fail_above}\"\n");
    probe(&["--receiver", mode, "--receiver-delay", delay], &thresholds, RECEIVER_SECRET)
}

/// Probes a standalone sandbox receiver started with `sandbox_args`, with
/// `config` added to the probe's `checks.toml`.
fn probe(sandbox_args: &[&str], config: &str, probe_secret: &str) -> Run {
    let sandbox = StandaloneSandbox::start_with(sandbox_args, &[("CLICKUP_WEBHOOK_SECRET", RECEIVER_SECRET)]);
    let receiver = sandbox.receiver_url.clone().expect("receiver url printed");
    let dir = scratch_dir(&format!("receiver-{}-{}", sandbox_args.join("-"), probe_secret.len()));
    let config =
        format!("{config}[[webhooks.probe]]\nendpoint = \"{receiver}\"\nsecret_env = \"TEAM_WEBHOOK_SECRET\"\n");
    std::fs::write(dir.join("checks.toml"), config).expect("write checks.toml");
    let r = run_in(
        &dir,
        &["check", "--only", "webhook-endpoint", "--format", "json", "-vv"],
        &[("TEAM_WEBHOOK_SECRET", probe_secret)],
        Duration::from_secs(40),
    );
    assert!(!r.all_output().contains(RECEIVER_SECRET), "the signing secret leaked");
    assert!(!r.all_output().contains(probe_secret), "the probe's signing secret leaked");
    r
}

#[test]
fn a_good_receiver_passes_without_any_clickup_token() {
    let r = probe_receiver("good");
    assert_eq!(r.code, 0, "{}", r.all_output());
    assert_eq!(r.status_of("webhook-endpoint"), "pass");
    let details = r.check("webhook-endpoint")["details"][0].as_str().unwrap_or_default().to_owned();
    for part in [
        "signed HTTP 200 in",
        "non-canonical HTTP 200 in",
        "duplicate HTTP 200 in",
        "wrong signature HTTP 403 in",
        "no signature HTTP 400 in",
    ] {
        assert!(details.contains(part), "{part} missing from {details}");
    }
}

#[test]
fn a_receiver_verifying_over_reserialized_json_fails_naming_the_raw_body() {
    let r = probe_receiver("reserialized-signature");
    assert_eq!(r.code, 1, "{}", r.all_output());
    assert_eq!(r.status_of("webhook-endpoint"), "fail");
    let summary = r.summary_of("webhook-endpoint");
    assert!(summary.contains("verifies the signature over re-serialised JSON, not the raw body"), "{summary}");
    assert!(summary.contains("HTTP 403"), "{summary}");
    let check = r.check("webhook-endpoint");
    let details = check["details"].to_string();
    assert!(details.contains("signed HTTP 200 in") && details.contains("non-canonical HTTP 403 in"), "{details}");
    assert!(details.contains("ClickUp signs the exact bytes it sends"), "{details}");
    assert!(check["hint"].as_str().is_some_and(|h| h.contains("raw request body")), "{check}");
}

#[test]
fn a_receiver_answering_401_to_bad_signatures_warns_and_advises_400_or_403() {
    let r = probe_receiver("unauthorized-on-bad-signature");
    assert_eq!(r.code, 0, "a warning does not fail the gate: {}", r.all_output());
    assert_eq!(r.status_of("webhook-endpoint"), "warn", "{}", r.stdout);
    let summary = r.summary_of("webhook-endpoint");
    assert!(summary.contains("answers 401 to deliveries it cannot verify"), "{summary}");
    assert!(summary.contains("400 or 403"), "{summary}");
    let details = r.check("webhook-endpoint")["details"].to_string();
    assert!(
        details.contains("wrong signature HTTP 401 in") && details.contains("no signature HTTP 401 in"),
        "{details}"
    );
}

#[test]
fn after_a_secret_rotation_a_receiver_answering_401_suspends_its_own_webhook() {
    let r = probe_receiver_signing_with("unauthorized-on-bad-signature", "whsec-rotated-fedcba9876543210");
    assert_eq!(r.status_of("webhook-endpoint"), "fail", "{}", r.stdout);
    let summary = r.summary_of("webhook-endpoint");
    assert!(summary.contains("401 Unauthorized: ClickUp suspends the webhook at once"), "{summary}");
    let good = probe_receiver_signing_with("good", "whsec-rotated-fedcba9876543210");
    assert_eq!(good.status_of("webhook-endpoint"), "fail", "a genuine delivery refused is still a failure");
    let summary = good.summary_of("webhook-endpoint");
    assert!(summary.contains("HTTP 403: ClickUp counts it failed") && !summary.contains("at once"), "{summary}");
}

#[test]
fn a_receiver_that_accepts_forgeries_fails() {
    let r = probe_receiver("accepts-forgeries");
    assert_eq!(r.status_of("webhook-endpoint"), "fail");
    assert!(
        r.summary_of("webhook-endpoint").contains("endpoint accepts forged deliveries"),
        "{}",
        r.summary_of("webhook-endpoint")
    );
}

#[test]
fn a_receiver_that_answers_410_fails() {
    let r = probe_receiver("gone");
    assert_eq!(r.status_of("webhook-endpoint"), "fail");
    assert!(r.summary_of("webhook-endpoint").contains("410 Gone"), "{}", r.summary_of("webhook-endpoint"));
}

#[test]
fn a_receiver_that_rejects_duplicates_fails() {
    let r = probe_receiver("rejects-duplicates");
    assert_eq!(r.status_of("webhook-endpoint"), "fail");
    assert!(
        r.summary_of("webhook-endpoint").contains("duplicate delivery with HTTP 409"),
        "{}",
        r.summary_of("webhook-endpoint")
    );
}

// The production thresholds (5 s, 7 s) and the slow modes' default delays
// (5.5 s, 7.5 s) are proven by unit tests on the defaults, without waiting.

#[test]
fn a_slow_receiver_warns_over_warn_above() {
    let r = probe_slow_receiver("slow", "250ms", ("100ms", "3s"));
    assert_eq!(r.status_of("webhook-endpoint"), "warn", "{}", r.stdout);
    assert_eq!(r.code, 0);
    let summary = r.summary_of("webhook-endpoint");
    assert!(summary.contains("to answer a correctly signed delivery: keep it under 100ms"), "{summary}");
}

#[test]
fn a_receiver_slower_than_fail_above_fails_and_names_clickups_limit() {
    let r = probe_slow_receiver("too-slow", "250ms", ("50ms", "100ms"));
    assert_eq!(r.status_of("webhook-endpoint"), "fail", "{}", r.stdout);
    assert_eq!(r.code, 1);
    let summary = r.summary_of("webhook-endpoint");
    assert!(
        summary.contains("over the 100ms set in [webhook_endpoint] fail_above (ClickUp counts it failed over 7s)"),
        "{summary}"
    );
}

#[test]
fn a_receiver_delay_is_refused_for_a_receiver_that_answers_at_once() {
    let out = common::command(&scratch_dir("receiver-delay-good"))
        .args(["sandbox", "--listen", "127.0.0.1:0", "--receiver", "good", "--receiver-delay", "1s"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("--receiver-delay applies only to `--receiver slow` and `--receiver too-slow`"),
        "{stderr}"
    );
}

#[test]
fn the_receiver_probe_needs_configuration() {
    let r = run(&["check", "--sandbox", "healthy", "--only", "webhook-endpoint", "--format", "json"], &[]);
    assert_eq!(r.status_of("webhook-endpoint"), "skip");
    let dir = scratch_dir("probe-no-secret");
    std::fs::write(
        dir.join("checks.toml"),
        "[[webhooks.probe]]\nendpoint = \"http://127.0.0.1:9/webhook\"\nsecret_env = \"UNSET_SECRET_VAR\"\n",
    )
    .expect("write");
    let r = run_in(&dir, &["check", "--only", "webhook-endpoint"], &[], Duration::from_secs(30));
    assert_eq!(r.code, 2);
    assert!(r.stderr.starts_with("error: webhook signing secret from UNSET_SECRET_VAR: is not set"), "{}", r.stderr);
}
