//! One validated [`Settings`] from flags, environment, `checks.toml` and
//! defaults, in that order of precedence. Nothing downstream sees an
//! `Option` that means "use the default": defaults are applied here, once.

mod explain;
mod file;
mod policy;
mod schema;
mod starter;
mod webhook_settings;

use std::path::PathBuf;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use reqwest::Url;

pub use explain::{Entry, SettingValue, Source, explain};
pub use file::{AttestEntry, ConfigError, FileConfig, FileDuration, LoadedFile, Located};
pub use policy::{Allowance, CheckPolicy};
pub use schema::{SCHEMA_LINE, checks_toml_schema};
pub use starter::{Observed, StarterCounts, starter_file};
pub use webhook_settings::{ProbeTarget, SecretSource};

use crate::checks::{Configs, latency, rate_limit, token, webhook_endpoint, webhooks as webhooks_check, workspaces};
use crate::client::TransportOptions;
use crate::model::Format;
use crate::model::{CheckId, OptIns};

/// ClickUp's production API base.
pub const DEFAULT_API_URL: &str = "https://api.clickup.com/api/v2";
/// ClickUp's status page via the Status.io public API (status.clickup.com
/// runs on Status.io; its Statuspage-style URL answers 404).
pub const DEFAULT_STATUS_URL: &str = "https://api.status.io/1.0/status/5b6e0963c662144d00913a09";
/// Per-request timeout.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);
/// Whole-run deadline (raised to timeout + 5 s when the timeout is longer).
pub const DEFAULT_DEADLINE: Duration = Duration::from_secs(30);
/// Largest response body read. ClickUp's answers for these endpoints are
/// kilobytes; a few MiB leaves room for very large workspaces.
pub const BODY_CAP: usize = 4 * 1024 * 1024;

/// Environment variables the resolver reads, gathered by the caller so that
/// precedence can be tested without touching the process environment.
#[derive(Debug, Clone, Default)]
pub struct EnvVars {
    /// `CLICKUP_API_URL`.
    pub api_url: Option<String>,
    /// `CLICKUP_STATUS_URL`.
    pub status_url: Option<String>,
    /// `CLICKUP_PREFLIGHT_CONFIG`.
    pub config: Option<String>,
}

impl EnvVars {
    /// Reads the variables from the process environment; empty counts as unset.
    pub fn from_process() -> Self {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
        EnvVars {
            api_url: var("CLICKUP_API_URL"),
            status_url: var("CLICKUP_STATUS_URL"),
            config: var("CLICKUP_PREFLIGHT_CONFIG"),
        }
    }
}

/// Everything a `check` run needs, validated.
#[derive(Debug, Clone)]
pub struct Settings {
    /// API base URL (https, or http on loopback only).
    pub api_url: Url,
    /// Status page URL.
    pub status_url: Url,
    /// Timeout and body cap per request.
    pub transport: TransportOptions,
    /// The whole run ends by then.
    pub deadline: Duration,
    /// Each check's own settings.
    pub checks: Configs,
    /// Checks to run, in report order.
    pub selected: Vec<CheckId>,
    /// Output format.
    pub format: Format,
    /// Retries, circuit breaker and request budget for the ClickUp client.
    pub resilience: crate::client::Policy,
    /// Receivers to send test deliveries to (`webhook-endpoint`).
    pub webhook_probes: Vec<ProbeTarget>,
    /// Per-check gate and severity overrides.
    pub policies: std::collections::BTreeMap<CheckId, CheckPolicy>,
    /// Per-check accepted findings (`[checks.<id>] allow`).
    pub allows: std::collections::BTreeMap<CheckId, Vec<Allowance>>,
    /// The repository the `secrets` check reads.
    pub repo: PathBuf,
    /// Client bundle directories in it.
    pub bundle_dirs: Vec<String>,
    /// A command whose stdout is the token.
    pub token_command: Option<String>,
    /// Where `token_command` is written, so that its failure names file:line.
    pub token_command_at: Option<Located>,
    /// Attested checklist items.
    pub attestations: std::collections::BTreeMap<String, file::AttestEntry>,
    /// Attestations older than this are stale.
    pub attest_max_age_days: u32,
}

/// Default client bundle directories.
pub const DEFAULT_BUNDLE_DIRS: [&str; 4] = ["dist", "build", "public", ".next/static"];

/// Parses `checks.toml` text as if read from `./checks.toml` (for tests).
#[cfg(test)]
pub(crate) fn parse_file(source: &str) -> Result<FileConfig, ConfigError> {
    file::parse(source, std::path::Path::new("checks.toml"))
}

