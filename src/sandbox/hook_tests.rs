//! End to end: an integration written here registers a webhook in the
//! drill world, receives the world's signed deliveries on its own receiver
//! over loopback, and watches (or not) its webhook's health; the webhook
//! judges read the recorded journal. The schedule is shrunk so each drill
//! lasts about a second.

use std::collections::HashSet;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use secrecy::SecretString;
use serde_json::{Value, json};
use tokio::net::TcpListener;

use super::plan_tests::{TOKEN, exchange};
use super::{HookSchedule, Sandbox, ScenarioName};
use crate::drill::{self, DeliveryAnswer, DeliveryKind, DrillStatus, Reach, RecoveryKind};

const TEAM: &str = "9012345";
/// A list of the seeded team, watched by the integration's webhook.
const LIST: &str = "901100200301";
/// How long a synchronous receiver works on each delivery before answering.
const SYNC_WORK: Duration = Duration::from_millis(60);
/// How often the integration reads its webhook listing, when it does.
const WATCH_EVERY: Duration = Duration::from_millis(100);

/// The world's schedule, shrunk: the whole drill lasts about a second.
fn schedule() -> HookSchedule {
    HookSchedule {
        first_single: Duration::from_millis(100),
        second_single: Duration::from_millis(200),
        duplicate_after: Duration::from_millis(50),
        burst_at: Duration::from_millis(350),
        burst_size: 10,
        suspend_at: Duration::from_millis(700),
        answer_limit: drill::WEBHOOK_ANSWER_LIMIT,
    }
}

/// What the integration does about its webhook's health.
#[derive(Clone, Copy, PartialEq)]
enum Watch {
    /// Never reads the listing.
    Ignores,
    /// Reads the listing, does nothing.
    Reads,
    /// Reads the listing and reactivates a suspended webhook.
    Reactivates,
    /// Reads the listing and registers a new webhook for a suspended one.
    Reregisters,
}

/// How the integration's receiver behaves.
#[derive(Clone, Copy)]
struct Manners {
    /// Works (reads the event's task) before answering, one delivery at a
    /// time; otherwise answers at once and works afterwards.
    synchronous: bool,
    /// Skips a history item it has already processed.
    dedupes: bool,
    /// Answers a history item it has already seen with 409.
    refuses_duplicates: bool,
    /// Waits this long before answering its first delivery.
    first_answer_after: Duration,
    watch: Watch,
}

const WELL_BEHAVED: Manners = Manners {
    synchronous: false,
    dedupes: true,
    refuses_duplicates: false,
    first_answer_after: Duration::ZERO,
    watch: Watch::Reactivates,
};

/// The integration: its receiver's state and what it saw.
struct Integration {
    manners: Manners,
    api: SocketAddr,
    secret: Mutex<Option<String>>,
    seen: Mutex<HashSet<String>>,
    bodies: Mutex<Vec<Value>>,
    serial: tokio::sync::Mutex<()>,
    answered: AtomicUsize,
    /// Events being processed after their answer.
    busy: AtomicUsize,
    bad_signatures: AtomicUsize,
    saw_credentials: AtomicBool,
    /// Set when the drill ends.
    stop: AtomicBool,
}

/// Sends a request to the world from a blocking thread; status and body.
async fn call(api: SocketAddr, method: &'static str, path: String, body: String) -> Option<(u16, Value)> {
    let text = tokio::task::spawn_blocking(move || exchange(api, method, &path, &body)).await.ok()??;
    let status = text.split(' ').nth(1)?.parse().ok()?;
    let body = text.split_once("\r\n\r\n").map(|(_, b)| serde_json::from_str(b).unwrap_or(Value::Null))?;
    Some((status, body))
}

