//! The command line's contract: usage errors, the token requirement, stdout
//! purity, and the README staying true to the binary.

use crate::common;

use common::{TOKEN, run};

#[test]
fn no_token_and_no_sandbox_is_exit_2_with_one_helpful_line() {
    let r = run(&["check"], &[]);
    assert_eq!(r.code, 2);
    assert!(r.stdout.is_empty(), "stdout carries only reports: {}", r.stdout);
    assert_eq!(r.stderr.trim_end().lines().count(), 1, "{}", r.stderr);
    assert!(r.stderr.contains("CLICKUP_API_TOKEN") && r.stderr.contains("--token-file"), "{}", r.stderr);
    assert!(r.stderr.contains("--sandbox healthy"), "{}", r.stderr);
}

#[test]
fn unknown_check_ids_are_usage_errors_listing_the_valid_ones() {
    for flag in ["--only", "--skip"] {
        let r = run(&["check", "--sandbox", "healthy", flag, "auth,nope"], &[]);
        assert_eq!(r.code, 2, "{}", r.stderr);
        assert!(r.stderr.contains("nope"), "{}", r.stderr);
        assert!(r.stderr.contains("auth, rate-limit, latency, workspaces, platform"), "{}", r.stderr);
    }
}

#[test]
fn bad_flag_values_are_exit_2() {
    let cases: [&[&str]; 4] = [
        &["check", "--sandbox", "healthy", "--timeout", "soon"],
        &["check", "--sandbox", "nope"],
        &["check", "--sandbox", "healthy", "--format", "xml"],
        &["check", "--sandbox", "healthy", "--api-url", "http://127.0.0.1:1/api/v2"],
    ];
    for args in cases {
        let r = run(args, &[]);
        assert_eq!(r.code, 2, "{args:?}: {}", r.stderr);
        assert!(r.stdout.is_empty());
    }
}

#[test]
fn only_and_skip_select_checks_and_the_request_plan() {
    let r = run(&["check", "--sandbox", "healthy", "--only", "auth,rate-limit", "--format", "json"], &[]);
    let doc = r.json();
    let ids: Vec<&str> = doc["checks"].as_array().expect("checks").iter().filter_map(|c| c["id"].as_str()).collect();
    assert_eq!(ids, ["auth", "rate-limit"]);
    assert_eq!(doc["api_requests"], 1, "one /user serves both auth and the rate-limit headers");
    assert_eq!(doc["status_requests"], 0);
    let r = run(&["check", "--sandbox", "healthy", "--skip", "platform,latency", "--format", "json"], &[]);
    let doc = r.json();
    assert_eq!(doc["checks"].as_array().map(Vec::len), Some(4), "auth, rate-limit, workspaces, webhooks");
    assert_eq!(doc["api_requests"], 4, "1 /user, 1 /team, 2 webhook listings");
}

#[test]
fn checks_that_need_no_token_run_without_one() {
    let sandbox = common::StandaloneSandbox::start("healthy", &[]);
    let r = run(&["check", "--only", "platform", "--status-url", &sandbox.status_url, "--format", "json"], &[]);
    assert_eq!(r.code, 0, "{}", r.all_output());
    assert_eq!(r.status_of("platform"), "pass");
}

#[test]
fn env_urls_are_used_and_flags_override_them() {
    let sandbox = common::StandaloneSandbox::start("no-workspaces", &[("CLICKUP_API_TOKEN", TOKEN)]);
    let env = [
        ("CLICKUP_API_TOKEN", TOKEN),
        ("CLICKUP_API_URL", sandbox.api_url.as_str()),
        ("CLICKUP_STATUS_URL", sandbox.status_url.as_str()),
    ];
    let r = run(&["check", "--format", "json"], &env);
    assert_eq!(r.status_of("workspaces"), "fail", "the env URL pointed at the no-workspaces sandbox");
    let r = run(&["check", "--api-url", "http://127.0.0.1:9/api/v2", "--only", "auth", "--format", "json"], &env);
    assert!(r.summary_of("auth").starts_with("API unreachable"), "the flag beat the env: {}", r.stdout);
}