/// What the command line says, as plain data: the flags that override the
/// environment and `checks.toml`. The command layer fills it; this module
/// knows no argument parser.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    /// `--config`.
    pub config: Option<PathBuf>,
    /// `--api-url`.
    pub api_url: Option<String>,
    /// `--status-url`.
    pub status_url: Option<String>,
    /// `--timeout`.
    pub timeout: Option<Duration>,
    /// `--deadline`.
    pub deadline: Option<Duration>,
    /// `--repo`.
    pub repo: Option<PathBuf>,
    /// `--format`.
    pub format: Format,
}

/// Finds and loads the config file: `--config`, then `CLICKUP_PREFLIGHT_CONFIG`
/// (both must exist), then `./checks.toml` if present.
pub fn load_file(args: &Overrides, env: &EnvVars) -> Result<LoadedFile, ConfigError> {
    let named = args.config.clone().or_else(|| env.config.as_ref().map(PathBuf::from));
    match named {
        Some(path) => file::load(&path),
        None => {
            let default = PathBuf::from("checks.toml");
            if default.is_file() { file::load(&default) } else { Ok(LoadedFile::default()) }
        }
    }
}

/// Applies flag > env > file > default and validates the result.
pub fn resolve(
    args: &Overrides,
    (only, skip): (&[CheckId], &[CheckId]),
    env: &EnvVars,
    file: &LoadedFile,
) -> Result<Settings, ConfigError> {
    let cfg = &file.config;
    let api = cfg.api.as_ref();
    let latency = cfg.latency.as_ref();

    let (api_origin, api_text) = pick(
        ("--api-url", &args.api_url),
        ("CLICKUP_API_URL", &env.api_url),
        api.and_then(|a| a.url.clone()),
        DEFAULT_API_URL,
    );
    let api_url = parse_url(&api_text, true).map_err(|m| api_origin.error(file, "url", m))?;
    let (status_origin, status_text) = pick(
        ("--status-url", &args.status_url),
        ("CLICKUP_STATUS_URL", &env.status_url),
        api.and_then(|a| a.status_url.clone()),
        DEFAULT_STATUS_URL,
    );
    let status_url = parse_url(&status_text, false).map_err(|m| status_origin.error(file, "status_url", m))?;

    let timeout = args.timeout.or(api.and_then(|a| a.timeout).map(|d| d.0)).unwrap_or(DEFAULT_TIMEOUT);
    let deadline = args
        .deadline
        .or(api.and_then(|a| a.deadline).map(|d| d.0))
        .unwrap_or_else(|| DEFAULT_DEADLINE.max(timeout + Duration::from_secs(5)));

    let defaults = Configs::default();
    let samples = latency.and_then(|l| l.samples).map_or(defaults.latency.samples, |n| n as usize);
    if !(1..=20).contains(&samples) {
        return Err(file.invalid(Some("latency"), "samples", format!("expected 1 to 20 samples, got {samples}")));
    }
    let latency_warn = latency.and_then(|l| l.warn_above).map_or(defaults.latency.warn_above, |d| d.0);
    let latency_fail_p95 = latency.and_then(|l| l.fail_p95_above).map_or(defaults.latency.fail_p95_above, |d| d.0);
    if latency_warn > latency_fail_p95 {
        return Err(file.invalid(Some("latency"), "warn_above", "must not be above `fail_p95_above`".to_owned()));
    }
    let warn_percent =
        cfg.rate_limit.as_ref().and_then(|r| r.warn_below_percent).unwrap_or(defaults.rate_limit.warn_below_percent);
    if !(warn_percent > 0.0 && warn_percent < 100.0) {
        return Err(file.invalid(
            Some("rate_limit"),
            "warn_below_percent",
            format!("expected a percentage between 0 and 100, got {warn_percent}"),
        ));
    }
    let webhook_endpoint = receiver_thresholds(file, &defaults.webhook_endpoint)?;
    let expected_workspaces = cfg.workspaces.clone().unwrap_or_default();
    if let Some(bad) = expected_workspaces.iter().find(|id| !crate::client::is_workspace_id(id)) {
        let shown = crate::redact::scrub_token_like(bad);
        return Err(file.invalid(
            None,
            "workspaces",
            format!("workspace ids are digits, like \"9012345\"; got \"{shown}\""),
        ));
    }
    let sanitizer = crate::text::Sanitizer::shapes_only();
    let expected_workspaces: Vec<_> =
        expected_workspaces.iter().map(|id| sanitizer.line(id, crate::text::ID)).collect();

    let mut resilience = crate::client::Policy::default();
    if let Some(percent) = api.and_then(|a| a.request_budget_percent) {
        if !(percent > 0.0 && percent <= 100.0) {
            let message = format!("expected a percentage above 0 and at most 100, got {percent}");
            return Err(file.invalid(Some("api"), "request_budget_percent", message));
        }
        resilience.budget_share = percent / 100.0;
    }
    // The first wave (every `/user` sample and `/team`) goes before any
    // answer can state the window: the ceiling for an unknown window covers it.
    resilience.unknown_window_ceiling = resilience.unknown_window_ceiling.max(samples as u64 + 1);
    if let Some(attempts) = api.and_then(|a| a.max_attempts) {
        if !(1..=10).contains(&attempts) {
            return Err(file.invalid(Some("api"), "max_attempts", format!("expected 1 to 10, got {attempts}")));
        }
        resilience.max_attempts = attempts;
    }
    if let Some(repo) = &args.repo {
        check_repo_dir(repo)?;
    }
    let webhook_probes = webhook_settings::probes(file)?;
    let token_command = cfg.token_command.clone().filter(|c| !c.trim().is_empty());
    let service_account = cfg
        .service_account
        .as_deref()
        .filter(|a| !a.trim().is_empty())
        .map(|a| crate::text::Sanitizer::shapes_only().line(a.trim(), crate::text::NAME));
    let opt_ins = OptIns {
        receivers: !webhook_probes.is_empty(),
        repo: args.repo.is_some(),
        token_policy: service_account.is_some() || token_command.is_some(),
    };
    let attestations = cfg.attest.clone().unwrap_or_default();
    let today = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs() / 86_400) as i64;
    validate_attestations(file, &attestations, today)?;
    let selected = select(only, skip, opt_ins).ok_or_else(|| ConfigError::Value {
        origin: "--only/--skip".to_owned(),
        message: "no check left to run".to_owned(),
    })?;

    Ok(Settings {
        api_url,
        status_url,
        transport: TransportOptions { timeout, body_cap: BODY_CAP },
        deadline,
        checks: Configs {
            rate_limit: rate_limit::Config { warn_below_percent: warn_percent, plan: cfg.plan },
            latency: latency::Config { warn_above: latency_warn, fail_p95_above: latency_fail_p95, samples },
            workspaces: workspaces::Config { expected: expected_workspaces.clone() },
            webhooks: webhooks_check::Config {
                expected: webhook_settings::expected(file)?,
                workspaces: expected_workspaces,
            },
            webhook_endpoint,
            token: token::Config { service_account },
        },
        webhook_probes,
        resilience,
        policies: policy::policies(file)?,
        allows: policy::allows(file)?,
        repo: args.repo.clone().unwrap_or_else(|| PathBuf::from(".")),
        bundle_dirs: cfg
            .secrets
            .as_ref()
            .and_then(|s| s.bundle_dirs.clone())
            .unwrap_or_else(|| DEFAULT_BUNDLE_DIRS.iter().map(|d| (*d).to_owned()).collect()),
        token_command_at: token_command.as_ref().map(|_| file.located(None, "token_command")),
        token_command,
        attestations,
        attest_max_age_days: cfg.attest_max_age_days.unwrap_or(180),
        selected,
        format: args.format,
    })
}

