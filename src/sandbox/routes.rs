//! Request handling for the sandbox: authentication, the rate-limit window,
//! and the routes.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError, Weak};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use http_body_util::{BodyExt, Full, Limited};
use hyper::body::{Bytes, Incoming};
use hyper::{Method, Request, Response, StatusCode};
use secrecy::SecretString;
use serde_json::Value;

use super::faults::{Fault, FaultKind};
use super::fixtures;
use super::hooks::{self, Deliveries, HookSchedule};
use super::journal::{self, DrillFacts, Journal, JournalEntry};
use super::receiver::{RECEIVER_PATH, Receiver};
use super::scenarios::{ApiMode, Scenario};
use super::tokens::{Standing, Tokens};
use super::world::World;
use crate::drill::{Fault as Applied, PhaseKind, Plan};

/// Path of the fake Status.io status API (ClickUp's page id).
pub const STATUS_IO_PATH: &str = "/1.0/status/5b6e0963c662144d00913a09";
/// Path of the fake Statuspage summary.
pub const STATUSPAGE_PATH: &str = "/statuspage/api/v2/summary.json";
const API_PREFIX: &str = "/api/v2";
const WINDOW: Duration = Duration::from_secs(60);
/// The first path segments of ClickUp's v2 resources (from its OpenAPI
/// document). Below them an unknown route gets ClickUp's JSON `APP_001`;
/// any other path gets the plain-text `404 page not found` of the router in
/// front, as the real API answers for some paths. Clients must cope with both.
const RESOURCE_PREFIXES: [&str; 14] = [
    "checklist",
    "comment",
    "folder",
    "goal",
    "group",
    "key_result",
    "list",
    "oauth",
    "space",
    "task",
    "team",
    "user",
    "view",
    "webhook",
];

/// Shared state of one sandbox: what a run changes (the rate-limit window,
/// webhooks reactivated) persists until the sandbox stops.
#[derive(Debug)]
pub(super) struct State {
    scenario: Scenario,
    /// The tokens accepted, by generation (a rotation adds one).
    pub(super) tokens: Tokens,
    window: Mutex<Window>,
    api_requests: AtomicU64,
    workspaces: Vec<(String, String)>,
    hooks: Mutex<Vec<Value>>,
    receiver: Option<Receiver>,
    faults: Vec<Fault>,
    /// The drill world and its journal, when started as one.
    world: Option<(Mutex<World>, Journal)>,
    /// The fault plan the world plays, and where it stands.
    plan: Option<(Plan, Mutex<PlanLive>)>,
    /// Bumped on every successful write to the API, so a read can tell
    /// whether the data it served changed since the last one.
    data_version: AtomicU64,
    /// Ids of the webhooks the integration registered itself.
    registered: Mutex<Vec<String>>,
    /// The world's deliveries to those webhooks.
    pub(super) deliveries: Deliveries,
    /// This state, for the tasks that deliver on a schedule (set when served).
    me: Weak<State>,
}

/// What the plan's faults remember between requests.
#[derive(Debug, Default)]
struct PlanLive {
    /// Requests spent of the rate-limit phase's small window.
    window_used: u32,
    /// The `X-RateLimit-Reset` (Unix seconds) of the spent window.
    window_reset: Option<u64>,
    /// Requests seen in server-error phases, for the deterministic share.
    server_seen: u64,
}

/// How the plan decides one request.
enum Decision {
    /// The plan answers in the API's place.
    Forced(Box<Reply>, DrillFacts),
    /// Answered by the API, with the small window's headers instead.
    Window { limit: u64, remaining: u64, reset_unix: u64 },
    /// Answered by the API as it is.
    Pass,
}

/// Path of the sandbox's own counters (not part of ClickUp's API).
pub const STATS_PATH: &str = "/sandbox/stats";
/// Path of the drill world's journal, as JSON lines (not part of ClickUp's API).
pub const JOURNAL_PATH: &str = "/sandbox/journal";

#[derive(Debug)]
struct Window {
    opened: Instant,
    opened_unix: u64,
    used: u64,
}

