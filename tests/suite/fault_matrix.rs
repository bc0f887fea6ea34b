//! The fault matrix: every fault the sandbox injects, against the checks
//! that depend on the API. Under bad evidence no check passes, the run ends
//! before its deadline with the documented exit code, nothing panics, and
//! the token appears nowhere, even at -vv.

use crate::common;

use std::time::Duration;

use common::{FakeServer, Reply, Run, TOKEN, run, run_in};

const API_CHECKS: [&str; 5] = ["auth", "rate-limit", "latency", "workspaces", "webhooks"];

fn faulted(spec: &str) -> Run {
    faulted_with(spec, &[])
}

/// `check --sandbox healthy --fault SPEC` at `-vv` with a short timeout and
/// deadline, and `extra` flags: it ends in time, without a panic or the token.
fn faulted_with(spec: &str, extra: &[&str]) -> Run {
    let mut args = vec![
        "check",
        "--sandbox",
        "healthy",
        "--fault",
        spec,
        "--timeout",
        "500ms",
        "--deadline",
        "8s",
        "--format",
        "json",
        "-vv",
    ];
    args.extend_from_slice(extra);
    let r = run(&args, &[("CLICKUP_API_TOKEN", TOKEN)]);
    assert!(r.elapsed < Duration::from_secs(11), "{spec}: ran {:?}, past its 8s deadline", r.elapsed);
    assert!(!r.stderr.contains("panicked") && !r.stderr.contains("internal error"), "{spec}: {}", r.stderr);
    assert!(!r.all_output().contains(TOKEN), "{spec}: the token leaked at -vv");
    r
}

/// [`faulted_with`] for each spec, the runs side by side (each has its own
/// in-process sandbox, so they share nothing but the machine); in order.
fn faulted_each(specs: &[&str], extra: &[&str]) -> Vec<Run> {
    std::thread::scope(|scope| {
        let runs: Vec<_> = specs.iter().map(|spec| scope.spawn(move || faulted_with(spec, extra))).collect();
        runs.into_iter().map(|run| run.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic))).collect()
    })
}

#[test]
fn no_api_check_passes_when_every_answer_is_bad() {
    let specs = [
        "status=500",
        "status=502",
        "status=503",
        "status=429",
        "reset",
        "hang",
        "truncate",
        "malformed",
        "content-type",
        "oversized",
        "redirect",
    ];
    for (spec, r) in specs.iter().zip(faulted_each(&specs, &[])) {
        assert_eq!(r.code, 1, "{spec}: exit 1 for FAIL/ERROR\n{}", r.stdout);
        for id in API_CHECKS {
            let status = r.status_of(id);
            assert!(status != "pass", "{spec}: {id} passed on bad evidence: {}", r.summary_of(id));
        }
        assert_eq!(r.status_of("platform"), "pass", "{spec}: the status page is another route and still reports");
    }
}

#[test]
fn transient_failures_are_retried_and_the_retries_are_visible() {
    // A share fault spares each path's first request, and a default run asks
    // each path once: three /user samples (opt-in) give it a path asked thrice.
    let dir = common::scratch_dir("three-user-samples");
    let config = dir.join("checks.toml");
    std::fs::write(&config, "[latency]\nsamples = 3\n").expect("write checks.toml");
    let config = config.to_str().expect("utf-8 path").to_owned();
    let specs = ["status=503,share=0.5", "status=502,share=0.5", "reset,share=0.5"];
    for (spec, r) in specs.iter().zip(faulted_each(&specs, &["--config", &config])) {
        let doc = r.json();
        assert!(
            doc["api_requests"].as_i64().is_some_and(|n| n > 6),
            "{spec}: 6 exchanges, and failed attempts were retried\n{}",
            r.stdout
        );
        for id in ["auth", "workspaces"] {
            let check = r.check(id);
            let attempts = check["metrics"]["attempts"].as_i64().unwrap_or(0);
            let says_so = check["details"].to_string().contains("needed retries");
            assert_eq!(attempts > 1, says_so, "{spec}: {id} took {attempts} attempts for 1 request: {check}");
            if check["status"] == "pass" && says_so {
                assert!(check["details"].to_string().contains("the API is flaky"), "{spec}: {id}");
            }
        }
        // Every attempt is a latency sample of its own: the failed ones are
        // counted, and the run is not a clean PASS.
        let latency = r.check("latency");
        assert_eq!(latency["metrics"]["samples"], doc["api_requests"], "{spec}: every request sent is a sample");
        assert!(latency["metrics"]["failed"].as_i64().is_some_and(|n| n >= 1), "{spec}: {latency}");
        assert_eq!(latency["status"], "warn", "{spec}: {latency}");
        assert!(latency["details"].to_string().contains("failed sample: "), "{spec}: {latency}");
    }
}

