//! The configuration in effect, each value with where it comes from, for
//! `clickup-preflight config`. The values are the resolved [`Settings`]
//! (what a run would use); the source of each is the first layer that sets
//! it, in the order [`super::resolve`] applies them: flag, environment,
//! `checks.toml` (with the line, found by the loader's own locator), default.
//!
//! The token is not a value here: the command layer reads it and adds its
//! source only.

use std::fmt;
use std::path::PathBuf;

use serde_json::Value;

use super::{EnvVars, LoadedFile, Overrides, Settings};
use crate::text::{self, OutsideText, Sanitizer};

/// Where a value in effect comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// A command-line flag, by name.
    Flag(&'static str),
    /// An environment variable, by name.
    Env(&'static str),
    /// The config file, at this line when it can be found.
    File {
        /// The file as named.
        path: PathBuf,
        /// 1-based line.
        line: Option<usize>,
    },
    /// The built-in default (or not set at all).
    Default,
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::Flag(name) => write!(f, "flag {name}"),
            Source::Env(name) => write!(f, "env {name}"),
            Source::File { path, line } => {
                let path = crate::redact::scrub_token_like(&path.display().to_string());
                match line {
                    Some(line) => write!(f, "{path}:{line}"),
                    None => write!(f, "{path}"),
                }
            }
            Source::Default => f.write_str("default"),
        }
    }
}

/// One value in effect. String values are sanitized: the file and the
/// environment are outside text.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    /// The key as `checks.toml` spells it (`api.url`), or `token`, `config`.
    pub key: String,
    /// The value: a string, a number, a list, or null when not set.
    pub value: Value,
    /// Where it comes from.
    pub source: Source,
}

impl Entry {
    /// An entry with a string value: sanitized when it comes from outside
    /// (a flag, the environment, the file); the program's own defaults are
    /// shown as they are (the status page's id would look token-shaped).
    pub fn text(key: &str, value: &str, source: Source) -> Entry {
        let value = if source == Source::Default { value.to_owned() } else { shown(value) };
        Entry { key: key.to_owned(), value: Value::from(value), source }
    }
}

/// A whole number as an integer (`10`, not `10.0`), a fraction rounded off
/// the float noise a percentage picks up (`7` stored as 0.07).
fn number(value: f64) -> Value {
    let rounded = (value * 1e6).round() / 1e6;
    if rounded.fract() == 0.0 && rounded.abs() < 9.0e15 { Value::from(rounded as i64) } else { Value::from(rounded) }
}

fn shown(value: &str) -> String {
    Sanitizer::shapes_only().line(value, text::URL).to_string()
}

/// The layers that can set one key, in precedence order.
struct Layers<'a> {
    file: &'a LoadedFile,
}

