use std::path::Path;

use clap::Parser;

use super::*;
use crate::checks::OptIns;
use crate::cli::{Cli, Command};

/// The overrides the command line would give for `check` with `extra`.
fn args(extra: &[&str]) -> Overrides {
    let mut argv = vec!["clickup-preflight", "check"];
    argv.extend_from_slice(extra);
    match Cli::try_parse_from(argv).expect("test flags parse").command {
        Command::Check(a) => a.connection.overrides(),
        _ => unreachable!("check was given"),
    }
}

/// `resolve` with every check selectable.
fn resolve(args: &Overrides, env: &EnvVars, file: &LoadedFile) -> Result<Settings, ConfigError> {
    super::resolve(args, (&[], &[]), env, file)
}

fn file(source: &str) -> LoadedFile {
    let config = file::parse(source, Path::new("checks.toml")).expect("test config parses");
    LoadedFile { path: Some("checks.toml".into()), source: source.to_owned(), config }
}

#[test]
fn defaults_apply_when_nothing_is_set() {
    let s = resolve(&args(&[]), &EnvVars::default(), &LoadedFile::default()).expect("resolves");
    assert_eq!(s.api_url.as_str(), "https://api.clickup.com/api/v2");
    assert_eq!(s.status_url.as_str(), DEFAULT_STATUS_URL);
    assert_eq!(s.transport.timeout, DEFAULT_TIMEOUT);
    assert_eq!(s.deadline, DEFAULT_DEADLINE);
    assert_eq!(s.checks, Configs::default());
    assert_eq!(s.selected, CheckId::ALL[..6].to_vec(), "all but the opt-in receiver probe");
}

#[test]
fn flag_beats_env_beats_file() {
    let f = file("[api]\nurl = \"https://file.example/api/v2\"\ntimeout = \"4s\"\n");
    let env = EnvVars { api_url: Some("https://env.example/api/v2".into()), ..EnvVars::default() };
    let from_file = resolve(&args(&[]), &EnvVars::default(), &f).expect("resolves");
    assert_eq!(from_file.api_url.host_str(), Some("file.example"));
    assert_eq!(from_file.transport.timeout, Duration::from_secs(4));
    let from_env = resolve(&args(&[]), &env, &f).expect("resolves");
    assert_eq!(from_env.api_url.host_str(), Some("env.example"));
    let from_flag = resolve(&args(&["--api-url", "https://flag.example/api/v2", "--timeout", "500ms"]), &env, &f)
        .expect("resolves");
    assert_eq!(from_flag.api_url.host_str(), Some("flag.example"));
    assert_eq!(from_flag.transport.timeout, Duration::from_millis(500));
}

#[test]
fn long_timeouts_stretch_the_default_deadline() {
    let s = resolve(&args(&["--timeout", "40s"]), &EnvVars::default(), &LoadedFile::default()).expect("resolves");
    assert_eq!(s.deadline, Duration::from_secs(45));
}

#[test]
fn plain_http_is_refused_for_the_api_unless_loopback() {
    let none = LoadedFile::default();
    let err = resolve(&args(&["--api-url", "http://api.example.com/api/v2"]), &EnvVars::default(), &none)
        .expect_err("http to a remote host");
    assert!(err.to_string().starts_with("--api-url: plain http://"), "{err}");
    for ok in ["http://127.0.0.1:9/api/v2", "http://localhost:9/api/v2", "http://[::1]:9/api/v2"] {
        assert!(resolve(&args(&["--api-url", ok]), &EnvVars::default(), &none).is_ok(), "{ok}");
    }
    // The status page never receives the token.
    assert!(resolve(&args(&["--status-url", "http://status.example/x"]), &EnvVars::default(), &none).is_ok());
}

#[test]
fn credentials_in_urls_and_garbage_urls_are_refused() {
    let none = LoadedFile::default();
    let env = EnvVars { api_url: Some("https://user:pw@api.example/api/v2".into()), ..EnvVars::default() };
    let err = resolve(&args(&[]), &env, &none).expect_err("credentials");
    assert!(err.to_string().starts_with("CLICKUP_API_URL: credentials"), "{err}");
    assert!(resolve(&args(&["--api-url", "not a url"]), &EnvVars::default(), &none).is_err());
}

