//! Outside text is untrusted: servers that echo the token into names, put
//! passwords in URLs, forge GitHub workflow commands and redraw the
//! terminal get none of it through, in any format, at any verbosity.

use crate::common;

use std::path::Path;

use common::{FakeServer, Reply, TOKEN};
use serde_json::json;

/// The token's secret part: no 29-character run of it may appear.
const SECRET_PART: &str = "TESTTOKENABCDEFGHIJKLMNOPQRSTUVW";
/// A password in a webhook endpoint's userinfo.
const PASSWORD: &str = "hunter2pass";
/// Another personal-token-shaped value, put in `checks.toml` by mistake.
const CONFIG_TOKEN: &str = concat!("pk", "_99999999_ZZZZYYYYXXXXWWWWVVVVUUUU00001111");
/// Text that would forge an annotation and switch off workflow commands.
const FORGE: &str = "\n::error title=x::forged\n::stop-commands::pwned\n";
/// Text that would redraw a FAIL as a PASS on a terminal.
const REDRAW: &str = "\r\u{1b}[2K\u{1b}[32mPASS\u{1b}]0;PASS\u{7}\u{1b}]8;;https://e.example\u{1b}\\";

const FORMATS: [&str; 8] = ["table", "json", "junit", "github", "markdown", "sarif", "nagios", "prometheus"];

/// Echoes the Authorization header it receives into every kind of text.
fn echoing_server(username_padding: usize) -> FakeServer {
    FakeServer::start(move |seen| {
        let token = seen.headers.get("authorization").cloned().unwrap_or_default();
        let mut headers = common::rate_headers();
        headers.push(("x-echo".into(), token.clone()));
        let body = match seen.path.as_str() {
            "/api/v2/user" => {
                let name = format!("{}{token}{FORGE}{REDRAW}", "u".repeat(username_padding));
                json!({"user": {"id": 7, "username": name, "email": format!("{token}@example.com")}})
            }
            "/api/v2/team" => json!({"teams": [
                {"id": "9012345", "name": format!("{}{token} team{FORGE}", "t".repeat(100))},
            ]}),
            "/api/v2/team/9012345/webhook" => json!({"webhooks": [{
                "id": "4b67ac88-0a1b-4c2d-9e3f-5a6b7c8d9e0f",
                "team_id": 9012345,
                "endpoint": format!(
                    "https://user:{PASSWORD}@hooks.example/clickup/{token}/{}{FORGE}{REDRAW}",
                    "segment/".repeat(12)
                ),
                "events": [format!("{token}{REDRAW}")],
                // Clipped at 40 characters, this would keep 29 of the secret part.
                "health": {"status": token, "fail_count": 3},
            }]}),
            _ => json!({"result": {
                // Clipped at 120 characters, these would keep 29 and 31.
                "status_overall": {"status": format!("{}{token}{REDRAW}", "s".repeat(80)), "status_code": 400},
                "status": [{"name": format!("API{FORGE}{token}"), "status": "Disrupted", "status_code": 400}],
                "incidents": [{"name": format!("{}{token}{FORGE}", "i".repeat(78))}],
                "maintenance": {"active": [{"name": format!("{REDRAW}{token}")}], "upcoming": []},
            }}),
        };
        Reply::Full(200, headers, body.to_string())
    })
}

/// Refuses everything, echoing the token into ClickUp's error fields and
/// into a redirect.
fn refusing_server() -> FakeServer {
    FakeServer::start(|seen| {
        let token = seen.headers.get("authorization").cloned().unwrap_or_default();
        match seen.path.as_str() {
            "/api/v2/team" => Reply::Full(
                302,
                vec![("location".into(), format!("https://user:{PASSWORD}@{}.example/x", token.to_lowercase()))],
                String::new(),
            ),
            _ => {
                // Clipped at 160 characters, this would keep 31 of the secret part.
                let err = format!("{}{token}{FORGE}{REDRAW}", "e".repeat(118));
                let body = json!({"err": err, "ECODE": format!("{token}{FORGE}")});
                Reply::Full(401, vec![("content-type".into(), "application/json".into())], body.to_string())
            }
        }
    })
}

