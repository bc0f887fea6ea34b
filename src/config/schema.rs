//! The JSON Schema of `checks.toml` (`schema/checks.toml.schema.json`),
//! derived from the structs the loader deserializes into, so that an
//! editor (Taplo, Even Better TOML) completes and checks exactly the keys
//! the loader accepts.
//!
//! Names from closed sets (check ids, checklist items, gates, severities)
//! come from the library's own tables. Ranges and cross-field rules
//! (`warn_above` not above `fail_above`, 1 to 20 samples) are left to the
//! loader, which says what is wrong with file and line: repeating them here
//! would be a second copy to keep in step.

use schemars::generate::SchemaSettings;
use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde_json::{Map, Value};

use super::file::{AttestEntry, FileConfig, FileDuration, PolicyEntry};
use crate::model::checklist_items::ITEMS;
use crate::model::{CheckId, Gate, Named, Severity};

/// Where the schema lives in this repository, as the `#:schema` line of
/// `checks.toml` names it (Taplo resolves it from the file's directory).
pub const SCHEMA_LINE: &str = "#:schema ./schema/checks.toml.schema.json";

/// The schema of `checks.toml`, as written to `schema/checks.toml.schema.json`.
pub fn checks_toml_schema() -> Value {
    let generator = SchemaSettings::draft2020_12()
        .with(|s| {
            s.inline_subschemas = true;
        })
        .into_generator();
    let mut schema = generator.into_root_schema_for::<FileConfig>().to_value();
    if let Value::Object(root) = &mut schema {
        root.insert("title".into(), Value::from("checks.toml for clickup-preflight"));
    }
    without_null(schema)
}

/// TOML has no null: an `Option` field is one that may be left out, which
/// `required` already says. Drops the `null` schemars adds to optional
/// fields, so editors do not offer it.
fn without_null(value: Value) -> Value {
    match value {
        Value::Object(map) => {
            let mut out = Map::new();
            for (key, item) in map {
                let item = match (key.as_str(), item) {
                    ("type", Value::Array(types)) => {
                        let kept: Vec<Value> = types.into_iter().filter(|t| t != "null").collect();
                        if kept.len() == 1 { kept.into_iter().next().unwrap_or_default() } else { Value::Array(kept) }
                    }
                    (_, other) => without_null(other),
                };
                out.insert(key, item);
            }
            collapse_null_branch(out)
        }
        Value::Array(items) => Value::Array(items.into_iter().map(without_null).collect()),
        other => other,
    }
}

/// `{"anyOf": [X, {"type": "null"}]}` becomes X (with the outer keys kept).
fn collapse_null_branch(mut map: Map<String, Value>) -> Value {
    let Some(Value::Array(branches)) = map.get("anyOf") else { return Value::Object(map) };
    let is_null = |b: &Value| b.get("type").is_some_and(|t| t == "null") && b.as_object().is_some_and(|o| o.len() == 1);
    let kept: Vec<Value> = branches.iter().filter(|b| !is_null(b)).cloned().collect();
    if kept.len() != 1 || kept.len() == branches.len() {
        return Value::Object(map);
    }
    map.remove("anyOf");
    if let Some(Value::Object(inner)) = kept.into_iter().next() {
        for (key, item) in inner {
            map.entry(key).or_insert(item);
        }
    }
    Value::Object(map)
}

/// An object whose keys are the names of a closed set, each holding a `T`.
/// `T`'s schema is written once under `$defs` and referred to by each key,
/// so that editors still complete the names.
fn keyed_by<T: JsonSchema>(generator: &mut SchemaGenerator, names: impl Iterator<Item = &'static str>) -> Schema {
    let entry = generator.subschema_for::<T>().to_value();
    let name = T::schema_name().into_owned();
    generator.definitions_mut().insert(name.clone(), entry);
    let reference = Value::from(format!("#/$defs/{name}"));
    let properties: Map<String, Value> =
        names.map(|key| (key.to_owned(), Value::from_iter([("$ref".to_owned(), reference.clone())]))).collect();
    json_schema!({ "type": "object", "properties": properties, "additionalProperties": false })
}

/// `[checks.<id>]`: one table per check id.
pub(super) fn checks_tables(generator: &mut SchemaGenerator) -> Schema {
    keyed_by::<PolicyEntry>(generator, CheckId::ALL.iter().map(|id| id.as_str()))
}

/// `[attest.<item>]`: one table per checklist item.
pub(super) fn attest_tables(generator: &mut SchemaGenerator) -> Schema {
    keyed_by::<AttestEntry>(generator, ITEMS.iter().map(|item| item.id))
}

/// `gate`: the names `--fail-on` takes, and `report-only`, which the file
/// also accepts for `never`.
pub(super) fn gate(_: &mut SchemaGenerator) -> Schema {
    let mut names: Vec<&str> = Gate::VARIANTS.iter().map(|g| g.name()).collect();
    names.extend(Gate::VARIANTS.iter().map(|g| g.as_str()).filter(|n| !names.contains(n)).collect::<Vec<_>>());
    json_schema!({ "type": "string", "enum": names })
}

/// `severity`: `P1`, `P2` or `P3`.
pub(super) fn severity(_: &mut SchemaGenerator) -> Schema {
    let names: Vec<&str> = Severity::ALL.iter().map(|s| s.as_str()).collect();
    json_schema!({ "type": "string", "enum": names })
}

/// `on`: a TOML date (editors hand dates to the schema as strings).
pub(super) fn date(_: &mut SchemaGenerator) -> Schema {
    json_schema!({ "type": "string", "format": "date" })
}

impl JsonSchema for FileDuration {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Duration".into()
    }

    fn inline_schema() -> bool {
        true
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "description": "A duration: \"10s\", \"500ms\", \"2.5s\", or a number of seconds.",
            "type": ["string", "number"]
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn optional_fields_are_not_nullable_and_closed_sets_are_enums() {
        let schema = checks_toml_schema();
        let text = schema.to_string();
        assert!(!text.contains("\"null\""), "TOML has no null: {text}");
        let plans: Vec<&Value> = schema["properties"]["plan"]["oneOf"].as_array().into_iter().flatten().collect();
        assert_eq!(plans.len(), 5, "{plans:?}");
        assert_eq!(schema["properties"]["checks"]["properties"]["webhooks"]["$ref"], "#/$defs/PolicyEntry");
        let gate = &schema["$defs"]["PolicyEntry"]["properties"]["gate"]["enum"];
        assert_eq!(gate, &serde_json::json!(["never", "fail", "warn", "report-only"]));
        assert_eq!(schema["additionalProperties"], false, "unknown keys are errors in the loader too");
    }
}