#[test]
fn out_of_range_values_are_located_in_the_file() {
    let err = resolve(&args(&[]), &EnvVars::default(), &file("[latency]\n\nsamples = 0\n")).expect_err("zero samples");
    assert_eq!(err.to_string(), "checks.toml:3: `latency.samples`: expected 1 to 20 samples, got 0");
    let err = resolve(&args(&[]), &EnvVars::default(), &file("workspaces = [\"acme\"]\n")).expect_err("bad id");
    assert!(err.to_string().starts_with("checks.toml:1: `workspaces`"), "{err}");
    let err = resolve(&args(&[]), &EnvVars::default(), &file("[rate_limit]\nwarn_below_percent = 150\n"))
        .expect_err("percent");
    assert!(err.to_string().starts_with("checks.toml:2: `rate_limit.warn_below_percent`"), "{err}");
    let err = resolve(&args(&[]), &EnvVars::default(), &file("[latency]\nwarn_above = \"5s\"\n")).expect_err("order");
    assert!(err.to_string().contains("fail_p95_above"), "{err}");
}

#[test]
fn receiver_thresholds_default_to_clickups_and_may_only_be_tightened() {
    let defaults = crate::checks::webhook_endpoint::Config::default();
    assert_eq!(defaults.warn_above, Duration::from_secs(5), "the reference's recommendation");
    assert_eq!(defaults.fail_above, Duration::from_secs(7), "where ClickUp counts a delivery failed");
    let set = |source: &str| resolve(&args(&[]), &EnvVars::default(), &file(source));
    let tight = set("[webhook_endpoint]\nwarn_above = \"200ms\"\nfail_above = \"1s\"\n").expect("resolves");
    assert_eq!(tight.checks.webhook_endpoint.warn_above, Duration::from_millis(200));
    assert_eq!(tight.checks.webhook_endpoint.fail_above, Duration::from_secs(1));
    let fail_only = set("[webhook_endpoint]\nfail_above = \"3s\"\n").expect("warn follows a lower fail");
    assert_eq!(fail_only.checks.webhook_endpoint.warn_above, Duration::from_secs(3));
    let err = set("[webhook_endpoint]\n\nfail_above = \"8s\"\n").expect_err("looser than ClickUp");
    assert_eq!(
        err.to_string(),
        "checks.toml:3: `webhook_endpoint.fail_above`: expected at most 7s (ClickUp counts a slower delivery as failed), got 8s"
    );
    let err = set("[webhook_endpoint]\nwarn_above = \"2s\"\nfail_above = \"1s\"\n").expect_err("order");
    assert_eq!(err.to_string(), "checks.toml:2: `webhook_endpoint.warn_above`: must not be above `fail_above`");
    let err = file::parse("[webhook_endpoint]\nfail_after = \"1s\"\n", Path::new("checks.toml")).expect_err("typo");
    assert!(err.to_string().starts_with("checks.toml:2:"), "{err}");
}

#[test]
fn selection_keeps_report_order_and_refuses_empty() {
    assert_eq!(
        select(&[CheckId::Platform, CheckId::Auth], &[], OptIns::default()),
        Some(vec![CheckId::Auth, CheckId::Platform])
    );
    assert_eq!(select(&[], &[CheckId::Latency], OptIns::default()).map(|v| v.len()), Some(5));
    assert_eq!(select(&[CheckId::Auth], &[CheckId::Auth], OptIns::default()), None);
}

#[test]
fn the_receiver_probe_is_opt_in() {
    let default = select(&[], &[], OptIns::default()).expect("checks");
    assert!(!default.contains(&CheckId::Secrets) && !default.contains(&CheckId::Token));
    assert!(!default.contains(&CheckId::WebhookEndpoint));
    assert!(default.contains(&CheckId::Webhooks));
    let receivers = OptIns { receivers: true, ..OptIns::default() };
    assert!(select(&[], &[], receivers).expect("checks").contains(&CheckId::WebhookEndpoint));
    let repo = OptIns { repo: true, ..OptIns::default() };
    assert!(select(&[], &[], repo).expect("checks").contains(&CheckId::Secrets));
    assert_eq!(select(&[CheckId::WebhookEndpoint], &[], OptIns::default()), Some(vec![CheckId::WebhookEndpoint]));
}

