//! The sandbox as a team's webhook receiver (`sandbox --receiver MODE`), so
//! that `webhook-endpoint` is tested end to end against a good receiver and
//! against deliberately bad ones.

use std::borrow::Cow;
use std::collections::HashSet;
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};

use crate::client::verify_signature;

/// Path the receiver answers on.
pub const RECEIVER_PATH: &str = "/webhook";

/// How the receiver behaves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReceiverMode {
    /// Verifies X-Signature over the raw body (400 if missing, 403 if
    /// wrong; never 401, which would suspend the webhook), acknowledges
    /// duplicates.
    Good,
    /// Like good, but answers after 5.5 s (over the 5 s recommendation),
    /// or after `--receiver-delay`.
    Slow,
    /// Like good, but answers after 7.5 s (ClickUp counts that as failed),
    /// or after `--receiver-delay`.
    TooSlow,
    /// Answers 200 to everything, signed or not.
    AcceptsForgeries,
    /// Answers 410 Gone, which makes ClickUp suspend the webhook at once.
    Gone,
    /// Verifies signatures but answers 409 to a history item it has seen.
    RejectsDuplicates,
    /// Verifies X-Signature over the parsed body serialised again (the
    /// `JSON.stringify(req.body)` mistake), so it refuses genuine deliveries
    /// whose bytes are not in its serialiser's form.
    ReserializedSignature,
    /// Like good, but answers 401 to a wrong or missing signature, as
    /// ClickUp's demo app does: one secret rotation away from suspension.
    UnauthorizedOnBadSignature,
}

impl crate::model::Named for ReceiverMode {
    const VARIANTS: &'static [Self] = &[
        ReceiverMode::Good,
        ReceiverMode::Slow,
        ReceiverMode::TooSlow,
        ReceiverMode::AcceptsForgeries,
        ReceiverMode::Gone,
        ReceiverMode::RejectsDuplicates,
        ReceiverMode::ReserializedSignature,
        ReceiverMode::UnauthorizedOnBadSignature,
    ];

    fn name(self) -> &'static str {
        match self {
            ReceiverMode::Good => "good",
            ReceiverMode::Slow => "slow",
            ReceiverMode::TooSlow => "too-slow",
            ReceiverMode::AcceptsForgeries => "accepts-forgeries",
            ReceiverMode::Gone => "gone",
            ReceiverMode::RejectsDuplicates => "rejects-duplicates",
            ReceiverMode::ReserializedSignature => "reserialized-signature",
            ReceiverMode::UnauthorizedOnBadSignature => "unauthorized-on-bad-signature",
        }
    }

    fn about(self) -> &'static str {
        match self {
            ReceiverMode::Good => {
                "Verifies X-Signature over the raw body (400 if missing, 403 if wrong; never 401, which would suspend the webhook), acknowledges duplicates"
            }
            ReceiverMode::Slow => {
                "Like good, but answers after 5.5 s (over the 5 s recommendation), or after --receiver-delay"
            }
            ReceiverMode::TooSlow => {
                "Like good, but answers after 7.5 s (ClickUp counts that as failed), or after --receiver-delay"
            }
            ReceiverMode::AcceptsForgeries => "Answers 200 to everything, signed or not",
            ReceiverMode::Gone => "Answers 410 Gone, which makes ClickUp suspend the webhook at once",
            ReceiverMode::RejectsDuplicates => "Verifies signatures but answers 409 to a history item it has seen",
            ReceiverMode::ReserializedSignature => {
                "Verifies X-Signature over the parsed body serialised again (the `JSON.stringify(req.body)` mistake), so it refuses genuine deliveries whose bytes are not in its serialiser's form"
            }
            ReceiverMode::UnauthorizedOnBadSignature => {
                "Like good, but answers 401 to a wrong or missing signature, as ClickUp's demo app does: one secret rotation away from suspension"
            }
        }
    }
}