impl State {
    /// Fresh state: a new rate-limit window, no requests counted, the
    /// scenario's webhooks, and a receiver when asked for.
    pub(super) fn new(
        scenario: Scenario,
        token: SecretString,
        receiver: Option<Receiver>,
        faults: Vec<Fault>,
        scale: Option<(usize, usize)>,
    ) -> Self {
        let (workspaces, hooks) = match scale.or(scenario.generated) {
            Some((w, per)) => fixtures::generated(w, per),
            None => (
                scenario.workspaces.iter().map(|(id, name)| ((*id).to_owned(), (*name).to_owned())).collect(),
                scenario.webhooks.iter().map(|h| fixtures::webhook(&scenario, h)).collect(),
            ),
        };
        State {
            scenario,
            tokens: Tokens::new(token),
            window: Mutex::new(Window { opened: Instant::now(), opened_unix: unix_now(), used: 0 }),
            api_requests: AtomicU64::new(0),
            workspaces,
            hooks: Mutex::new(hooks),
            receiver,
            faults,
            world: None,
            plan: None,
            data_version: AtomicU64::new(0),
            registered: Mutex::new(Vec::new()),
            deliveries: Deliveries::default(),
            me: Weak::new(),
        }
    }

    /// The same state delivering to the integration's webhooks on `schedule`.
    pub(super) fn with_hook_schedule(self, schedule: HookSchedule) -> Self {
        State { deliveries: Deliveries::new(schedule), ..self }
    }

    /// The state, shared, knowing itself so that scheduled deliveries can
    /// reach it (and stop once the sandbox is gone).
    pub(super) fn into_shared(self) -> Arc<State> {
        Arc::new_cyclic(|me| State { me: me.clone(), ..self })
    }

    /// A weak handle on this state (dangling before [`State::into_shared`]).
    pub(super) fn me(&self) -> Weak<State> {
        self.me.clone()
    }

    /// The drill world's data, when one runs.
    pub(super) fn world(&self) -> Option<&Mutex<World>> {
        self.world.as_ref().map(|(world, _)| world)
    }

    /// Time since the journal started (the plan's clock); zero without a world.
    pub(super) fn since_start(&self, at: Instant) -> Duration {
        self.world.as_ref().map(|(_, journal)| journal.elapsed(at)).unwrap_or_default()
    }

    /// Counts a change to the world's data made by the world itself.
    pub(super) fn data_changed(&self) {
        self.data_version.fetch_add(1, Ordering::Relaxed);
    }

    /// The webhooks the integration registered that are listed and active.
    pub(super) fn active_registered_hooks(&self) -> Vec<Value> {
        let registered = self.registered.lock().unwrap_or_else(PoisonError::into_inner).clone();
        let hooks = self.hooks.lock().unwrap_or_else(PoisonError::into_inner);
        hooks
            .iter()
            .filter(|h| registered.iter().any(|id| h["id"] == id.as_str()) && h["health"]["status"] == "active")
            .cloned()
            .collect()
    }

    /// Marks the active webhooks among `ids` suspended with `fail_count`,
    /// as ClickUp lists them; the ids it suspended.
    pub(super) fn suspend_hooks(&self, ids: &[String], fail_count: u32) -> Vec<String> {
        let mut hooks = self.hooks.lock().unwrap_or_else(PoisonError::into_inner);
        let mut suspended = Vec::new();
        for hook in hooks.iter_mut() {
            let Some(id) = hook["id"].as_str().map(str::to_owned) else { continue };
            if ids.contains(&id) && hook["health"]["status"] == "active" {
                hook["health"] = serde_json::json!({"status": "suspended", "fail_count": fail_count});
                suspended.push(id);
            }
        }
        suspended
    }

    /// The same state with the drill world seeded in its workspaces, and a
    /// journal of every API request from now on.
    pub(super) fn with_world(self) -> Self {
        let ids: Vec<String> = self.workspaces.iter().map(|(id, _)| id.clone()).collect();
        State { world: Some((Mutex::new(World::seed(&ids)), Journal::new())), ..self }
    }

    /// The same state playing `plan` from the journal's start (a world only).
    pub(super) fn with_plan(self, plan: Option<Plan>) -> Self {
        State { plan: plan.map(|p| (p, Mutex::new(PlanLive::default()))), ..self }
    }

    /// The plan the world plays, if any.
    pub(super) fn plan(&self) -> Option<&Plan> {
        self.plan.as_ref().map(|(plan, _)| plan)
    }

    /// The journal so far (empty when no world runs).
    pub(super) fn journal(&self) -> Vec<JournalEntry> {
        self.world.as_ref().map(|(_, journal)| journal.entries()).unwrap_or_default()
    }

