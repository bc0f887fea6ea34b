//! Findings end to end: stable codes in the JSON report, and `allow` in
//! `checks.toml` accepting one known finding with its reason, against the
//! sandbox over loopback.

use crate::common;

use std::time::Duration;

use common::{Run, run_in, scratch_dir};

const LIMIT: Duration = Duration::from_secs(30);

/// `check --sandbox webhook-suspended` in a directory holding `config`.
fn suspended_with(name: &str, config: &str, format: &str) -> Run {
    let dir = scratch_dir(name);
    std::fs::write(dir.join("checks.toml"), config).expect("write checks.toml");
    run_in(&dir, &["check", "--sandbox", "webhook-suspended", "--format", format], &[], LIMIT)
}

fn findings(r: &Run, id: &str) -> Vec<serde_json::Value> {
    r.check(id)["findings"].as_array().cloned().unwrap_or_else(|| panic!("no findings array: {}", r.stdout))
}

#[test]
fn a_suspended_webhook_fails_under_its_code_and_passes_once_allowed_with_its_reason() {
    let r = suspended_with("findings-none", "", "json");
    assert_eq!(r.code, 1, "{}", r.all_output());
    assert_eq!(r.status_of("webhooks"), "fail");
    let found = findings(&r, "webhooks");
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!((found[0]["code"].as_str(), found[0]["status"].as_str()), (Some("webhook-suspended"), Some("fail")));
    assert_eq!(found[0]["allowed"], false);
    assert!(found[0].get("reason").is_none(), "{found:?}");

    let config =
        "[checks.webhooks]\nallow = [{ code = \"webhook-suspended\", reason = \"legacy hook, retired in Q1\" }]\n";
    let r = suspended_with("findings-allowed", config, "json");
    assert_eq!(r.code, 0, "the only finding is accepted: {}", r.all_output());
    assert_eq!(r.status_of("webhooks"), "pass");
    let found = findings(&r, "webhooks");
    assert_eq!(found[0]["allowed"], true, "{found:?}");
    assert_eq!(found[0]["reason"], "legacy hook, retired in Q1");
    let details = r.check("webhooks")["details"].to_string();
    assert!(details.contains("allowed: webhook-suspended (legacy hook, retired in Q1)"), "{details}");

    let table = suspended_with("findings-allowed-table", config, "table");
    assert_eq!(table.code, 0, "{}", table.all_output());
    assert!(
        table.stdout.contains("(allowed: webhook-suspended)"),
        "the summary says what was allowed: {}",
        table.stdout
    );
}

#[test]
fn an_allow_of_another_finding_leaves_the_verdict_alone() {
    let config = "[checks.webhooks]\nallow = [{ code = \"webhook-failing\", reason = \"flaky staging receiver\" }]\n";
    let r = suspended_with("findings-other", config, "json");
    assert_eq!(r.code, 1, "{}", r.all_output());
    assert_eq!(r.status_of("webhooks"), "fail");
    assert_eq!(findings(&r, "webhooks")[0]["allowed"], false);
}

#[test]
fn unknown_codes_codes_of_other_checks_and_missing_reasons_are_config_errors_at_their_line() {
    let cases = [
        (
            "[checks.webhooks]\ngate = \"fail\"\nallow = [{ code = \"webhook-suspendd\", reason = \"x\" }]\n",
            3,
            "webhook-suspendd",
        ),
        (
            "[checks.webhooks]\nallow = [\n  { code = \"api-unreachable\", reason = \"x\" },\n  { code = \"platform-incident\", reason = \"x\" },\n]\n",
            4,
            "it is a code of platform",
        ),
        ("[checks.webhooks]\nallow = [{ code = \"webhook-suspended\", reason = \" \" }]\n", 2, "a reason is required"),
        ("[checks.auth]\nallow = [{ code = \"evidence-missing\", reason = \"x\" }]\n", 2, "cannot be allowed"),
        ("[checks.webhooks]\nallow = [{ code = \"webhook-suspended\" }]\n", 2, "reason"),
    ];
    for (i, (config, line, said)) in cases.into_iter().enumerate() {
        let r = suspended_with(&format!("findings-bad-{i}"), config, "json");
        assert_eq!(r.code, 2, "{config}: {}", r.all_output());
        assert!(r.stderr.contains(&format!("checks.toml:{line}:")), "{config}: {}", r.stderr);
        assert!(r.stderr.contains(said), "{config}: {}", r.stderr);
        assert!(r.stdout.is_empty(), "no report on a config error: {}", r.stdout);
    }
}
