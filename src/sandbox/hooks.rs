//! The drill world's deliveries to the integration's own webhooks, so that
//! a drill judges its receiver as ClickUp would meet it.
//!
//! When the integration registers a webhook whose endpoint is plain HTTP on
//! loopback (`127.0.0.0/8`, `::1`, `localhost`) and which subscribes to a
//! task event the world produces, the world plays its [`HookSchedule`] from
//! that moment: it changes a task where the webhook listens (creates one
//! for `taskCreated`, moves one to its next status otherwise) and delivers
//! the event, signed (`X-Signature`, HMAC-SHA256 hex of the raw body under
//! the webhook's secret), to every active webhook of the integration that
//! covers it. Each answer is timed and recorded. Any other endpoint is never
//! contacted, and the journal says why. A delivery goes to a loopback
//! address the world connects to itself (no proxy, no DNS, no redirect),
//! carries no `Authorization` and nothing of the drill's token.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::{Arc, Mutex, PoisonError, Weak};
use std::time::{Duration, Instant};

use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Bytes;
use hyper_util::rt::TokioIo;
use serde_json::{Value, json};

use super::routes::State;
use super::world::{Change, EventSource};
use crate::drill::{self, DeliveryAnswer, DeliveryKind, Reach, RecoveryKind};

/// When the world delivers, as time since the first webhook it can deliver
/// to was registered. The default fits a 15 s drill: two single events
/// (0.5 s, 1 s), the second re-sent as a duplicate 300 ms after it was
/// answered, a burst of 10 events at once (2 s), and the suspension of the
/// integration's webhooks (4 s, and never before the duplicate went out).
/// Once the integration reactivates a suspended webhook or registers a new
/// one, one more single event follows after `first_single`. Tests shrink
/// every number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HookSchedule {
    /// The first single event.
    pub first_single: Duration,
    /// The second single event, which is then duplicated.
    pub second_single: Duration,
    /// How long after the second single's answer its duplicate is sent.
    pub duplicate_after: Duration,
    /// The burst.
    pub burst_at: Duration,
    /// Events in the burst, delivered at once.
    pub burst_size: usize,
    /// When the integration's webhooks are marked `suspended` and no longer
    /// delivered to.
    pub suspend_at: Duration,
    /// How long an answer may take before the delivery counts as timed out
    /// (ClickUp's 7 s, [`drill::WEBHOOK_ANSWER_LIMIT`]).
    pub answer_limit: Duration,
}

impl Default for HookSchedule {
    fn default() -> Self {
        HookSchedule {
            first_single: Duration::from_millis(500),
            second_single: Duration::from_millis(1000),
            duplicate_after: Duration::from_millis(300),
            burst_at: Duration::from_millis(2000),
            burst_size: 10,
            suspend_at: Duration::from_millis(4000),
            answer_limit: drill::WEBHOOK_ANSWER_LIMIT,
        }
    }
}

/// `fail_count` a suspended webhook shows: ClickUp suspends at 100.
const SUSPENDED_FAIL_COUNT: u32 = 100;
/// Bytes of a receiver's answer read (and thrown away) at most.
const ANSWER_CAP: usize = 64 * 1024;

/// The deliveries' live state: the schedule and what happened so far.
#[derive(Debug, Default)]
pub(super) struct Deliveries {
    schedule: HookSchedule,
    record: Mutex<Record>,
}

#[derive(Debug, Default)]
struct Record {
    registrations: Vec<drill::Registration>,
    /// Ids of the webhooks delivered to, as registered.
    delivered_to: Vec<String>,
    deliveries: Vec<(drill::Delivery, Instant)>,
    /// Each suspension with its webhook's id.
    suspensions: Vec<(String, drill::Suspension)>,
    /// What the world changes, once the schedule started.
    source: Option<EventSource>,
    /// Changes made so far.
    changes: u64,
}