/// `[webhook_endpoint]` thresholds, validated. Only tightening is allowed:
/// ClickUp counts a delivery slower than 7 s as failed whatever this file
/// says, so a higher `fail_above` would PASS a receiver ClickUp fails.
fn receiver_thresholds(
    file: &LoadedFile,
    defaults: &webhook_endpoint::Config,
) -> Result<webhook_endpoint::Config, ConfigError> {
    let section = file.config.webhook_endpoint.as_ref();
    let limit = crate::client::DELIVERY_FAILS_AFTER;
    let fail = section.and_then(|s| s.fail_above).map_or(defaults.fail_above, |d| d.0);
    if fail > limit {
        let message = format!(
            "expected at most {} (ClickUp counts a slower delivery as failed), got {}",
            crate::duration::human(limit),
            crate::duration::human(fail)
        );
        return Err(file.invalid(Some("webhook_endpoint"), "fail_above", message));
    }
    let warn = section.and_then(|s| s.warn_above).map_or(defaults.warn_above.min(fail), |d| d.0);
    if warn > fail {
        return Err(file.invalid(Some("webhook_endpoint"), "warn_above", "must not be above `fail_above`".to_owned()));
    }
    Ok(webhook_endpoint::Config { warn_above: warn, fail_above: fail })
}

