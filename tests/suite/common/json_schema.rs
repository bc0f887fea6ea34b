//! A small JSON Schema validator for the subset of keywords the schemas in
//! `schema/` use: `type`, `properties`, `required`, `additionalProperties`,
//! `items`, `enum`, `const`, `minimum`, `maximum`, `exclusiveMinimum`,
//! `exclusiveMaximum`, `oneOf`, `anyOf`, and `$ref` to the root's `$defs`;
//! annotations (`title`,
//! `description`, `format`, ...) are read and ignored.
//!
//! Any other keyword is refused, not skipped: a generated schema that
//! starts using `$ref` or `pattern` must fail the tests until this validator
//! understands it, or documents would pass checks nobody made.

use serde_json::{Map, Value};

/// Keywords that constrain nothing.
const ANNOTATIONS: &[&str] = &["$schema", "$comment", "title", "description", "format", "default", "examples"];

/// The schema file `schema/NAME`, parsed; a missing or broken file panics
/// with the command that regenerates it.
pub fn read_schema(name: &str) -> Value {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("schema").join(name);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("schema/{name}: {e}; regenerate: UPDATE_SCHEMA=1 cargo test --test suite schema::"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("schema/{name} is not JSON: {e}"))
}

/// Panics naming `what` and every error unless `doc` validates against
/// `schema/NAME`.
pub fn assert_valid(name: &str, doc: &Value, what: &str) {
    let errors = validate(&read_schema(name), doc);
    assert!(errors.is_empty(), "{what} breaks schema/{name}:\n{}", errors.join("\n"));
}

/// Every way `doc` breaks `schema`, each as `pointer: what`; empty when it
/// validates. Panics on a keyword this validator does not implement.
pub fn validate(schema: &Value, doc: &Value) -> Vec<String> {
    let mut errors = Vec::new();
    Validator { root: schema }.check(schema, doc, "", &mut errors);
    errors
}

/// The schema being validated against, for `$ref`s into its `$defs`.
struct Validator<'s> {
    root: &'s Value,
}

