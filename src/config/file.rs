//! The `checks.toml` schema and its loading, with errors that name the file,
//! the line and the key.
//!
//! Every field is optional: a missing key means "use the default". Unknown
//! keys are errors, because a misspelt threshold silently ignored is a gate
//! that does not gate.

use std::path::{Path, PathBuf};
use std::time::Duration;

use schemars::JsonSchema;
use serde::{Deserialize, Deserializer};

use crate::checks::rate_limit::ClickUpPlan;

/// `checks.toml` as written.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    /// The plan that hosts the token.
    pub plan: Option<ClickUpPlan>,
    /// Workspace ids the token must reach.
    pub workspaces: Option<Vec<String>>,
    /// Connection settings.
    pub api: Option<ApiSection>,
    /// Latency thresholds.
    pub latency: Option<LatencySection>,
    /// Rate-limit thresholds.
    pub rate_limit: Option<RateLimitSection>,
    /// How fast a probed receiver must answer.
    pub webhook_endpoint: Option<WebhookEndpointSection>,
    /// Expected webhooks and receivers to probe.
    pub webhooks: Option<WebhooksSection>,
    /// Per-check gate and severity overrides, keyed by check id.
    // `default`: absent is `None`, as for any `Option`; it also tells the
    // schema that the key is optional, which it cannot see through `schema_with`.
    #[serde(default)]
    #[schemars(schema_with = "super::schema::checks_tables")]
    pub checks: Option<std::collections::BTreeMap<String, PolicyEntry>>,
    /// The account the token must belong to: email, username or user id.
    pub service_account: Option<String>,
    /// A command whose stdout is the token (a secrets-manager CLI).
    pub token_command: Option<String>,
    /// `[secrets]`.
    pub secrets: Option<SecretsSection>,
    /// `[attest.<item>]`: checklist items attested by a person.
    #[serde(default)]
    #[schemars(schema_with = "super::schema::attest_tables")]
    pub attest: Option<std::collections::BTreeMap<String, AttestEntry>>,
    /// Attestations older than this many days are stale.
    pub attest_max_age_days: Option<u32>,
}

/// `[secrets]`.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SecretsSection {
    /// Client bundle directories scanned even when git ignores them.
    pub bundle_dirs: Option<Vec<String>>,
}

/// `[attest.<item>]`: who attested a checklist item, when, and where the
/// evidence is.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AttestEntry {
    /// Who (an email or name).
    pub by: String,
    /// When: a TOML date, e.g. `2026-11-01`.
    #[schemars(schema_with = "super::schema::date")]
    pub on: toml::value::Datetime,
    /// A link to the evidence.
    pub link: Option<String>,
}

impl AttestEntry {
    /// The attestation's date as days since 1970-01-01, when it has one.
    pub fn day(&self) -> Option<i64> {
        let date = self.on.date?;
        Some(crate::model::calendar::days_from_civil(i64::from(date.year), u32::from(date.month), u32::from(date.day)))
    }
}

/// `[checks.<id>]`: how one check gates the run, and its severity.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PolicyEntry {
    /// `never` (report only), `fail` or `warn`: what of this check fails the run.
    #[serde(default)]
    #[schemars(schema_with = "super::schema::gate")]
    pub gate: Option<crate::model::Gate>,
    /// `P1`, `P2` or `P3`.
    #[serde(default)]
    #[schemars(schema_with = "super::schema::severity")]
    pub severity: Option<crate::model::Severity>,
    /// Known findings accepted, each by its code and with a reason.
    pub allow: Option<Vec<AllowEntry>>,
}

/// One `allow = [{ code = "...", reason = "..." }]` entry: a finding the
/// team accepts, and why (the reason is required and shown in every format).
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AllowEntry {
    /// The finding code, with where it is written.
    #[schemars(with = "String")]
    pub code: toml::Spanned<String>,
    /// Why the finding is accepted; required, non-empty.
    #[schemars(with = "String")]
    pub reason: toml::Spanned<String>,
}

/// `[webhooks]`: `[[webhooks.expect]]` and `[[webhooks.probe]]` entries.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct WebhooksSection {
    /// Webhooks the deployment needs registered.
    pub expect: Option<Vec<ExpectEntry>>,
    /// Receivers to send test deliveries to (opt-in).
    pub probe: Option<Vec<ProbeEntry>>,
}

/// One `[[webhooks.expect]]`.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ExpectEntry {
    /// The delivery URL, compared exactly (a trailing `/` ignored).
    pub endpoint: String,
    /// Events it must subscribe to (at least these).
    pub events: Vec<String>,
    /// The workspace it must be registered in.
    pub workspace: Option<String>,
    /// The space it must watch; of the location filters set, the most
    /// specific one must match.
    pub space_id: Option<String>,
    /// The folder it must watch (see `space_id`).
    pub folder_id: Option<String>,
    /// The list it must watch (see `space_id`).
    pub list_id: Option<String>,
    /// The task it must watch (see `space_id`).
    pub task_id: Option<String>,
}

