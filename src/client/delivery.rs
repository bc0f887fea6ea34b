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
use crate::evidence::{Delivery, ReceiverProbe};

/// ClickUp counts a delivery answered later than this as failed.
pub const DELIVERY_FAILS_AFTER: Duration = Duration::from_secs(7);

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
pub fn test_payload() -> Vec<u8> {
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

/// Sends the four test deliveries to one receiver: a correctly signed one,
/// then, if ClickUp would have counted it delivered (2xx within 7 s), the
/// same one again, with one under a wrong secret and one with no signature
/// alongside it.
pub async fn probe_receiver(transport: &Transport, endpoint: &Url, secret: &SecretString) -> ReceiverProbe {
    let key = secret.expose_secret().as_bytes();
    let body = test_payload();
    let signature = sign(key, &body);
    let signed = deliver(transport, endpoint, body.clone(), Some(signature.clone()), "signed delivery").await;
    let accepted =
        matches!(signed.result, Ok(status) if (200..300).contains(&status)) && signed.elapsed <= DELIVERY_FAILS_AFTER;
    let forged_body = test_payload();
    let forged_signature = sign(b"clickup-preflight: not the webhook secret", &forged_body);
    let duplicate = async {
        if accepted {
            Some(deliver(transport, endpoint, body, Some(signature), "duplicate delivery").await)
        } else {
            None
        }
    };
    let forged = deliver(transport, endpoint, forged_body, Some(forged_signature), "wrongly signed delivery");
    let unsigned = deliver(transport, endpoint, test_payload(), None, "unsigned delivery");
    let (duplicate, forged, unsigned) = tokio::join!(duplicate, forged, unsigned);
    let endpoint = transport.sanitizer().line(endpoint.as_str(), crate::text::URL);
    ReceiverProbe { endpoint, signed, duplicate, forged, unsigned }
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
}