impl Integration {
    async fn secret(&self) -> Option<String> {
        // The first delivery may race the registration's answer.
        for _ in 0..200 {
            if let Some(secret) = self.secret.lock().unwrap_or_else(PoisonError::into_inner).clone() {
                return Some(secret);
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        None
    }

    /// Reads the event's task, as processing the event.
    async fn process(self: &Arc<Self>, task_id: String) {
        call(self.api, "GET", format!("/api/v2/task/{task_id}"), String::new()).await;
    }

    async fn receive(self: Arc<Self>, request: Request<Incoming>) -> Result<Response<Full<Bytes>>, Infallible> {
        let answer = |status: u16| {
            let mut response = Response::new(Full::new(Bytes::new()));
            *response.status_mut() = hyper::StatusCode::from_u16(status).unwrap_or(hyper::StatusCode::OK);
            Ok(response)
        };
        if request.headers().contains_key(hyper::header::AUTHORIZATION) {
            self.saw_credentials.store(true, Ordering::SeqCst);
        }
        let signature = request.headers().get("x-signature").and_then(|v| v.to_str().ok()).map(str::to_owned);
        let Ok(body) = request.into_body().collect().await.map(http_body_util::Collected::to_bytes) else {
            return answer(400);
        };
        if String::from_utf8_lossy(&body).contains(TOKEN) {
            self.saw_credentials.store(true, Ordering::SeqCst);
        }
        let genuine = match (self.secret().await, signature) {
            (Some(secret), Some(signature)) => crate::client::verify_signature(secret.as_bytes(), &body, &signature),
            _ => false,
        };
        if !genuine {
            self.bad_signatures.fetch_add(1, Ordering::SeqCst);
            return answer(403);
        }
        let event: Value = serde_json::from_slice(&body).unwrap_or_default();
        self.bodies.lock().unwrap_or_else(PoisonError::into_inner).push(event.clone());
        let history = event["history_items"][0]["id"].as_str().unwrap_or_default().to_owned();
        let task_id = event["task_id"].as_str().unwrap_or_default().to_owned();
        let repeat = !self.seen.lock().unwrap_or_else(PoisonError::into_inner).insert(history);
        if repeat && self.manners.refuses_duplicates {
            return answer(409);
        }
        let work = !(repeat && self.manners.dedupes);
        if self.manners.synchronous {
            let _one_at_a_time = self.serial.lock().await;
            tokio::time::sleep(SYNC_WORK).await;
            if work {
                self.process(task_id).await;
            }
        } else if work {
            let me = Arc::clone(&self);
            me.busy.fetch_add(1, Ordering::SeqCst);
            tokio::spawn(async move {
                me.process(task_id).await;
                me.busy.fetch_sub(1, Ordering::SeqCst);
            });
        }
        if self.answered.fetch_add(1, Ordering::SeqCst) == 0 {
            tokio::time::sleep(self.manners.first_answer_after).await;
        }
        answer(200)
    }

    /// Serves the receiver on loopback; its URL.
    async fn serve(self: &Arc<Self>) -> String {
        let listener = TcpListener::bind(("127.0.0.1", 0)).await.expect("bind loopback");
        let url = format!("http://{}/clickup/events", listener.local_addr().expect("bound"));
        let me = Arc::clone(self);
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let me = Arc::clone(&me);
                tokio::spawn(async move {
                    let service = service_fn(move |request| Arc::clone(&me).receive(request));
                    let _ = http1::Builder::new().serve_connection(TokioIo::new(stream), service).await;
                });
            }
        });
        url
    }

    /// Registers a webhook on `endpoint` for created tasks in [`LIST`]; its id.
    async fn register(&self, endpoint: &str) -> String {
        let hook = json!({"endpoint": endpoint, "events": ["taskCreated"], "list_id": LIST}).to_string();
        let (status, body) =
            call(self.api, "POST", format!("/api/v2/team/{TEAM}/webhook"), hook).await.expect("the world answers");
        assert_eq!(status, 200, "{body}");
        *self.secret.lock().unwrap_or_else(PoisonError::into_inner) =
            body["webhook"]["secret"].as_str().map(str::to_owned);
        body["id"].as_str().expect("an id").to_owned()
    }

    /// Watches the webhook listing, as its manners say, until stopped.
    async fn watch(&self, endpoint: &str) {
        while !self.stop.load(Ordering::SeqCst) && self.manners.watch != Watch::Ignores {
            let listed = call(self.api, "GET", format!("/api/v2/team/{TEAM}/webhook"), String::new()).await;
            let hooks = listed.map(|(_, body)| body["webhooks"].as_array().cloned().unwrap_or_default());
            for hook in hooks.unwrap_or_default().iter().filter(|h| h["health"]["status"] == "suspended") {
                let id = hook["id"].as_str().unwrap_or_default();
                match self.manners.watch {
                    Watch::Reactivates => {
                        let update =
                            json!({"endpoint": hook["endpoint"], "events": hook["events"], "status": "active"});
                        call(self.api, "PUT", format!("/api/v2/webhook/{id}"), update.to_string()).await;
                    }
                    Watch::Reregisters => {
                        call(self.api, "DELETE", format!("/api/v2/webhook/{id}"), String::new()).await;
                        self.register(endpoint).await;
                    }
                    Watch::Reads | Watch::Ignores => {}
                }
            }
            tokio::time::sleep(WATCH_EVERY).await;
        }
    }
}

