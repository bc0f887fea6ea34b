//! Every sandbox scenario gives the verdicts it models, over real HTTP on
//! loopback, through the real binary.

use crate::common;

use common::run;

/// Runs `check --sandbox NAME --format json` and returns the run.
fn scenario(name: &str) -> common::Run {
    run(&["check", "--sandbox", name, "--format", "json"], &[])
}

fn assert_statuses(run: &common::Run, expected: &[(&str, &str)]) {
    for (id, status) in expected {
        assert_eq!(run.status_of(id), *status, "check {id}: {}", run.stdout);
    }
}

#[test]
fn healthy_passes_everything_within_the_request_budget() {
    let r = scenario("healthy");
    assert_eq!(r.code, 0, "{}", r.all_output());
    assert_statuses(
        &r,
        &[
            ("auth", "pass"),
            ("rate-limit", "pass"),
            ("latency", "pass"),
            ("workspaces", "pass"),
            ("platform", "pass"),
            ("webhooks", "pass"),
        ],
    );
    let doc = r.json();
    assert_eq!(doc["schema_version"], 1);
    assert_eq!(doc["status"], "pass");
    assert_eq!(
        doc["api_requests"], 4,
        "1 /user (auth, rate limit and a latency sample), 1 /team, 1 webhook listing per workspace (2)"
    );
    let ids: Vec<&str> = doc["checks"].as_array().expect("checks").iter().filter_map(|c| c["id"].as_str()).collect();
    assert!(!ids.contains(&"webhook-endpoint"), "the receiver probe is opt-in");
    assert_eq!(doc["status_requests"], 1);
    assert_eq!(doc["sandbox"], "healthy");
    assert!(r.summary_of("auth").contains("Sandbox Service Account"));
    assert!(!r.summary_of("auth").contains("sandbox@example.com"), "reports name users by username, not email");
    assert!(r.summary_of("auth").contains("personal token"));
    assert!(r.summary_of("workspaces").contains("Acme Production (9012345)"));
    assert!(r.stderr.is_empty(), "a healthy default run is silent on stderr: {}", r.stderr);
}

#[test]
fn unauthorized_fails_auth_and_names_the_ecode() {
    let r = scenario("unauthorized");
    assert_eq!(r.code, 1);
    assert_statuses(
        &r,
        &[("auth", "fail"), ("workspaces", "fail"), ("latency", "error"), ("platform", "pass"), ("webhooks", "fail")],
    );
    assert!(r.summary_of("auth").contains("OAUTH_025"), "{}", r.summary_of("auth"));
}

#[test]
fn rate_limited_warns_and_exits_zero() {
    let r = scenario("rate-limited");
    assert_eq!(r.code, 0, "a warning alone does not fail the gate");
    assert_statuses(&r, &[("rate-limit", "warn"), ("auth", "pass"), ("latency", "pass"), ("webhooks", "skip")]);
    // 5 requests were left: the webhook listings would eat the reserve kept for production.
    assert_eq!(r.json()["api_requests"], 2, "/user and /team: no webhook listing was sent");
    assert!(r.summary_of("webhooks").contains("not checked"), "{}", r.summary_of("webhooks"));
    assert_eq!(r.json()["status"], "warn");
}

#[test]
fn rate_exhausted_fails_with_time_until_reset() {
    let r = scenario("rate-exhausted");
    assert_eq!(r.code, 1);
    assert_statuses(&r, &[("rate-limit", "fail"), ("auth", "error"), ("webhooks", "error")]);
    let summary = r.summary_of("rate-limit");
    assert!(summary.contains("429") && summary.contains("resets in"), "{summary}");
}

/// The `slow` scenario with its 3.5 s `GET /user` shortened to 700 ms and the
/// latency thresholds lowered to match (`[latency]` in `checks.toml`), so the
/// run crosses them as the production ones would be crossed. That 3.5 s
/// crosses the default 3 s is a unit test on the scenario.
#[test]
fn slow_fails_latency_but_authenticates() {
    let env = [("CLICKUP_API_TOKEN", common::TOKEN)];
    let sandbox = common::StandaloneSandbox::start_args(&["--scenario", "slow", "--user-delay", "700ms"], &env);
    let dir = common::scratch_dir("slow-scenario");
    std::fs::write(dir.join("checks.toml"), "[latency]\nwarn_above = \"300ms\"\nfail_p95_above = \"500ms\"\n")
        .expect("write checks.toml");
    let args = ["check", "--api-url", &sandbox.api_url, "--status-url", &sandbox.status_url, "--format", "json"];
    let r = common::run_in(&dir, &args, &env, std::time::Duration::from_secs(30));
    assert_eq!(r.code, 1, "{}", r.all_output());
    assert_statuses(&r, &[("latency", "fail"), ("auth", "pass"), ("workspaces", "pass")]);
    let latency = r.check("latency");
    assert!(latency["metrics"]["p95_ms"].as_f64().is_some_and(|ms| ms >= 700.0), "{latency}");
    // /user and /team run concurrently: about one slow round trip, not two.
    assert!(r.elapsed.as_secs_f64() < 1.4, "took {:?}", r.elapsed);
}

#[test]
fn outage_is_api_unreachable_and_rate_limit_unknown() {
    let r = scenario("outage");
    assert_eq!(r.code, 1);
    assert_statuses(
        &r,
        &[("auth", "fail"), ("rate-limit", "error"), ("latency", "fail"), ("workspaces", "fail"), ("platform", "pass")],
    );
    assert!(r.summary_of("auth").starts_with("API unreachable"), "{}", r.summary_of("auth"));
}

