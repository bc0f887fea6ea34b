//! Test deliveries to a team's own webhook receiver, shaped like ClickUp's:
//! a JSON payload with `history_items`, signed in `X-Signature` as the
//! lower-case hex HMAC-SHA256 of the raw body under the webhook's secret.
//!
//! Every delivery is marked as a test: its `webhook_id`, `task_id` and
//! history item ids start with `clickup-preflight-test-`, so a receiver can
//! recognise and discard them.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use reqwest::{Method, Url};
use ring::hmac;
use secrecy::{ExposeSecret, SecretString};

use super::transport::{Outgoing, Transport};
use super::{Delivery, ReceiverProbe};

/// ClickUp counts a delivery answered later than this as failed (the
/// drill's judges read the same rule).
pub const DELIVERY_FAILS_AFTER: Duration = crate::drill::WEBHOOK_ANSWER_LIMIT;

/// The prefix of every id in a test delivery.
pub const TEST_ID_PREFIX: &str = "clickup-preflight-test-";

/// Lower-case hex HMAC-SHA256 of `body` keyed with `secret`.
pub fn sign(secret: &[u8], body: &[u8]) -> String {
    let tag = hmac::sign(&hmac::Key::new(hmac::HMAC_SHA256, secret), body);
    tag.as_ref().iter().map(|b| format!("{b:02x}")).collect()
}

/// Whether `signature` (hex) is the HMAC-SHA256 of `body` under `secret`,
/// compared in constant time.
pub fn verify(secret: &[u8], body: &[u8], signature: &str) -> bool {
    let Some(bytes) = from_hex(signature.trim()) else { return false };
    hmac::verify(&hmac::Key::new(hmac::HMAC_SHA256, secret), body, &bytes).is_ok()
}

fn from_hex(text: &str) -> Option<Vec<u8>> {
    if text.len() % 2 != 0 {
        return None;
    }
    (0..text.len()).step_by(2).map(|i| text.get(i..i + 2).and_then(|pair| u8::from_str_radix(pair, 16).ok())).collect()
}

/// A `taskStatusUpdated` payload in ClickUp's documented shape, unique per
/// call through its history item id.
pub(super) fn test_payload() -> Vec<u8> {
    let tag = crate::token::random_alnum(12).to_ascii_lowercase();
    let now_ms = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis());
    serde_json::json!({
        "webhook_id": format!("{TEST_ID_PREFIX}webhook"),
        "event": "taskStatusUpdated",
        "task_id": format!("{TEST_ID_PREFIX}task"),
        "history_items": [{
            "id": format!("{TEST_ID_PREFIX}{tag}"),
            "type": 1,
            "date": now_ms.to_string(),
            "field": "status",
            "parent_id": null,
            "data": {"status_type": "custom"},
            "source": null,
            "user": {"id": 0, "username": "clickup-preflight", "email": "", "color": "#000000", "initials": "CP", "profilePicture": null},
            "before": {"status": "to do", "color": "#d3d3d3", "orderindex": 0, "type": "open"},
            "after": {"status": "in progress", "color": "#4194f6", "orderindex": 1, "type": "custom"}
        }]
    })
    .to_string()
    .into_bytes()
}

/// The same event as [`test_payload`], written the way no re-serialiser
/// writes it, so that verifying the signature over re-serialised JSON (the
/// `JSON.stringify(req.body)` mistake) fails on it while verifying over the
/// raw body succeeds. ClickUp signs the bytes it sends, and those bytes are
/// not promised to be canonical.
///
/// Every difference sits where a receiver does not look (layout, key order,
/// and a test-only object under `data`), so a typed parser accepts it as it
/// accepts the canonical one: the only reason to reject it is the signature.
pub(super) fn noncanonical_payload() -> Vec<u8> {
    let tag = crate::token::random_alnum(12).to_ascii_lowercase();
    let now_ms = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis());
    // Line breaks and indentation, keys neither sorted nor compact, `\u00e9`
    // and `\/` escapes that re-serialisers write as plain characters, and
    // `1.0` / `1e2`, which come back as `1` / `100` (JavaScript) or `100.0`
    // (serde_json).
    format!(
        r##"{{
  "task_id" : "{TEST_ID_PREFIX}task",
  "event" : "taskStatusUpdated",
  "webhook_id" : "{TEST_ID_PREFIX}webhook",
  "history_items" : [ {{
    "id" : "{TEST_ID_PREFIX}{tag}", "type" : 1, "date" : "{now_ms}", "field" : "status",
    "parent_id" : null, "source" : null,
    "data" : {{ "status_type" : "custom", "clickup_preflight_test" : {{ "note" : "caf\u00e9 \/ d\u00e9j\u00e0 vu", "ratio" : 1.0, "scale" : 1e2 }} }},
    "user" : {{ "username" : "clickup-preflight", "id" : 0, "email" : "", "color" : "#000000", "initials" : "CP", "profilePicture" : null }},
    "before" : {{ "status" : "to do", "color" : "#d3d3d3", "orderindex" : 0, "type" : "open" }},
    "after" : {{ "status" : "in progress", "color" : "#4194f6", "orderindex" : 1, "type" : "custom" }}
  }} ]
}}
"##
    )
    .into_bytes()
}

