//! Faults the sandbox scenarios do not model: a hung server, an oversized
//! body, a cross-origin redirect, bad configuration. The verdict is never
//! PASS on bad evidence, the run ends in time, and the exit code is the
//! documented one.

use crate::common;

use std::time::Duration;

use common::{FakeServer, Reply, TOKEN, run};

/// A fake whose status page is healthy and whose API is `api`.
fn fake(api: impl Fn(&common::Seen) -> Reply + Send + Sync + 'static) -> FakeServer {
    FakeServer::start(move |seen| if seen.path == "/status" { Reply::json(common::STATUS_OK) } else { api(seen) })
}

use common::check_against;

#[test]
fn a_hung_api_times_out_and_the_other_checks_still_report() {
    let server = fake(|_| Reply::Hang);
    let r = check_against(&server, &["--timeout", "200ms"]);
    assert_eq!(r.code, 1);
    assert!(r.elapsed < Duration::from_secs(8), "took {:?}", r.elapsed);
    assert_eq!(r.status_of("auth"), "fail");
    assert!(r.summary_of("auth").contains("timed out after 200ms"), "{}", r.summary_of("auth"));
    assert_eq!(r.status_of("workspaces"), "fail");
    assert_eq!(r.status_of("rate-limit"), "error");
    assert_eq!(r.status_of("latency"), "fail", "every sample timed out: unreachable, CRITICAL to a monitor");
    assert_eq!(r.status_of("platform"), "pass", "the status page answered, so platform still reports");
}

#[test]
fn the_deadline_ends_the_run_even_with_a_long_timeout() {
    let server = fake(|_| Reply::Hang);
    let r = check_against(&server, &["--timeout", "20s", "--deadline", "600ms"]);
    assert_eq!(r.code, 1);
    assert!(r.elapsed < Duration::from_secs(6), "took {:?}", r.elapsed);
    assert!(r.summary_of("auth").contains("deadline"), "{}", r.summary_of("auth"));
}