fn check(server: &FakeServer, format: &str, extra: &[&str]) -> common::Run {
    check_in(&common::scratch_dir(&format!("hostile-{}-{format}", server.port)), "", server, format, extra)
}

/// Runs `check` in `dir` against `server`, with a `checks.toml` holding a
/// token-shaped `service_account` and `config`.
fn check_in(dir: &Path, config: &str, server: &FakeServer, format: &str, extra: &[&str]) -> common::Run {
    let config = format!("service_account = \"{CONFIG_TOKEN}\"\n{config}");
    std::fs::write(dir.join("checks.toml"), config).expect("write checks.toml");
    let (api, status) = (server.url("/api/v2"), server.url("/status"));
    let mut args = vec!["check", "--api-url", &api, "--status-url", &status, "--format", format];
    args.extend_from_slice(extra);
    common::run_in(dir, &args, &[("CLICKUP_API_TOKEN", TOKEN)], std::time::Duration::from_secs(30))
}

/// What must hold for any text the program writes.
fn assert_clean(what: &str, text: &str) {
    assert!(!text.contains(TOKEN), "{what}: the token leaked:\n{text}");
    for start in 0..=SECRET_PART.len() - 29 {
        let run = &SECRET_PART[start..start + 29];
        assert!(!text.contains(run), "{what}: 29 characters of the token's secret part leaked:\n{text}");
    }
    assert!(!text.contains(CONFIG_TOKEN), "{what}: the token-shaped config value leaked:\n{text}");
    assert!(!text.contains(PASSWORD), "{what}: the URL password leaked:\n{text}");
    let raw = text.chars().find(|c| c.is_control() && *c != '\n');
    assert_eq!(raw, None, "{what}: a raw control character reached the output:\n{text:?}");
}

fn assert_no_workflow_command(what: &str, text: &str) {
    for line in text.lines() {
        assert!(!line.trim_start().starts_with("::"), "{what}: a line could run as a workflow command: {line}");
    }
}

/// Every line is an annotation whose command, properties and message are
/// well formed, or text that cannot be read as a command.
fn assert_well_formed_github(text: &str) {
    for line in text.lines() {
        let Some(command) = line.trim_start().strip_prefix("::") else { continue };
        let (head, message) = command.split_once("::").unwrap_or_else(|| panic!("no message separator: {line}"));
        let (name, properties) = head.split_once(' ').unwrap_or((head, ""));
        assert!(["error", "warning", "notice"].contains(&name), "unexpected command `{name}`: {line}");
        for property in properties.split(',').filter(|p| !p.is_empty()) {
            let (key, value) = property.split_once('=').unwrap_or_else(|| panic!("bad property {property}: {line}"));
            assert!(["title", "file", "line"].contains(&key), "unexpected property {key}: {line}");
            assert!(!value.contains(':') && !value.contains(','), "unescaped property {value}: {line}");
        }
        assert!(!message.contains('\r'), "{line}");
    }
}

/// Every format from one run: the table on stdout at -vv (so stderr holds
/// the logged exchanges) and the seven others written by `--output` (the
/// same renderers), with `config` added to `checks.toml`. Asserts what must
/// hold for each and returns the JSON report.
fn assert_every_format_clean(server: &FakeServer, size_cap: usize, config: &str) -> common::Run {
    let dir = common::scratch_dir(&format!("hostile-{}-every-format", server.port));
    let outputs: Vec<String> = FORMATS[1..].iter().map(|f| format!("{f}={f}.out")).collect();
    let mut extra = vec!["-vv"];
    for output in &outputs {
        extra.extend(["--output", output]);
    }
    let r = check_in(&dir, config, server, "table", &extra);
    assert_eq!(r.code, 1, "exit 1 for FAIL/ERROR\n{}", r.all_output());
    assert!(r.stderr.lines().count() > 20, "-vv logs the exchanges:\n{}", r.stderr);
    assert_clean("stderr at -vv", &r.stderr);
    assert_no_workflow_command("stderr at -vv", &r.stderr);
    let mut json = None;
    for format in FORMATS {
        let text = if format == "table" {
            r.stdout.clone()
        } else {
            std::fs::read_to_string(dir.join(format!("{format}.out"))).expect("the --output file")
        };
        assert!(!text.is_empty(), "{format}: no report");
        assert_clean(format, &text);
        if format == "github" {
            assert_well_formed_github(&text);
        } else {
            assert_no_workflow_command(format, &text);
        }
        assert!(text.len() < size_cap, "{format}: {} bytes of output", text.len());
        let report = common::Run { stdout: text, stderr: String::new(), ..r };
        if format == "json" || format == "sarif" {
            let _ = report.json();
        }
        if format == "nagios" {
            let first = report.stdout.lines().next().unwrap_or_default();
            assert!(first.starts_with("CLICKUP CRITICAL - "), "{first}");
        }
        if format == "json" {
            json = Some(report);
        }
    }
    json.expect("the JSON report")
}

