//! End to end: the drill world plays a short fault plan at a tiny client
//! written here, over real HTTP on loopback, and the judges read the
//! recorded journal. One client retries at once; one honours the reset,
//! gives up on a 401 and backs off after a 5xx.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use secrecy::SecretString;

use super::{Sandbox, ScenarioName};
use crate::drill::{self, DrillStatus, Fault, PhaseKind, Plan, PlanPhase};

pub(super) const TOKEN: &str = "pk_1000001_DRILLPLANTESTTOKEN";
/// What the client's n-th job reads: a page of the big list of its own
/// (past the last, an empty one), so that each job's retries form one chain
/// and a later job is never taken for a retry of an earlier one.
fn job_path(n: usize) -> String {
    format!("/api/v2/list/901100200300/task?page={n}")
}
/// The most requests either client sends, whatever happens.
const MAX_REQUESTS: usize = 200;
/// The pause between two jobs of the client.
const PACE: Duration = Duration::from_millis(50);

/// A status and `X-RateLimit-Reset`; `None` when nothing came back.
fn get(addr: SocketAddr, path: &str) -> Option<(u16, Option<u64>)> {
    send(addr, "GET", path, "")
}

/// Sends one request with the drill's token and reads the whole answer.
fn send(addr: SocketAddr, method: &str, path: &str, body: &str) -> Option<(u16, Option<u64>)> {
    send_as(addr, TOKEN, method, path, body)
}

/// Sends one request with `token` and reads the whole answer.
fn send_as(addr: SocketAddr, token: &str, method: &str, path: &str, body: &str) -> Option<(u16, Option<u64>)> {
    let text = exchange_as(addr, token, method, path, body)?;
    let status = text.split(' ').nth(1)?.parse().ok()?;
    let reset = text
        .lines()
        .take_while(|l| !l.is_empty())
        .find_map(|l| l.to_ascii_lowercase().strip_prefix("x-ratelimit-reset:").map(|v| v.trim().to_owned()))
        .and_then(|v| v.parse().ok());
    Some((status, reset))
}

/// Sends one request with the drill's token; the whole answer, head and
/// body, as text.
pub(super) fn exchange(addr: SocketAddr, method: &str, path: &str, body: &str) -> Option<String> {
    exchange_as(addr, TOKEN, method, path, body)
}

/// Sends one request with `token`; the raw answer as text.
fn exchange_as(addr: SocketAddr, token: &str, method: &str, path: &str, body: &str) -> Option<String> {
    let mut stream = TcpStream::connect(addr).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    let head = format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: {token}\r\n");
    let request = format!("{head}Content-Length: {}\r\nConnection: close\r\n\r\n{body}", body.len());
    stream.write_all(request.as_bytes()).ok()?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).ok()?;
    Some(String::from_utf8_lossy(&raw).into_owned())
}

/// How a client treats a failed answer.
#[derive(Clone, Copy, PartialEq)]
enum Manners {
    /// Retries everything at once, up to three times.
    Immediate,
    /// Waits for the reset after a 429, never retries a 401, retries a 5xx
    /// after a growing pause.
    Polite,
}

/// Runs the client until `until` has passed since `started`; returns the
/// requests sent.
fn client(addr: SocketAddr, manners: Manners, started: Instant, until: Duration) -> usize {
    let mut sent = 0;
    let mut job = 0;
    while started.elapsed() < until && sent < MAX_REQUESTS {
        let path = job_path(job);
        job += 1;
        for attempt in 0..4u32 {
            sent += 1;
            let answer = get(addr, &path);
            let status = answer.map(|(s, _)| s);
            let transient = status.is_none_or(|s| s == 401 || s == 429 || s >= 500);
            if !transient || sent >= MAX_REQUESTS {
                break;
            }
            if manners == Manners::Polite {
                match answer {
                    Some((401, _)) => break,
                    Some((429, Some(reset))) => std::thread::sleep(until_unix(reset)),
                    _ => std::thread::sleep(Duration::from_millis(80) * 2u32.pow(attempt)),
                }
            }
        }
        std::thread::sleep(PACE);
    }
    sent
}

