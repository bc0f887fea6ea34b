//! Every report format, end to end against the sandbox: parsed with real
//! parsers or strict grammars, counts and values checked, exit codes as
//! documented.

use crate::common;

use std::path::Path;
use std::time::Duration;

use common::{FakeServer, Reply, Run, TOKEN, junit, prometheus, run, run_in, scratch_dir};

fn format(scenario: &str, format: &str) -> Run {
    run(&["check", "--sandbox", scenario, "--format", format], &[])
}

// ---- JUnit ---------------------------------------------------------------

/// The JUnit reports every test here checks, by scenario.
const JUNIT_SCENARIOS: [&str; 4] = ["healthy", "outage", "no-workspaces", "webhook-failing"];

#[test]
fn the_junit_validator_rejects_what_the_schema_rejects() {
    const OK: &str = r#"<testsuites name="x" tests="1"><testsuite name="s" tests="1" timestamp="2026-11-25T10:00:00Z" time="0.5"><properties><property name="a" value="b"/></properties><testcase name="c" time="0.1"><failure message="m" type="t">body</failure><system-out>o</system-out></testcase><system-err>e</system-err></testsuite></testsuites>"#;
    assert_eq!(junit::check(OK), Ok(()));
    for (bad, why) in [
        (OK.replace("testsuites name", "suites name").replace("</testsuites>", "</suites>"), "root"),
        (OK.replace(r#"tests="1"><testsuite"#, r#"tests="-1"><testsuite"#), "negative count"),
        (OK.replace(r#"time="0.1""#, r#"time="1e3""#), "exponent time"),
        (OK.replace("T10:00:00Z", " 10:00:00Z"), "timestamp"),
        (OK.replace("</failure>", "</failure><error/>"), "two problems"),
        (OK.replace(r#"<testcase name="c""#, r#"<testcase id="c""#), "unknown attribute"),
        (OK.replace(r#"<testsuite name="s" tests="1""#, r#"<testsuite name="s""#), "missing tests"),
        (OK.replace("<system-out>o</system-out>", "<system-out><b/></system-out>"), "element in output"),
        (OK.replace(">body<", "><b>body</b><"), "element in failure"),
    ] {
        assert!(junit::check(&bad).is_err(), "{why} must not validate:\n{bad}");
    }
}

/// The schema itself, through xmllint: not part of the README's test command
/// (it needs libxml2-utils); `.ci/run` installs xmllint and runs it by name
/// with `--ignored`, and there a missing xmllint fails the step.
#[test]
#[ignore = "needs xmllint; .ci/run runs it as its own step"]
fn junit_validates_against_the_xsd_with_xmllint() {
    let schema = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/junit.xsd");
    let dir = scratch_dir("junit-xmllint");
    for scenario in JUNIT_SCENARIOS {
        let file = dir.join(format!("{scenario}.xml"));
        std::fs::write(&file, format(scenario, "junit").stdout).expect("write xml");
        let out = std::process::Command::new("xmllint")
            .arg("--noout")
            .arg("--schema")
            .arg(&schema)
            .arg(&file)
            .output()
            .expect("xmllint runs (libxml2-utils)");
        assert!(
            out.status.success(),
            "{scenario}: JUnit XML does not validate:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

#[test]
fn junit_validates_and_counts_statuses() {
    for (scenario, (failures, errors, skipped)) in
        JUNIT_SCENARIOS.into_iter().zip([(0, 0, 0), (4, 1, 0), (1, 0, 1), (0, 0, 0)])
    {
        let r = format(scenario, "junit");
        junit::validate(&r.stdout);
        let doc = roxmltree::Document::parse(&r.stdout).expect("well-formed XML");
        let cases: Vec<_> = doc.descendants().filter(|n| n.has_tag_name("testcase")).collect();
        assert_eq!(cases.len(), 6, "{scenario}: one testcase per check");
        let count = |tag: &str| doc.descendants().filter(|n| n.has_tag_name(tag)).count();
        assert_eq!((count("failure"), count("error"), count("skipped")), (failures, errors, skipped), "{scenario}");
        let suite = doc.descendants().find(|n| n.has_tag_name("testsuite")).expect("testsuite");
        assert_eq!(suite.attribute("tests"), Some("6"));
        assert_eq!(suite.attribute("failures"), Some(failures.to_string().as_str()));
        let expected_exit = if failures + errors > 0 { 1 } else { 0 };
        assert_eq!(r.code, expected_exit, "{scenario}");
    }
}

#[test]
fn junit_failure_carries_summary_and_details() {
    let r = format("webhook-suspended", "junit");
    let doc = roxmltree::Document::parse(&r.stdout).expect("xml");
    let failure = doc.descendants().find(|n| n.has_tag_name("failure")).expect("a failure");
    assert!(
        failure.attribute("message").is_some_and(|m| m.contains("is suspended")),
        "{:?}",
        failure.attribute("message")
    );
    assert_eq!(failure.attribute("type"), Some("FAIL P3 (gate: fail)"));
    assert!(failure.text().is_some_and(|t| t.contains("hint:")), "details and hint in the body");
}

// ---- SARIF ---------------------------------------------------------------

#[test]
fn sarif_is_a_valid_empty_run_without_file_findings() {
    let r = format("outage", "sarif");
    let doc = r.json();
    assert_eq!(doc["version"], "2.1.0");
    assert!(doc["$schema"].as_str().is_some_and(|s| s.contains("sarif-2.1.0")));
    let runs = doc["runs"].as_array().expect("runs");
    assert_eq!(runs.len(), 1);
    assert_eq!(runs[0]["tool"]["driver"]["name"], "clickup-preflight");
    assert!(runs[0]["tool"]["driver"]["version"].is_string());
    assert_eq!(runs[0]["results"].as_array().map(Vec::len), Some(0), "no check here points into the repository");
}

// ---- Nagios --------------------------------------------------------------

/// Checks one perfdata item against `'label'=value[UOM];[warn];[crit];[min];[max]`.
fn assert_perfdata_item(item: &str) {
    let (label, rest) = item.split_once('=').unwrap_or_else(|| panic!("no `=` in {item}"));
    assert!(label.len() > 2 && label.starts_with('\'') && label.ends_with('\''), "label quoted: {item}");
    assert!(!label[1..label.len() - 1].contains(['\'', '=']), "{item}");
    let fields: Vec<&str> = rest.split(';').collect();
    assert!((1..=5).contains(&fields.len()), "{item}");
    let value = fields[0];
    let number_end = value.find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '-')).unwrap_or(value.len());
    value[..number_end].parse::<f64>().unwrap_or_else(|_| panic!("value is a number: {item}"));
    assert!(["", "s", "ms", "us", "%", "B", "KB", "MB", "TB", "c"].contains(&&value[number_end..]), "UOM: {item}");
    for threshold in fields.iter().skip(1).take(2) {
        // A range: [@][start:][end], start may be ~.
        let t = threshold.trim_start_matches('@');
        for part in t.split(':').filter(|p| !p.is_empty() && *p != "~") {
            part.parse::<f64>().unwrap_or_else(|_| panic!("threshold range: {item}"));
        }
    }
    for bound in fields.iter().skip(3) {
        assert!(bound.is_empty() || bound.parse::<f64>().is_ok(), "min/max: {item}");
    }
}

fn assert_plugin_output(r: &Run, state: &str, code: i32) {
    assert_eq!(r.code, code, "{}", r.stdout);
    let first = r.stdout.lines().next().unwrap_or_default();
    let prefix = format!("CLICKUP {state} - ");
    assert!(first.starts_with(&prefix), "{first}");
    if let Some((_, perf)) = first.split_once(" | ") {
        for item in perf.split(' ') {
            assert_perfdata_item(item);
        }
    }
    assert_eq!(first.matches('|').count(), first.contains(" | ") as usize, "one | only: {first}");
}

#[test]
fn nagios_states_and_exit_codes_0_to_3() {
    let ok = format("healthy", "nagios");
    assert_plugin_output(&ok, "OK", 0);
    assert_eq!(ok.stdout.lines().count(), 1, "nothing below the status line when all pass");
    let first = ok.stdout.lines().next().unwrap_or_default();
    for label in
        ["latency_p50", "latency_p95", "ratelimit_remaining", "ratelimit_limit", "workspaces", "webhooks_failing"]
    {
        assert!(first.contains(&format!("'{label}'=")), "{label} in {first}");
    }
    assert!(first.contains("'ratelimit_remaining'=96;10:;1:;0;100"), "{first}");

    let warning = format("webhook-failing", "nagios");
    assert_plugin_output(&warning, "WARNING", 1);
    assert!(warning.stdout.contains("\nWARN webhooks: "), "{}", warning.stdout);

    // A timeout reaching ClickUp is CRITICAL, as is any FAIL.
    let critical = format("outage", "nagios");
    assert_plugin_output(&critical, "CRITICAL", 2);

    let garbage = FakeServer::start(|_| Reply::json(r#"{"nothing": "here"}"#));
    let unknown = run(&["check", "--only", "platform", "--status-url", &garbage.url("/s"), "--format", "nagios"], &[]);
    assert_plugin_output(&unknown, "UNKNOWN", 3);

    let cannot_start = run(&["check", "--format", "nagios"], &[]);
    assert_eq!(cannot_start.code, 3, "a plugin that cannot run is UNKNOWN");
    assert!(cannot_start.stdout.starts_with("CLICKUP UNKNOWN - no ClickUp API token"), "{}", cannot_start.stdout);
}

#[test]
fn nagios_timeout_is_critical() {
    let hung = FakeServer::start(|seen| if seen.path == "/s" { Reply::json(common::STATUS_OK) } else { Reply::Hang });
    let r = run(
        &[
            "check",
            "--api-url",
            &hung.url("/api/v2"),
            "--status-url",
            &hung.url("/s"),
            "--timeout",
            "200ms",
            "--format",
            "nagios",
        ],
        &[("CLICKUP_API_TOKEN", TOKEN)],
    );
    assert_plugin_output(&r, "CRITICAL", 2);
    assert!(r.stdout.contains("timed out"), "{}", r.stdout);
}

// ---- Prometheus ----------------------------------------------------------

#[test]
fn prometheus_parses_strictly_and_carries_the_values() {
    let r = format("webhook-failing", "prometheus");
    assert_eq!(r.code, 0);
    let series = prometheus::parse(&r.stdout);
    assert_eq!(series.get("clickup_preflight_check_status{check=\"auth\"}"), Some(&0.0));
    assert_eq!(series.get("clickup_preflight_check_status{check=\"webhooks\"}"), Some(&1.0));
    assert_eq!(series.get("clickup_preflight_ratelimit_limit"), Some(&100.0));
    assert_eq!(series.get("clickup_preflight_ratelimit_remaining"), Some(&96.0));
    assert_eq!(
        series.get("clickup_preflight_webhook_fail_count{webhook=\"4b67ac88-0a1b-4c2d-9e3f-5a6b7c8d9e01\"}"),
        Some(&12.0)
    );
    assert!(series.contains_key("clickup_preflight_latency_seconds{quantile=\"0.95\"}"));
    assert!(series.contains_key("clickup_preflight_check_duration_seconds{check=\"latency\"}"));
    let now =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs_f64()).unwrap_or(0.0);
    let stamp = series.get("clickup_preflight_last_run_timestamp_seconds").copied().unwrap_or(0.0);
    assert!((now - stamp).abs() < 60.0, "timestamp is now: {stamp}");

    let outage = prometheus::parse(&format("outage", "prometheus").stdout);
    assert_eq!(outage.get("clickup_preflight_check_status{check=\"auth\"}"), Some(&2.0));
    assert_eq!(outage.get("clickup_preflight_check_status{check=\"rate-limit\"}"), Some(&3.0));
    assert!(!outage.contains_key("clickup_preflight_ratelimit_remaining"), "unknown is absent, not 0 or plenty");
    let skipped = prometheus::parse(&format("no-workspaces", "prometheus").stdout);
    assert!(!skipped.contains_key("clickup_preflight_check_status{check=\"webhooks\"}"), "SKIP is omitted");
}

#[test]
fn prometheus_tracks_api_latency_per_endpoint_beside_the_overall_quantiles() {
    let r = format("healthy", "prometheus");
    assert_eq!(r.code, 0, "{}", r.all_output());
    let series = prometheus::parse(&r.stdout);
    for q in ["0.5", "0.95", "1"] {
        assert!(series.contains_key(&format!("clickup_preflight_latency_seconds{{quantile=\"{q}\"}}")), "{q}");
        for endpoint in ["/user", "/team", "/team/{id}/webhook"] {
            let key = format!("clickup_preflight_api_latency_seconds{{endpoint=\"{endpoint}\",quantile=\"{q}\"}}");
            assert!(series.get(&key).is_some_and(|s| *s >= 0.0 && *s < 5.0), "{key} in\n{}", r.stdout);
        }
    }
    let samples =
        |endpoint: &str| series.get(&format!("clickup_preflight_api_latency_samples{{endpoint=\"{endpoint}\"}}"));
    assert_eq!(
        (samples("/user"), samples("/team"), samples("/team/{id}/webhook")),
        (Some(&1.0), Some(&1.0), Some(&2.0))
    );
    assert_eq!(series.get("clickup_preflight_api_latency_failed{endpoint=\"/team\"}"), Some(&0.0));
    let per_workspace = series.keys().filter(|k| k.contains("/team/9")).count();
    assert_eq!(per_workspace, 0, "one class per endpoint, never one series per workspace id");
}

#[test]
fn prometheus_series_stay_unique_when_a_webhook_id_is_listed_twice() {
    // Two workspaces whose listings both carry webhook `dup`, with different counts.
    let server = FakeServer::start(|seen| {
        let body = match seen.path.as_str() {
            "/api/v2/team" => r#"{"teams":[{"id":"1","name":"A"},{"id":"2","name":"B"}]}"#.to_owned(),
            p if p.ends_with("/webhook") => {
                let count = if p.contains("/team/1/") { 4 } else { 9 };
                format!(
                    r#"{{"webhooks":[{{"id":"dup","team_id":1,"endpoint":"https://h.example/x","events":["taskCreated"],"health":{{"status":"active","fail_count":{count}}}}}]}}"#
                )
            }
            _ => common::USER_OK.to_owned(),
        };
        Reply::Full(200, common::rate_headers(), body)
    });
    let api_url = server.url("/api/v2");
    let args = ["check", "--api-url", &api_url, "--only", "webhooks", "--format", "prometheus"];
    let r = run(&args, &[("CLICKUP_API_TOKEN", TOKEN)]);
    assert_eq!(r.code, 1, "a repeated id is an error: {}", r.all_output());
    let series = prometheus::parse(&r.stdout);
    assert_eq!(series.get("clickup_preflight_webhook_fail_count{webhook=\"dup\"}"), Some(&9.0), "{}", r.stdout);
    assert_eq!(series.get("clickup_preflight_check_status{check=\"webhooks\"}"), Some(&3.0));
}

// ---- GitHub and Markdown ---------------------------------------------------

#[test]
fn github_annotations_and_job_summary() {
    let dir = scratch_dir("github");
    let summary = dir.join("summary.md");
    let r = run_in(
        &dir,
        &["check", "--sandbox", "webhook-suspended", "--format", "github"],
        &[("GITHUB_ACTIONS", "true"), ("GITHUB_STEP_SUMMARY", summary.to_str().unwrap_or_default())],
        Duration::from_secs(30),
    );
    assert_eq!(r.code, 1);
    let annotations: Vec<&str> = r.stdout.lines().filter(|l| l.starts_with("::")).collect();
    assert_eq!(annotations.len(), 1, "{}", r.stdout);
    assert!(annotations[0].starts_with("::error title=clickup-preflight webhooks FAIL (P3)::"), "{}", annotations[0]);
    assert!(!annotations[0].contains('\n') && annotations[0].contains("%0A"), "newlines escaped");
    let md = std::fs::read_to_string(&summary).expect("summary written");
    assert!(md.starts_with("## ClickUp preflight: ❌ FAIL"), "{md}");
    assert!(md.contains("| ❌ FAIL | `webhooks` | P3 | fail |"), "{md}");
    assert!(md.contains("<details><summary><code>webhooks</code>"), "{md}");
}

#[test]
fn the_job_summary_stays_under_the_limit_with_a_huge_detail() {
    // 2,000 failing webhooks with long endpoints: over half a megabyte of
    // details, twice the summary's 256 KiB.
    let hooks: Vec<String> = (0..2000)
        .map(|i| {
            format!(
                r#"{{"id":"w{i}","team_id":1,"endpoint":"https://h.example/{}","events":["taskCreated"],"health":{{"status":"failing","fail_count":{}}}}}"#,
                "p".repeat(200),
                i % 100 // below the suspension threshold: failing, not suspended
            )
        })
        .collect();
    let body = format!(r#"{{"webhooks":[{}]}}"#, hooks.join(","));
    assert!(body.len() > 512 * 1024);
    let api = FakeServer::start(move |seen| match seen.path.as_str() {
        "/api/v2/team" => Reply::Full(200, common::rate_headers(), r#"{"teams":[{"id":"1","name":"A"}]}"#.into()),
        _ => Reply::Full(200, common::rate_headers(), body.clone()),
    });
    let dir = scratch_dir("huge-summary");
    let summary = dir.join("summary.md");
    let r = run_in(
        &dir,
        &["check", "--api-url", &api.url("/api/v2"), "--only", "webhooks", "--format", "github"],
        &[("CLICKUP_API_TOKEN", TOKEN), ("GITHUB_STEP_SUMMARY", summary.to_str().unwrap_or_default())],
        Duration::from_secs(60),
    );
    assert_eq!(r.code, 0, "failing webhooks warn: {}", r.stderr);
    let md = std::fs::read_to_string(&summary).expect("summary written");
    assert!(md.len() <= 256 * 1024, "summary is {} bytes", md.len());
    assert!(md.contains("</details>"), "no block left open");
    assert_eq!(md.matches("<details>").count(), md.matches("</details>").count());
}

#[test]
fn markdown_to_stdout() {
    let r = format("platform-outage", "markdown");
    assert_eq!(r.code, 1);
    assert!(r.stdout.starts_with("## ClickUp preflight: ❌ FAIL"), "{}", r.stdout);
    assert!(r.stdout.contains("Tasks failing to load"));
}

// ---- --output, atomic writes ------------------------------------------------

#[test]
fn outputs_write_several_formats_in_one_run_atomically() {
    let dir = scratch_dir("outputs");
    let args = [
        "check",
        "--sandbox",
        "webhook-failing",
        "--format",
        "json",
        "--output",
        "junit=out/report.xml",
        "--output",
        "prometheus=out/clickup.prom",
        "--output",
        "sarif=out/report.sarif",
    ];
    let r = run_in(&dir, &args, &[], Duration::from_secs(30));
    assert_eq!(r.code, 2, "the out/ directory does not exist yet: refused before any request");
    assert!(r.stderr.contains("does not exist"), "{}", r.stderr);
    assert!(!dir.join("out").exists());

    std::fs::create_dir_all(dir.join("out")).expect("mkdir");
    let r = run_in(&dir, &args, &[], Duration::from_secs(30));
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(r.json()["status"], "warn", "stdout keeps its own format");
    let read = |name: &str| std::fs::read_to_string(dir.join("out").join(name)).expect(name);
    junit::validate(&read("report.xml"));
    let prom = prometheus::parse(&read("clickup.prom"));
    assert_eq!(prom.get("clickup_preflight_check_status{check=\"webhooks\"}"), Some(&1.0));
    let sarif: serde_json::Value = serde_json::from_str(&read("report.sarif")).expect("sarif json");
    assert_eq!(sarif["version"], "2.1.0");
    let mut names: Vec<String> = std::fs::read_dir(dir.join("out"))
        .expect("list")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, ["clickup.prom", "report.sarif", "report.xml"], "no temporary files left behind");
}

#[test]
fn a_bad_output_spec_is_a_usage_error() {
    let r = run(&["check", "--sandbox", "healthy", "--output", "xml=report.xml"], &[]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("unknown format `xml`"), "{}", r.stderr);
}

// ---- gate policy -------------------------------------------------------------

#[test]
fn fail_on_warn_and_never() {
    assert_eq!(run(&["check", "--sandbox", "webhook-failing"], &[]).code, 0);
    let warn = run(&["check", "--sandbox", "webhook-failing", "--fail-on", "warn", "--format", "json"], &[]);
    assert_eq!(warn.code, 1);
    assert_eq!(warn.check("webhooks")["gate"], "warn");
    let never = run(&["check", "--sandbox", "outage", "--fail-on", "never", "--format", "json"], &[]);
    assert_eq!(never.code, 0, "report-only mode");
    assert_eq!(never.check("auth")["gate"], "report-only");
    assert_eq!(never.check("auth")["status"], "fail", "the verdict itself is unchanged");
    let cannot_start = run(&["check", "--fail-on", "never"], &[]);
    assert_eq!(cannot_start.code, 2, "never still exits 2 when the run cannot start");
}

#[test]
fn per_check_overrides_are_applied_and_shown() {
    let dir = scratch_dir("policy");
    std::fs::write(
        dir.join("checks.toml"),
        "[checks.platform]\ngate = \"never\"\nseverity = \"P3\"\n\n[checks.webhooks]\ngate = \"warn\"\n",
    )
    .expect("write");
    let outage =
        run_in(&dir, &["check", "--sandbox", "platform-outage", "--format", "json"], &[], Duration::from_secs(30));
    assert_eq!(outage.code, 0, "platform is report-only");
    assert_eq!(outage.check("platform")["gate"], "report-only");
    assert_eq!(outage.check("platform")["severity"], "P3");
    let table = run_in(&dir, &["check", "--sandbox", "platform-outage"], &[], Duration::from_secs(30));
    assert!(table.stdout.contains("report-only"), "the table shows the gate:\n{}", table.stdout);
    let failing = run_in(&dir, &["check", "--sandbox", "webhook-failing"], &[], Duration::from_secs(30));
    assert_eq!(failing.code, 1, "a webhook warning is fatal here");
}

// ---- colour and progress ------------------------------------------------------

#[test]
fn clicolor_force_colours_a_pipe_and_no_color_wins() {
    let forced = run(&["check", "--sandbox", "healthy"], &[("CLICOLOR_FORCE", "1")]);
    assert!(forced.stdout.contains("\u{1b}["), "{}", forced.stdout);
    let both = run(&["check", "--sandbox", "healthy"], &[("CLICOLOR_FORCE", "1"), ("NO_COLOR", "1")]);
    assert!(!both.stdout.contains("\u{1b}["));
    let flag = run(&["check", "--sandbox", "healthy", "--no-color"], &[("CLICOLOR_FORCE", "1")]);
    assert!(!flag.stdout.contains("\u{1b}["));
}

#[test]
fn no_progress_line_when_not_on_a_terminal() {
    // Slow enough (650 ms) for a terminal to get a progress line after 0.5 s.
    let r = run(&["check", "--sandbox", "healthy", "--fault", "latency=650ms,route=/user"], &[]);
    assert!(r.elapsed > std::time::Duration::from_millis(650), "the run was slow: {:?}", r.elapsed);
    assert!(r.stderr.is_empty(), "nothing on stderr in a pipe: {:?}", r.stderr);
}