impl ReceiverMode {
    /// How long this mode waits before answering, by default: just past
    /// the reference's 5 s for `slow` and ClickUp's 7 s for `too-slow`, so
    /// that the modes cross the production thresholds. `None` for modes
    /// that answer at once.
    pub fn default_delay(self) -> Option<Duration> {
        match self {
            ReceiverMode::Slow => Some(Duration::from_millis(5500)),
            ReceiverMode::TooSlow => Some(Duration::from_millis(7500)),
            _ => None,
        }
    }
}

/// Receiver state: its mode, secret, delay, and the history ids it has
/// processed.
#[derive(Debug)]
pub struct Receiver {
    mode: ReceiverMode,
    secret: SecretString,
    delay: Option<Duration>,
    seen: Mutex<HashSet<String>>,
}

impl Receiver {
    /// A receiver verifying with `secret`, waiting as long as its mode does
    /// by default.
    pub fn new(mode: ReceiverMode, secret: SecretString) -> Self {
        Receiver { mode, secret, delay: mode.default_delay(), seen: Mutex::new(HashSet::new()) }
    }

    /// The same receiver waiting `delay` before each answer instead, so that
    /// a test crosses a small `[webhook_endpoint]` threshold in milliseconds
    /// rather than the production one in seconds. Only the slow modes wait:
    /// for any other mode this is an error naming the modes that do.
    pub fn with_delay(mut self, delay: Duration) -> Result<Self, String> {
        if self.delay.is_none() {
            return Err("--receiver-delay applies only to `--receiver slow` and `--receiver too-slow`".to_owned());
        }
        self.delay = Some(delay);
        Ok(self)
    }

    /// The HTTP status for one delivery.
    pub async fn answer(&self, signature: Option<&str>, body: &[u8]) -> u16 {
        match self.mode {
            ReceiverMode::Gone => return 410,
            ReceiverMode::AcceptsForgeries => return 200,
            ReceiverMode::Slow
            | ReceiverMode::TooSlow
            | ReceiverMode::Good
            | ReceiverMode::RejectsDuplicates
            | ReceiverMode::ReserializedSignature
            | ReceiverMode::UnauthorizedOnBadSignature => {}
        }
        if let Some(delay) = self.delay {
            tokio::time::sleep(delay).await;
        }
        if let Some(refusal) = self.refuse_signature(signature, body) {
            return refusal;
        }
        let ids = history_ids(body);
        let mut seen = self.seen.lock().unwrap_or_else(PoisonError::into_inner);
        let duplicate = !ids.is_empty() && ids.iter().all(|id| seen.contains(id));
        seen.extend(ids);
        if duplicate && self.mode == ReceiverMode::RejectsDuplicates { 409 } else { 200 }
    }