#[test]
fn platform_degraded_warns() {
    let r = scenario("platform-degraded");
    assert_eq!(r.code, 0);
    assert_statuses(&r, &[("platform", "warn"), ("auth", "pass")]);
    assert!(r.summary_of("platform").contains("Degraded Performance"), "{}", r.summary_of("platform"));
}

#[test]
fn platform_outage_fails_and_names_the_incident() {
    let r = scenario("platform-outage");
    assert_eq!(r.code, 1);
    assert_statuses(&r, &[("platform", "fail"), ("auth", "pass")]);
    let summary = r.summary_of("platform");
    assert!(summary.contains("Tasks failing to load") && summary.contains("API (Service Disruption)"), "{summary}");
}

#[test]
fn no_workspaces_fails_workspaces_only() {
    let r = scenario("no-workspaces");
    assert_eq!(r.code, 1);
    assert_statuses(&r, &[("workspaces", "fail"), ("auth", "pass"), ("latency", "pass"), ("webhooks", "skip")]);
}

#[test]
fn table_is_the_default_and_plain_when_not_a_terminal() {
    let r = run(&["check", "--sandbox", "healthy"], &[]);
    assert_eq!(r.code, 0);
    for id in ["auth", "rate-limit", "latency", "workspaces", "platform"] {
        assert!(r.stdout.contains(id), "{id} missing:\n{}", r.stdout);
    }
    assert!(r.stdout.contains("PASS: 6 checks, 6 passed in"), "{}", r.stdout);
    assert!(!r.stdout.contains('\u{1b}'), "no colour codes in a pipe");
}

#[test]
fn quiet_prints_only_what_did_not_pass() {
    let r = run(&["check", "--sandbox", "no-workspaces", "-q"], &[]);
    assert_eq!(r.code, 1);
    assert!(r.stdout.contains("workspaces"), "{}", r.stdout);
    assert!(!r.stdout.contains("authenticated as"), "{}", r.stdout);
}

#[test]
fn the_standalone_sandbox_serves_any_client_and_both_status_formats() {
    let sandbox = common::StandaloneSandbox::start("platform-outage", &[]);
    let token = sandbox.token_line.clone();
    assert!(token.starts_with("pk_"), "a demo token is printed: {token}");
    let env = [("CLICKUP_API_TOKEN", token.as_str())];
    let status_io =
        run(&["check", "--api-url", &sandbox.api_url, "--status-url", &sandbox.status_url, "--format", "json"], &env);
    assert_eq!(status_io.status_of("platform"), "fail");
    assert_eq!(status_io.status_of("auth"), "pass");
    let statuspage = run(
        &["check", "--api-url", &sandbox.api_url, "--status-url", &sandbox.statuspage_url, "--format", "json"],
        &env,
    );
    assert_eq!(statuspage.status_of("platform"), "fail");
    assert!(statuspage.summary_of("platform").contains("Tasks failing to load"), "{}", statuspage.stdout);
    // A wrong token is refused by the sandbox as ClickUp would.
    let wrong = run(
        &["check", "--api-url", &sandbox.api_url, "--only", "auth", "--format", "json"],
        &[("CLICKUP_API_TOKEN", "pk_1_WRONGWRONGWRONG")],
    );
    assert_eq!(wrong.status_of("auth"), "fail");
    assert!(wrong.summary_of("auth").contains("OAUTH_025"));
}

#[test]
fn the_standalone_sandbox_counts_down_the_rate_limit_window() {
    let sandbox = common::StandaloneSandbox::start("healthy", &[("CLICKUP_API_TOKEN", common::TOKEN)]);
    assert!(sandbox.token_line.starts_with("the"), "a token from the environment is not printed");
    let env = [("CLICKUP_API_TOKEN", common::TOKEN)];
    let args = ["check", "--api-url", &sandbox.api_url, "--only", "rate-limit", "--format", "json"];
    let first = run(&args, &env).json();
    let second = run(&args, &env).json();
    let remaining = |doc: &serde_json::Value| doc["checks"][0]["metrics"]["remaining"].as_i64().expect("remaining");
    assert_eq!(remaining(&first), 99);
    assert_eq!(remaining(&second), 98);
}

#[test]
fn oauth_tokens_are_recognised_and_bearer_is_accepted() {
    let r = run(
        &["check", "--sandbox", "healthy", "--only", "auth", "--format", "json"],
        &[("CLICKUP_API_TOKEN", "8a1b2c3d4e5f_oauth_access")],
    );
    assert_eq!(r.status_of("auth"), "pass");
    assert!(r.summary_of("auth").ends_with("with an OAuth token"), "{}", r.summary_of("auth"));
    let r = run(
        &["check", "--sandbox", "healthy", "--only", "auth", "--format", "json"],
        &[("CLICKUP_API_TOKEN", "Bearer 8a1b2c3d4e5f_oauth_access")],
    );
    assert_eq!(r.status_of("auth"), "pass", "{}", r.stdout);
}

#[test]
fn large_keeps_to_the_request_budget_and_names_what_it_left() {
    let r = scenario("large");
    assert_eq!(r.code, 0, "{}", r.all_output());
    assert_eq!(r.json()["api_requests"], 10, "10% of the 100-request window, first wave included");
    assert_eq!(r.status_of("webhooks"), "warn");
    assert!(r.summary_of("webhooks").starts_with("42 workspaces not checked ("), "{}", r.summary_of("webhooks"));
    assert!(r.summary_of("webhooks").contains("and 32 more"), "{}", r.summary_of("webhooks"));
    assert!(r.summary_of("workspaces").starts_with("50 workspaces reachable"));
    // 90 of 100 requests are left: the knob is the budget, not waiting.
    let hint = r.check("webhooks")["hint"].as_str().unwrap_or_default().to_owned();
    assert!(hint.starts_with("a run spends at most `api.request_budget_percent`"), "{hint}");
}