#[test]
fn the_shipped_checks_toml_states_exactly_the_defaults() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("checks.toml");
    let shipped = file::load(&path).expect("the shipped checks.toml parses");
    let from_file = resolve(&args(&[]), &EnvVars::default(), &shipped).expect("resolves");
    let defaults = resolve(&args(&[]), &EnvVars::default(), &LoadedFile::default()).expect("resolves");
    assert_eq!(from_file.checks, defaults.checks);
    assert_eq!(from_file.api_url, defaults.api_url);
    assert_eq!(from_file.status_url, defaults.status_url);
    assert_eq!(from_file.transport.timeout, defaults.transport.timeout);
    assert_eq!(from_file.deadline, defaults.deadline);
}

#[test]
fn webhook_expectations_and_probes_are_validated_and_located() {
    let ok = file(
        "[[webhooks.expect]]\nendpoint = \"https://a.example/hook/\"\nevents = [\"taskCreated\"]\nlist_id = \"9\"\n\n[[webhooks.probe]]\nendpoint = \"http://127.0.0.1:9/hook\"\nsecret_env = \"S\"\n",
    );
    let s = resolve(&args(&[]), &EnvVars::default(), &ok).expect("resolves");
    assert_eq!(s.checks.webhooks.expected[0].endpoint, "https://a.example/hook");
    assert_eq!(s.webhook_probes[0].secret, SecretSource::Env("S".into()));
    assert!(s.selected.contains(&CheckId::WebhookEndpoint), "declared receivers switch the probe on");

    let cases = [
        (
            "[[webhooks.expect]]\nendpoint = \"https://a\"\nevents = [\"taskCreated\"]\n[[webhooks.expect]]\nendpoint = \"https://b\"\nevents = [\"taskCreatd\"]\n",
            "checks.toml:6: `webhooks.expect[1].events`: `taskCreatd` is not a ClickUp webhook event",
        ),
        ("[[webhooks.expect]]\nendpoint = \"https://a\"\nevents = []\n", "checks.toml:3: `webhooks.expect[0].events`"),
        (
            "[[webhooks.probe]]\nendpoint = \"http://hooks.example/x\"\nsecret_env = \"S\"\n",
            "checks.toml:2: `webhooks.probe[0].endpoint`: expected an https:// URL",
        ),
        (
            "[[webhooks.probe]]\nendpoint = \"https://hooks.example/x\"\n",
            "checks.toml:2: `webhooks.probe[0].endpoint`: give the signing secret",
        ),
        (
            "[[webhooks.probe]]\nendpoint = \"https://h.example/x\"\nsecret_env = \"S\"\nsecret_file = \"f\"\n",
            "checks.toml:3: `webhooks.probe[0].secret_env`",
        ),
    ];
    for (source, expected) in cases {
        let err = resolve(&args(&[]), &EnvVars::default(), &file(source)).expect_err(source);
        assert!(err.to_string().starts_with(expected), "{source:?}: {err}");
    }
}

#[test]
fn per_check_policies_are_read_and_unknown_ids_refused() {
    use crate::checks::{Gate, Severity};
    let f = file("[checks.platform]\ngate = \"never\"\n\n[checks.rate-limit]\ngate = \"warn\"\nseverity = \"P1\"\n");
    let s = resolve(&args(&[]), &EnvVars::default(), &f).expect("resolves");
    assert_eq!(s.policies.get(&CheckId::Platform), Some(&CheckPolicy { gate: Some(Gate::ReportOnly), severity: None }));
    assert_eq!(
        s.policies.get(&CheckId::RateLimit),
        Some(&CheckPolicy { gate: Some(Gate::Warn), severity: Some(Severity::P1) })
    );
    let err =
        resolve(&args(&[]), &EnvVars::default(), &file("[checks.platfrom]\ngate = \"never\"\n")).expect_err("typo");
    assert!(err.to_string().starts_with("checks.toml:1: `[checks.platfrom]`: `platfrom` is not a check id"), "{err}");
    let err = file::parse("[checks.auth]\ngate = \"sometimes\"\n", Path::new("checks.toml")).expect_err("bad gate");
    assert!(err.to_string().starts_with("checks.toml:2:"), "{err}");
}

