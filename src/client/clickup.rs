//! `GET /user` and `GET /team` against the ClickUp v2 API.

use std::time::Duration;

use reqwest::header::{HeaderMap, HeaderValue};
use reqwest::{Method, Url};
use secrecy::{ExposeSecret, SecretString};

use super::resilience::backoff;
use super::transport::{Answer, Outgoing, Transport};
use super::types::{ErrorBody, FromWire, TeamsEnvelope, UpdatedWebhook, UserEnvelope, WebhooksEnvelope};
use super::{ApiError, Policy, RunState, Team, TransportCause, User, Webhook};
use super::{Probe, RateLimitHeaders};
use crate::text::{self, OutsideText, Sanitizer};

/// A ClickUp v2 client bound to one base URL and one token. Cheap to clone;
/// clones share the connection pool and the run's state (request count,
/// breaker, budget).
#[derive(Clone)]
pub struct ClickUpClient {
    transport: Transport,
    base: Url,
    authorization: HeaderValue,
    run: RunState,
    deadline: Option<tokio::time::Instant>,
}

impl std::fmt::Debug for ClickUpClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClickUpClient").field("base", &self.base.as_str()).finish_non_exhaustive()
    }
}

/// Why a client could not be built.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The token has characters an HTTP header cannot carry. Never shows it.
    #[error("the token contains characters that cannot be sent in an HTTP header")]
    TokenNotAHeader,
    /// The HTTP stack failed to initialise (TLS roots, for example).
    #[error("could not initialise the HTTP client: {0}")]
    Init(String),
}

impl ClickUpClient {
    /// A client for `base` (e.g. `https://api.clickup.com/api/v2`). Personal
    /// tokens are sent raw, as ClickUp documents; the header is marked
    /// sensitive so that no debug output of the HTTP stack shows it.
    pub fn new(transport: &Transport, base: Url, token: &SecretString) -> Result<Self, ClientError> {
        let mut authorization =
            HeaderValue::from_str(token.expose_secret()).map_err(|_| ClientError::TokenNotAHeader)?;
        authorization.set_sensitive(true);
        Ok(ClickUpClient {
            transport: transport.clone(),
            base,
            authorization,
            run: RunState::default(),
            deadline: None,
        })
    }

    /// The same client under `policy` (retries, breaker, budget).
    pub fn with_policy(mut self, policy: Policy) -> Self {
        self.run = RunState::new(policy);
        self
    }

    /// A clone that never waits past `deadline` to retry.
    pub fn until(&self, deadline: tokio::time::Instant) -> Self {
        ClickUpClient { deadline: Some(deadline), ..self.clone() }
    }

    /// The run's shared state: breaker and budget.
    pub fn run_state(&self) -> &RunState {
        &self.run
    }

    /// Requests sent to the API so far by this client and its clones.
    pub fn requests(&self) -> u64 {
        self.run.spent()
    }

    /// `GET /user`: the user the token belongs to.
    pub async fn user(&self) -> Probe<User> {
        self.get::<UserEnvelope>("/user", "a ClickUp user object (`{\"user\": {\"id\": …}}`)").await
    }

    /// `GET /team`: the workspaces the token can reach.
    pub async fn teams(&self) -> Probe<Vec<Team>> {
        self.get::<TeamsEnvelope>("/team", "a list of workspaces (`{\"teams\": [...]}`)").await
    }

    /// `GET /team/{team_id}/webhook`: the workspace's webhooks.
    /// An id that is not digits is refused before any request.
    pub async fn webhooks(&self, team_id: &str) -> Probe<Vec<Webhook>> {
        let Some(id) = Some(team_id).filter(|id| super::is_workspace_id(id)) else {
            let shown: String = team_id.chars().filter(|c| !c.is_control()).take(40).collect();
            let reason = format!("`{}` is not a workspace id (digits)", crate::redact::scrub_token_like(&shown));
            return Probe::failed(
                ApiError::Decode { endpoint: "GET /team/{id}/webhook".to_owned(), reason },
                Duration::ZERO,
            );
        };
        self.get::<WebhooksEnvelope>(&format!("/team/{id}/webhook"), "a list of webhooks (`{\"webhooks\": [...]}`)")
            .await
    }

