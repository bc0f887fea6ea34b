//! Reading bodies under a cap, and decoding them without echoing them.

use serde::Deserialize;
use serde::de::{DeserializeOwned, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::Value;

use super::ApiError;

/// Reads the whole body, refusing more than `cap` bytes. A declared length
/// over the cap is refused before reading; an undeclared one is read in
/// chunks and abandoned as soon as it passes the cap, so an endless or huge
/// body costs at most `cap` bytes of memory.
pub(crate) async fn read_capped(
    response: &mut reqwest::Response,
    cap: usize,
    endpoint: &str,
    describe: impl Fn(&reqwest::Error) -> ApiError,
) -> Result<Vec<u8>, ApiError> {
    let too_large = || ApiError::TooLarge { endpoint: endpoint.to_owned(), limit: cap };
    if response.content_length().is_some_and(|len| len > cap as u64) {
        return Err(too_large());
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(|e| describe(&e))? {
        if body.len() + chunk.len() > cap {
            return Err(too_large());
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// Decodes JSON into `T`. On failure the error says what was expected and
/// where decoding stopped, but never repeats a value from the body: a
/// misbehaving server could echo the request's `Authorization` header.
pub(crate) fn decode<T: DeserializeOwned>(bytes: &[u8], endpoint: &str, expected: &str) -> Result<T, ApiError> {
    serde_json::from_slice(bytes)
        .map_err(|e| ApiError::Decode { endpoint: endpoint.to_owned(), reason: describe_json_error(&e, expected) })
}

/// Decodes any JSON document, refusing one in which an object gives the same
/// key twice with different values: serde_json keeps the last silently, so
/// `{"status_code": 100, "status_code": 500}` would read as operational.
/// The same key twice with the same value changes nothing and is accepted.
pub(crate) fn decode_unambiguous(bytes: &[u8], endpoint: &str, expected: &str) -> Result<Value, ApiError> {
    serde_json::from_slice::<Unambiguous>(bytes)
        .map(|u| u.0)
        .map_err(|e| ApiError::Decode { endpoint: endpoint.to_owned(), reason: describe_json_error(&e, expected) })
}

const DUPLICATE: &str = "duplicate key";

/// A JSON value whose objects had no conflicting duplicate keys.
struct Unambiguous(Value);

impl<'de> Deserialize<'de> for Unambiguous {
    fn deserialize<D: Deserializer<'de>>(de: D) -> Result<Self, D::Error> {
        de.deserialize_any(UnambiguousVisitor).map(Unambiguous)
    }
}

struct UnambiguousVisitor;

impl<'de> Visitor<'de> for UnambiguousVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }

    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(Unambiguous(item)) = seq.next_element()? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut object = serde_json::Map::new();
        while let Some(key) = map.next_key::<String>()? {
            let Unambiguous(value) = map.next_value()?;
            match object.get(&key) {
                Some(earlier) if *earlier != value => {
                    // The key comes from the body: named only when it looks
                    // like a schema word, never like a token.
                    let plain = key.len() <= 32 && key.chars().all(|c| c.is_ascii_lowercase() || c == '_');
                    let shown = if plain { format!(" `{key}`") } else { String::new() };
                    return Err(serde::de::Error::custom(format!(
                        "{DUPLICATE}{shown} with different values in one object"
                    )));
                }
                _ => {
                    object.insert(key, value);
                }
            }
        }
        Ok(Value::Object(object))
    }
}

/// A one-line account of a serde_json error that keeps only what comes from
/// our own schema (field names, expected types) and the position.
pub(crate) fn describe_json_error(e: &serde_json::Error, expected: &str) -> String {
    use serde_json::error::Category;
    let at = format!("line {}, column {}", e.line(), e.column());
    match e.classify() {
        Category::Io => format!("reading the body failed; expected {expected}"),
        Category::Syntax | Category::Eof => {
            format!("the body is not valid JSON ({at}); expected {expected}")
        }
        Category::Data => {
            let message = e.to_string();
            let message = message.split(" at line ").next().unwrap_or_default();
            let fact = if message.starts_with("missing field") || message.starts_with(DUPLICATE) {
                message.to_owned()
            } else if let Some((_, wanted)) = message.rsplit_once(", expected ") {
                format!("a value is not {wanted}")
            } else {
                "a value has the wrong type".to_owned()
            };
            format!("the body is not {expected}: {fact} ({at})")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    struct Shape {
        #[allow(dead_code, reason = "only decoding is under test")]
        id: u64,
    }

    #[test]
    fn decode_errors_never_echo_body_values() {
        // Split so that the repository itself holds no token-shaped string.
        let secret = concat!("pk", "_1234567_ABCDEFGHIJKLMNOPQRSTUVWXYZ012345");
        let body = format!(r#"{{"id": "{secret}"}}"#);
        let err = decode::<Shape>(body.as_bytes(), "GET /user", "a ClickUp user").unwrap_err();
        let text = err.to_string();
        assert!(!text.contains(secret), "{text}");
        assert!(text.contains("GET /user") && text.contains("u64"), "{text}");
    }

    #[test]
    fn missing_fields_are_named() {
        let err = decode::<Shape>(b"{}", "GET /user", "a ClickUp user").unwrap_err();
        assert!(err.to_string().contains("missing field `id`"), "{err}");
    }

    #[test]
    fn a_key_twice_with_different_values_is_ambiguous() {
        let err = decode_unambiguous(br#"{"a":{"status_code":100,"status_code":500}}"#, "GET status page", "a page")
            .unwrap_err()
            .to_string();
        assert!(err.contains("duplicate key `status_code` with different values"), "{err}");
        let secret = concat!("pk", "_1234567_ABCDEFGHIJKLMNOPQRSTUVWXYZ012345");
        let body = format!(r#"{{"{secret}":1,"{secret}":2}}"#);
        let err = decode_unambiguous(body.as_bytes(), "GET status page", "a page").unwrap_err().to_string();
        assert!(err.contains("duplicate key with different values") && !err.contains(secret), "{err}");
        let same = decode_unambiguous(br#"{"x":[1,{"k":true,"k":true}],"y":null,"z":-1.5}"#, "e", "a page");
        assert_eq!(same.ok(), Some(serde_json::json!({"x":[1,{"k":true}],"y":null,"z":-1.5})));
    }

    #[test]
    fn syntax_errors_give_position_only() {
        let err = decode::<Shape>(b"<html>pk_secret</html>", "GET /user", "a ClickUp user").unwrap_err();
        let text = err.to_string();
        assert!(text.contains("not valid JSON (line 1, column 1)"), "{text}");
        assert!(!text.contains("pk_secret"));
    }
}