impl Deliveries {
    /// No deliveries yet, playing `schedule` once a webhook can be delivered to.
    pub(super) fn new(schedule: HookSchedule) -> Self {
        Deliveries { schedule, record: Mutex::default() }
    }

    fn record(&self) -> std::sync::MutexGuard<'_, Record> {
        self.record.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// What happened so far, for the drill's judges; a delivery still
    /// waiting shows how long it has waited.
    pub(super) fn journal(&self) -> drill::Webhooks {
        let record = self.record();
        let mut deliveries: Vec<drill::Delivery> = record
            .deliveries
            .iter()
            .map(|(d, sent)| {
                let waited = if d.answer == DeliveryAnswer::Pending { sent.elapsed() } else { d.latency };
                drill::Delivery { latency: waited, ..d.clone() }
            })
            .collect();
        deliveries.sort_by_key(|d| d.at);
        drill::Webhooks {
            registrations: record.registrations.clone(),
            deliveries,
            suspensions: record.suspensions.iter().map(|(_, s)| s.clone()).collect(),
        }
    }

    /// Marks the open suspensions (of `only` that webhook, or all) as
    /// recovered; whether there was one.
    fn recover(&self, at: Duration, how: RecoveryKind, only: Option<&str>) -> bool {
        let mut record = self.record();
        let mut any = false;
        for (id, suspension) in &mut record.suspensions {
            if suspension.recovery.is_none() && only.is_none_or(|only| only == id) {
                suspension.recovery = Some(drill::Recovery { at, how });
                any = true;
            }
        }
        any
    }
}

/// The world accepted `hook` (a webhook object, as listed): records
/// whether it will be delivered to, starts the schedule on the first one
/// that will, and counts a registration after a suspension as recovering.
pub(super) fn registered(state: &State, hook: &Value) {
    let Some(world) = state.world() else { return };
    let at = journal_time(state, Instant::now());
    let id = hook["id"].as_str().unwrap_or_default().to_owned();
    let source = world.lock().unwrap_or_else(PoisonError::into_inner).event_source(hook);
    let reach = match (endpoint_of(hook), source) {
        (Err(reach), _) => reach,
        (Ok(_), None) => Reach::NoDrillEvents,
        (Ok(_), Some(_)) => Reach::Delivered,
    };
    let deliveries = &state.deliveries;
    let recovered = deliveries.recover(at, RecoveryKind::Reregistered, None);
    let starts = {
        let mut record = deliveries.record();
        record.registrations.push(drill::Registration { at, webhook: shown(&id), reach });
        let starts = reach == Reach::Delivered && record.source.is_none();
        if reach == Reach::Delivered {
            record.delivered_to.push(id);
        }
        if starts {
            record.source = source;
        }
        starts
    };
    if starts {
        tokio::spawn(play(state.me(), Instant::now()));
    } else if recovered {
        tokio::spawn(after_recovery(state.me()));
    }
}

/// The integration set webhook `id` active again (`PUT /webhook/{id}`):
/// recovers its suspension, if it had one.
pub(super) fn reactivated(state: &State, id: &str) {
    if state.world().is_none() {
        return;
    }
    let at = journal_time(state, Instant::now());
    if state.deliveries.recover(at, RecoveryKind::Reactivated, Some(id)) {
        tokio::spawn(after_recovery(state.me()));
    }
}

/// Sleeps until `start + offset`; the state, unless the sandbox stopped.
async fn until(state: &Weak<State>, start: Instant, offset: Duration) -> Option<Arc<State>> {
    tokio::time::sleep_until(tokio::time::Instant::from_std(start + offset)).await;
    state.upgrade()
}