#[test]
fn the_readme_fault_example_gives_the_same_verdict_every_run() {
    // README: `check --sandbox healthy --fault status=503,route=/team  # retried 3 times, then FAIL; the report says so`.
    // The checks send their requests concurrently; the verdict must not depend on their order.
    let verdicts: Vec<(i32, Vec<String>)> = faulted_each(&["status=503,route=/team"; 6], &[])
        .into_iter()
        .map(|r| {
            let doc = r.json();
            let statuses = doc["checks"]
                .as_array()
                .expect("checks")
                .iter()
                .map(|c| format!("{}={}", c["id"].as_str().unwrap_or("?"), c["status"].as_str().unwrap_or("?")))
                .collect();
            assert!(doc.to_string().contains("needed retries"), "the report says what was retried:\n{}", r.stdout);
            (r.code, statuses)
        })
        .collect();
    assert!(verdicts.iter().all(|v| *v == verdicts[0]), "runs disagree: {verdicts:#?}");
    let (code, statuses) = &verdicts[0];
    assert_eq!(*code, 1, "/team never answered: {statuses:?}");
    for expected in ["auth=pass", "latency=warn", "workspaces=fail", "webhooks=fail", "platform=pass"] {
        assert!(statuses.iter().any(|s| s == expected), "{expected} in {statuses:?}");
    }
}

#[test]
fn a_429_that_resets_within_the_deadline_is_waited_for() {
    let r = faulted("status=429,share=0.5");
    assert_eq!(r.status_of("auth"), "pass", "the 429 reset in 1s and the retry succeeded: {}", r.summary_of("auth"));
}

#[test]
fn a_429_that_resets_after_the_deadline_is_reported_not_waited_for() {
    let api = FakeServer::start(|seen| {
        let reset =
            std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs()) + 3600;
        match seen.path.as_str() {
            "/status" => Reply::json(common::STATUS_OK),
            _ => Reply::Full(
                429,
                vec![
                    ("x-ratelimit-limit".into(), "100".into()),
                    ("x-ratelimit-remaining".into(), "0".into()),
                    ("x-ratelimit-reset".into(), reset.to_string()),
                ],
                r#"{"err":"Rate limit reached","ECODE":"APP_002"}"#.into(),
            ),
        }
    });
    let r = common::check_against(&api, &["--deadline", "5s"]);
    assert!(r.elapsed < Duration::from_secs(4), "did not wait an hour for the reset: {:?}", r.elapsed);
    assert_eq!(r.status_of("rate-limit"), "fail");
    assert!(r.summary_of("rate-limit").contains("resets in 3"), "{}", r.summary_of("rate-limit"));
    let requests = api.requests().iter().filter(|s| s.path.starts_with("/api/v2")).count();
    assert_eq!(requests, 2, "one attempt each for /user and /team: a 429 beyond the deadline is not retried");
}