/// One `[[webhooks.probe]]`.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ProbeEntry {
    /// The team's own receiver URL.
    pub endpoint: String,
    /// Name of the environment variable holding the signing secret.
    pub secret_env: Option<String>,
    /// File holding the signing secret.
    pub secret_file: Option<PathBuf>,
}

/// `[api]`.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ApiSection {
    /// API base URL.
    pub url: Option<String>,
    /// Status page URL.
    pub status_url: Option<String>,
    /// Per-request timeout.
    pub timeout: Option<FileDuration>,
    /// Whole-run deadline.
    pub deadline: Option<FileDuration>,
    /// Share of the rate-limit window's remaining requests a run may spend.
    pub request_budget_percent: Option<f64>,
    /// Requests per exchange at most, retries included.
    pub max_attempts: Option<u32>,
}

/// `[latency]`.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LatencySection {
    /// Number of `GET /user` requests, the auth request included.
    pub samples: Option<u32>,
    /// WARN when p95 is above this.
    pub warn_above: Option<FileDuration>,
    /// FAIL when p95 is above this.
    pub fail_p95_above: Option<FileDuration>,
}

/// `[rate_limit]`.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RateLimitSection {
    /// WARN when remaining is under this share of the limit, in percent.
    pub warn_below_percent: Option<f64>,
}

/// `[webhook_endpoint]`: how fast a receiver must answer a test delivery.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct WebhookEndpointSection {
    /// WARN when a delivery takes longer than this.
    pub warn_above: Option<FileDuration>,
    /// FAIL when a delivery takes longer than this (at most ClickUp's 7 s).
    pub fail_above: Option<FileDuration>,
}

/// A duration written as `"2.5s"`, `"500ms"` or a number of seconds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FileDuration(pub Duration);

impl<'de> Deserialize<'de> for FileDuration {
    fn deserialize<D: Deserializer<'de>>(de: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Text(String),
            Int(i64),
            Float(f64),
        }
        let expected = "a duration such as \"10s\", \"500ms\" or a number of seconds";
        let parsed = match Raw::deserialize(de).map_err(|_| serde::de::Error::custom(format!("expected {expected}")))? {
            Raw::Text(t) => crate::duration::parse(&t).ok(),
            Raw::Int(n) => crate::duration::from_secs(n as f64),
            Raw::Float(f) => crate::duration::from_secs(f),
        };
        parsed.map(FileDuration).ok_or_else(|| serde::de::Error::custom(format!("expected {expected}, above zero")))
    }
}

/// A problem with the config file: always names the file, and the line and
/// key when known.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file named by `--config` could not be read.
    #[error("cannot read config {}: {reason}", .path.display())]
    Unreadable {
        /// The file.
        path: PathBuf,
        /// The OS's reason.
        reason: String,
    },
    /// Syntax, type or unknown-key errors, and values out of range.
    #[error("{}:{}: {message}", .path.display(), line_text(*.line))]
    Invalid {
        /// The file.
        path: PathBuf,
        /// 1-based line, when known.
        line: Option<usize>,
        /// What is wrong and what was expected.
        message: String,
    },
    /// A URL or other value given on the command line or in the environment.
    #[error("{origin}: {message}")]
    Value {
        /// Flag or variable name.
        origin: String,
        /// What is wrong and what was expected.
        message: String,
    },
}

fn line_text(line: Option<usize>) -> String {
    line.map_or_else(|| "?".to_owned(), |l| l.to_string())
}

/// A loaded file: the parsed config and its source, kept to locate keys for
/// later validation errors.
#[derive(Debug, Default)]
pub struct LoadedFile {
    /// Where it came from; `None` when no file was used.
    pub path: Option<PathBuf>,
    /// The text, for locating keys.
    pub source: String,
    /// The parsed content.
    pub config: FileConfig,
}

impl LoadedFile {
    /// An error about `section.key`, located on its line when it can be found.
    pub fn invalid(&self, section: Option<&str>, key: &str, message: String) -> ConfigError {
        self.invalid_in(section, None, key, message)
    }

    /// An error about a whole table, located on its `[header]` line.
    pub fn invalid_table(&self, table: &str, message: String) -> ConfigError {
        let path = self.path.clone().unwrap_or_else(|| PathBuf::from("checks.toml"));
        let (parent, name) = table.rsplit_once('.').map_or((None, table), |(p, n)| (Some(p), n));
        let line = locate(&self.source, parent, 0, name);
        ConfigError::Invalid { path, line, message: format!("`[{table}]`: {message}") }
    }