/// Plays the schedule from `start`, the registration of the first webhook
/// delivered to.
async fn play(me: Weak<State>, start: Instant) {
    let Some(schedule) = me.upgrade().map(|s| s.deliveries.schedule) else { return };
    let Some(state) = until(&me, start, schedule.first_single).await else { return };
    emit(&state, DeliveryKind::Single);
    drop(state);
    let Some(state) = until(&me, start, schedule.second_single).await else { return };
    let mut duplicates_sent = Vec::new();
    for (target, change, body) in make_change(&state) {
        let state = Arc::clone(&state);
        let (sent, sending) = tokio::sync::oneshot::channel::<()>();
        duplicates_sent.push(sending);
        tokio::spawn(async move {
            deliver(&state, &target, &change, body.clone(), DeliveryKind::Single).await;
            tokio::time::sleep(schedule.duplicate_after).await;
            if still_active(&state, &target.id) {
                let pending = begin(&state, &target, &change, DeliveryKind::Duplicate);
                drop(sent);
                complete(&state, &target, body, pending).await;
            }
        });
    }
    drop(state);
    let Some(state) = until(&me, start, schedule.burst_at).await else { return };
    for _ in 0..schedule.burst_size {
        emit(&state, DeliveryKind::Burst);
    }
    drop(state);
    tokio::time::sleep_until(tokio::time::Instant::from_std(start + schedule.suspend_at)).await;
    // However slowly the receiver answered the single before it, the
    // duplicate goes out before the suspension.
    for sending in duplicates_sent {
        let _ = sending.await;
    }
    if let Some(state) = me.upgrade() {
        suspend(&state);
    }
}

/// One more single event once a suspended webhook is back.
async fn after_recovery(me: Weak<State>) {
    let Some(schedule) = me.upgrade().map(|s| s.deliveries.schedule) else { return };
    if let Some(state) = until(&me, Instant::now(), schedule.first_single).await {
        emit(&state, DeliveryKind::Single);
    }
}

/// Makes one change and delivers it to every webhook covering it, each in
/// its own task.
fn emit(state: &Arc<State>, kind: DeliveryKind) {
    for (target, change, body) in make_change(state) {
        let state = Arc::clone(state);
        tokio::spawn(async move { deliver(&state, &target, &change, body, kind).await });
    }
}

/// Where one delivery goes.
#[derive(Debug, Clone)]
struct Target {
    id: String,
    endpoint: Endpoint,
    secret: String,
}

/// Makes the next change where the schedule's webhook listens, and the
/// payload for each active webhook of the integration that covers it.
fn make_change(state: &State) -> Vec<(Target, Arc<Change>, Bytes)> {
    let Some(world) = state.world() else { return Vec::new() };
    let (source, n) = {
        let mut record = state.deliveries.record();
        let n = record.changes;
        record.changes += 1;
        (record.source, n)
    };
    let Some(source) = source else { return Vec::new() };
    let Some(change) = world.lock().unwrap_or_else(PoisonError::into_inner).change(source, n) else {
        return Vec::new();
    };
    state.data_changed();
    let change = Arc::new(change);
    let hooks = state.active_registered_hooks();
    let world = world.lock().unwrap_or_else(PoisonError::into_inner);
    hooks
        .iter()
        .filter(|hook| world.covers(hook, change.event, &change.task_id))
        .filter_map(|hook| {
            let target = Target {
                id: hook["id"].as_str()?.to_owned(),
                endpoint: endpoint_of(hook).ok()?,
                secret: hook["secret"].as_str()?.to_owned(),
            };
            Some((target.clone(), Arc::clone(&change), payload(&target.id, &change)))
        })
        .collect()
}

/// The delivery's body, ClickUp's shape.
fn payload(webhook_id: &str, change: &Change) -> Bytes {
    let body = json!({
        "webhook_id": webhook_id, "event": change.event, "task_id": change.task_id,
        "history_items": [change.history_item]
    });
    Bytes::from(body.to_string())
}

/// Whether webhook `id` is still listed and active.
fn still_active(state: &State, id: &str) -> bool {
    state.active_registered_hooks().iter().any(|h| h["id"] == id)
}