    /// `PUT /webhook/{id}` with the webhook's `endpoint` and `events` as
    /// listed and `status: "active"`: reactivates a suspended or failing
    /// webhook and resets its health. ClickUp requires all three fields and
    /// reads a missing `events` as all events, so the subscription is
    /// restated, never left out. Nothing is sent when the listing did not
    /// say the events.
    pub async fn reactivate_webhook(&self, hook: &Webhook) -> Probe<Webhook> {
        const ENDPOINT: &str = "PUT /webhook/{id}";
        let Some(id) = segment(&hook.id) else {
            return Probe::failed(bad_id(ENDPOINT, &hook.id), Duration::ZERO);
        };
        let Some(body) = hook.subscription.reactivation_body() else {
            let reason = "not sent: the listing did not say which events the webhook subscribes to";
            return Probe::failed(ApiError::local(ENDPOINT, reason), Duration::ZERO);
        };
        self.exchange::<UpdatedWebhook>(Method::PUT, &format!("/webhook/{id}"), Some(body), "the updated webhook").await
    }

    async fn get<W: FromWire>(&self, path: &str, expected: &str) -> Probe<W::Out> {
        self.exchange::<W>(Method::GET, path, None, expected).await
    }

    async fn exchange<W: FromWire>(
        &self,
        method: Method,
        path: &str,
        json_body: Option<Vec<u8>>,
        expected: &str,
    ) -> Probe<W::Out> {
        let endpoint = format!("{method} {path}");
        let Some(url) = join(&self.base, path) else {
            let error = ApiError::local(&endpoint, "the API base URL cannot take a path");
            return Probe::failed(error, Duration::ZERO);
        };
        let started = std::time::Instant::now();
        let policy = self.run.policy();
        let mut attempts = 0;
        // A retry that the breaker or the budget stops reports the last real
        // answer, not the refusal.
        let mut last: Option<Probe<W::Out>> = None;
        loop {
            if let Some(failures) = self.run.circuit_open() {
                let error = ApiError::CircuitOpen { endpoint: endpoint.clone(), failures };
                return last.unwrap_or_else(|| Probe { attempts, ..Probe::failed(error, started.elapsed()) });
            }
            if !self.run.take() {
                let error = ApiError::OverBudget { endpoint: endpoint.clone() };
                return last.unwrap_or_else(|| Probe { attempts, ..Probe::failed(error, started.elapsed()) });
            }
            attempts += 1;
            let out = Outgoing {
                method: method.clone(),
                url: url.clone(),
                authorization: Some(&self.authorization),
                headers: Vec::new(),
                json_body: json_body.clone(),
            };
            let slot = self.run.request_sent(endpoint.clone(), endpoint_class(path));
            let (answer, elapsed) = self.transport.send(out, &endpoint).await;
            tracing::debug!(endpoint = %endpoint, attempt = attempts, elapsed_ms = elapsed.as_millis() as u64, ok = answer.is_ok(), "ClickUp exchange");
            let probe = match answer {
                Err(error) => Probe { attempts, ..Probe::failed(error, started.elapsed()) },
                Ok(answer) => {
                    let sanitizer = self.transport.sanitizer();
                    let rate_limit = rate_limit_headers(&answer.headers, sanitizer);
                    Probe {
                        result: interpret::<W>(answer, &endpoint, expected, sanitizer),
                        elapsed: started.elapsed(),
                        rate_limit,
                        attempts,
                    }
                }
            };
            self.run.request_ended(slot, elapsed, probe.result.as_ref().err().cloned());
            if let Some(remaining) = probe.rate_limit.remaining() {
                self.run.record_remaining(remaining);
            }
            let wait = match &probe.result {
                Ok(_) => None,
                Err(ApiError::Http { status: 429, .. }) => Some(reset_wait(&probe)),
                Err(ApiError::Http { status, .. }) if *status >= 500 => Some(backoff(&policy, attempts)),
                // A name that does not resolve or a certificate that does not
                // verify will not on the next try either: retrying only delays
                // the verdict and calls a misconfiguration flaky.
                Err(ApiError::Transport { cause: TransportCause::Dns | TransportCause::Tls, .. }) => None,
                Err(ApiError::Transport { .. } | ApiError::Timeout { .. }) => Some(backoff(&policy, attempts)),
                Err(_) => None,
            };
            let hard = matches!(&probe.result, Err(ApiError::Transport { .. } | ApiError::Timeout { .. }))
                || matches!(&probe.result, Err(ApiError::Http { status, .. }) if *status >= 500);
            self.run.record(hard);
            let Some(wait) = wait.filter(|_| attempts < policy.max_attempts) else { return probe };
            // Wait only when the retry can still finish before the deadline:
            // a 429 whose reset is later is reported, not waited for.
            let retry_by = tokio::time::Instant::now() + wait + Duration::from_millis(100);
            if self.deadline.is_some_and(|d| retry_by >= d) || wait > Duration::from_secs(60) {
                return probe;
            }
            tracing::debug!(endpoint = %endpoint, wait_ms = wait.as_millis() as u64, "retrying");
            tokio::time::sleep(wait).await;
            last = Some(probe);
        }
    }
}