/// Starts the world on `schedule` and runs the integration with `manners`
/// until the journal settles; the journal, the integration and its webhook's id.
async fn drill(manners: Manners, schedule: HookSchedule) -> (drill::Journal, Arc<Integration>, String) {
    let scenario = super::Scenario { limit: 1000, remaining_at_start: 1000, ..*ScenarioName::Healthy.scenario() };
    let addr: SocketAddr = ([127, 0, 0, 1], 0).into();
    let sandbox =
        Sandbox::start_world_with_hooks(addr, scenario, SecretString::from(TOKEN), Vec::new(), None, schedule)
            .await
            .expect("the world starts");
    let integration = Arc::new(Integration {
        manners,
        api: sandbox.addr(),
        secret: Mutex::new(None),
        seen: Mutex::new(HashSet::new()),
        bodies: Mutex::new(Vec::new()),
        serial: tokio::sync::Mutex::new(()),
        answered: AtomicUsize::new(0),
        busy: AtomicUsize::new(0),
        bad_signatures: AtomicUsize::new(0),
        saw_credentials: AtomicBool::new(false),
        stop: AtomicBool::new(false),
    });
    let endpoint = integration.serve().await;
    let id = integration.register(&endpoint).await;
    let watching = Arc::clone(&integration);
    let watcher = tokio::spawn(async move { watching.watch(&endpoint).await });
    let journal = settled(&sandbox, &integration, &schedule).await;
    integration.stop.store(true, Ordering::SeqCst);
    watcher.await.expect("the watcher ends");
    (journal, integration, id)
}

/// The most a drill waits for the schedule to play out (only a broken
/// world or a stalled machine takes this long; it takes about a second).
const SETTLE_LIMIT: Duration = Duration::from_secs(10);