/// Marks every active webhook the world delivers to `suspended`, as
/// ClickUp shows it after failures, and records it.
fn suspend(state: &State) {
    let at = journal_time(state, Instant::now());
    let delivered_to = state.deliveries.record().delivered_to.clone();
    let suspended = state.suspend_hooks(&delivered_to, SUSPENDED_FAIL_COUNT);
    let mut record = state.deliveries.record();
    for id in suspended {
        let suspension = drill::Suspension { at, webhook: shown(&id), recovery: None };
        record.suspensions.push((id, suspension));
    }
}

/// Sends one delivery and records it: pending at once, then its answer.
async fn deliver(state: &State, target: &Target, change: &Change, body: Bytes, kind: DeliveryKind) {
    let pending = begin(state, target, change, kind);
    complete(state, target, body, pending).await;
}

/// A delivery recorded as sent, waiting for its answer.
struct Pending {
    index: usize,
    sent: Instant,
}

/// Records a delivery as sent now, its answer pending.
fn begin(state: &State, target: &Target, change: &Change, kind: DeliveryKind) -> Pending {
    let sent = Instant::now();
    let delivery = drill::Delivery {
        at: journal_time(state, sent),
        webhook: shown(&target.id),
        event: change.event,
        task_id: shown(&change.task_id),
        history_id: shown(&change.history_id),
        kind,
        answer: DeliveryAnswer::Pending,
        latency: Duration::ZERO,
    };
    let mut record = state.deliveries.record();
    record.deliveries.push((delivery, sent));
    Pending { index: record.deliveries.len() - 1, sent }
}

/// Sends a delivery begun by [`begin`] and records its answer.
async fn complete(state: &State, target: &Target, body: Bytes, Pending { index, sent }: Pending) {
    let limit = state.deliveries.schedule.answer_limit;
    let signature = crate::client::sign_delivery(target.secret.as_bytes(), &body);
    let (answer, latency) = match tokio::time::timeout(limit, post(&target.endpoint, body, signature)).await {
        Err(_) => (DeliveryAnswer::TimedOut, limit),
        Ok(None) => (DeliveryAnswer::NoAnswer, sent.elapsed()),
        Ok(Some(status)) => (DeliveryAnswer::Status(status), sent.elapsed()),
    };
    tracing::debug!(%answer, latency_ms = latency.as_millis() as u64, "drill delivery");
    if let Some((recorded, _)) = state.deliveries.record().deliveries.get_mut(index) {
        recorded.answer = answer;
        recorded.latency = latency;
    }
}

/// A webhook endpoint the world may deliver to: loopback addresses only.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Endpoint {
    /// Where to connect, in order (`localhost` is tried on both loopbacks).
    addrs: Vec<SocketAddr>,
    /// The `Host` header.
    host: String,
    /// The path and query.
    target: String,
}

/// The endpoint of a webhook object, or why the world never contacts it.
fn endpoint_of(hook: &Value) -> Result<Endpoint, Reach> {
    let url = hook["endpoint"].as_str().and_then(|e| reqwest::Url::parse(e).ok()).ok_or(Reach::NotLoopback)?;
    let host = url.host_str().ok_or(Reach::NotLoopback)?;
    let ips: Vec<IpAddr> = if host.eq_ignore_ascii_case("localhost") || host.eq_ignore_ascii_case("localhost.") {
        vec![Ipv4Addr::LOCALHOST.into(), Ipv6Addr::LOCALHOST.into()]
    } else {
        match host.trim_start_matches('[').trim_end_matches(']').parse::<IpAddr>() {
            Ok(ip) if ip.is_loopback() => vec![ip],
            _ => return Err(Reach::NotLoopback),
        }
    };
    if url.scheme() != "http" {
        return Err(Reach::NotPlainHttp);
    }
    let port = url.port_or_known_default().ok_or(Reach::NotPlainHttp)?;
    let target = match url.query() {
        Some(query) => format!("{}?{query}", url.path()),
        None => url.path().to_owned(),
    };
    let host = match url.port() {
        Some(port) => format!("{host}:{port}"),
        None => host.to_owned(),
    };
    Ok(Endpoint { addrs: ips.into_iter().map(|ip| SocketAddr::new(ip, port)).collect(), host, target })
}

