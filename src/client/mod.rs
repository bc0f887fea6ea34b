//! The thin async ClickUp v2 client and the status-page client.
//!
//! Deliberately small: it makes a request, caps and decodes the body, and
//! reports what happened as a [`Probe`], with the attempts it took. It
//! retries only what is safe to retry (connection errors, timeouts, 5xx,
//! 429 within the deadline), keeps to the run's request budget and circuit
//! breaker, times every request, and never decides a verdict or prints.
//! The token is held as a sensitive header value and appears in no error it
//! produces.

#![deny(clippy::print_stdout, clippy::print_stderr)]

mod body;
mod clickup;
mod delivery;
mod error;
mod exchange;
mod resilience;
mod status;
mod transport;
mod types;

pub use clickup::{ClickUpClient, ClientError};
pub use delivery::{
    DELIVERY_FAILS_AFTER, TEST_ID_PREFIX, probe_receiver, sign as sign_delivery, verify as verify_signature,
};
pub use error::{ApiError, TransportCause};
pub use exchange::{ApiSample, Delivery, Probe, RateLimitHeaders, ReceiverProbe, ResetIn, reset_in};
pub use resilience::{Policy, RunState};
pub use status::{Incident, Part, RawLevel, StatusClient, StatusPage, StatusPageFormat, decode as status_decode};
pub use transport::{RequestCounter, Transport, TransportOptions};
/// Decodes a `GET /user` body as the client does (for property tests).
#[cfg(test)]
pub(crate) fn decode_user(bytes: &[u8]) -> Result<User, ApiError> {
    use types::FromWire;
    let sanitizer = crate::text::Sanitizer::shapes_only();
    body::decode::<types::UserEnvelope>(bytes, "GET /user", "a ClickUp user").map(|u| u.sanitize(&sanitizer))
}

pub use types::{
    Health, Level, LocationFilter, Subscription, Team, User, WEBHOOK_EVENTS, Webhook, is_known_event, is_workspace_id,
};