    /// What the journal records of a request before it is answered: `None`
    /// when no world runs or the path is not the API's. The path and query
    /// are masked of the token and anything token-shaped.
    fn seen(&self, request: &Request<Incoming>) -> Option<(JournalEntry, Instant)> {
        let (_, journal) = self.world.as_ref()?;
        let path = request.uri().path();
        let route = path.strip_prefix(API_PREFIX)?;
        let arrived = Instant::now();
        let segments: Vec<&str> = route.trim_matches('/').split('/').collect();
        let token = self.tokens.seen(request.headers().get(hyper::header::AUTHORIZATION).map(|v| v.to_str().ok()));
        let entry = JournalEntry {
            at_ms: journal.elapsed_ms(arrived),
            duration_ms: 0,
            method: request.method().to_string(),
            path: self.mask(path),
            query: request.uri().query().map(|q| self.mask(q)),
            route: journal::template(&segments).map(str::to_owned),
            status: None,
            fault: None,
            token,
            rate_limit_remaining: None,
            phase: None,
            drill: DrillFacts::default(),
        };
        Some((entry, arrived))
    }

    fn mask(&self, text: &str) -> String {
        crate::redact::scrub_token_like(&self.tokens.mask(text))
    }

    /// Time on the world's clock (the plan's), zero when no world runs.
    pub(super) fn elapsed(&self) -> Duration {
        self.world.as_ref().map(|(_, journal)| journal.elapsed(Instant::now())).unwrap_or_default()
    }

    /// Completes and appends an entry begun by [`State::seen`].
    fn record(
        &self,
        seen: Option<(JournalEntry, Instant)>,
        status: Option<u16>,
        fault: Option<String>,
        remaining: Option<u64>,
        drill: DrillFacts,
    ) {
        let (Some((entry, arrived)), Some((_, journal))) = (seen, self.world.as_ref()) else { return };
        let duration_ms = arrived.elapsed().as_millis() as u64;
        let phase = drill.phase.map(|p| p.as_str().to_owned());
        journal.record(JournalEntry {
            duration_ms,
            status,
            fault,
            rate_limit_remaining: remaining,
            phase,
            drill,
            ..entry
        });
    }

    /// What the plan does with an API request that arrived at `arrived`:
    /// `None` when no plan runs or the path is not the API's.
    fn plan_decision(&self, arrived: Instant, path: &str) -> Option<(PhaseKind, Decision)> {
        let ((plan, live), (_, journal)) = (self.plan.as_ref()?, self.world.as_ref()?);
        path.strip_prefix(API_PREFIX)?;
        let at = journal.elapsed(arrived);
        let phase = plan.phase_at(at);
        let forced = |reply, fault, ecode| {
            let facts = DrillFacts { fault: Some(fault), phase: Some(phase), ecode, ..DrillFacts::default() };
            Decision::Forced(Box::new(reply), facts)
        };
        let mut live = live.lock().unwrap_or_else(PoisonError::into_inner);
        let decision = match phase {
            PhaseKind::Outage => forced(gateway_page(StatusCode::SERVICE_UNAVAILABLE), Applied::Outage, None),
            PhaseKind::AuthFault => forced(
                json(StatusCode::UNAUTHORIZED, &fixtures::error("Token invalid", "OAUTH_025")),
                Applied::AuthFault,
                Some("OAUTH_025"),
            ),
            PhaseKind::ServerErrors => {
                let n = live.server_seen;
                live.server_seen += 1;
                if plan.server_error_hits(n) {
                    let (reply, ecode) = server_error(n);
                    forced(reply, Applied::ServerError, ecode)
                } else {
                    Decision::Pass
                }
            }
            PhaseKind::RateLimit => {
                if live.window_reset.is_some_and(|reset| journal.since_start(reset) <= at) {
                    *live = PlanLive { window_used: 0, window_reset: None, ..*live };
                }
                let limit = u64::from(plan.rate_window);
                if live.window_used < plan.rate_window {
                    live.window_used += 1;
                    let remaining = limit - u64::from(live.window_used);
                    Decision::Window { limit, remaining, reset_unix: journal.reset_header(at + plan.reset_after) }
                } else {
                    let reset_unix = *live.window_reset.get_or_insert(journal.reset_header(at + plan.reset_after));
                    let reply = with_rate_limit(rate_limit_reached(), limit, 0, reset_unix);
                    forced(reply, Applied::RateLimited { reset: journal.since_start(reset_unix) }, Some("APP_002"))
                }
            }
            PhaseKind::WarmUp | PhaseKind::Normal | PhaseKind::TokenRotation => Decision::Pass,
        };
        Some((phase, decision))
    }

