//! What one exchange with a server produced, as plain data: the decoded
//! answer or the error, the time it took, the rate-limit headers and how
//! many attempts it needed. The client records these; gathering collects
//! them into the evidence the checks read.

use std::time::Duration;

use super::ApiError;
use crate::text::OutsideText;

/// The rate-limit headers of one response, as received. Parsing is left to
/// the `rate-limit` check so that a malformed value is judged (ERROR with the
/// reason), not dropped.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RateLimitHeaders {
    /// `X-RateLimit-Limit`.
    pub limit: Option<OutsideText>,
    /// `X-RateLimit-Remaining`.
    pub remaining: Option<OutsideText>,
    /// `X-RateLimit-Reset` (documented as Unix seconds).
    pub reset: Option<OutsideText>,
    /// `Retry-After` (undocumented by ClickUp; accepted when present).
    pub retry_after: Option<OutsideText>,
    /// Headers sent more than once with different values, each as
    /// ``Name (`a` and `b`)``. Their field above is left `None`: which value
    /// the server meant cannot be known, so neither is used.
    pub ambiguous: Vec<OutsideText>,
}

/// How far away a stated `X-RateLimit-Reset` is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ResetIn {
    /// Seconds from now (0 when already past).
    pub seconds: u64,
    /// The value was Unix time in milliseconds (above 1e12), converted.
    pub from_milliseconds: bool,
}

/// Reads `X-RateLimit-Reset`: Unix seconds as documented, Unix milliseconds
/// when above 1e12 (no date in seconds is that large before the year
/// 33658), or small values as "seconds from now", a variant some gateways
/// send. `None` when it is not a whole number.
pub fn reset_in(value: &str, now_unix: u64) -> Option<ResetIn> {
    let n: u64 = value.trim().parse().ok()?;
    let (seconds, from_milliseconds) = if n > 1_000_000_000_000 {
        ((n / 1000).saturating_sub(now_unix), true)
    } else if n >= 1_000_000_000 {
        (n.saturating_sub(now_unix), false)
    } else {
        (n, false)
    };
    Some(ResetIn { seconds, from_milliseconds })
}

impl RateLimitHeaders {
    /// `X-RateLimit-Remaining` as a number, when present and well-formed.
    pub fn remaining(&self) -> Option<u64> {
        self.remaining.as_deref().and_then(|v| v.trim().parse().ok())
    }

    /// True when the response carried none of the headers.
    pub fn is_empty(&self) -> bool {
        self.limit.is_none()
            && self.remaining.is_none()
            && self.reset.is_none()
            && self.retry_after.is_none()
            && self.ambiguous.is_empty()
    }
}

/// One request and what came of it.
#[derive(Debug, Clone)]
pub struct Probe<T> {
    /// The decoded body, or why there is none.
    pub result: Result<T, ApiError>,
    /// Wall time from sending to the end of the body (or the failure).
    pub elapsed: Duration,
    /// Rate-limit headers, present on error answers too (a 429 carries them).
    pub rate_limit: RateLimitHeaders,
    /// Requests sent for this exchange: more than 1 when it was retried.
    pub attempts: u32,
}

impl<T> Probe<T> {
    /// A probe that failed before any answer arrived.
    pub fn failed(error: ApiError, elapsed: Duration) -> Self {
        Probe { result: Err(error), elapsed, rate_limit: RateLimitHeaders::default(), attempts: 1 }
    }
}

/// One request sent to the ClickUp API, timed on its own. A retried
/// exchange gives one sample per attempt: the server's latency, not the
/// client's backoff between attempts, and every failed attempt is counted.
#[derive(Debug, Clone)]
pub struct ApiSample {
    /// The endpoint's path with its ids replaced, e.g. `/team/{id}/webhook`:
    /// latency is reported per endpoint, not per workspace.
    pub endpoint: &'static str,
    /// From sending to the end of the body (or the failure); for a request
    /// the run's deadline cut short, until then.
    pub elapsed: Duration,
    /// Why the attempt gave no usable answer; `None` when it did.
    pub error: Option<ApiError>,
}

/// One test delivery: the receiver's HTTP status, or why there is none.
#[derive(Debug, Clone)]
pub struct Delivery {
    /// The status code.
    pub result: Result<u16, ApiError>,
    /// Time to the end of the answer.
    pub elapsed: Duration,
}

/// The five test deliveries sent to one receiver.
#[derive(Debug, Clone)]
pub struct ReceiverProbe {
    /// The receiver's URL (from `checks.toml`).
    pub endpoint: OutsideText,
    /// A correctly signed delivery.
    pub signed: Delivery,
    /// The same delivery again; `None` when not sent because the first failed.
    pub duplicate: Option<Delivery>,
    /// A correctly signed delivery whose raw bytes differ from their
    /// re-serialisation, to catch verification over re-serialised JSON;
    /// `None` when not sent because the first failed.
    pub noncanonical: Option<Delivery>,
    /// A delivery signed with the wrong secret.
    pub forged: Delivery,
    /// A delivery with no `X-Signature`.
    pub unsigned: Delivery,
}