/// The time left until a Unix second, and a little more.
fn until_unix(secs: u64) -> Duration {
    let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
    Duration::from_secs(secs).saturating_sub(now) + Duration::from_millis(20)
}

/// Starts the world with `plan`, plays `manners` through it, and returns
/// the journal as the judges read it.
async fn drill(plan: Plan, manners: Manners) -> drill::Journal {
    let scenario = super::Scenario { limit: 1000, remaining_at_start: 1000, ..*ScenarioName::Healthy.scenario() };
    let addr: SocketAddr = ([127, 0, 0, 1], 0).into();
    let total = plan.total() + Duration::from_millis(100);
    let sandbox = Sandbox::start_world(addr, scenario, SecretString::from(TOKEN), Vec::new(), Some(plan))
        .await
        .expect("the world starts");
    let started = Instant::now();
    let addr = sandbox.addr();
    let sent = tokio::task::spawn_blocking(move || client(addr, manners, started, total)).await.expect("client ran");
    let journal = sandbox.drill_journal();
    assert_eq!(journal.entries.len(), sent, "every request is in the journal");
    journal
}

/// A plan of these phases (milliseconds) with a small window, a reset a
/// second ahead and 30% server errors: sub-second phases keep the tests fast.
fn short_plan(phases: &[(PhaseKind, u64)], rate_window: u32) -> Plan {
    Plan {
        phases: phases.iter().map(|&(kind, ms)| PlanPhase { kind, length: Duration::from_millis(ms) }).collect(),
        rate_window,
        reset_after: Duration::from_secs(1),
        error_percent: 30,
    }
}

#[tokio::test]
async fn an_immediate_retrier_fails_the_error_handling_and_backoff_items_on_a_real_recording() {
    // Every fault in 1.35 s: the immediate client never waits for a reset.
    use PhaseKind::*;
    let plan = short_plan(
        &[(WarmUp, 150), (RateLimit, 400), (ServerErrors, 300), (Outage, 200), (AuthFault, 200), (Normal, 100)],
        2,
    );
    let journal = drill(plan.clone(), Manners::Immediate).await;
    assert_eq!(journal.plan, plan.timeline());
    let kinds: Vec<PhaseKind> = journal.entries.iter().map(|e| e.phase).collect();
    for kind in
        [PhaseKind::WarmUp, PhaseKind::RateLimit, PhaseKind::ServerErrors, PhaseKind::Outage, PhaseKind::AuthFault]
    {
        assert!(kinds.contains(&kind), "no request fell in {kind}");
    }
    for entry in &journal.entries {
        let in_force = plan.phase_at(entry.at);
        assert_eq!(entry.phase, in_force, "{} at {:?}", entry.path, entry.at);
        match entry.fault {
            Fault::RateLimited { reset } => {
                assert_eq!(entry.status, Some(429));
                assert_eq!(entry.ecode, Some("APP_002"));
                assert!(reset > entry.at && reset <= entry.at + Duration::from_secs(2), "{reset:?}");
            }
            Fault::AuthFault => assert_eq!((entry.status, entry.ecode), (Some(401), Some("OAUTH_025"))),
            Fault::Outage => assert_eq!(entry.status, Some(503)),
            Fault::ServerError => assert!(entry.status.is_some_and(|s| [500, 502, 503].contains(&s))),
            Fault::None => {
                assert!(entry.succeeded(), "{entry:?}");
                assert_eq!(entry.data_version, Some(0), "nothing was written");
                assert!(!entry.covered_by_webhook);
            }
            other => panic!("unexpected fault {other:?}"),
        }
    }
    let handled = drill::handles_401_429_500(&journal);
    assert_eq!(handled.status, DrillStatus::Fail, "{handled:?}");
    let summary = handled.summary.to_string();
    assert!(summary.contains("401") && summary.contains("429"), "{summary}");
    let backoff = drill::backoff_with_jitter(&journal);
    assert_eq!(backoff.status, DrillStatus::Fail, "{backoff:?}");
}