#[test]
fn an_echoing_server_leaks_nothing_in_any_format() {
    let server = echoing_server(0);
    // The hostile text really reached the report, masked rather than dropped.
    let r = check(&server, "json", &["--only", "auth,workspaces,webhooks,platform,token"]);
    assert!(r.summary_of("auth").contains("[REDACTED]"), "{}", r.stdout);
    assert!(r.stdout.contains("https://hooks.example/clickup/[REDACTED]/"), "{}", r.stdout);
    assert!(r.stdout.contains('␛') && r.stdout.contains('␤'), "controls are replaced visibly:\n{}", r.stdout);
    assert_eq!(r.status_of("platform"), "fail", "the hostile status page still reads as a disruption");
    assert_every_format_clean(&server, 64 * 1024, "");
}

#[test]
fn a_refusing_server_leaks_nothing_through_errors() {
    let server = refusing_server();
    let r = check(&server, "json", &[]);
    assert_eq!(r.status_of("auth"), "fail", "{}", r.stdout);
    assert!(r.summary_of("auth").contains("[REDACTED]"), "{}", r.stdout);
    assert_every_format_clean(&server, 64 * 1024, "");
}

#[test]
fn a_three_megabyte_username_prints_a_bounded_line() {
    let server = echoing_server(3 * 1024 * 1024);
    // One latency sample, the auth request: the username is read (and the
    // 3 MB sanitized, slow in a debug build) once per run, not three times.
    let r = assert_every_format_clean(&server, 64 * 1024, "[latency]\nsamples = 1\n");
    assert_eq!(r.status_of("auth"), "pass", "{}", r.stdout);
    let summary = r.summary_of("auth");
    assert!(summary.chars().count() < 300, "{} characters: {summary}", summary.chars().count());
}

#[test]
fn token_shaped_config_values_are_masked_where_they_are_shown() {
    let dir = common::scratch_dir("hostile-config");
    let config = format!(
        "[attest.token-rotation]\nby = \"{CONFIG_TOKEN}\"\non = 2020-01-01\nlink = \"https://user:{PASSWORD}@wiki.example/x\"\n"
    );
    std::fs::write(dir.join("checks.toml"), config).expect("write checks.toml");
    let limit = std::time::Duration::from_secs(30);
    for format in ["table", "json", "markdown"] {
        let r = common::run_in(&dir, &["checklist", "--sandbox", "healthy", "--format", format], &[], limit);
        assert!(r.stdout.contains("[REDACTED]"), "{format}: the attestation is shown, masked:\n{}", r.all_output());
        assert_clean(format, &r.all_output());
    }
    let probe =
        format!("[[webhooks.probe]]\nendpoint = \"http://127.0.0.1:9/hook\"\nsecret_env = \"{CONFIG_TOKEN}\"\n");
    std::fs::write(dir.join("checks.toml"), probe).expect("write checks.toml");
    let r = common::run_in(&dir, &["check", "--sandbox", "healthy", "--only", "webhook-endpoint"], &[], limit);
    assert_eq!(r.code, 2, "an unset signing-secret variable stops the run:\n{}", r.all_output());
    assert!(r.stderr.contains("[REDACTED]"), "{}", r.stderr);
    assert_clean("secret_env error", &r.all_output());
}