/// How long a 429 asks to wait: `Retry-After`, else until
/// `X-RateLimit-Reset`, else a second.
fn reset_wait<T>(probe: &Probe<T>) -> Duration {
    let headers = &probe.rate_limit;
    if let Some(secs) = headers.retry_after.as_deref().and_then(|v| v.trim().parse::<u64>().ok()) {
        return Duration::from_secs(secs);
    }
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs());
    headers
        .reset
        .as_deref()
        .and_then(|v| super::reset_in(v, now))
        .map_or(Duration::from_secs(1), |r| Duration::from_secs(r.seconds))
}

/// The endpoints this client calls, ids as `{id}`.
const ENDPOINT_CLASSES: [&str; 4] = ["/user", "/team", "/team/{id}/webhook", "/webhook/{id}"];

/// The endpoint `path` belongs to, each id replaced by `{id}`
/// (`/team/9012345/webhook` is `/team/{id}/webhook`): latency is reported
/// per endpoint, and one series per workspace would grow without bound.
/// The program's own words, so reports may show it as is.
fn endpoint_class(path: &str) -> &'static str {
    let path = path.split('?').next().unwrap_or_default();
    let segments: Vec<&str> =
        path.split('/').map(|s| if matches!(s, "" | "user" | "team" | "webhook") { s } else { "{id}" }).collect();
    let class = segments.join("/");
    ENDPOINT_CLASSES.iter().find(|c| **c == class).copied().unwrap_or("(another endpoint)")
}