#[tokio::test]
async fn a_polite_client_passes_error_handling_on_a_real_recording() {
    use PhaseKind::*;
    let plan = short_plan(
        &[
            (WarmUp, 100),
            (ServerErrors, 500),
            (Normal, 100),
            (AuthFault, 150),
            (Normal, 100),
            (RateLimit, 300),
            (Normal, 300),
        ],
        3,
    );
    let journal = drill(plan, Manners::Polite).await;
    let seen = |status| journal.entries.iter().any(|e| e.status == Some(status));
    assert!(seen(429) && seen(401) && journal.entries.iter().any(|e| e.fault == Fault::ServerError));
    let handled = drill::handles_401_429_500(&journal);
    assert_eq!(handled.status, DrillStatus::Pass, "{handled:?}");
}

#[tokio::test]
async fn reads_carry_the_data_version_and_webhook_coverage_and_a_spent_window_is_the_clients_own() {
    let scenario = super::Scenario { remaining_at_start: 7, ..*ScenarioName::Healthy.scenario() };
    let addr: SocketAddr = ([127, 0, 0, 1], 0).into();
    let sandbox = Sandbox::start_world(addr, scenario, SecretString::from(TOKEN), Vec::new(), None)
        .await
        .expect("the world starts");
    let addr = sandbox.addr();
    // Off loopback, so the world never delivers to it (a delivery's task
    // change would move the data version this test counts).
    let hook = r#"{"endpoint": "http://192.0.2.1:9/hook", "events": "*", "list_id": "901100200300"}"#;
    let steps: [(&str, &str, &str); 8] = [
        ("GET", "/api/v2/list/901100200300/task", ""),
        ("POST", "/api/v2/team/9012345/webhook", hook),
        ("GET", "/api/v2/list/901100200300/task", ""),
        ("GET", "/api/v2/list/901100200301/task", ""),
        ("PUT", "/api/v2/task/86dr00001", r#"{"name": "renamed"}"#),
        ("GET", "/api/v2/task/86dr00001", ""),
        ("GET", "/api/v2/team", ""),
        ("GET", "/api/v2/team", ""),
    ];
    let statuses = tokio::task::spawn_blocking(move || {
        steps.iter().map(|(method, path, body)| send(addr, method, path, body).map(|(s, _)| s)).collect::<Vec<_>>()
    })
    .await
    .expect("client ran");
    assert_eq!(statuses, [200, 200, 200, 200, 200, 200, 200, 429].map(Some));
    let journal = sandbox.drill_journal();
    assert!(journal.plan.is_empty(), "no plan ran");
    let seen: Vec<(Option<u64>, bool)> =
        journal.entries.iter().map(|e| (e.data_version, e.covered_by_webhook)).collect();
    assert_eq!(
        seen,
        [
            (Some(0), false),
            (None, false),
            (Some(1), true),
            (Some(1), false),
            (None, false),
            (Some(2), false),
            (Some(2), false),
            (None, false)
        ]
    );
    assert!(journal.entries.iter().all(|e| e.phase == PhaseKind::Normal));
    let last = journal.entries.last().expect("entries");
    let Fault::WindowExhausted { reset } = last.fault else { panic!("{:?}", last.fault) };
    assert!(reset > last.at + Duration::from_secs(55) && reset <= last.at + Duration::from_secs(61), "{reset:?}");
    assert_eq!(last.window.map(|w| (w.limit, w.remaining, w.reset)), Some((100, 0, Some(reset))), "the reset it said");
    let json = sandbox.journal().iter().map(|e| serde_json::to_string(e).unwrap_or_default()).collect::<String>();
    assert!(
        !json.contains("phase") && !json.contains("data_version"),
        "a world without a plan writes the lines it wrote before: {json}"
    );
}

/// Reads `/team` every 40 ms with the token in `current` until `until`;
/// with `rereads`, takes the token from `current` again after a 401 (as an
/// integration re-reading its token file does).
fn rotating_client(
    addr: SocketAddr,
    current: &std::sync::Mutex<String>,
    rereads: bool,
    started: Instant,
    until: Duration,
) {
    let read = || current.lock().map(|t| t.clone()).unwrap_or_default();
    let mut token = read();
    while started.elapsed() < until {
        if send_as(addr, &token, "GET", "/api/v2/team", "").map(|(s, _)| s) == Some(401) && rereads {
            token = read();
        }
        std::thread::sleep(Duration::from_millis(40));
    }
}

/// Plays a plan with a token rotation at 300 ms against a client that
/// re-reads its token after a 401 (or never does), rotating as the drill
/// runner does: issue, hand over, revoke.
async fn rotation_drill(rereads: bool) -> drill::Journal {
    let plan = short_plan(&[(PhaseKind::WarmUp, 300), (PhaseKind::TokenRotation, 700)], Plan::default().rate_window);
    let addr: SocketAddr = ([127, 0, 0, 1], 0).into();
    let scenario = super::Scenario { limit: 1000, remaining_at_start: 1000, ..*ScenarioName::Healthy.scenario() };
    let sandbox = Sandbox::start_world(addr, scenario, SecretString::from(TOKEN), Vec::new(), Some(plan))
        .await
        .expect("the world starts");
    let current = std::sync::Arc::new(std::sync::Mutex::new(TOKEN.to_owned()));
    let (addr, shared, started) = (sandbox.addr(), std::sync::Arc::clone(&current), Instant::now());
    let client = tokio::task::spawn_blocking(move || {
        rotating_client(addr, &shared, rereads, started, Duration::from_millis(1000));
    });
    tokio::time::sleep(Duration::from_millis(300).saturating_sub(sandbox.elapsed())).await;
    let fresh = sandbox.issue_token();
    if let Ok(mut token) = current.lock() {
        *token = secrecy::ExposeSecret::expose_secret(&fresh).to_owned();
    }
    sandbox.revoke_older_tokens();
    client.await.expect("client ran");
    sandbox.drill_journal()
}

#[tokio::test]
async fn a_client_that_rereads_its_token_after_a_revocation_passes_the_rotation() {
    let journal = rotation_drill(true).await;
    let revoked: Vec<&drill::JournalEntry> =
        journal.entries.iter().filter(|e| e.fault == Fault::RevokedToken).collect();
    assert!(revoked.len() <= 1, "one refusal at most before the switch: {revoked:?}");
    for entry in &revoked {
        assert_eq!(
            (entry.status, entry.ecode, entry.token),
            (Some(401), Some("OAUTH_025"), drill::TokenUsed::Drill(0))
        );
    }
    assert!(journal.entries.iter().any(|e| e.token == drill::TokenUsed::Drill(1) && e.succeeded()));
    let verdict = drill::token_rotation(&journal);
    assert_eq!(verdict.status, DrillStatus::Pass, "{verdict:?}");
}

#[tokio::test]
async fn a_client_that_keeps_its_revoked_token_fails_the_rotation_and_the_token_never_shows() {
    let journal = rotation_drill(false).await;
    let after: Vec<&drill::JournalEntry> =
        journal.entries.iter().filter(|e| e.at >= Duration::from_millis(320)).collect();
    assert!(after.len() > 3, "{after:?}");
    assert!(after.iter().all(|e| e.fault == Fault::RevokedToken && e.status == Some(401)), "{after:?}");
    let verdict = drill::token_rotation(&journal);
    assert_eq!(verdict.status, DrillStatus::Fail, "{verdict:?}");
    let lines = format!("{journal:?}");
    assert!(!lines.contains(TOKEN) && !lines.contains("pk_1000001_"), "no token in the journal");
}
