//! Plain data: what gathering saw, handed to the pure checks.
//!
//! Every exchange is a [`Probe`] whose result is a `Result`, so that a
//! failure is data the checks can judge, not control flow that aborts the
//! run. Nothing here knows about verdicts.

use std::time::Duration;

use crate::client::{ApiError, StatusPage, Team, User, Webhook};
use crate::repo::{RepoError, RepoEvidence};
use crate::text::OutsideText;
use crate::token::{TokenKind, TokenSource};

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
    pub endpoint: String,
    /// From sending to the end of the body (or the failure); for a request
    /// the run's deadline cut short, until then.
    pub elapsed: Duration,
    /// Why the attempt gave no usable answer; `None` when it did.
    pub error: Option<ApiError>,
}

/// Everything the checks may look at. Parts not gathered (their checks were
/// not selected) are `None`/empty; a check that finds its part missing says
/// ERROR, never PASS.
#[derive(Debug, Clone, Default)]
pub struct Evidence {
    /// Personal (`pk_`) or OAuth, when a token was in use.
    pub token_kind: Option<TokenKind>,
    /// Unix seconds when gathering began: the checks' only notion of "now".
    pub observed_at_unix: u64,
    /// Samples of `GET /user`; the first one is the auth request.
    pub user: Vec<Probe<User>>,
    /// Every request sent to the ClickUp API this run, one per attempt:
    /// what the `latency` check measures, so that timing costs no request
    /// of its own.
    pub api_samples: Vec<ApiSample>,
    /// `GET /team`.
    pub teams: Option<Probe<Vec<Team>>>,
    /// The status page.
    pub status_page: Option<Probe<StatusPage>>,
    /// The workspaces' webhook listings.
    pub webhooks: Option<WebhookEvidence>,
    /// Test deliveries to the team's receivers.
    pub receivers: Vec<ReceiverProbe>,
    /// The repository scan, or why there is none.
    pub repo: Option<Result<RepoEvidence, RepoError>>,
    /// Where the token in use came from.
    pub token_origin: Option<TokenOrigin>,
}

/// Where the token came from, as the `token` check judges it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenOrigin {
    /// Where: `CLICKUP_API_TOKEN`, `--token-file PATH`, `token_command`, the sandbox.
    pub source: TokenSource,
    /// The token file is a `.env*` file inside the repository.
    pub env_file_in_repo: bool,
    /// The token's fingerprint, to recognise it among secrets found in files.
    pub fingerprint: String,
}

/// What gathering saw of the workspaces' webhooks.
#[derive(Debug, Clone)]
pub struct WebhookEvidence {
    /// The workspace ids to examine (from `checks.toml` or `/team`), or why
    /// none could be known.
    pub workspaces: Result<Vec<String>, ApiError>,
    /// One listing per workspace fetched.
    pub lists: Vec<(String, Probe<Vec<Webhook>>)>,
    /// Workspaces not fetched, to leave the last requests of the rate-limit
    /// window to the production integration.
    pub not_checked: Vec<String>,
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

impl Evidence {
    /// Every ClickUp API response gathered, as its rate-limit headers and
    /// its error if it failed. The status page is another host: excluded.
    pub fn api_responses(&self) -> Vec<(&RateLimitHeaders, Option<&ApiError>)> {
        let users = self.user.iter().map(|p| (&p.rate_limit, p.result.as_ref().err()));
        let teams = self.teams.iter().map(|p| (&p.rate_limit, p.result.as_ref().err()));
        let hooks = self.webhooks.iter().flat_map(|w| &w.lists).map(|(_, p)| (&p.rate_limit, p.result.as_ref().err()));
        users.chain(teams).chain(hooks).collect()
    }
}
