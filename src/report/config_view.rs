//! `clickup-preflight config`: the settings in effect as aligned lines or
//! JSON, each with its source. Values arrive sanitized; this only lays out.

use serde_json::{Map, Value, json};

use crate::config::Entry;

/// One line per setting: `key = value (source)`, keys padded to one
/// column; a setting nothing sets is `(not set)`.
pub fn render_config_table(entries: &[Entry]) -> String {
    let width = entries.iter().map(|e| e.key.len()).max().unwrap_or(0);
    let mut out = String::new();
    for e in entries {
        let shown = match &e.value {
            Value::Null => "(not set)".to_owned(),
            Value::String(text) => format!("{text} ({})", e.source),
            other => format!("{other} ({})", e.source),
        };
        out.push_str(&format!("{:width$} = {shown}\n", e.key));
    }
    out
}

/// `{"schema_version": 1, "settings": {"<key>": {"value": ..., "source": "..."}}}`.
pub fn render_config_json(entries: &[Entry]) -> String {
    let settings: Map<String, Value> =
        entries.iter().map(|e| (e.key.clone(), json!({"value": e.value, "source": e.source.to_string()}))).collect();
    super::json::pretty(&json!({"schema_version": 1, "settings": settings}))
}
