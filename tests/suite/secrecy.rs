//! The token never appears in any output, at any verbosity, in any format,
//! on success or failure, even when a server echoes it back.

use crate::common;

use common::{FakeServer, Reply, TOKEN, run};

fn assert_no_token(r: &common::Run) {
    assert!(!r.stdout.contains(TOKEN), "token on stdout:\n{}", r.stdout);
    assert!(!r.stderr.contains(TOKEN), "token on stderr:\n{}", r.stderr);
    // Not even the distinctive half of it.
    assert!(!r.all_output().contains("TESTTOKENABCDEFGHIJ"), "part of the token leaked");
}

#[test]
fn not_in_table_json_or_trace_logs_of_a_healthy_run() {
    for format in ["table", "json"] {
        let r = run(&["check", "--sandbox", "healthy", "--format", format, "-vv"], &[("CLICKUP_API_TOKEN", TOKEN)]);
        assert_eq!(r.code, 0, "{}", r.all_output());
        assert_no_token(&r);
        // -vv really logs the HTTP exchanges, so the check above means something.
        assert!(r.stderr.contains("sandbox request") && r.stderr.contains("ClickUp exchange"), "{}", r.stderr);
        assert!(r.stderr.lines().count() > 20, "expected trace output, got:\n{}", r.stderr);
    }
}

#[test]
fn not_in_errors_when_the_token_is_refused() {
    let r = run(&["check", "--sandbox", "unauthorized", "-vv"], &[("CLICKUP_API_TOKEN", TOKEN)]);
    assert_eq!(r.code, 1);
    assert_no_token(&r);
}

#[test]
fn not_in_output_when_a_server_echoes_it_everywhere() {
    // A hostile or broken server puts the Authorization header it received
    // into the username, an error message, a header and an undecodable body.
    let api = FakeServer::start(|seen| {
        let echoed = seen.headers.get("authorization").cloned().unwrap_or_default();
        match seen.path.as_str() {
            "/api/v2/user" => {
                let mut headers = common::rate_headers();
                headers.push(("x-echo".into(), echoed.clone()));
                Reply::Full(200, headers, format!(r#"{{"user":{{"id":1,"username":"{echoed}"}}}}"#))
            }
            "/api/v2/team" => {
                Reply::Full(401, vec![], format!(r#"{{"err":"bad token {echoed}","ECODE":"OAUTH_025"}}"#))
            }
            _ => Reply::json(&format!(r#"{{"result":{{"status_overall":{{"status_code":"{echoed}"}}}}}}"#)),
        }
    });
    for format in ["table", "json"] {
        let r = run(
            &[
                "check",
                "--api-url",
                &api.url("/api/v2"),
                "--status-url",
                &api.url("/status"),
                "--format",
                format,
                "-vv",
            ],
            &[("CLICKUP_API_TOKEN", TOKEN)],
        );
        assert_no_token(&r);
        assert!(r.stdout.contains("[REDACTED]"), "the echoed token was masked, not dropped:\n{}", r.stdout);
    }
    let seen = api.requests();
    assert!(
        seen.iter().any(|s| s.headers.get("authorization").map(String::as_str) == Some(TOKEN)),
        "the token was really sent raw"
    );
    assert!(
        seen.iter().filter(|s| s.path == "/status").all(|s| !s.headers.contains_key("authorization")),
        "the status page never gets the token"
    );
}

#[test]
fn not_in_decode_errors() {
    let api = FakeServer::start(|seen| {
        let echoed = seen.headers.get("authorization").cloned().unwrap_or_default();
        Reply::Full(200, common::rate_headers(), format!(r#"{{"user":{{"id":"{echoed}"}}}}"#))
    });
    let r = run(
        &["check", "--api-url", &api.url("/api/v2"), "--only", "auth", "--format", "json", "-vv"],
        &[("CLICKUP_API_TOKEN", TOKEN)],
    );
    assert_eq!(r.status_of("auth"), "error", "a body that is not a user is ERROR, never PASS");
    assert!(!r.summary_of("auth").contains("[REDACTED]"), "decode errors do not quote body values at all");
    assert_no_token(&r);
}

#[test]
fn not_in_config_errors_when_pasted_into_checks_toml() {
    let dir = common::scratch_dir("token-in-config");
    std::fs::write(dir.join("checks.toml"), format!("[api]\ntoken = {TOKEN}\n")).expect("write config");
    let r = common::run_in(&dir, &["check", "--sandbox", "healthy"], &[], std::time::Duration::from_secs(30));
    assert_eq!(r.code, 2);
    assert!(r.stderr.starts_with("error: checks.toml:2"), "{}", r.stderr);
    assert_no_token(&r);
}

#[test]
fn not_in_errors_about_a_malformed_token() {
    let dir = common::scratch_dir("bad-token-file");
    std::fs::write(dir.join("token"), format!("{TOKEN} trailing words\n")).expect("write token");
    let r = common::run_in(
        &dir,
        &["check", "--token-file", "token", "--sandbox", "healthy"],
        &[],
        std::time::Duration::from_secs(30),
    );
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("spaces or control characters"), "{}", r.stderr);
    assert_no_token(&r);
}