#[test]
fn a_token_file_is_read_and_trimmed() {
    let sandbox = common::StandaloneSandbox::start("healthy", &[("CLICKUP_API_TOKEN", TOKEN)]);
    let dir = common::scratch_dir("token-file");
    std::fs::write(dir.join("token"), format!("{TOKEN}\n")).expect("write token");
    let r = common::run_in(
        &dir,
        &["check", "--token-file", "token", "--api-url", &sandbox.api_url, "--only", "auth", "--format", "json"],
        &[("CLICKUP_API_TOKEN", "pk_1_IGNOREDIGNORED")],
        std::time::Duration::from_secs(30),
    );
    assert_eq!(r.status_of("auth"), "pass", "the file beats the environment: {}", r.stdout);
}

#[test]
fn version_and_help_work() {
    let r = run(&["--version"], &[]);
    assert_eq!(r.code, 0);
    assert!(r.stdout.starts_with("clickup-preflight "), "{}", r.stdout);
}

/// Runs the binary on a pseudo-terminal via util-linux `script` (installed
/// by `.ci/run` if missing), so colour and width are decided as for a person.
fn run_on_a_terminal(args: &str, no_color: bool) -> String {
    run_on_a_terminal_of(None, args, no_color)
}

/// As [`run_on_a_terminal`], on a terminal `columns` wide when given (set
/// with `stty`; `script`'s own terminal reports 0 columns).
fn run_on_a_terminal_of(columns: Option<u16>, args: &str, no_color: bool) -> String {
    let bin = env!("CARGO_BIN_EXE_clickup-preflight");
    let size = columns.map_or_else(String::new, |c| format!("stty cols {c} rows 24 && "));
    let mut cmd = std::process::Command::new("script");
    cmd.args(["-qec", &format!("{size}{bin} {args}"), "/dev/null"])
        .current_dir(common::scratch_dir(&format!("tty-{}", common::unique())))
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("TERM", "xterm");
    if no_color {
        cmd.env("NO_COLOR", "1");
    }
    let out = cmd.output().expect("util-linux `script` runs");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn colour_on_a_terminal_and_never_with_no_color() {
    let coloured = run_on_a_terminal("check --sandbox platform-degraded", false);
    assert!(coloured.contains("\u{1b}["), "colour codes on a terminal:\n{coloured}");
    assert!(coloured.contains("platform") && coloured.contains("Degraded Performance"), "{coloured}");
    let plain = run_on_a_terminal("check --sandbox platform-degraded", true);
    assert!(!plain.contains("\u{1b}["), "NO_COLOR is honoured:\n{plain}");
    assert!(plain.contains("WARN: 6 checks"), "{plain}");
}

/// A run that waits 800 ms on `GET /user`, well past the half second after which
/// the progress line is drawn.
const SLOW_RUN: &str = "check --sandbox healthy --fault latency=800ms,route=/user --only latency,platform";

#[test]
fn a_slow_run_on_a_terminal_shows_which_checks_are_still_running() {
    let out = run_on_a_terminal(SLOW_RUN, false);
    assert!(out.contains("checking latency"), "a progress line names the waiting check:\n{out}");
    assert!(out.contains("\r\u{1b}[2K"), "and is cleared before the table");
    assert!(out.contains("p95 8"), "the table follows: {out}");
    let fast = run_on_a_terminal("check --sandbox healthy --only platform", false);
    assert!(!fast.contains("checking"), "runs under half a second show no progress:\n{fast}");
}

#[test]
fn the_progress_line_fits_a_narrow_terminal_and_leaves_no_trail() {
    let out = run_on_a_terminal_of(Some(24), SLOW_RUN, false);
    let frames: Vec<&str> = out.split("\r\u{1b}[2K").filter(|f| f.contains("checking")).collect();
    assert!(!frames.is_empty(), "a progress line was drawn:\n{out}");
    for frame in frames {
        assert!(frame.chars().count() < 24, "a frame wider than the terminal wraps and stays: {frame:?}");
        assert!(!frame.contains('\n'), "{frame:?}");
    }
    assert!(out.contains("p95 8"), "the table follows: {out}");
}