/// The journal once the schedule has played out: the duplicate and the
/// whole burst delivered, the suspension made, no delivery waiting for its
/// answer, the integration done processing, and what it does about the
/// suspension done (the listing read, the webhook back and delivered to
/// again). Waiting for these events rather than for a fixed time keeps the
/// drill short and still complete on a loaded machine.
async fn settled(sandbox: &Sandbox, integration: &Integration, schedule: &HookSchedule) -> drill::Journal {
    let deadline = Instant::now() + SETTLE_LIMIT;
    loop {
        let journal = sandbox.drill_journal();
        if played_out(&journal, integration, schedule) || Instant::now() >= deadline {
            return journal;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

fn played_out(journal: &drill::Journal, integration: &Integration, schedule: &HookSchedule) -> bool {
    let hooks = &journal.webhooks;
    let Some(suspension) = hooks.suspensions.first() else { return false };
    let looked = journal.entries.iter().any(|e| {
        e.at > suspension.at && e.route == Some("/team/{id}/webhook") && e.method == drill::Method::Get && e.succeeded()
    });
    let noticed = match integration.manners.watch {
        Watch::Ignores => true,
        Watch::Reads => looked,
        Watch::Reactivates | Watch::Reregisters => {
            suspension.recovery.is_some_and(|r| hooks.deliveries.iter().any(|d| d.at >= r.at))
        }
    };
    !of_kind(journal, DeliveryKind::Duplicate).is_empty()
        && of_kind(journal, DeliveryKind::Burst).len() == schedule.burst_size
        && hooks.deliveries.iter().all(|d| d.answer != DeliveryAnswer::Pending)
        && integration.busy.load(Ordering::SeqCst) == 0
        && noticed
}

fn of_kind(journal: &drill::Journal, kind: DeliveryKind) -> Vec<&drill::Delivery> {
    journal.webhooks.deliveries.iter().filter(|d| d.kind == kind).collect()
}

#[tokio::test]
async fn a_well_behaved_integration_passes_every_webhook_item() {
    let (journal, integration, id) = drill(WELL_BEHAVED, schedule()).await;
    assert_eq!(integration.bad_signatures.load(Ordering::SeqCst), 0, "every delivery verifies under the secret");
    assert!(!integration.saw_credentials.load(Ordering::SeqCst), "no delivery carries the drill's token");
    let hooks = &journal.webhooks;
    assert_eq!(hooks.registrations.len(), 1);
    assert_eq!(hooks.registrations[0].reach, Reach::Delivered);
    assert_eq!(hooks.registrations[0].webhook.as_str(), id);
    assert_eq!(of_kind(&journal, DeliveryKind::Burst).len(), 10);
    assert_eq!(of_kind(&journal, DeliveryKind::Duplicate).len(), 1);
    // On the journal's clock, whose requests are in whole milliseconds, so a
    // follow-up in the same millisecond as its delivery is not before it.
    assert!(hooks.deliveries.iter().all(|d| d.at.subsec_nanos() % 1_000_000 == 0), "{:?}", hooks.deliveries);
    let suspension = hooks.suspensions.first().expect("a suspension");
    let recovery = suspension.recovery.expect("reactivated");
    assert_eq!(recovery.how, RecoveryKind::Reactivated);
    // Deliveries stop while suspended and resume once reactivated.
    let after: Vec<_> = hooks.deliveries.iter().filter(|d| d.at >= suspension.at).collect();
    assert!(!after.is_empty() && after.iter().all(|d| d.at >= recovery.at), "{after:?}");
    // ClickUp's payload: the webhook, the event, the task, a history item;
    // the duplicate is the same bytes' meaning, its history item included.
    let bodies = integration.bodies.lock().unwrap_or_else(PoisonError::into_inner).clone();
    for body in &bodies {
        assert_eq!(body["webhook_id"], id.as_str());
        assert_eq!(body["event"], "taskCreated");
        assert!(body["task_id"].as_str().is_some_and(|t| t.starts_with("86dr")), "{body}");
        assert!(body["history_items"][0]["date"].as_str().is_some(), "{body}");
    }
    let duplicate = of_kind(&journal, DeliveryKind::Duplicate)[0];
    let same: Vec<&Value> =
        bodies.iter().filter(|b| b["history_items"][0]["id"] == duplicate.history_id.as_str()).collect();
    assert_eq!(same.len(), 2, "{bodies:?}");
    assert_eq!(same[0], same[1]);
    for judge in [drill::webhook_fast_200, drill::webhook_idempotent, drill::webhook_async, drill::webhook_auto_disable]
    {
        let v = judge(&journal);
        assert_eq!(v.status, DrillStatus::Pass, "{v:?}");
    }
    // The world's task events are real: the task read afterwards exists, and
    // the reads it served carry the data version the world bumped.
    let read = journal.entries.iter().find(|e| e.path.contains(duplicate.task_id.as_str())).expect("a follow-up");
    assert_eq!(read.status, Some(200));
    assert!(read.data_version.is_some_and(|v| v >= 2), "{read:?}");
}

#[tokio::test]
async fn a_synchronous_receiver_that_processes_duplicates_and_ignores_suspension_fails_three_items() {
    let manners = Manners { synchronous: true, dedupes: false, watch: Watch::Ignores, ..WELL_BEHAVED };
    let (journal, ..) = drill(manners, schedule()).await;
    let burst = of_kind(&journal, DeliveryKind::Burst);
    let slowest = burst.iter().map(|d| d.latency).max().unwrap_or_default();
    assert!(slowest >= SYNC_WORK * 9, "one at a time: {slowest:?}");
    let fast = drill::webhook_fast_200(&journal);
    assert_eq!(fast.status, DrillStatus::Pass, "slow, but within ClickUp's limit: {fast:?}");
    let idempotent = drill::webhook_idempotent(&journal);
    assert_eq!(idempotent.status, DrillStatus::Fail, "{idempotent:?}");
    assert!(idempotent.summary.contains("processed again"), "{}", idempotent.summary);
    let asynchronous = drill::webhook_async(&journal);
    assert_eq!(asynchronous.status, DrillStatus::Fail, "{asynchronous:?}");
    // One after another: the answers grow (or, on a machine slow enough to
    // hide the growth in a common delay, the last one passes the bound).
    let why = asynchronous.summary.to_string();
    assert!(why.contains("answers grew through the burst") || why.contains("an answer of the burst took"), "{why}");
    let disable = drill::webhook_auto_disable(&journal);
    assert_eq!(disable.status, DrillStatus::Fail, "{disable:?}");
    assert!(disable.summary.contains("never read the webhook listing"), "{}", disable.summary);
    assert!(journal.webhooks.suspensions[0].recovery.is_none());
    let suspended_at = journal.webhooks.suspensions[0].at;
    assert!(journal.webhooks.deliveries.iter().all(|d| d.at < suspended_at), "nothing delivered once suspended");
}

#[tokio::test]
async fn a_receiver_too_slow_at_first_that_refuses_duplicates_and_only_reads_the_listing_fails_three_items() {
    let manners = Manners {
        refuses_duplicates: true,
        first_answer_after: Duration::from_millis(550),
        watch: Watch::Reads,
        ..WELL_BEHAVED
    };
    let schedule = HookSchedule { answer_limit: Duration::from_millis(400), ..schedule() };
    let (journal, ..) = drill(manners, schedule).await;
    // The first delivery the receiver handled (a single one) timed out.
    let timed_out: Vec<_> =
        journal.webhooks.deliveries.iter().filter(|d| d.answer == DeliveryAnswer::TimedOut).collect();
    assert_eq!(timed_out.len(), 1, "{timed_out:?}");
    assert_eq!((timed_out[0].kind, timed_out[0].latency), (DeliveryKind::Single, Duration::from_millis(400)));
    let fast = drill::webhook_fast_200(&journal);
    assert_eq!(fast.status, DrillStatus::Fail, "{fast:?}");
    assert!(fast.evidence[0].contains("timed out"), "{:?}", fast.evidence);
    let idempotent = drill::webhook_idempotent(&journal);
    assert_eq!(idempotent.status, DrillStatus::Fail, "{idempotent:?}");
    assert!(idempotent.evidence[0].contains(": 409 in"), "{:?}", idempotent.evidence);
    let asynchronous = drill::webhook_async(&journal);
    assert_eq!(asynchronous.status, DrillStatus::Pass, "the burst's answers did not grow: {asynchronous:?}");
    let disable = drill::webhook_auto_disable(&journal);
    assert_eq!(disable.status, DrillStatus::Fail, "{disable:?}");
    assert!(disable.summary.contains("read the listing but left its webhook suspended"), "{}", disable.summary);
}

#[tokio::test]
async fn registering_a_new_webhook_after_the_suspension_recovers_and_is_delivered_to() {
    let manners = Manners { watch: Watch::Reregisters, ..WELL_BEHAVED };
    let (journal, _, first_id) = drill(manners, schedule()).await;
    let hooks = &journal.webhooks;
    let recovery = hooks.suspensions.first().and_then(|s| s.recovery).expect("recovered");
    assert_eq!(recovery.how, RecoveryKind::Reregistered);
    assert_eq!(hooks.registrations.len(), 2, "{:?}", hooks.registrations);
    let renewed = &hooks.registrations[1].webhook;
    assert_ne!(renewed.as_str(), first_id);
    assert!(hooks.deliveries.iter().any(|d| d.webhook == *renewed && d.at >= recovery.at), "{:?}", hooks.deliveries);
    assert_eq!(drill::webhook_auto_disable(&journal).status, DrillStatus::Pass);
}

#[tokio::test]
async fn a_webhook_off_loopback_is_never_contacted_and_nothing_is_exercised() {
    let scenario = *ScenarioName::Healthy.scenario();
    let addr: SocketAddr = ([127, 0, 0, 1], 0).into();
    let quick = HookSchedule { first_single: Duration::from_millis(20), ..schedule() };
    let sandbox = Sandbox::start_world_with_hooks(addr, scenario, SecretString::from(TOKEN), Vec::new(), None, quick)
        .await
        .expect("the world starts");
    for endpoint in ["http://192.0.2.1:9/hook", "https://127.0.0.1:9/hook"] {
        let hook = json!({"endpoint": endpoint, "events": "*"}).to_string();
        let answer = call(sandbox.addr(), "POST", format!("/api/v2/team/{TEAM}/webhook"), hook).await;
        assert_eq!(answer.map(|(status, _)| status), Some(200));
    }
    tokio::time::sleep(Duration::from_millis(100)).await;
    let journal = sandbox.drill_journal();
    let reach: Vec<Reach> = journal.webhooks.registrations.iter().map(|r| r.reach).collect();
    assert_eq!(reach, [Reach::NotLoopback, Reach::NotPlainHttp]);
    assert!(journal.webhooks.deliveries.is_empty());
    for judge in [drill::webhook_fast_200, drill::webhook_idempotent, drill::webhook_async, drill::webhook_auto_disable]
    {
        assert_eq!(judge(&journal).status, DrillStatus::NotExercised);
    }
}