#[test]
fn an_oversized_body_is_an_error_not_a_pass() {
    let huge = format!(r#"{{"user":{{"id":1,"username":"{}"}}}}"#, "x".repeat(6 * 1024 * 1024));
    let server = fake(move |_| Reply::Full(200, common::rate_headers(), huge.clone()));
    let r = check_against(&server, &["--only", "auth"]);
    assert_eq!(r.code, 1);
    assert_eq!(r.status_of("auth"), "error");
    assert!(r.summary_of("auth").contains("cap"), "{}", r.summary_of("auth"));
}

#[test]
fn an_endless_body_stops_at_the_cap() {
    let server = fake(|_| Reply::Endless);
    let r = check_against(&server, &["--only", "auth"]);
    assert_eq!(r.status_of("auth"), "error");
    assert!(r.summary_of("auth").contains("cap"), "{}", r.summary_of("auth"));
    assert!(r.elapsed < Duration::from_secs(10), "took {:?}", r.elapsed);
}

#[test]
fn a_cross_origin_redirect_is_not_followed_and_carries_no_token() {
    let elsewhere = FakeServer::start(|_| Reply::json(common::USER_OK));
    let target = elsewhere.url("/api/v2/user");
    let server = fake(move |_| Reply::Full(302, vec![("location".into(), target.clone())], String::new()));
    let r = check_against(&server, &["--only", "auth"]);
    assert_eq!(r.code, 1);
    assert_eq!(r.status_of("auth"), "fail");
    assert!(r.summary_of("auth").contains("another origin"), "{}", r.summary_of("auth"));
    let leaked = elsewhere.requests().iter().any(|s| s.headers.contains_key("authorization"));
    assert!(!leaked, "the other origin received an Authorization header");
}

#[test]
fn a_same_origin_redirect_is_followed() {
    let server = fake(|seen| match seen.path.as_str() {
        "/api/v2/user" => Reply::Full(301, vec![("location".into(), "/api/v2/user2".into())], String::new()),
        _ => Reply::Full(200, common::rate_headers(), common::USER_OK.into()),
    });
    let r = check_against(&server, &["--only", "auth"]);
    assert_eq!(r.status_of("auth"), "pass", "{}", r.stdout);
}

#[test]
fn a_body_that_is_not_a_user_is_an_error() {
    let server = fake(|_| Reply::Full(200, common::rate_headers(), r#"{"teams":[]}"#.into()));
    let r = check_against(&server, &["--only", "auth"]);
    assert_eq!(r.status_of("auth"), "error");
    assert!(r.summary_of("auth").contains("missing field `user`"), "{}", r.summary_of("auth"));
}

#[test]
fn a_refused_connection_is_api_unreachable() {
    let port =
        std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).expect("free port");
    let url = format!("http://127.0.0.1:{port}/api/v2");
    let r = run(&["check", "--api-url", &url, "--only", "auth", "--format", "json"], &[("CLICKUP_API_TOKEN", TOKEN)]);
    assert_eq!(r.code, 1);
    assert!(r.summary_of("auth").starts_with("API unreachable"), "{}", r.summary_of("auth"));
}

#[test]
fn an_unrecognised_status_page_is_an_error_without_failing_other_checks() {
    let server = FakeServer::start(|seen| match seen.path.as_str() {
        "/status" => Reply::json(r#"{"status":"all good"}"#),
        "/api/v2/user" => Reply::Full(200, common::rate_headers(), common::USER_OK.into()),
        _ => Reply::Full(200, common::rate_headers(), r#"{"teams":[{"id":"1","name":"A"}]}"#.into()),
    });
    let r = check_against(&server, &[]);
    assert_eq!(r.status_of("platform"), "error");
    assert_eq!(r.status_of("auth"), "pass");
    assert_eq!(r.status_of("workspaces"), "pass");
    let html = FakeServer::start(|_| Reply::Full(404, vec![], "<html>not found</html>".into()));
    let r = run(
        &["check", "--only", "platform", "--status-url", &html.url("/api/v2/summary.json"), "--format", "json"],
        &[],
    );
    assert_eq!(r.status_of("platform"), "error");
    assert!(r.summary_of("platform").contains("HTTP 404"), "{}", r.summary_of("platform"));
}

#[test]
fn malformed_checks_toml_is_one_line_and_exit_2() {
    let cases = [
        ("[latency]\nsamples = \"three\"\n", "checks.toml:2: `samples`"),
        ("[latency]\nsampels = 3\n", "checks.toml:2:"),
        ("plan = \"gold\"\n", "checks.toml:1:"),
        ("[api\n", "checks.toml:1:"),
        ("[latency]\nsamples = 0\n", "checks.toml:2: `latency.samples`"),
    ];
    for (source, expected) in cases {
        let dir = common::scratch_dir("bad-config");
        std::fs::write(dir.join("checks.toml"), source).expect("write config");
        let r = common::run_in(&dir, &["check", "--sandbox", "healthy"], &[], Duration::from_secs(30));
        assert_eq!(r.code, 2, "{source:?}: {}", r.stderr);
        assert!(r.stderr.starts_with(&format!("error: {expected}")), "{source:?}: {}", r.stderr);
        assert_eq!(r.stderr.trim_end().lines().count(), 1, "one line: {}", r.stderr);
        assert!(r.stdout.is_empty());
        assert!(!r.stderr.contains("panicked"));
    }
}

#[test]
fn a_named_config_that_does_not_exist_is_exit_2() {
    let r = run(&["check", "--sandbox", "healthy", "--config", "nowhere.toml"], &[]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.starts_with("error: cannot read config nowhere.toml"), "{}", r.stderr);
}

#[test]
fn plain_http_to_a_remote_api_is_refused() {
    let r = run(&["check", "--api-url", "http://api.clickup.com/api/v2"], &[("CLICKUP_API_TOKEN", TOKEN)]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("plain http://"), "{}", r.stderr);
}

#[test]
fn https_proxy_is_honoured_and_sees_no_token() {
    let proxy = FakeServer::start(|_| Reply::Full(502, vec![], String::new()));
    let r = run(
        &[
            "check",
            "--api-url",
            "https://api.clickup.invalid/api/v2",
            "--only",
            "auth",
            "--timeout",
            "3s",
            "--format",
            "json",
        ],
        &[("CLICKUP_API_TOKEN", TOKEN), ("HTTPS_PROXY", &proxy.url(""))],
    );
    assert_eq!(r.status_of("auth"), "fail", "{}", r.stdout);
    let seen = proxy.requests();
    assert!(seen.iter().any(|s| s.path == "api.clickup.invalid:443"), "CONNECT through the proxy: {seen:?}");
    assert!(seen.iter().all(|s| !s.headers.contains_key("authorization")), "the token travels only inside TLS");
    // A loopback target, so that the bypass resolves and connects nowhere else.
    let bypass = run(
        &["check", "--api-url", "https://127.0.0.1:1/api/v2", "--only", "auth", "--timeout", "3s", "--format", "json"],
        &[("CLICKUP_API_TOKEN", TOKEN), ("HTTPS_PROXY", &proxy.url("")), ("NO_PROXY", "127.0.0.1")],
    );
    assert_eq!(bypass.status_of("auth"), "fail");
    assert_eq!(proxy.requests().len(), seen.len(), "NO_PROXY bypasses the proxy");
}

/// The hint of one check in the JSON report.
fn hint_of(r: &common::Run, id: &str) -> String {
    r.check(id)["hint"].as_str().unwrap_or_default().to_owned()
}

#[test]
fn a_server_error_is_blamed_on_the_server_not_the_network() {
    let server = fake(|_| Reply::Full(503, vec![], "busy".into()));
    let r = check_against(&server, &["--only", "auth"]);
    assert_eq!(r.status_of("auth"), "fail");
    let hint = hint_of(&r, "auth");
    assert!(hint.contains("HTTP 503") && hint.contains("status page"), "{hint}");
    assert!(!hint.contains("egress"), "a server that answered is reachable: {hint}");
}

#[test]
fn a_refused_connection_names_the_host_and_the_setting() {
    // Bind, learn a free port, close it: nothing listens there any more.
    let port = std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("bind").port();
    let api = format!("http://127.0.0.1:{port}/api/v2");
    let r = run(&["check", "--only", "auth", "--api-url", &api, "--format", "json"], &[("CLICKUP_API_TOKEN", TOKEN)]);
    assert!(r.summary_of("auth").contains("connection to 127.0.0.1 refused"), "{}", r.summary_of("auth"));
    assert!(hint_of(&r, "auth").contains("nothing accepts connections at 127.0.0.1"), "{}", hint_of(&r, "auth"));
}

#[test]
fn an_unresolvable_host_is_named_once_with_a_dns_hint_in_the_table() {
    // `.invalid` never resolves (RFC 6761); no request leaves the machine.
    let args = [
        "check",
        "--only",
        "auth,workspaces,platform",
        "--api-url",
        "https://api.clickup-preflight.invalid/api/v2",
        "--status-url",
        "https://status.clickup-preflight.invalid/x",
    ];
    let r = run(&args, &[("CLICKUP_API_TOKEN", TOKEN)]);
    assert_eq!(r.code, 1, "{}", r.all_output());
    // The table may wrap the summary between its words.
    let words: Vec<&str> = r.stdout.split_whitespace().filter(|w| !w.chars().all(|c| "│┆-".contains(c))).collect();
    let wanted = ["cannot", "resolve", "the", "host", "api.clickup-preflight.invalid", "(DNS)"];
    assert!(words.windows(6).any(|w| w == wanted), "{}", r.stdout);
    let dns_hint = "api.clickup-preflight.invalid does not resolve from here: check the host name in --api-url";
    assert_eq!(r.stdout.matches(dns_hint).count(), 1, "spelled out once:\n{}", r.stdout);
    assert!(r.stdout.contains("workspaces (FAIL):\n  hint: as for auth above"), "{}", r.stdout);
    assert!(!r.stdout.contains("flaky"), "a name that does not resolve is not retried as a flaky API:\n{}", r.stdout);
    assert!(r.stdout.contains("status.clickup-preflight.invalid does not resolve"), "{}", r.stdout);
    assert!(!r.stdout.contains("point --status-url at"), "a DNS failure is not a wrong kind of page:\n{}", r.stdout);
}
