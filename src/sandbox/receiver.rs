//! The sandbox as a team's webhook receiver (`sandbox --receiver MODE`), so
//! that `webhook-endpoint` is tested end to end against a good receiver and
//! against deliberately bad ones.

use std::collections::HashSet;
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};

use crate::client::verify_signature;

/// Path the receiver answers on.
pub const RECEIVER_PATH: &str = "/webhook";

/// How the receiver behaves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ReceiverMode {
    /// Verifies X-Signature (401 if wrong or missing), acknowledges duplicates.
    Good,
    /// Like good, but answers after 5.5 s (over the 5 s recommendation).
    Slow,
    /// Like good, but answers after 7.5 s (ClickUp counts that as failed).
    TooSlow,
    /// Answers 200 to everything, signed or not.
    AcceptsForgeries,
    /// Answers 410 Gone, which makes ClickUp suspend the webhook at once.
    Gone,
    /// Verifies signatures but answers 409 to a history item it has seen.
    RejectsDuplicates,
}

/// Receiver state: its mode, secret, and the history ids it has processed.
#[derive(Debug)]
pub struct Receiver {
    mode: ReceiverMode,
    secret: SecretString,
    seen: Mutex<HashSet<String>>,
}

impl Receiver {
    /// A receiver verifying with `secret`.
    pub fn new(mode: ReceiverMode, secret: SecretString) -> Self {
        Receiver { mode, secret, seen: Mutex::new(HashSet::new()) }
    }

    /// The HTTP status for one delivery.
    pub async fn answer(&self, signature: Option<&str>, body: &[u8]) -> u16 {
        match self.mode {
            ReceiverMode::Gone => return 410,
            ReceiverMode::AcceptsForgeries => return 200,
            ReceiverMode::Slow => tokio::time::sleep(Duration::from_millis(5500)).await,
            ReceiverMode::TooSlow => tokio::time::sleep(Duration::from_millis(7500)).await,
            ReceiverMode::Good | ReceiverMode::RejectsDuplicates => {}
        }
        let genuine = signature.is_some_and(|s| verify_signature(self.secret.expose_secret().as_bytes(), body, s));
        if !genuine {
            return 401;
        }
        let ids = history_ids(body);
        let mut seen = self.seen.lock().unwrap_or_else(PoisonError::into_inner);
        let duplicate = !ids.is_empty() && ids.iter().all(|id| seen.contains(id));
        seen.extend(ids);
        if duplicate && self.mode == ReceiverMode::RejectsDuplicates { 409 } else { 200 }
    }
}

fn history_ids(body: &[u8]) -> Vec<String> {
    let value: serde_json::Value = serde_json::from_slice(body).unwrap_or_default();
    let items = value.get("history_items").and_then(|h| h.as_array()).cloned().unwrap_or_default();
    items.iter().filter_map(|i| i.get("id").and_then(|id| id.as_str()).map(str::to_owned)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::client::sign_delivery;

    const BODY: &[u8] = br#"{"history_items":[{"id":"h1"}]}"#;

    #[tokio::test]
    async fn a_good_receiver_verifies_and_dedupes_quietly() {
        let r = Receiver::new(ReceiverMode::Good, SecretString::from("s3cret"));
        let sig = sign_delivery(b"s3cret", BODY);
        assert_eq!(r.answer(Some(&sig), BODY).await, 200);
        assert_eq!(r.answer(Some(&sig), BODY).await, 200, "duplicates are acknowledged");
        assert_eq!(r.answer(Some(&sign_delivery(b"wrong", BODY)), BODY).await, 401);
        assert_eq!(r.answer(None, BODY).await, 401);
    }

    #[tokio::test]
    async fn bad_receivers_misbehave_as_named() {
        let sig = sign_delivery(b"s", BODY);
        let dup = Receiver::new(ReceiverMode::RejectsDuplicates, SecretString::from("s"));
        assert_eq!(dup.answer(Some(&sig), BODY).await, 200);
        assert_eq!(dup.answer(Some(&sig), BODY).await, 409);
        assert_eq!(
            Receiver::new(ReceiverMode::AcceptsForgeries, SecretString::from("s")).answer(None, BODY).await,
            200
        );
        assert_eq!(Receiver::new(ReceiverMode::Gone, SecretString::from("s")).answer(Some(&sig), BODY).await, 410);
    }
}
