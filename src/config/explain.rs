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

use schemars::JsonSchema;
use serde::Serialize;

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
                let path = shown(&path.display().to_string());
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
    /// The value: a string, a number, a list, or not set.
    pub value: SettingValue,
    /// Where it comes from.
    pub source: Source,
}

/// A value in effect, in the few shapes a setting has. It is typed, not
/// any JSON, so that `config --format json` has a schema derived from what
/// it writes: each variant is written as the bare JSON value.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
#[serde(untagged)]
pub enum SettingValue {
    /// A URL, a duration (`2s`), a name, a path, or what stands for the token.
    Text(String),
    /// A count, a number of days, a percentage.
    Number(serde_json::Number),
    /// Workspaces, endpoints, directories.
    List(Vec<String>),
    /// Nothing sets it (written as null).
    NotSet,
}

impl From<&str> for SettingValue {
    fn from(text: &str) -> SettingValue {
        SettingValue::Text(text.to_owned())
    }
}

impl From<String> for SettingValue {
    fn from(text: String) -> SettingValue {
        SettingValue::Text(text)
    }
}

impl From<u32> for SettingValue {
    fn from(count: u32) -> SettingValue {
        SettingValue::Number(count.into())
    }
}

impl From<usize> for SettingValue {
    fn from(count: usize) -> SettingValue {
        SettingValue::Number(count.into())
    }
}

impl From<Vec<String>> for SettingValue {
    fn from(list: Vec<String>) -> SettingValue {
        SettingValue::List(list)
    }
}

impl<T: Into<SettingValue>> From<Option<T>> for SettingValue {
    fn from(value: Option<T>) -> SettingValue {
        value.map_or(SettingValue::NotSet, Into::into)
    }
}

impl Entry {
    /// An entry with a string value: sanitized when it comes from outside
    /// (a flag, the environment, the file); the program's own defaults are
    /// shown as they are (the status page's id would look token-shaped).
    pub fn text(key: &str, value: &str, source: Source) -> Entry {
        let value = if source == Source::Default { value.to_owned() } else { shown(value) };
        Entry { key: key.to_owned(), value: SettingValue::from(value), source }
    }
}

/// A whole number as an integer (`10`, not `10.0`), a fraction rounded off
/// the float noise a percentage picks up (`7` stored as 0.07).
fn number(value: f64) -> SettingValue {
    let rounded = (value * 1e6).round() / 1e6;
    if rounded.fract() == 0.0 && rounded.abs() < 9.0e15 {
        SettingValue::Number((rounded as i64).into())
    } else {
        serde_json::Number::from_f64(rounded).map_or(SettingValue::NotSet, SettingValue::Number)
    }
}

fn shown(value: &str) -> String {
    Sanitizer::shapes_only().line(value, text::URL).to_string()
}

/// The layers that can set one key, in precedence order.
struct Layers<'a> {
    file: &'a LoadedFile,
}

