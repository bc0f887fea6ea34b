//! `clickup-preflight config`: the settings in effect as aligned lines or
//! JSON, each with its source. Values arrive sanitized; this only lays out.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::Serialize;
use serde_json::Value;

use crate::config::{Entry, SettingValue};

/// One line per setting: `key = value (source)`, keys padded to one
/// column; a setting nothing sets is `(not set)`.
pub fn render_config_table(entries: &[Entry]) -> String {
    let width = entries.iter().map(|e| e.key.len()).max().unwrap_or(0);
    let mut out = String::new();
    for e in entries {
        let shown = match &e.value {
            SettingValue::NotSet => "(not set)".to_owned(),
            SettingValue::Text(text) => format!("{text} ({})", e.source),
            SettingValue::Number(n) => format!("{n} ({})", e.source),
            // As a JSON array, so an empty list and one item read unambiguously.
            SettingValue::List(items) => format!("{} ({})", Value::from(items.clone()), e.source),
        };
        out.push_str(&format!("{:width$} = {shown}\n", e.key));
    }
    out
}

/// `config --format json` (schema_version 1). Keys are in alphabetical
/// order, as the settings have always been written.
#[derive(Serialize, JsonSchema)]
struct JsonConfig<'a> {
    /// The document's shape: additive changes only within a version.
    #[schemars(schema_with = "super::json::schema::version")]
    schema_version: u32,
    /// Every setting in effect by its key as `checks.toml` spells it
    /// (`api.url`, `checks.webhooks.gate`), plus `token` and `config`.
    settings: BTreeMap<&'a str, JsonSetting<'a>>,
}

/// One setting: its value and where it comes from.
#[derive(Serialize, JsonSchema)]
struct JsonSetting<'a> {
    /// `flag --NAME`, `env NAME`, `FILE:LINE` (or `FILE`), or `default`.
    source: String,
    /// The value a run would use; null when nothing sets it.
    value: &'a SettingValue,
}

/// The JSON Schema of `config --format json`, as written to
/// `schema/config.schema.json`.
pub fn config_schema() -> Value {
    super::json::schema_of::<JsonConfig<'static>>("clickup-preflight config --format json")
}

/// `{"schema_version": 1, "settings": {"<key>": {"source": "...", "value": ...}}}`.
pub fn render_config_json(entries: &[Entry]) -> String {
    let settings = entries
        .iter()
        .map(|e| (e.key.as_str(), JsonSetting { source: e.source.to_string(), value: &e.value }))
        .collect();
    super::json::pretty(&JsonConfig { schema_version: 1, settings })
}
