//! Reading bodies under a cap, and decoding them without echoing them.

use serde::de::DeserializeOwned;

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
            let fact = if message.starts_with("missing field") {
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
    fn syntax_errors_give_position_only() {
        let err = decode::<Shape>(b"<html>pk_secret</html>", "GET /user", "a ClickUp user").unwrap_err();
        let text = err.to_string();
        assert!(text.contains("not valid JSON (line 1, column 1)"), "{text}");
        assert!(!text.contains("pk_secret"));
    }
}