impl Layers<'_> {
    /// A setting only the file sets, by its dotted key (`latency.samples`).
    fn file_entry(&self, dotted: &str, value: SettingValue) -> Entry {
        let (section, key) = dotted.rsplit_once('.').map_or((None, dotted), |(s, k)| (Some(s), k));
        Entry { key: dotted.to_owned(), value, source: self.file_or_default(section, key) }
    }

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
    let checks = &settings.checks;
    let seconds = |d: std::time::Duration| SettingValue::from(crate::duration::human(d).to_string());
    let texts = |items: &mut dyn Iterator<Item = &str>| SettingValue::from(items.map(shown).collect::<Vec<_>>());
    let mut out = vec![config_file(args, env, file)];
    // Keys only the file can set: `checks.toml` at its line, else the default.
    let top = [
        ("plan", SettingValue::from(file.config.plan.map(crate::checks::rate_limit::ClickUpPlan::as_str))),
        ("workspaces", texts(&mut checks.workspaces.expected.iter().map(OutsideText::as_str))),
        ("service_account", SettingValue::from(checks.token.service_account.as_ref().map(OutsideText::as_str))),
        ("token_command", SettingValue::from(settings.token_command.as_deref().map(shown))),
        ("attest_max_age_days", SettingValue::from(settings.attest_max_age_days)),
    ];
    out.extend(top.into_iter().map(|(key, value)| at.file_entry(key, value)));
    out.extend(urls(args, env, &at, settings, sandbox));
    let timed = |flag: &'static str, given: bool, key: &str, value: std::time::Duration| match given {
        true => Entry { key: key.to_owned(), value: seconds(value), source: Source::Flag(flag) },
        false => at.file_entry(key, seconds(value)),
    };
    out.push(timed("--timeout", args.timeout.is_some(), "api.timeout", settings.transport.timeout));
    out.push(timed("--deadline", args.deadline.is_some(), "api.deadline", settings.deadline));
    let sections = [
        ("api.max_attempts", SettingValue::from(settings.resilience.max_attempts)),
        ("api.request_budget_percent", number(settings.resilience.budget_share * 100.0)),
        ("latency.samples", SettingValue::from(checks.latency.samples)),
        ("latency.warn_above", seconds(checks.latency.warn_above)),
        ("latency.fail_p95_above", seconds(checks.latency.fail_p95_above)),
        ("rate_limit.warn_below_percent", number(checks.rate_limit.warn_below_percent)),
        ("webhook_endpoint.warn_above", seconds(checks.webhook_endpoint.warn_above)),
        ("webhook_endpoint.fail_above", seconds(checks.webhook_endpoint.fail_above)),
        ("webhooks.expect", texts(&mut checks.webhooks.expected.iter().map(|e| e.endpoint.as_str()))),
        ("webhooks.probe", texts(&mut settings.webhook_probes.iter().map(|p| p.endpoint.as_str()))),
        ("secrets.bundle_dirs", texts(&mut settings.bundle_dirs.iter().map(String::as_str))),
    ];
    out.extend(sections.into_iter().map(|(key, value)| at.file_entry(key, value)));
    let repo_source = if args.repo.is_some() { Source::Flag("--repo") } else { Source::Default };
    out.push(Entry::text("repo", &settings.repo.display().to_string(), repo_source));
    out.extend(policies(&at, settings));
    out
}

/// `api.url` and `api.status_url`: flag, environment, file or default, or
/// the in-process sandbox standing in for both.
fn urls(args: &Overrides, env: &EnvVars, at: &Layers<'_>, settings: &Settings, sandbox: Option<&str>) -> [Entry; 2] {
    if let Some(scenario) = sandbox {
        let value = format!("the in-process sandbox, scenario {scenario}");
        return ["api.url", "api.status_url"].map(|key| Entry::text(key, &value, Source::Flag("--sandbox")));
    }
    [
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
    ]
}

/// `value`, or null when not set (its source is then `default`).
fn entry(key: &str, value: Option<SettingValue>, source: Source) -> Entry {
    Entry { key: key.to_owned(), value: SettingValue::from(value), source }
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
    let value = file.path.as_ref().map(|p| shown(&p.display().to_string()));
    entry("config", value.map(SettingValue::from), source)
}

/// `[checks.<id>]` gates and severities, where the file sets them.
fn policies(at: &Layers<'_>, settings: &Settings) -> Vec<Entry> {
    let mut out = Vec::new();
    for (id, policy) in &settings.policies {
        let section = format!("checks.{}", id.as_str());
        if let Some(gate) = policy.gate {
            out.push(entry(
                &format!("{section}.gate"),
                Some(SettingValue::from(gate.as_str())),
                at.file_or_default(Some(&section), "gate"),
            ));
        }
        if let Some(severity) = policy.severity {
            out.push(entry(
                &format!("{section}.severity"),
                Some(SettingValue::from(severity.as_str())),
                at.file_or_default(Some(&section), "severity"),
            ));
        }
    }
    out
}