/// An id as one URL path segment; ids are digits, letters, `-` and `_`
/// (workspace ids, webhook UUIDs). Anything else would change the path.
fn segment(id: &str) -> Option<&str> {
    (!id.is_empty() && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')).then_some(id)
}

fn bad_id(endpoint: &str, id: &str) -> ApiError {
    let shown = Sanitizer::shapes_only().line(id, text::WORD);
    ApiError::Decode {
        endpoint: endpoint.to_owned(),
        reason: format!("`{shown}` is not an id (letters, digits, - and _)"),
    }
}

/// A 2xx body decoded as `W`; anything else as ClickUp's error shape.
fn interpret<W: FromWire>(
    answer: Answer,
    endpoint: &str,
    expected: &str,
    sanitizer: &Sanitizer,
) -> Result<W::Out, ApiError> {
    if answer.status.is_success() {
        return super::body::decode::<W>(&answer.body, endpoint, expected).map(|wire| wire.sanitize(sanitizer));
    }
    // Error bodies are often HTML from a proxy; fields are kept only when the
    // body is ClickUp's JSON shape.
    let body: ErrorBody = serde_json::from_slice(&answer.body).unwrap_or_default();
    Err(ApiError::Http {
        endpoint: endpoint.to_owned(),
        status: answer.status.as_u16(),
        ecode: body.ecode.map(|s| sanitizer.line(&s, text::WORD)),
        err: body.err.map(|s| sanitizer.line(&s, text::MESSAGE)),
    })
}

fn join(base: &Url, path: &str) -> Option<Url> {
    let joined = format!("{}{}", base.as_str().trim_end_matches('/'), path);
    Url::parse(&joined).ok()
}

/// The rate-limit headers of an answer, sanitized. A header sent twice with
/// the same value counts once; with different values it is recorded as
/// ambiguous and its value is not used (not for the verdict, not for the
/// budget).
fn rate_limit_headers(headers: &HeaderMap, sanitizer: &Sanitizer) -> RateLimitHeaders {
    let mut ambiguous = Vec::new();
    let mut get = |name: &str, shown: &str| {
        let mut values: Vec<OutsideText> = headers
            .get_all(name)
            .iter()
            .map(|v| sanitizer.line(String::from_utf8_lossy(v.as_bytes()).trim(), text::WORD))
            .collect();
        values.sort();
        values.dedup();
        match values.len() {
            0 => None,
            1 => values.pop(),
            _ => {
                let quoted: Vec<String> = values.iter().map(|v| format!("`{v}`")).collect();
                ambiguous.push(sanitizer.line(&format!("{shown} ({})", quoted.join(" and ")), text::MESSAGE));
                None
            }
        }
    };
    RateLimitHeaders {
        limit: get("x-ratelimit-limit", "X-RateLimit-Limit"),
        remaining: get("x-ratelimit-remaining", "X-RateLimit-Remaining"),
        reset: get("x-ratelimit-reset", "X-RateLimit-Reset"),
        retry_after: get("retry-after", "Retry-After"),
        ambiguous,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn joins_paths_onto_the_base_with_or_without_slash() {
        let a = Url::parse("https://api.clickup.com/api/v2").expect("literal");
        let b = Url::parse("https://api.clickup.com/api/v2/").expect("literal");
        assert_eq!(join(&a, "/user").map(String::from).as_deref(), Some("https://api.clickup.com/api/v2/user"));
        assert_eq!(join(&b, "/user").map(String::from).as_deref(), Some("https://api.clickup.com/api/v2/user"));
    }

    #[test]
    fn latency_classes_are_endpoints_not_ids() {
        assert_eq!(endpoint_class("/user"), "/user");
        assert_eq!(endpoint_class("/team"), "/team");
        assert_eq!(endpoint_class("/team/9012345/webhook"), "/team/{id}/webhook");
        assert_eq!(endpoint_class("/webhook/4b67ac88-0a1b"), "/webhook/{id}");
        assert_eq!(endpoint_class("/team/1/webhook?x=2"), "/team/{id}/webhook");
        assert_eq!(endpoint_class("/list/1/task"), "(another endpoint)");
    }

    #[test]
    fn only_plain_ids_become_path_segments() {
        assert_eq!(segment("9012345"), Some("9012345"));
        assert_eq!(segment("4b67ac88-0a1b-4c2d-9e3f-5a6b7c8d9e0f"), Some("4b67ac88-0a1b-4c2d-9e3f-5a6b7c8d9e0f"));
        for bad in ["", "../user", "a/b", "a?b", "a b", "%2e"] {
            assert_eq!(segment(bad), None, "{bad}");
        }
    }
}