/// Aborts the connection's driver when the delivery ends, answered or not.
struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// POSTs one signed delivery over HTTP/1.1 and reads the whole answer
/// (ClickUp times the answer, not just its status line): its status, or
/// `None` when nothing answered.
async fn post(endpoint: &Endpoint, body: Bytes, signature: String) -> Option<u16> {
    let mut stream = None;
    for addr in &endpoint.addrs {
        if let Ok(connected) = tokio::net::TcpStream::connect(addr).await {
            stream = Some(connected);
            break;
        }
    }
    let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream?)).await.ok()?;
    let _driver = AbortOnDrop(tokio::spawn(async move {
        let _ = connection.await;
    }));
    let request = hyper::Request::post(endpoint.target.as_str())
        .header(hyper::header::HOST, endpoint.host.as_str())
        .header(hyper::header::CONTENT_TYPE, "application/json")
        .header(hyper::header::USER_AGENT, "ClickUp-Preflight-Drill")
        .header(hyper::header::CONNECTION, "close")
        .header("x-signature", signature)
        .body(Full::new(body))
        .ok()?;
    let response = sender.send_request(request).await.ok()?;
    let status = response.status().as_u16();
    let _ = Limited::new(response.into_body(), ANSWER_CAP).collect().await;
    Some(status)
}

/// When `at` was on the journal's clock, in whole milliseconds as the
/// journal records requests: a request the integration sends in answer to a
/// delivery never looks earlier than the delivery.
fn journal_time(state: &State, at: Instant) -> Duration {
    let since = state.since_start(at);
    Duration::from_millis(u64::try_from(since.as_millis()).unwrap_or(u64::MAX))
}

/// An id the world made, as the journal shows it.
fn shown(id: &str) -> crate::model::OutsideText {
    crate::text::Sanitizer::shapes_only().line(id, crate::text::ID)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hook(endpoint: &str) -> Value {
        json!({"endpoint": endpoint})
    }

    #[test]
    fn only_plain_http_on_loopback_is_ever_contacted() {
        let ok = endpoint_of(&hook("http://127.0.0.1:8080/hook?x=1")).expect("loopback");
        assert_eq!(ok.addrs, [SocketAddr::from(([127, 0, 0, 1], 8080))]);
        assert_eq!((ok.host.as_str(), ok.target.as_str()), ("127.0.0.1:8080", "/hook?x=1"));
        let v6 = endpoint_of(&hook("http://[::1]:9/h")).expect("loopback v6");
        assert_eq!(v6.addrs, [SocketAddr::from((Ipv6Addr::LOCALHOST, 9))]);
        let named = endpoint_of(&hook("http://LOCALHOST:9/")).expect("localhost");
        assert_eq!(named.addrs.len(), 2);
        assert!(named.addrs.iter().all(|a| a.ip().is_loopback()));
        assert_eq!(endpoint_of(&hook("http://127.8.9.10/")).map(|e| e.addrs[0].port()), Ok(80));
        for far in [
            "http://10.0.0.1:80/",
            "http://localhost.example.com/",
            "http://127.0.0.1.nip.io/",
            "https://api.clickup.com/",
            "http://[::2]/",
            "not a url",
        ] {
            assert_eq!(endpoint_of(&hook(far)), Err(Reach::NotLoopback), "{far}");
        }
        assert_eq!(endpoint_of(&json!({})), Err(Reach::NotLoopback));
        assert_eq!(endpoint_of(&hook("https://127.0.0.1:8443/")), Err(Reach::NotPlainHttp));
    }
}