#[test]
fn attestations_that_cannot_be_evidence_are_config_errors_with_their_line() {
    let today = crate::model::calendar::days_from_civil(2026, 11, 23);
    let check = |source: &str| {
        let f = file(source);
        let attestations = f.config.attest.clone().unwrap_or_default();
        validate_attestations(&f, &attestations, today).map_err(|e| e.to_string())
    };
    assert_eq!(check("[attest.caching]\nby = \"ops@example.com\"\non = 2026-11-24\n"), Ok(()), "tomorrow: zones ahead");
    let cases = [
        ("# c\n[attest.caching]\nby = \"  \"\non = 2026-11-01\n", "checks.toml:3: `attest.caching.by`: expected who"),
        (
            "[attest.caching]\nby = \"ops\"\non = 2026-11-25\n",
            "checks.toml:3: `attest.caching.on`: 2026-11-25 is in the future",
        ),
        ("[attest.caching]\nby = \"ops\"\non = 10:00:00\n", "checks.toml:3: `attest.caching.on`: expected the day"),
        (
            "[attest.caching]\nby = \"ops\"\non = 2026-11-01T10:00:00Z\n",
            "checks.toml:3: `attest.caching.on`: expected the day",
        ),
        ("\n[attest.cachin]\nby = \"ops\"\non = 2026-11-01\n", "checks.toml:2: `[attest.cachin]`: `cachin` is not"),
    ];
    for (source, expected) in cases {
        let err = check(source).expect_err(source);
        assert!(err.starts_with(expected), "{source}\n{err}");
    }
}

#[test]
fn url_errors_from_the_file_name_its_real_path_line_and_key() {
    let source = "# prod\n[api]\n\nurl = \"http://api.example.com/api/v2\"\nstatus_url = \"ftp://status.example/x\"\n";
    let config = file::parse(source, Path::new("deploy/prod.toml")).expect("parses");
    let mut f = LoadedFile { path: Some("deploy/prod.toml".into()), source: source.to_owned(), config };
    let err = resolve(&args(&[]), &EnvVars::default(), &f).expect_err("plain http to a remote host");
    assert!(err.to_string().starts_with("deploy/prod.toml:4: `api.url`: plain http://"), "{err}");
    f.config.api.as_mut().expect("api").url = None;
    let err = resolve(&args(&[]), &EnvVars::default(), &f).expect_err("not https");
    assert!(err.to_string().starts_with("deploy/prod.toml:5: `api.status_url`: unsupported scheme `ftp`"), "{err}");
    let flag = resolve(&args(&["--status-url", "ftp://x"]), &EnvVars::default(), &f).expect_err("flag");
    assert!(flag.to_string().starts_with("--status-url: unsupported scheme"), "{flag}");
}

#[test]
fn token_command_is_located_in_its_file() {
    let source = "plan = \"business\"\ntoken_command = \"vault read -field=token secret/clickup\"\n";
    let config = file::parse(source, Path::new("ops/preflight.toml")).expect("parses");
    let f = LoadedFile { path: Some("ops/preflight.toml".into()), source: source.to_owned(), config };
    let s = resolve(&args(&[]), &EnvVars::default(), &f).expect("resolves");
    let at = s.token_command_at.expect("located");
    assert_eq!(
        at.error("it failed with exit code 3").to_string(),
        "ops/preflight.toml:2: `token_command`: it failed with exit code 3"
    );
}

#[test]
fn allows_need_a_reason_and_a_code_of_their_check_and_errors_name_the_line() {
    let ok = "[checks.webhooks]\nallow = [\n  { code = \"webhook-suspended\", reason = \"retired in Q1\" },\n]\n";
    let s = resolve(&args(&[]), &EnvVars::default(), &file(ok)).expect("resolves");
    let allowed = &s.allows[&CheckId::Webhooks];
    assert_eq!(
        (allowed.len(), allowed[0].code.as_str(), allowed[0].reason.as_str()),
        (1, "webhook-suspended", "retired in Q1")
    );
    for (source, at) in [
        ("[checks.webhooks]\nallow = [\n  { code = \"webhook-suspended\", reason = \"\" },\n]\n", "checks.toml:3:"),
        ("[checks.webhooks]\n\nallow = [{ code = \"platform-incident\", reason = \"x\" }]\n", "checks.toml:3:"),
        ("[checks.auth]\nallow = [{ code = \"nope\", reason = \"x\" }]\n", "checks.toml:2:"),
    ] {
        let err = resolve(&args(&[]), &EnvVars::default(), &file(source)).expect_err(source).to_string();
        assert!(err.starts_with(at), "{source}: {err}");
    }
}