    /// The facts of an answer the API gave itself; bumps the data version
    /// when it was a successful write.
    fn facts(&self, method: &Method, path: &str, reply: &Reply, phase: Option<PhaseKind>) -> DrillFacts {
        let header = |name: &str| reply.headers().get(name).and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
        let Some(below_api) = path.strip_prefix(API_PREFIX) else {
            return DrillFacts { phase, ..DrillFacts::default() };
        };
        let success = reply.status().is_success();
        if success && method != Method::GET {
            self.data_version.fetch_add(1, Ordering::Relaxed);
        }
        let journal = self.world.as_ref().map(|(_, journal)| journal);
        let exhausted = (reply.status() == StatusCode::TOO_MANY_REQUESTS)
            .then(|| Some(Applied::WindowExhausted { reset: journal?.since_start(header("x-ratelimit-reset")?) }))
            .flatten();
        let revoked = reply.extensions().get::<RevokedByRotation>().map(|_| Applied::RevokedToken);
        let segments: Vec<&str> = below_api.trim_matches('/').split('/').collect();
        DrillFacts {
            fault: exhausted.or(revoked),
            phase,
            ecode: exhausted.map(|_| "APP_002").or(revoked.map(|_| "OAUTH_025")),
            rate_limit: header("x-ratelimit-limit"),
            rate_reset: self.reset_of(reply),
            data_version: (success && method == Method::GET).then(|| self.data_version.load(Ordering::Relaxed)),
            covered_by_webhook: self.covered_by_webhook(&segments),
        }
    }

    /// Whether an active webhook the integration registered covers the
    /// list or task a path names: one filtered on that list or task, or
    /// one with no location filter (the whole team).
    fn covered_by_webhook(&self, segments: &[&str]) -> bool {
        let registered = self.registered.lock().unwrap_or_else(PoisonError::into_inner);
        let hooks = self.hooks.lock().unwrap_or_else(PoisonError::into_inner);
        let same_id = |value: &Value, id: &str| match value {
            Value::String(s) => s == id,
            Value::Number(n) => n.to_string() == id,
            _ => false,
        };
        hooks
            .iter()
            .filter(|h| registered.iter().any(|id| h["id"] == id.as_str()) && h["health"]["status"] == "active")
            .any(|h| {
                let team_wide = ["task_id", "list_id", "folder_id", "space_id"].iter().all(|k| h[*k].is_null());
                team_wide
                    || match segments {
                        ["list", id, ..] => same_id(&h["list_id"], id),
                        ["task", id, ..] => same_id(&h["task_id"], id),
                        _ => false,
                    }
            })
    }

    /// When an answer's `X-RateLimit-Reset` says its window reopens, on the
    /// journal's clock; `None` without the header or a world.
    fn reset_of(&self, reply: &Reply) -> Option<Duration> {
        let (_, journal) = self.world.as_ref()?;
        Some(journal.since_start(header_number(reply, "x-ratelimit-reset")?))
    }

