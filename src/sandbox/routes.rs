//! Request handling for the sandbox: authentication, the rate-limit window,
//! and the routes.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper::{Method, Request, Response, StatusCode};
use secrecy::{ExposeSecret, SecretString};
use serde_json::Value;

use super::fixtures;
use super::scenarios::{ApiMode, Scenario};

/// Path of the fake Status.io status API (ClickUp's page id).
pub const STATUS_IO_PATH: &str = "/1.0/status/5b6e0963c662144d00913a09";
/// Path of the fake Statuspage summary.
pub const STATUSPAGE_PATH: &str = "/statuspage/api/v2/summary.json";
const API_PREFIX: &str = "/api/v2";
const WINDOW: Duration = Duration::from_secs(60);

/// Shared state of one sandbox.
#[derive(Debug)]
pub struct State {
    scenario: &'static Scenario,
    token: SecretString,
    window: Mutex<Window>,
    api_requests: AtomicU64,
}

#[derive(Debug)]
struct Window {
    opened: Instant,
    opened_unix: u64,
    used: u64,
}

impl State {
    /// Fresh state: a new rate-limit window, no requests counted.
    pub fn new(scenario: &'static Scenario, token: SecretString) -> Self {
        State {
            scenario,
            token,
            window: Mutex::new(Window { opened: Instant::now(), opened_unix: unix_now(), used: 0 }),
            api_requests: AtomicU64::new(0),
        }
    }

    /// API requests served so far.
    pub fn api_requests(&self) -> u64 {
        self.api_requests.load(Ordering::Relaxed)
    }

    /// Spends one request of the window: `(limit, remaining, reset_unix,
    /// over)`, where `over` means the window had no request left for this one.
    fn spend(&self) -> (u64, u64, u64, bool) {
        let mut w = self.window.lock().unwrap_or_else(PoisonError::into_inner);
        if w.opened.elapsed() >= WINDOW {
            *w = Window { opened: Instant::now(), opened_unix: unix_now(), used: 0 };
        }
        let remaining_before = self.scenario.remaining_at_start.saturating_sub(w.used);
        w.used += 1;
        let reset = w.opened_unix + WINDOW.as_secs();
        (self.scenario.limit, remaining_before.saturating_sub(1), reset, remaining_before == 0)
    }
}

fn unix_now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

type Reply = Response<Full<Bytes>>;

fn reply(status: StatusCode, content_type: &str, body: String) -> Reply {
    let mut response = Response::new(Full::new(Bytes::from(body)));
    *response.status_mut() = status;
    if let Ok(value) = content_type.parse() {
        response.headers_mut().insert(hyper::header::CONTENT_TYPE, value);
    }
    response
}

fn json(status: StatusCode, body: &Value) -> Reply {
    reply(status, "application/json; charset=utf-8", body.to_string())
}

/// Routes one request.
pub async fn handle(state: &State, request: Request<Incoming>) -> Reply {
    let path = request.uri().path().to_owned();
    tracing::debug!(method = %request.method(), path = %path, "sandbox request");
    if request.method() != Method::GET && !path.starts_with(API_PREFIX) {
        return reply(StatusCode::METHOD_NOT_ALLOWED, "text/plain", "method not allowed\n".into());
    }
    match path.as_str() {
        STATUS_IO_PATH => json(StatusCode::OK, &fixtures::status_io(&state.scenario.platform)),
        STATUSPAGE_PATH => json(StatusCode::OK, &fixtures::statuspage(&state.scenario.platform)),
        p if p.starts_with(API_PREFIX) => api(state, &request, &p[API_PREFIX.len()..]).await,
        _ => reply(StatusCode::NOT_FOUND, "text/plain", "not found\n".into()),
    }
}

async fn api(state: &State, request: &Request<Incoming>, route: &str) -> Reply {
    state.api_requests.fetch_add(1, Ordering::Relaxed);
    let scenario = state.scenario;
    if scenario.api == ApiMode::Down {
        let page = "<html><head><title>503 Service Temporarily Unavailable</title></head><body>503</body></html>";
        return reply(StatusCode::SERVICE_UNAVAILABLE, "text/html", page.into());
    }
    let (limit, remaining, reset, over) = state.spend();
    let mut response = answer(state, request, route, over).await;
    let headers = response.headers_mut();
    for (name, value) in
        [("x-ratelimit-limit", limit), ("x-ratelimit-remaining", remaining), ("x-ratelimit-reset", reset)]
    {
        headers.insert(name, value.into());
    }
    response
}

async fn answer(state: &State, request: &Request<Incoming>, route: &str, over_limit: bool) -> Reply {
    let scenario = state.scenario;
    let presented = request.headers().get(hyper::header::AUTHORIZATION).and_then(|v| v.to_str().ok());
    let Some(presented) = presented else {
        return json(StatusCode::BAD_REQUEST, &fixtures::error("Authorization header required", "OAUTH_017"));
    };
    // ClickUp's OpenAPI shows `Bearer` for OAuth; most clients send the raw
    // token. Both are accepted, as the real API does.
    let bare = |t: &str| t.strip_prefix("Bearer ").unwrap_or(t).to_owned();
    if bare(presented) != bare(state.token.expose_secret()) || scenario.api == ApiMode::TokenRevoked {
        return json(StatusCode::UNAUTHORIZED, &fixtures::error("Token invalid", "OAUTH_025"));
    }
    if scenario.api == ApiMode::Exhausted || over_limit {
        return json(StatusCode::TOO_MANY_REQUESTS, &fixtures::error("Rate limit reached", "APP_002"));
    }
    if request.method() != Method::GET {
        return json(StatusCode::METHOD_NOT_ALLOWED, &fixtures::error("Method not allowed", "APP_001"));
    }
    match route {
        "/user" => {
            if !scenario.user_delay.is_zero() {
                tokio::time::sleep(scenario.user_delay).await;
            }
            json(StatusCode::OK, &fixtures::user())
        }
        "/team" => json(StatusCode::OK, &fixtures::teams(scenario)),
        _ => json(StatusCode::NOT_FOUND, &fixtures::error("Route not found", "APP_001")),
    }
}