/// Refuses attestations that cannot be evidence: for an item that does not
/// exist, by nobody, without a date, or dated after tomorrow (`today` is
/// days since 1970-01-01 in UTC; a day of slack covers time zones ahead).
fn validate_attestations(
    file: &LoadedFile,
    attestations: &std::collections::BTreeMap<String, file::AttestEntry>,
    today: i64,
) -> Result<(), ConfigError> {
    for (id, entry) in attestations {
        let table = format!("attest.{id}");
        if crate::model::checklist_items::item_by_id(id).is_none() {
            let ids: Vec<&str> = crate::model::checklist_items::ITEMS.iter().map(|i| i.id).collect();
            let shown = crate::redact::scrub_token_like(id);
            return Err(file.invalid_table(
                &table,
                format!("`{shown}` is not a checklist item; expected one of {}", ids.join(", ")),
            ));
        }
        if entry.by.trim().is_empty() {
            return Err(file.invalid(Some(&table), "by", "expected who attests, e.g. \"ops@example.com\"".to_owned()));
        }
        let expected = "expected the day it was attested, e.g. on = 2026-11-01";
        let Some(day) = entry.day().filter(|_| entry.on.time.is_none()) else {
            return Err(file.invalid(Some(&table), "on", format!("{expected}, got {}", entry.on)));
        };
        if day > today + 1 {
            return Err(file.invalid(Some(&table), "on", format!("{} is in the future; {expected}", entry.on)));
        }
    }
    Ok(())
}

/// `--repo` must name an existing directory: a typo would otherwise scan
/// nothing and could read as "no secrets".
fn check_repo_dir(repo: &std::path::Path) -> Result<(), ConfigError> {
    let problem = match std::fs::metadata(repo) {
        Ok(meta) if meta.is_dir() => return Ok(()),
        Ok(_) => "is not a directory",
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => "does not exist",
        Err(_) => "cannot be read",
    };
    let shown = crate::text::Sanitizer::shapes_only().line(&repo.display().to_string(), crate::text::URL);
    Err(ConfigError::Value {
        origin: "--repo".to_owned(),
        message: format!("{shown} {problem}; expected the directory of a git repository"),
    })
}

/// The checks `--only` and `--skip` leave, in report order; `None` if none.
/// Without `--only`, opt-in checks run only when configured.
pub fn select(only: &[CheckId], skip: &[CheckId], opt_ins: OptIns) -> Option<Vec<CheckId>> {
    let chosen: Vec<CheckId> = CheckId::ALL
        .into_iter()
        .filter(|id| if only.is_empty() { id.on_by_default(opt_ins) } else { only.contains(id) })
        .filter(|id| !skip.contains(id))
        .collect();
    (!chosen.is_empty()).then_some(chosen)
}

/// Where an `[api]` value came from, so that its error names the flag, the
/// variable, or the file, line and key.
enum Origin {
    /// A flag, a variable or the default, by name.
    Named(&'static str),
    /// `checks.toml` (whatever the file is called).
    File,
}

impl Origin {
    /// The error about the value of `[api] key` from this origin.
    fn error(&self, file: &LoadedFile, key: &str, message: String) -> ConfigError {
        match self {
            Origin::Named(name) => ConfigError::Value { origin: (*name).to_owned(), message },
            Origin::File => file.invalid(Some("api"), key, message),
        }
    }
}

/// The first value set among flag, env, file (`[api]`), default; with its origin.
fn pick(
    (flag, flag_value): (&'static str, &Option<String>),
    (env, env_value): (&'static str, &Option<String>),
    file_value: Option<String>,
    default: &str,
) -> (Origin, String) {
    if let Some(v) = flag_value {
        (Origin::Named(flag), v.clone())
    } else if let Some(v) = env_value {
        (Origin::Named(env), v.clone())
    } else if let Some(v) = file_value {
        (Origin::File, v)
    } else {
        (Origin::Named("default"), default.to_owned())
    }
}

/// Parses a URL; with `carries_token`, plain http is refused unless the host
/// is loopback (the sandbox, tests). The error is what is wrong, for the
/// caller to place.
fn parse_url(text: &str, carries_token: bool) -> Result<Url, String> {
    let url = Url::parse(text.trim()).map_err(|e| format!("not a URL ({e}); expected e.g. {DEFAULT_API_URL}"))?;
    if !url.username().is_empty() || url.password().is_some() {
        return Err("credentials in the URL are not accepted; use CLICKUP_API_TOKEN or --token-file".to_owned());
    }
    match url.scheme() {
        "https" => Ok(url),
        "http" if !carries_token || is_loopback(&url) => Ok(url),
        "http" => Err(format!(
            "plain http:// would send the token unencrypted to {}; use https:// (http is allowed only for loopback)",
            url.host_str().unwrap_or("?")
        )),
        other => Err(format!("unsupported scheme `{other}`; expected https://")),
    }
}

pub(crate) fn is_loopback(url: &Url) -> bool {
    let host = url.host_str().unwrap_or_default();
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost") || bare.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests;