    /// The status refusing a delivery whose signature does not verify, or
    /// `None` when it does.
    fn refuse_signature(&self, signature: Option<&str>, body: &[u8]) -> Option<u16> {
        let (missing, wrong) = match self.mode {
            ReceiverMode::UnauthorizedOnBadSignature => (401, 401),
            _ => (400, 403),
        };
        let Some(signature) = signature else { return Some(missing) };
        let verified_bytes = if self.mode == ReceiverMode::ReserializedSignature {
            // What `JSON.stringify(req.body)` does after a body parser:
            // serde_json writes the parsed value back in its own form.
            match serde_json::from_slice::<serde_json::Value>(body) {
                Ok(value) => Cow::Owned(value.to_string().into_bytes()),
                Err(_) => return Some(missing),
            }
        } else {
            Cow::Borrowed(body)
        };
        let genuine = verify_signature(self.secret.expose_secret().as_bytes(), &verified_bytes, signature);
        (!genuine).then_some(wrong)
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
    /// The same event in bytes serde_json does not write.
    const SPACED: &[u8] = br#"{ "history_items" : [ { "id" : "h2", "note" : "caf\u00e9", "n" : 1e2 } ] }"#;

    fn receiver(mode: ReceiverMode) -> Receiver {
        Receiver::new(mode, SecretString::from("s3cret"))
    }

    #[tokio::test]
    async fn a_good_receiver_verifies_the_raw_body_refuses_with_400_or_403_and_dedupes_quietly() {
        let r = receiver(ReceiverMode::Good);
        let sig = sign_delivery(b"s3cret", BODY);
        assert_eq!(r.answer(Some(&sig), BODY).await, 200);
        assert_eq!(r.answer(Some(&sig), BODY).await, 200, "duplicates are acknowledged");
        assert_eq!(r.answer(Some(&sign_delivery(b"s3cret", SPACED)), SPACED).await, 200, "raw bytes verified");
        assert_eq!(r.answer(Some(&sign_delivery(b"wrong", BODY)), BODY).await, 403);
        assert_eq!(r.answer(None, BODY).await, 400);
    }

    #[tokio::test]
    async fn a_reserializing_receiver_refuses_genuine_noncanonical_deliveries() {
        let r = receiver(ReceiverMode::ReserializedSignature);
        assert_eq!(r.answer(Some(&sign_delivery(b"s3cret", BODY)), BODY).await, 200, "canonical bytes pass");
        assert_eq!(r.answer(Some(&sign_delivery(b"s3cret", SPACED)), SPACED).await, 403);
        assert_eq!(r.answer(Some(&sign_delivery(b"wrong", BODY)), BODY).await, 403);
        assert_eq!(r.answer(Some(&sign_delivery(b"s3cret", b"not json")), b"not json").await, 400);
    }

    #[tokio::test]
    async fn an_unauthorized_on_bad_signature_receiver_answers_401() {
        let r = receiver(ReceiverMode::UnauthorizedOnBadSignature);
        assert_eq!(r.answer(Some(&sign_delivery(b"s3cret", BODY)), BODY).await, 200);
        assert_eq!(r.answer(Some(&sign_delivery(b"wrong", BODY)), BODY).await, 401);
        assert_eq!(r.answer(None, BODY).await, 401);
    }

    #[test]
    fn the_slow_modes_cross_the_production_thresholds_by_default() {
        let defaults = crate::checks::webhook_endpoint::Config::default();
        let slow = ReceiverMode::Slow.default_delay().expect("slow waits");
        assert!(slow > defaults.warn_above && slow < defaults.fail_above, "{slow:?}");
        let too_slow = ReceiverMode::TooSlow.default_delay().expect("too-slow waits");
        assert!(too_slow > defaults.fail_above, "{too_slow:?}");
        assert_eq!(ReceiverMode::Good.default_delay(), None);
        let refused = receiver(ReceiverMode::Good).with_delay(Duration::from_millis(1)).expect_err("good never waits");
        assert!(refused.contains("only to `--receiver slow` and `--receiver too-slow`"), "{refused}");
    }

    #[tokio::test]
    async fn a_delay_replaces_the_slow_modes_default() {
        let r = receiver(ReceiverMode::TooSlow).with_delay(Duration::from_millis(30)).expect("too-slow waits");
        let started = std::time::Instant::now();
        assert_eq!(r.answer(Some(&sign_delivery(b"s3cret", BODY)), BODY).await, 200);
        let took = started.elapsed();
        assert!(took >= Duration::from_millis(30) && took < Duration::from_secs(5), "{took:?}");
    }

    #[tokio::test]
    async fn bad_receivers_misbehave_as_named() {
        let sig = sign_delivery(b"s3cret", BODY);
        let dup = receiver(ReceiverMode::RejectsDuplicates);
        assert_eq!(dup.answer(Some(&sig), BODY).await, 200);
        assert_eq!(dup.answer(Some(&sig), BODY).await, 409);
        assert_eq!(receiver(ReceiverMode::AcceptsForgeries).answer(None, BODY).await, 200);
        assert_eq!(receiver(ReceiverMode::Gone).answer(Some(&sig), BODY).await, 410);
    }
}