impl Layers<'_> {
    /// `checks.toml` when the key is written there, else the default.
    fn file_or_default(&self, section: Option<&str>, key: &str) -> Source {
        self.in_file(section, key).unwrap_or(Source::Default)
    }

    fn in_file(&self, section: Option<&str>, key: &str) -> Option<Source> {
        let path = self.file.path.clone()?;
        let line = self.file.line_of(section, key)?;
        Some(Source::File { path, line: Some(line) })
    }

    /// A flag if given, else an environment variable if set, else the file.
    fn flag_env_file(
        &self,
        (flag, given): (&'static str, bool),
        (env, set): (&'static str, bool),
        (section, key): (Option<&str>, &str),
    ) -> Source {
        match (given, set) {
            (true, _) => Source::Flag(flag),
            (false, true) => Source::Env(env),
            _ => self.file_or_default(section, key),
        }
    }
}

/// Every setting in effect with its source, in the order of `checks.toml`.
/// `sandbox` names the scenario when `--sandbox` replaces the API and
/// status page.
pub fn explain(
    args: &Overrides,
    env: &EnvVars,
    file: &LoadedFile,
    settings: &Settings,
    sandbox: Option<&str>,
) -> Vec<Entry> {
    let at = Layers { file };
    let cfg = &file.config;
    let seconds = |d: std::time::Duration| Value::from(crate::duration::human(d).to_string());
    let mut out = vec![config_file(args, env, file)];
    let (api_url, status_url) = match sandbox {
        Some(scenario) => {
            let value = format!("the in-process sandbox, scenario {scenario}");
            (
                Entry::text("api.url", &value, Source::Flag("--sandbox")),
                Entry::text("api.status_url", &value, Source::Flag("--sandbox")),
            )
        }
        None => (
            Entry::text(
                "api.url",
                settings.api_url.as_str(),
                at.flag_env_file(
                    ("--api-url", args.api_url.is_some()),
                    ("CLICKUP_API_URL", env.api_url.is_some()),
                    (Some("api"), "url"),
                ),
            ),
            Entry::text(
                "api.status_url",
                settings.status_url.as_str(),
                at.flag_env_file(
                    ("--status-url", args.status_url.is_some()),
                    ("CLICKUP_STATUS_URL", env.status_url.is_some()),
                    (Some("api"), "status_url"),
                ),
            ),
        ),
    };
    let from_flag_or_file = |flag: &'static str, given: bool, section: &str, key: &str| {
        if given { Source::Flag(flag) } else { at.file_or_default(Some(section), key) }
    };
    out.extend([
        entry("plan", cfg.plan.map(|p| Value::from(p.as_str())), at.file_or_default(None, "plan")),
        entry(
            "workspaces",
            Some(Value::from(settings.checks.workspaces.expected.iter().map(OutsideText::as_str).collect::<Vec<_>>())),
            at.file_or_default(None, "workspaces"),
        ),
        entry(
            "service_account",
            settings.checks.token.service_account.as_ref().map(|a| Value::from(a.as_str())),
            at.file_or_default(None, "service_account"),
        ),
        entry(
            "token_command",
            settings.token_command.as_deref().map(|c| Value::from(shown(c))),
            at.file_or_default(None, "token_command"),
        ),
        entry(
            "attest_max_age_days",
            Some(Value::from(settings.attest_max_age_days)),
            at.file_or_default(None, "attest_max_age_days"),
        ),
        api_url,
        status_url,
        entry(
            "api.timeout",
            Some(seconds(settings.transport.timeout)),
            from_flag_or_file("--timeout", args.timeout.is_some(), "api", "timeout"),
        ),
        entry(
            "api.deadline",
            Some(seconds(settings.deadline)),
            from_flag_or_file("--deadline", args.deadline.is_some(), "api", "deadline"),
        ),
        entry(
            "api.max_attempts",
            Some(Value::from(settings.resilience.max_attempts)),
            at.file_or_default(Some("api"), "max_attempts"),
        ),
        entry(
            "api.request_budget_percent",
            Some(number(settings.resilience.budget_share * 100.0)),
            at.file_or_default(Some("api"), "request_budget_percent"),
        ),
        entry(
            "latency.samples",
            Some(Value::from(settings.checks.latency.samples)),
            at.file_or_default(Some("latency"), "samples"),
        ),
        entry(
            "latency.warn_above",
            Some(seconds(settings.checks.latency.warn_above)),
            at.file_or_default(Some("latency"), "warn_above"),
        ),
        entry(
            "latency.fail_p95_above",
            Some(seconds(settings.checks.latency.fail_p95_above)),
            at.file_or_default(Some("latency"), "fail_p95_above"),
        ),
        entry(
            "rate_limit.warn_below_percent",
            Some(number(settings.checks.rate_limit.warn_below_percent)),
            at.file_or_default(Some("rate_limit"), "warn_below_percent"),
        ),
        entry(
            "webhook_endpoint.warn_above",
            Some(seconds(settings.checks.webhook_endpoint.warn_above)),
            at.file_or_default(Some("webhook_endpoint"), "warn_above"),
        ),
        entry(
            "webhook_endpoint.fail_above",
            Some(seconds(settings.checks.webhook_endpoint.fail_above)),
            at.file_or_default(Some("webhook_endpoint"), "fail_above"),
        ),
        entry(
            "webhooks.expect",
            Some(Value::from(
                settings.checks.webhooks.expected.iter().map(|e| e.endpoint.as_str()).collect::<Vec<_>>(),
            )),
            at.file_or_default(Some("webhooks"), "expect"),
        ),
        entry(
            "webhooks.probe",
            Some(Value::from(settings.webhook_probes.iter().map(|p| shown(p.endpoint.as_str())).collect::<Vec<_>>())),
            at.file_or_default(Some("webhooks"), "probe"),
        ),
        entry(
            "secrets.bundle_dirs",
            Some(Value::from(settings.bundle_dirs.iter().map(|d| shown(d)).collect::<Vec<_>>())),
            at.file_or_default(Some("secrets"), "bundle_dirs"),
        ),
        Entry::text(
            "repo",
            &settings.repo.display().to_string(),
            if args.repo.is_some() { Source::Flag("--repo") } else { Source::Default },
        ),
    ]);
    out.extend(policies(&at, settings));
    out
}

/// `value`, or null when not set (its source is then `default`).
fn entry(key: &str, value: Option<Value>, source: Source) -> Entry {
    Entry { key: key.to_owned(), value: value.unwrap_or(Value::Null), source }
}

/// The config file in use, and why that one.
fn config_file(args: &Overrides, env: &EnvVars, file: &LoadedFile) -> Entry {
    let source = if args.config.is_some() {
        Source::Flag("--config")
    } else if env.config.is_some() {
        Source::Env("CLICKUP_PREFLIGHT_CONFIG")
    } else {
        Source::Default
    };
    let value = file.path.as_ref().map(|p| Value::from(shown(&p.display().to_string())));
    entry("config", value, source)
}

/// `[checks.<id>]` gates and severities, where the file sets them.
fn policies(at: &Layers<'_>, settings: &Settings) -> Vec<Entry> {
    let mut out = Vec::new();
    for (id, policy) in &settings.policies {
        let section = format!("checks.{}", id.as_str());
        if let Some(gate) = policy.gate {
            out.push(entry(
                &format!("{section}.gate"),
                Some(Value::from(gate.as_str())),
                at.file_or_default(Some(&section), "gate"),
            ));
        }
        if let Some(severity) = policy.severity {
            out.push(entry(
                &format!("{section}.severity"),
                Some(Value::from(severity.as_str())),
                at.file_or_default(Some(&section), "severity"),
            ));
        }
    }
    out
}