    /// An error about a key of the `index`-th `[[section]]` entry.
    pub fn invalid_in(&self, section: Option<&str>, index: Option<usize>, key: &str, message: String) -> ConfigError {
        let name = match (section, index) {
            (Some(s), Some(i)) => format!("{s}[{i}].{key}"),
            (Some(s), None) => format!("{s}.{key}"),
            (None, _) => key.to_owned(),
        };
        let line = locate(&self.source, section, index.unwrap_or(0), key);
        Located { path: self.path.clone().unwrap_or_else(|| PathBuf::from("checks.toml")), line, name }.error(message)
    }

    /// Where the value spanning `span` (byte offsets) is written, under the
    /// dotted `name`; for values inside arrays and inline tables, which
    /// the line locator cannot find.
    pub fn located_span(&self, span: std::ops::Range<usize>, name: String) -> Located {
        let line = self.source.get(..span.start).map(|before| before.matches('\n').count() + 1);
        Located { path: self.path.clone().unwrap_or_else(|| PathBuf::from("checks.toml")), line, name }
    }

    /// The line where `section.key` is written (the first `[[section]]`
    /// entry's), for `config` to show where a value comes from.
    pub fn line_of(&self, section: Option<&str>, key: &str) -> Option<usize> {
        locate(&self.source, section, 0, key)
    }

    /// Where `section.key` is written, for a value that can only fail later
    /// (a `token_command` that fails when it runs).
    pub fn located(&self, section: Option<&str>, key: &str) -> Located {
        let name = section.map_or_else(|| key.to_owned(), |s| format!("{s}.{key}"));
        let line = locate(&self.source, section, 0, key);
        Located { path: self.path.clone().unwrap_or_else(|| PathBuf::from("checks.toml")), line, name }
    }
}

/// A key's place in the config file: its path, line and dotted name, so
/// an error found after loading still says file:line: `key`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Located {
    path: PathBuf,
    line: Option<usize>,
    name: String,
}

impl Located {
    /// The error about this key.
    pub fn error(&self, message: impl std::fmt::Display) -> ConfigError {
        ConfigError::Invalid {
            path: self.path.clone(),
            line: self.line,
            message: format!("`{}`: {message}", self.name),
        }
    }
}

/// A `checks.toml` longer than this is not a configuration.
const CONFIG_LIMIT: u64 = 1 << 20;

/// Reads and parses `path`.
pub(super) fn load(path: &Path) -> Result<LoadedFile, ConfigError> {
    let source = crate::input::read_text(path, CONFIG_LIMIT)
        .map_err(|e| ConfigError::Unreadable { path: path.to_owned(), reason: e.to_string() })?;
    let config = parse(&source, path)?;
    Ok(LoadedFile { path: Some(path.to_owned()), source, config })
}

/// Parses text already read. Messages from the TOML parser are reduced to
/// their first line (it quotes the offending source line, which could hold a
/// token pasted unquoted) and scrubbed of anything token-shaped.
pub(super) fn parse(source: &str, path: &Path) -> Result<FileConfig, ConfigError> {
    toml::from_str(source).map_err(|e| {
        let line = e.span().map(|span| source.get(..span.start).unwrap_or(source).matches('\n').count() + 1);
        let first = e.message().lines().next().unwrap_or("invalid TOML").trim();
        let key = line.and_then(|l| source.lines().nth(l - 1)).and_then(key_on_line);
        let message = match key {
            Some(k) if !first.contains(&format!("`{k}`")) => format!("`{k}`: {first}"),
            _ => first.to_owned(),
        };
        ConfigError::Invalid { path: path.to_owned(), line, message: crate::redact::scrub_token_like(&message) }
    })
}

/// The key assigned on a `key = value` line.
fn key_on_line(line: &str) -> Option<String> {
    let (key, _) = line.split_once('=')?;
    let key = key.trim();
    let bare = !key.is_empty() && key.chars().all(|c| c.is_ascii_alphanumeric() || "_-.".contains(c));
    bare.then(|| key.to_owned())
}

/// The 1-based line where `key` is written inside the `nth` table at the
/// dotted path `section` (or at the top level when `section` is `None`),
/// however the file writes it: `[section]` headers, `[[section]]` arrays,
/// dotted keys (`api.url = ...`) or inline tables (`latency = { ... }`).
/// The TOML parser's own spans say where; the file parsed already, so a
/// second parse cannot fail where the first did not.
fn locate(source: &str, section: Option<&str>, nth: usize, key: &str) -> Option<usize> {
    let root = toml::de::DeTable::parse(source).ok()?;
    let mut table = root.get_ref();
    for part in section.map(|s| s.split('.').collect::<Vec<_>>()).unwrap_or_default() {
        table = match entry(table, part)?.1.get_ref() {
            toml::de::DeValue::Table(t) => t,
            toml::de::DeValue::Array(items) => match items.get(nth)?.get_ref() {
                toml::de::DeValue::Table(t) => t,
                _ => return None,
            },
            _ => return None,
        };
    }
    let (name, _) = entry(table, key)?;
    Some(source.get(..name.span().start)?.matches('\n').count() + 1)
}