    /// API requests served so far.
    pub(super) fn api_requests(&self) -> u64 {
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

/// The router's own 404, not ClickUp's JSON error shape.
fn page_not_found() -> Reply {
    reply(StatusCode::NOT_FOUND, "text/plain; charset=utf-8", "404 page not found\n".into())
}

/// 401 `OAUTH_027`: ClickUp's answer for a team or webhook id the token
/// cannot reach, including one that does not exist.
fn team_not_authorized() -> Reply {
    json(StatusCode::UNAUTHORIZED, &fixtures::error("Team not authorized", "OAUTH_027"))
}

/// Sets the three `X-RateLimit-*` headers.
fn with_rate_limit(mut response: Reply, limit: u64, remaining: u64, reset_unix: u64) -> Reply {
    let headers = response.headers_mut();
    for (name, value) in
        [("x-ratelimit-limit", limit), ("x-ratelimit-remaining", remaining), ("x-ratelimit-reset", reset_unix)]
    {
        headers.insert(name, value.into());
    }
    response
}

/// A fault that ends the connection without an answer.
#[derive(Debug)]
pub(super) struct ConnectionReset;

impl std::fmt::Display for ConnectionReset {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("connection reset by an injected fault")
    }
}

impl std::error::Error for ConnectionReset {}

/// Routes one request, after any injected faults.
pub(super) async fn handle(state: &State, request: Request<Incoming>) -> Result<Reply, ConnectionReset> {
    let path = request.uri().path().to_owned();
    let seen = state.seen(&request);
    let mut decided = None;
    let mut delayed = None;
    for fault in &state.faults {
        if !fault.hits(&path) {
            continue;
        }
        match (&fault.kind, fault.delay()) {
            (kind, Some(delay)) => {
                delayed = Some(kind.spec());
                tokio::time::sleep(delay).await;
            }
            (kind, None) if decided.is_none() => decided = Some(kind.clone()),
            _ => {}
        }
    }
    if let Some(kind) = decided {
        tracing::debug!(path = %path, fault = ?kind, "sandbox fault");
        if path.starts_with(API_PREFIX) {
            state.api_requests.fetch_add(1, Ordering::Relaxed);
        }
        // Recorded before answering: a hang never answers.
        let remaining = (kind == FaultKind::Status(429)).then_some(0);
        let applied = match kind.status() {
            None => Some(Applied::Outage),
            Some(500..) => Some(Applied::ServerError),
            Some(_) => None,
        };
        state.record(
            seen,
            kind.status(),
            Some(kind.spec()),
            remaining,
            DrillFacts { fault: applied, ..DrillFacts::default() },
        );
        return faulty(kind, &path, state.scenario.limit).await;
    }
    let decision = seen.as_ref().and_then(|(_, arrived)| state.plan_decision(*arrived, &path));
    let phase = decision.as_ref().map(|(phase, _)| *phase);
    let method = request.method().clone();
    let reply = match decision.map(|(_, d)| d) {
        Some(Decision::Forced(reply, facts)) => {
            state.api_requests.fetch_add(1, Ordering::Relaxed);
            let remaining = header_number(&reply, "x-ratelimit-remaining");
            let facts = DrillFacts {
                rate_limit: header_number(&reply, "x-ratelimit-limit"),
                rate_reset: state.reset_of(&reply),
                ..facts
            };
            let spec = facts.fault.map(|f| format!("plan:{}", f.as_str()));
            state.record(seen, Some(reply.status().as_u16()), spec, remaining, facts);
            return Ok(*reply);
        }
        Some(Decision::Window { limit, remaining, reset_unix }) => {
            with_rate_limit(route(state, request).await, limit, remaining, reset_unix)
        }
        Some(Decision::Pass) | None => route(state, request).await,
    };
    let remaining = header_number(&reply, "x-ratelimit-remaining");
    let facts = state.facts(&method, &path, &reply, phase);
    state.record(seen, Some(reply.status().as_u16()), delayed, remaining, facts);
    Ok(reply)
}

/// A numeric header of an answer.
fn header_number(reply: &Reply, name: &str) -> Option<u64> {
    reply.headers().get(name).and_then(|v| v.to_str().ok()?.parse().ok())
}

/// The `n`-th failure of the server-error phase: a 500 from the API with
/// an error body, or a 502 or 503 page from a gateway in front of it,
/// in turn.
fn server_error(n: u64) -> (Reply, Option<&'static str>) {
    match n % 3 {
        0 => (
            json(StatusCode::INTERNAL_SERVER_ERROR, &fixtures::error("Internal server error", "SANDBOX_500")),
            Some("SANDBOX_500"),
        ),
        1 => (gateway_page(StatusCode::BAD_GATEWAY), None),
        _ => (gateway_page(StatusCode::SERVICE_UNAVAILABLE), None),
    }
}

/// A load balancer's HTML error page, answered before the API: no
/// rate-limit headers, no JSON.
fn gateway_page(status: StatusCode) -> Reply {
    let page = format!("<html><head><title>{status}</title></head><body>{status}</body></html>");
    reply(status, "text/html", page)
}

/// The answer an injected fault gives instead of the real one. An injected
/// 429 is the API's own answer, so it has ClickUp's body and the rate-limit
/// headers (the window spent, reset 1 s away so retries stay fast); other
/// injected statuses model a failure in front of the API (a gateway or load
/// balancer), which reports no window.
async fn faulty(kind: FaultKind, path: &str, limit: u64) -> Result<Reply, ConnectionReset> {
    Ok(match kind {
        FaultKind::Reset => return Err(ConnectionReset),
        FaultKind::Hang => {
            tokio::time::sleep(Duration::from_secs(3600)).await;
            return Err(ConnectionReset);
        }
        FaultKind::Status(429) => {
            let mut r = with_rate_limit(rate_limit_reached(), limit, 0, unix_now() + 1);
            r.headers_mut().insert("retry-after", 1.into());
            r
        }
        FaultKind::Status(code) => {
            let status = StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            json(status, &fixtures::error("Injected fault", &format!("SANDBOX_{code}")))
        }
        FaultKind::Truncate => reply(StatusCode::OK, "application/json", r#"{"user": {"id": 1000001, "userna"#.into()),
        FaultKind::Malformed => reply(StatusCode::OK, "application/json", "{\"user\": {\"id\": 1000001,,}".into()),
        FaultKind::WrongContentType => {
            reply(StatusCode::OK, "text/html", "<!doctype html><html><body>Sign in to continue</body></html>".into())
        }
        FaultKind::Oversized => reply(StatusCode::OK, "application/json", "x".repeat(8 * 1024 * 1024)),
        FaultKind::Redirect => {
            let mut r = reply(StatusCode::FOUND, "text/plain", String::new());
            if let Ok(location) = format!("http://127.0.0.2:9{path}").parse() {
                r.headers_mut().insert(hyper::header::LOCATION, location);
            }
            r
        }
        FaultKind::Latency { .. } => reply(StatusCode::INTERNAL_SERVER_ERROR, "text/plain", String::new()),
    })
}

/// Routes one request.
async fn route(state: &State, request: Request<Incoming>) -> Reply {
    let (parts, body) = request.into_parts();
    let path = parts.uri.path().to_owned();
    tracing::debug!(method = %parts.method, path = %path, "sandbox request");
    // ClickUp's request bodies are small; a sandbox has no reason to buffer more.
    let Ok(body) = Limited::new(body, 1024 * 1024).collect().await.map(http_body_util::Collected::to_bytes) else {
        return reply(StatusCode::PAYLOAD_TOO_LARGE, "text/plain", "body too large\n".into());
    };
    let incoming = Parts { method: &parts.method, headers: &parts.headers, query: parts.uri.query(), body: &body };
    match (path.as_str(), &state.receiver) {
        (RECEIVER_PATH, Some(receiver)) if parts.method == Method::POST => {
            let signature = parts.headers.get("x-signature").and_then(|v| v.to_str().ok());
            let status = receiver.answer(signature, &body).await;
            reply(StatusCode::from_u16(status).unwrap_or(StatusCode::OK), "text/plain", String::new())
        }
        _ if parts.method != Method::GET && !path.starts_with(API_PREFIX) => {
            reply(StatusCode::METHOD_NOT_ALLOWED, "text/plain", "method not allowed\n".into())
        }
        (STATS_PATH, _) => {
            let stats = serde_json::json!({"api_requests": state.api_requests(), "scenario": state.scenario.name});
            json(StatusCode::OK, &stats)
        }
        (JOURNAL_PATH, _) => match &state.world {
            Some((_, journal)) => reply(StatusCode::OK, "application/x-ndjson", journal.json_lines()),
            None => page_not_found(),
        },
        (STATUS_IO_PATH, _) => json(StatusCode::OK, &fixtures::status_io(&state.scenario.platform)),
        (STATUSPAGE_PATH, _) => json(StatusCode::OK, &fixtures::statuspage(&state.scenario.platform)),
        (p, _) if p.starts_with(API_PREFIX) => api(state, &incoming, &p[API_PREFIX.len()..]).await,
        _ => page_not_found(),
    }
}

/// The parts of a request the API routes read.
struct Parts<'a> {
    method: &'a Method,
    headers: &'a hyper::HeaderMap,
    query: Option<&'a str>,
    body: &'a [u8],
}

/// Every answer of the API itself carries the rate-limit headers, errors and
/// 404s included. The `outage` scenario does not: it models a load
/// balancer's 503 page, answered before any request reaches the API.
async fn api(state: &State, request: &Parts<'_>, route: &str) -> Reply {
    state.api_requests.fetch_add(1, Ordering::Relaxed);
    let scenario = state.scenario;
    if scenario.api == ApiMode::Down {
        let page = "<html><head><title>503 Service Temporarily Unavailable</title></head><body>503</body></html>";
        return reply(StatusCode::SERVICE_UNAVAILABLE, "text/html", page.into());
    }
    let (limit, remaining, reset, over) = state.spend();
    with_rate_limit(answer(state, request, route, over).await, limit, remaining, reset)
}

/// Marks an answer refused because a rotation revoked its token.
#[derive(Debug, Clone, Copy)]
struct RevokedByRotation;

/// 429 `APP_002`, as ClickUp answers a spent window.
fn rate_limit_reached() -> Reply {
    json(StatusCode::TOO_MANY_REQUESTS, &fixtures::error("Rate limit reached", "APP_002"))
}

async fn answer(state: &State, request: &Parts<'_>, route: &str, over_limit: bool) -> Reply {
    let scenario = state.scenario;
    let segments: Vec<&str> = route.trim_matches('/').split('/').collect();
    if !segments.first().is_some_and(|first| RESOURCE_PREFIXES.contains(first)) {
        return page_not_found();
    }
    let presented = request.headers.get(hyper::header::AUTHORIZATION).and_then(|v| v.to_str().ok());
    let Some(presented) = presented else {
        return json(StatusCode::BAD_REQUEST, &fixtures::error("Authorization header required", "OAUTH_017"));
    };
    // ClickUp's OpenAPI shows `Bearer` for OAuth; most clients send the raw
    // token. Both are accepted, as the real API does.
    match state.tokens.standing(presented) {
        Standing::Valid(_) if scenario.api != ApiMode::TokenRevoked => {}
        // ClickUp documents OAUTH_025 "Token invalid" for a revoked personal
        // token; the extension tells the journal it was a rotation's doing.
        Standing::Revoked(_) => {
            let mut refused = json(StatusCode::UNAUTHORIZED, &fixtures::error("Token invalid", "OAUTH_025"));
            refused.extensions_mut().insert(RevokedByRotation);
            return refused;
        }
        _ => return json(StatusCode::UNAUTHORIZED, &fixtures::error("Token invalid", "OAUTH_025")),
    }
    if scenario.api == ApiMode::Exhausted || over_limit {
        return rate_limit_reached();
    }
    if let Some(world) = &state.world {
        if let Some(reply) = world_answer(state, world, request, &segments) {
            return reply;
        }
    }
    match (request.method, segments.as_slice()) {
        (&Method::GET, ["user"]) => {
            if !scenario.user_delay.is_zero() {
                tokio::time::sleep(scenario.user_delay).await;
            }
            json(StatusCode::OK, &fixtures::user())
        }
        (&Method::GET, ["team"]) => json(StatusCode::OK, &fixtures::teams(&state.workspaces)),
        (&Method::GET, ["team", team_id, "webhook"]) => list_webhooks(state, team_id),
        (&Method::PUT, ["webhook", webhook_id]) => update_webhook(state, webhook_id, request.body),
        (_, ["user" | "team"] | ["team", _, "webhook"] | ["webhook", _]) => {
            json(StatusCode::METHOD_NOT_ALLOWED, &fixtures::error("Method not allowed", "APP_001"))
        }
        _ => json(StatusCode::NOT_FOUND, &fixtures::error("Route not found", "APP_001")),
    }
}

/// The drill world's routes: its hierarchy and tasks, and creating and
/// deleting webhooks (which the other scenarios do not model). `None` for
/// any other route.
fn world_answer(
    state: &State,
    world: &(Mutex<World>, Journal),
    request: &Parts<'_>,
    segments: &[&str],
) -> Option<Reply> {
    match (request.method, segments) {
        (&Method::POST, ["team", team_id, "webhook"]) => Some(create_webhook(state, team_id, request.body)),
        (&Method::DELETE, ["webhook", webhook_id]) => Some(delete_webhook(state, webhook_id)),
        _ => {
            let mut world = world.0.lock().unwrap_or_else(PoisonError::into_inner);
            let (status, body) = world.answer(request.method, segments, request.query, request.body)?;
            Some(match body {
                Some(body) => json(status, &body),
                None => reply(status, "text/plain", String::new()),
            })
        }
    }
}

/// `POST /team/{id}/webhook`: `endpoint` (a URL) and `events` (`"*"` or a
/// list of names) are required; the location ids are kept as given. The
/// answer is `{"id", "webhook"}` with a fresh secret, and the webhook is
/// listed from then on.
fn create_webhook(state: &State, team_id: &str, body: &[u8]) -> Reply {
    if !state.workspaces.iter().any(|(id, _)| id == team_id) {
        return team_not_authorized();
    }
    let Ok(request) = serde_json::from_slice::<Value>(body) else {
        return json(StatusCode::BAD_REQUEST, &fixtures::error("Body must be JSON", "INPUT_001"));
    };
    if !request["endpoint"].as_str().is_some_and(|e| e.starts_with("http://") || e.starts_with("https://")) {
        return json(StatusCode::BAD_REQUEST, &fixtures::error("endpoint is required (a URL)", "INPUT_004"));
    }
    if !events_valid(&request["events"]) {
        return json(
            StatusCode::BAD_REQUEST,
            &fixtures::error("events is required (\"*\" or a list of event names)", "INPUT_004"),
        );
    }
    let id = fresh_uuid();
    let location = |key: &str| request.get(key).cloned().unwrap_or(Value::Null);
    let hook = serde_json::json!({
        "id": id, "userid": 1000001, "team_id": team_id.parse::<u64>().unwrap_or(0), "endpoint": request["endpoint"],
        "client_id": "SANDBOXCLIENT", "events": request["events"], "task_id": location("task_id"),
        "list_id": location("list_id"), "folder_id": location("folder_id"), "space_id": location("space_id"),
        "health": {"status": "active", "fail_count": 0}, "secret": crate::token::random_alnum(64)
    });
    state.hooks.lock().unwrap_or_else(PoisonError::into_inner).push(hook.clone());
    state.registered.lock().unwrap_or_else(PoisonError::into_inner).push(id.clone());
    hooks::registered(state, &hook);
    json(StatusCode::OK, &serde_json::json!({ "id": id, "webhook": hook }))
}

/// `DELETE /webhook/{id}` answers `{}`; an id that does not exist is 401
/// `OAUTH_027`, as ClickUp answers it.
fn delete_webhook(state: &State, webhook_id: &str) -> Reply {
    let mut hooks = state.hooks.lock().unwrap_or_else(PoisonError::into_inner);
    let Some(index) = hooks.iter().position(|h| h["id"] == webhook_id) else {
        return team_not_authorized();
    };
    hooks.remove(index);
    json(StatusCode::OK, &serde_json::json!({}))
}

/// A version-4-shaped UUID from the process's random source; it protects
/// nothing, it only has to be unique within a run.
fn fresh_uuid() -> String {
    let hex = crate::token::random_alnum(32).bytes().map(|b| format!("{:x}", b % 16)).collect::<String>();
    format!("{}-{}-4{}-8{}-{}", &hex[..8], &hex[8..12], &hex[13..16], &hex[17..20], &hex[20..32])
}

/// `GET /team/{id}/webhook`; a workspace the token cannot reach is 401
/// `OAUTH_027`, as ClickUp answers.
fn list_webhooks(state: &State, team_id: &str) -> Reply {
    if !state.workspaces.iter().any(|(id, _)| id == team_id) {
        return team_not_authorized();
    }
    let hooks = state.hooks.lock().unwrap_or_else(PoisonError::into_inner);
    let listed: Vec<&Value> =
        hooks.iter().filter(|h| h["team_id"].as_u64().is_some_and(|n| n.to_string() == team_id)).collect();
    json(StatusCode::OK, &serde_json::json!({ "webhooks": listed }))
}

/// `PUT /webhook/{id}`: ClickUp's OpenAPI document requires `endpoint`,
/// `events` (`"*"` or a list of names) and `status`, so a body missing any
/// of them is 400, never read as "all events". `status: "active"`
/// reactivates (health back to active, fail_count 0); `endpoint` and
/// `events` are set as given. An id that does not exist is 401 `OAUTH_027`,
/// as ClickUp answers it. The answer is `{"id", "webhook"}`.
fn update_webhook(state: &State, webhook_id: &str, body: &[u8]) -> Reply {
    let Ok(update) = serde_json::from_slice::<Value>(body) else {
        return json(StatusCode::BAD_REQUEST, &fixtures::error("Body must be JSON", "INPUT_001"));
    };
    if let Err(problem) = required_update_fields(&update) {
        return json(StatusCode::BAD_REQUEST, &fixtures::error(problem, "INPUT_004"));
    }
    let mut hooks = state.hooks.lock().unwrap_or_else(PoisonError::into_inner);
    let Some(hook) = hooks.iter_mut().find(|h| h["id"] == webhook_id) else {
        return team_not_authorized();
    };
    if update["status"] != "active" {
        return json(StatusCode::BAD_REQUEST, &fixtures::error("Status must be active", "INPUT_002"));
    }
    hook["health"] = serde_json::json!({"status": "active", "fail_count": 0});
    for key in ["endpoint", "events"] {
        hook[key] = update[key].clone();
    }
    let answer = serde_json::json!({ "id": webhook_id, "webhook": hook.clone() });
    drop(hooks);
    hooks::reactivated(state, webhook_id);
    json(StatusCode::OK, &answer)
}

/// The sandbox's own wording for a body that lacks a field ClickUp's
/// OpenAPI document marks required (the real message is not recorded).
fn required_update_fields(update: &Value) -> Result<(), &'static str> {
    if !update["endpoint"].is_string() {
        Err("endpoint is required (a URL)")
    } else if !events_valid(&update["events"]) {
        Err("events is required (\"*\" or a list of event names)")
    } else if !update["status"].is_string() {
        Err("status is required")
    } else {
        Ok(())
    }
}

/// `events` as ClickUp takes it: `"*"` or a list of names.
fn events_valid(events: &Value) -> bool {
    match events {
        Value::String(one) => one == "*",
        Value::Array(list) => list.iter().all(Value::is_string),
        _ => false,
    }
}