impl Validator<'_> {
    fn check(&self, schema: &Value, doc: &Value, at: &str, errors: &mut Vec<String>) {
        let rules = match schema {
            Value::Bool(true) => return,
            Value::Bool(false) => return errors.push(format!("{at}: nothing is allowed here")),
            Value::Object(rules) => rules,
            other => panic!("{at}: a schema must be an object or a boolean, not {other}"),
        };
        for (keyword, rule) in rules {
            match keyword.as_str() {
                "type" => Self::check_type(rule, doc, at, errors),
                "enum" => {
                    let allowed = rule.as_array().unwrap_or_else(|| panic!("{at}: enum must be an array"));
                    if !allowed.contains(doc) {
                        errors.push(format!("{at}: {doc} is not one of {rule}"));
                    }
                }
                "const" if rule != doc => errors.push(format!("{at}: {doc} is not {rule}")),
                "const" => {}
                "minimum" | "maximum" | "exclusiveMinimum" | "exclusiveMaximum" => {
                    Self::check_bound(keyword, rule, doc, at, errors);
                }
                "properties" | "required" | "additionalProperties" => {
                    if let Value::Object(fields) = doc {
                        self.check_object(keyword, rule, rules, fields, at, errors);
                    }
                }
                "items" => {
                    if let Value::Array(items) = doc {
                        for (i, item) in items.iter().enumerate() {
                            self.check(rule, item, &format!("{at}/{i}"), errors);
                        }
                    }
                }
                "oneOf" | "anyOf" => self.check_branches(keyword, rule, doc, at, errors),
                "$ref" => {
                    let name = rule.as_str().and_then(|r| r.strip_prefix("#/$defs/"));
                    let target = name.and_then(|n| self.root.get("$defs")?.get(n));
                    let target = target.unwrap_or_else(|| panic!("{at}: cannot resolve $ref {rule}"));
                    self.check(target, doc, at, errors);
                }
                // Definitions are checked where a `$ref` uses them.
                "$defs" => {}
                known if ANNOTATIONS.contains(&known) => {}
                unknown => panic!("{at}: the test validator does not implement `{unknown}`; teach it before using it"),
            }
        }
    }

    fn check_type(rule: &Value, doc: &Value, at: &str, errors: &mut Vec<String>) {
        let names: Vec<&str> = match rule {
            Value::String(name) => vec![name.as_str()],
            Value::Array(list) => list.iter().map(|n| n.as_str().unwrap_or_else(|| panic!("{at}: bad type"))).collect(),
            other => panic!("{at}: bad type {other}"),
        };
        let is = |name: &str| match name {
            "null" => doc.is_null(),
            "boolean" => doc.is_boolean(),
            "string" => doc.is_string(),
            "number" => doc.is_number(),
            "integer" => doc.as_f64().is_some_and(|n| n.fract() == 0.0),
            "array" => doc.is_array(),
            "object" => doc.is_object(),
            other => panic!("{at}: unknown type `{other}`"),
        };
        if !names.iter().any(|n| is(n)) {
            errors.push(format!("{at}: {doc} is not of type {rule}"));
        }
    }

    fn check_bound(keyword: &str, rule: &Value, doc: &Value, at: &str, errors: &mut Vec<String>) {
        let (Some(limit), Some(value)) = (rule.as_f64(), doc.as_f64()) else { return };
        let ok = match keyword {
            "minimum" => value >= limit,
            "maximum" => value <= limit,
            "exclusiveMinimum" => value > limit,
            _ => value < limit,
        };
        if !ok {
            errors.push(format!("{at}: {value} breaks {keyword} {limit}"));
        }
    }

    /// `properties`, `required` and `additionalProperties`; the last reads the
    /// first from the same schema (`rules`), as the specification says.
    fn check_object(
        &self,
        keyword: &str,
        rule: &Value,
        rules: &Map<String, Value>,
        fields: &Map<String, Value>,
        at: &str,
        errors: &mut Vec<String>,
    ) {
        let declared = rules.get("properties").and_then(Value::as_object);
        match keyword {
            "properties" => {
                for (name, sub) in declared.into_iter().flatten() {
                    if let Some(value) = fields.get(name) {
                        self.check(sub, value, &format!("{at}/{name}"), errors);
                    }
                }
            }
            "required" => {
                for name in rule.as_array().unwrap_or_else(|| panic!("{at}: required must be an array")) {
                    let name = name.as_str().unwrap_or_default();
                    if !fields.contains_key(name) {
                        errors.push(format!("{at}: `{name}` is required"));
                    }
                }
            }
            _ => {
                for (name, value) in fields {
                    if declared.is_none_or(|d| !d.contains_key(name)) {
                        self.check(rule, value, &format!("{at}/{name}"), errors);
                    }
                }
            }
        }
    }

    fn check_branches(&self, keyword: &str, rule: &Value, doc: &Value, at: &str, errors: &mut Vec<String>) {
        let branches = rule.as_array().unwrap_or_else(|| panic!("{at}: {keyword} must be an array"));
        let fits = |branch: &Value| {
            let mut found = Vec::new();
            self.check(branch, doc, at, &mut found);
            found.is_empty()
        };
        let matching = branches.iter().filter(|b| fits(b)).count();
        let ok = if keyword == "oneOf" { matching == 1 } else { matching >= 1 };
        if !ok {
            errors.push(format!("{at}: {doc} matches {matching} of the {keyword} branches"));
        }
    }
}

/// A TOML document as the JSON an editor validates: dates and times become
/// their TOML text, as Taplo hands them to a schema.
pub fn toml_to_json(value: &toml::Value) -> Value {
    match value {
        toml::Value::String(s) => Value::from(s.as_str()),
        toml::Value::Integer(n) => Value::from(*n),
        toml::Value::Float(f) => Value::from(*f),
        toml::Value::Boolean(b) => Value::from(*b),
        toml::Value::Datetime(d) => Value::from(d.to_string()),
        toml::Value::Array(items) => Value::Array(items.iter().map(toml_to_json).collect()),
        toml::Value::Table(table) => Value::Object(table.iter().map(|(k, v)| (k.clone(), toml_to_json(v))).collect()),
    }
}