/// Sends the five test deliveries to one receiver: a correctly signed one,
/// then, if ClickUp would have counted it delivered (2xx within 7 s), the
/// same one again and a correctly signed non-canonical one, with one under a
/// wrong secret and one with no signature alongside them.
pub async fn probe_receiver(transport: &Transport, endpoint: &Url, secret: &SecretString) -> ReceiverProbe {
    let key = secret.expose_secret().as_bytes();
    let body = test_payload();
    let signature = sign(key, &body);
    let signed = deliver(transport, endpoint, body.clone(), Some(signature.clone()), "signed delivery").await;
    let accepted =
        matches!(signed.result, Ok(status) if (200..300).contains(&status)) && signed.elapsed <= DELIVERY_FAILS_AFTER;
    let forged_body = test_payload();
    let forged_signature = sign(b"clickup-preflight: not the webhook secret", &forged_body);
    // Both follow-ups mean something only once the canonical delivery was
    // accepted: a receiver that refuses everything says nothing about
    // duplicates or about the raw body.
    let after_acceptance = |body: Vec<u8>, what: &'static str| {
        let signature = sign(key, &body);
        async move { if accepted { Some(deliver(transport, endpoint, body, Some(signature), what).await) } else { None } }
    };
    let duplicate = after_acceptance(body, "duplicate delivery");
    let noncanonical = after_acceptance(noncanonical_payload(), "non-canonical signed delivery");
    let forged = deliver(transport, endpoint, forged_body, Some(forged_signature), "wrongly signed delivery");
    let unsigned = deliver(transport, endpoint, test_payload(), None, "unsigned delivery");
    let (duplicate, noncanonical, forged, unsigned) = tokio::join!(duplicate, noncanonical, forged, unsigned);
    let endpoint = transport.sanitizer().line(endpoint.as_str(), crate::text::URL);
    ReceiverProbe { endpoint, signed, duplicate, noncanonical, forged, unsigned }
}

async fn deliver(
    transport: &Transport,
    endpoint: &Url,
    body: Vec<u8>,
    signature: Option<String>,
    what: &str,
) -> Delivery {
    let headers = signature.map(|s| vec![("x-signature", s)]).unwrap_or_default();
    let out =
        Outgoing { method: Method::POST, url: endpoint.clone(), authorization: None, headers, json_body: Some(body) };
    let (answer, elapsed) = transport.send(out, &format!("POST {what}")).await;
    tracing::debug!(what, elapsed_ms = elapsed.as_millis() as u64, ok = answer.is_ok(), "test delivery");
    Delivery { result: answer.map(|a| a.status.as_u16()), elapsed }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_match_a_known_hmac_sha256_vector() {
        // RFC 4231 test case 2.
        let sig = sign(b"Jefe", b"what do ya want for nothing?");
        assert_eq!(sig, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
        assert!(verify(b"Jefe", b"what do ya want for nothing?", &sig));
        assert!(!verify(b"Jefe", b"what do ya want for nothing!", &sig));
        assert!(!verify(b"Jefe", b"x", "zz"));
        assert!(!verify(b"Jefe", b"x", "abc"));
    }

    #[test]
    fn payloads_are_marked_as_tests_and_unique() {
        let a: serde_json::Value = serde_json::from_slice(&test_payload()).expect("json");
        let b: serde_json::Value = serde_json::from_slice(&test_payload()).expect("json");
        let id = a["history_items"][0]["id"].as_str().expect("id");
        assert!(id.starts_with(TEST_ID_PREFIX));
        assert_ne!(a["history_items"][0]["id"], b["history_items"][0]["id"]);
        assert_eq!(a["event"], "taskStatusUpdated");
    }

    #[test]
    fn the_noncanonical_payload_is_the_same_event_in_other_bytes() {
        let raw = noncanonical_payload();
        let parsed: serde_json::Value = serde_json::from_slice(&raw).expect("valid JSON");
        let canonical: serde_json::Value = serde_json::from_slice(&test_payload()).expect("json");
        for key in ["webhook_id", "event", "task_id"] {
            assert_eq!(parsed[key], canonical[key], "{key}");
        }
        let id = parsed["history_items"][0]["id"].as_str().expect("id");
        assert!(id.starts_with(TEST_ID_PREFIX) && id != canonical["history_items"][0]["id"], "{id}");
        assert_eq!(parsed["history_items"][0]["data"]["clickup_preflight_test"]["note"], "café / déjà vu");
        let reserialized = parsed.to_string().into_bytes();
        assert_ne!(reserialized, raw, "re-serialising must change the bytes, or the probe proves nothing");
        assert!(!verify(b"k", &reserialized, &sign(b"k", &raw)), "a signature over the raw bytes");
        assert_ne!(noncanonical_payload(), raw, "unique per call");
    }
}