/// The key named `name` in `table`, with its span.
fn entry<'t, 'i>(
    table: &'t toml::de::DeTable<'i>,
    name: &str,
) -> Option<(&'t toml::Spanned<toml::de::DeString<'i>>, &'t toml::Spanned<toml::de::DeValue<'i>>)> {
    table.iter().find(|(k, _)| k.get_ref().as_ref() == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(source: &str) -> String {
        parse(source, Path::new("checks.toml")).expect_err("should be refused").to_string()
    }

    #[test]
    fn parses_every_documented_key() {
        let source = r#"
plan = "business-plus"
workspaces = ["9012345"]
[api]
url = "https://api.clickup.com/api/v2"
status_url = "https://api.status.io/1.0/status/5b6e0963c662144d00913a09"
timeout = "10s"
deadline = 30
[latency]
samples = 5
warn_above = "2s"
fail_p95_above = 3.5
[rate_limit]
warn_below_percent = 10
[[webhooks.expect]]
endpoint = "https://api.example.com/clickup"
events = ["taskCreated", "taskUpdated"]
workspace = "9012345"
list_id = "901"
[[webhooks.probe]]
endpoint = "https://api.example.com/clickup"
secret_env = "CLICKUP_WEBHOOK_SECRET"
"#;
        let cfg = parse(source, Path::new("checks.toml")).expect("parses");
        assert_eq!(cfg.plan, Some(ClickUpPlan::BusinessPlus));
        let latency = cfg.latency.expect("latency section");
        assert_eq!(latency.fail_p95_above, Some(FileDuration(Duration::from_millis(3500))));
        assert_eq!(cfg.api.and_then(|a| a.deadline), Some(FileDuration(Duration::from_secs(30))));
    }

    #[test]
    fn unknown_keys_name_file_line_and_key() {
        let text = err("[latency]\nsamples = 3\nsampels = 4\n");
        assert!(text.starts_with("checks.toml:3: "), "{text}");
        assert!(text.contains("sampels"), "{text}");
    }

    #[test]
    fn wrong_types_name_the_key() {
        let text = err("[latency]\n\nsamples = \"three\"\n");
        assert!(text.starts_with("checks.toml:3: "), "{text}");
        assert!(text.contains("`samples`"), "{text}");
        let text = err("plan = \"gold\"\n");
        assert!(text.starts_with("checks.toml:1: "), "{text}");
        assert!(text.contains("business-plus"), "lists the valid plans: {text}");
    }

    #[test]
    fn bad_durations_say_what_is_expected() {
        let text = err("[api]\ntimeout = \"soon\"\n");
        assert!(text.starts_with("checks.toml:2: "), "{text}");
        assert!(text.contains("500ms"), "{text}");
    }

    #[test]
    fn syntax_errors_do_not_echo_a_pasted_token() {
        let text = err(concat!("[api]\ntoken = pk", "_1234567_ABCDEFGHIJKLMNOPQRSTUVWXYZ012345\n"));
        assert!(!text.contains("ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"), "{text}");
        assert!(text.starts_with("checks.toml:2"), "{text}");
    }

    #[test]
    fn locate_finds_keys_within_their_section() {
        let source = "samples = 1\n[latency]\n# c\nsamples = 2\n";
        assert_eq!(locate(source, Some("latency"), 0, "samples"), Some(4));
        assert_eq!(locate(source, None, 0, "samples"), Some(1));
        let arrays = "[[webhooks.expect]]\nendpoint = \"a\"\n[[webhooks.expect]]\nendpoint = \"b\"\n";
        assert_eq!(locate(arrays, Some("webhooks.expect"), 1, "endpoint"), Some(4));
        // Dotted keys and inline tables are where the old line scanner gave up.
        let dotted = "plan = \"free\"\n\napi.url = \"x\"\n";
        assert_eq!(locate(dotted, Some("api"), 0, "url"), Some(3));
        let inline = "# top\nlatency = { warn_above = \"1s\",\n  samples = 0 }\n";
        assert_eq!(locate(inline, Some("latency"), 0, "samples"), Some(3));
        assert_eq!(locate(inline, Some("latency"), 0, "missing"), None);
    }
}