#[test]
fn four_xx_other_than_429_is_never_retried() {
    let api = FakeServer::start(|seen| match seen.path.as_str() {
        "/s" => Reply::json(common::STATUS_OK),
        _ => Reply::Full(401, vec![], r#"{"err":"Token invalid","ECODE":"OAUTH_025"}"#.into()),
    });
    let r = common::check_against(&api, &["--only", "auth"]);
    assert_eq!(r.status_of("auth"), "fail");
    assert_eq!(api.requests().len(), 1, "a 401 is answered once, not retried");
}

#[test]
fn the_circuit_breaker_stops_waiting_on_a_dead_api() {
    let api =
        FakeServer::start(|seen| if seen.path == "/status" { Reply::json(common::STATUS_OK) } else { Reply::Hang });
    let r = common::check_against(&api, &["--timeout", "400ms", "--deadline", "20s"]);
    // Without the breaker every exchange would spend its 3 attempts: the
    // count of requests sent is what tells the breaker worked; the time
    // bound says nobody waited for the 20 s deadline.
    assert!(r.elapsed < Duration::from_secs(3), "took {:?}", r.elapsed);
    let sent = api.requests().iter().filter(|s| s.path.starts_with("/api/v2")).count();
    assert!(sent <= 5, "the breaker stopped the retries after the first wave: {sent} requests");
    assert_eq!(r.status_of("auth"), "fail");
}

/// Thresholds of 100 ms and 500 ms (`[latency]` in `checks.toml`) stand in
/// for the production 2 s and 3 s, which `checks.toml`'s own test pins.
#[test]
fn latency_faults_are_measured_not_mistaken_for_health() {
    let dir = common::scratch_dir("latency-faults");
    std::fs::write(dir.join("checks.toml"), "[latency]\nwarn_above = \"100ms\"\nfail_p95_above = \"500ms\"\n")
        .expect("write checks.toml");
    let latency = |delay: &str| {
        let fault = format!("latency={delay},route=/user");
        let args = ["check", "--sandbox", "healthy", "--fault", &fault, "--only", "latency", "--format", "json"];
        run_in(&dir, &args, &[], Duration::from_secs(30))
    };
    let (warn, fail) = std::thread::scope(|s| {
        let (warn, fail) = (s.spawn(|| latency("200ms")), s.spawn(|| latency("600ms")));
        (warn.join().expect("warn run"), fail.join().expect("fail run"))
    });
    assert_eq!(warn.status_of("latency"), "warn", "{}", warn.summary_of("latency"));
    assert_eq!(warn.code, 0);
    assert_eq!(fail.status_of("latency"), "fail", "{}", fail.summary_of("latency"));
}

#[test]
fn an_oversized_body_does_not_cost_its_size_in_memory() {
    let endless = FakeServer::start(|_| Reply::Endless);
    let r = run(
        &["check", "--api-url", &endless.url("/api/v2"), "--only", "auth", "--format", "json"],
        &[("CLICKUP_API_TOKEN", TOKEN)],
    );
    assert_eq!(r.status_of("auth"), "error");
    let peak = r.peak_rss_kib.expect("peak RSS read from /proc");
    assert!(peak < 50 * 1024, "peak RSS {peak} KiB while up to 256 MiB were offered");
}

#[test]
fn the_request_budget_leaves_the_window_to_production() {
    let r = run(&["check", "--sandbox", "rate-limited", "--format", "json"], &[]);
    assert_eq!(r.status_of("webhooks"), "skip");
    assert!(r.summary_of("webhooks").contains("rate-limit window"), "{}", r.summary_of("webhooks"));
    assert_eq!(r.json()["api_requests"], 2, "only the first wave (/user, /team), before the window was known");
}

#[test]
fn faults_from_a_file_apply_to_the_standalone_sandbox() {
    let dir = common::scratch_dir("faults-file");
    let file = dir.join("faults.toml");
    std::fs::write(&file, "[[fault]]\nspec = \"status=503,route=/team\"\n\n[[fault]]\nspec = \"latency=10ms\"\n")
        .expect("write");
    let file = file.to_string_lossy().into_owned();
    let sandbox = common::StandaloneSandbox::start_with(&["--faults", &file], &[("CLICKUP_API_TOKEN", TOKEN)]);
    let r = run(
        &["check", "--api-url", &sandbox.api_url, "--only", "auth,workspaces", "--format", "json"],
        &[("CLICKUP_API_TOKEN", TOKEN)],
    );
    assert_eq!(r.status_of("auth"), "pass");
    assert_eq!(r.status_of("workspaces"), "fail", "{}", r.summary_of("workspaces"));
    assert!(r.summary_of("workspaces").contains("503"));
    let bad = common::scratch_dir("faults-bad").join("faults.toml");
    std::fs::write(&bad, "[[fault]]\nspec = \"explode\"\n").expect("write");
    let out = common::command(&common::scratch_dir("faults-bad-run"))
        .args(["sandbox", "--listen", "127.0.0.1:0", "--faults"])
        .arg(&bad)
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown fault `explode`"));
}
