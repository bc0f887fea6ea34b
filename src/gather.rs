//! Makes every request a run needs, once and concurrently, and records the
//! results as [`Evidence`].
//!
//! Requests that do not depend on each other are all in flight together:
//! `/user`, `/team` and the status page. Every API request is also a latency
//! sample (the client times each one), so latency costs no request of its
//! own. A default run takes
//! about one round trip of wall time. Every request is bounded by the
//! per-request timeout and by the run's deadline, so a hung server yields
//! evidence of the hang, in time, and the other checks still report.

use std::future::Future;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use tokio::task::JoinHandle;

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use reqwest::Url;
use secrecy::SecretString;
use tokio::sync::Semaphore;

use crate::checks::{self, CheckId, Configs, Needs};
use crate::client::{ApiError, ClickUpClient, StatusClient, Team, Transport, Webhook, probe_receiver};
use crate::evidence::{Delivery, Evidence, Probe, ReceiverProbe, WebhookEvidence};
use crate::repo::ScanOptions;
use crate::text::{OutsideText, Sanitizer};
use crate::token::TokenKind;

/// Webhook listings in flight at once.
const LISTINGS_IN_FLIGHT: usize = 8;

/// Which requests the selected checks need: the union of their [`Needs`],
/// so that one `/user` serves auth, the rate-limit headers, the token's
/// owner and a latency sample, and one `/team` serves both the workspaces
/// check and the webhook listing. Every request is timed.
pub type Plan = Needs;

impl Plan {
    /// The fewest requests that serve `selected`, each with its settings.
    pub fn for_checks(selected: &[CheckId], cfg: &Configs) -> Plan {
        selected.iter().fold(Needs::NONE, |plan, id| plan.union(checks::needs(*id, cfg)))
    }
}

/// A receiver to send test deliveries to, with its signing secret.
#[derive(Debug, Clone)]
pub struct ReceiverTarget {
    /// Its URL.
    pub endpoint: Url,
    /// The webhook secret it verifies signatures with.
    pub secret: SecretString,
}

/// Where requests go. `api` may be `None` only when the plan needs no API
/// call, `status` when it needs no status page.
#[derive(Debug, Clone, Copy)]
pub struct Sources<'a> {
    /// The ClickUp API.
    pub api: Option<&'a ClickUpClient>,
    /// The status page.
    pub status: Option<&'a StatusClient>,
    /// For test deliveries.
    pub transport: &'a Transport,
    /// The team's receivers.
    pub receivers: &'a [ReceiverTarget],
    /// Where the checks still waiting are recorded, for the progress line.
    pub in_flight: &'a InFlight,
    /// The repository to scan, and how.
    pub repo: Option<(&'a std::path::Path, &'a ScanOptions)>,
}

/// Which checks still wait on requests in flight. Cheap to clone.
#[derive(Debug, Clone, Default)]
pub struct InFlight(Arc<Mutex<HashMap<CheckId, usize>>>);

impl InFlight {
    /// Whether any request `id` needs is still in flight.
    pub fn waiting_on(&self, id: CheckId) -> bool {
        self.0.lock().unwrap_or_else(PoisonError::into_inner).get(&id).is_some_and(|n| *n > 0)
    }

    /// Runs `request`, counting it as in flight meanwhile for the checks
    /// that wait on a request of its kind.
    async fn track<T>(&self, kind: Request, request: impl Future<Output = T>) -> T {
        let ids = kind.waiters();
        let change = |delta: isize| {
            let mut map = self.0.lock().unwrap_or_else(PoisonError::into_inner);
            for id in &ids {
                let n = map.entry(*id).or_insert(0);
                *n = n.saturating_add_signed(delta);
            }
        };
        change(1);
        let out = request.await;
        change(-1);
        out
    }
}

/// The kinds of request a run makes, to tell which checks wait on one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Request {
    /// `GET /user`.
    User,
    /// `GET /team`.
    Team,
    /// `GET /team/{id}/webhook`.
    Listing,
    /// The status page.
    StatusPage,
    /// A receiver's test deliveries.
    Receiver,
}

impl Request {
    /// The checks whose needs include this kind of request (under default
    /// settings), and for an API request those that time every one. Read
    /// from the registry, so the progress line cannot drift from it.
    fn waiters(self) -> Vec<CheckId> {
        let defaults = Configs::default();
        let waits = |id: &CheckId| {
            let needs = checks::needs(*id, &defaults);
            let (asked, api) = match self {
                Request::User => (needs.user_samples > 0, true),
                Request::Team => (needs.teams, true),
                Request::Listing => (needs.webhook_listings, true),
                Request::StatusPage => (needs.status_page, false),
                Request::Receiver => (needs.receivers, false),
            };
            asked || (api && needs.api_timings)
        };
        CheckId::ALL.into_iter().filter(waits).collect()
    }
}

/// Runs the plan within `deadline`.
pub async fn gather(plan: &Plan, sources: Sources<'_>, deadline: Duration, token_kind: Option<TokenKind>) -> Evidence {
    let observed_at_unix = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let ends_at = tokio::time::Instant::now() + deadline;

    let mut users: Vec<JoinHandle<_>> = Vec::new();
    let mut teams_and_hooks = None;
    if let Some(api) = sources.api.filter(|_| plan.needs_api()) {
        for _ in 0..plan.user_samples {
            let client = api.until(ends_at);
            let in_flight = sources.in_flight.clone();
            users.push(spawn_bounded("GET /user", ends_at, async move {
                in_flight.track(Request::User, client.user()).await
            }));
        }
        let (client, plan) = (api.until(ends_at), plan.clone());
        let in_flight = sources.in_flight.clone();
        teams_and_hooks =
            Some(tokio::spawn(async move { teams_then_webhooks(&client, &plan, ends_at, &in_flight).await }));
    }
    let status_page =
        sources.status.filter(|_| plan.status_page).map(|status| {
            let client = status.clone();
            let in_flight = sources.in_flight.clone();
            spawn_bounded("GET status page", ends_at, async move {
                in_flight.track(Request::StatusPage, client.fetch()).await
            })
        });
    let receivers: Vec<JoinHandle<_>> = if plan.receivers {
        sources
            .receivers
            .iter()
            .map(|r| {
                let (transport, r) = (sources.transport.clone(), r.clone());
                let in_flight = sources.in_flight.clone();
                tokio::spawn(async move {
                    in_flight.track(Request::Receiver, bounded_receiver_probe(&transport, &r, ends_at)).await
                })
            })
            .collect()
    } else {
        Vec::new()
    };

    let repo_scan = sources.repo.filter(|_| plan.repo).map(|(path, options)| {
        let (path, options, sanitizer) = (path.to_owned(), options.clone(), sources.transport.sanitizer().clone());
        tokio::task::spawn_blocking(move || crate::repo::gather(&path, &options, &sanitizer))
    });

    let mut evidence = Evidence { token_kind, observed_at_unix, ..Evidence::default() };
    if let Some(handle) = repo_scan {
        evidence.repo = Some(handle.await.unwrap_or_else(|e| {
            let reason = crate::text::Sanitizer::shapes_only().line(&e.to_string(), crate::text::MESSAGE);
            Err(crate::repo::RepoError::ScanFailed(reason))
        }));
    }
    for handle in users {
        evidence.user.push(join("GET /user", handle).await);
    }
    if let Some(handle) = teams_and_hooks {
        match handle.await {
            Ok((teams, webhooks)) => (evidence.teams, evidence.webhooks) = (teams, webhooks),
            Err(e) => {
                let failed = || Probe::failed(internal("GET /team", &e), Duration::ZERO);
                evidence.teams = plan.teams.then(failed);
            }
        }
    }
    if let Some(api) = sources.api {
        evidence.api_samples = api.run_state().samples();
    }
    if let Some(handle) = status_page {
        evidence.status_page = Some(join("GET status page", handle).await);
    }
    for handle in receivers {
        if let Ok(probe) = handle.await {
            evidence.receivers.push(probe);
        }
    }
    evidence
}

/// Every webhook of every workspace the token reaches: `/team`, then one
/// listing per workspace, within `deadline`. For the `webhooks` commands.
pub async fn all_webhooks(api: &ClickUpClient, deadline: Duration) -> WebhookEvidence {
    let plan = Plan { teams: true, webhook_listings: true, ..Needs::NONE };
    let ends_at = tokio::time::Instant::now() + deadline;
    let (_, webhooks) = teams_then_webhooks(&api.until(ends_at), &plan, ends_at, &InFlight::default()).await;
    webhooks.unwrap_or_else(empty_listing)
}

/// `/team` when needed, then the webhook listings: from the workspaces named
/// in `checks.toml` at once, or from `/team`'s answer.
async fn teams_then_webhooks(
    api: &ClickUpClient,
    plan: &Plan,
    ends_at: tokio::time::Instant,
    in_flight: &InFlight,
) -> (Option<Probe<Vec<Team>>>, Option<WebhookEvidence>) {
    let named = !plan.named_workspaces.is_empty();
    let listings = async {
        if plan.webhook_listings && named {
            let listing = list_webhooks(api, plan.named_workspaces.clone(), ends_at);
            Some(in_flight.track(Request::Listing, listing).await)
        } else {
            None
        }
    };
    let teams = async {
        if plan.teams {
            Some(in_flight.track(Request::Team, bounded("GET /team", ends_at, api.teams())).await)
        } else {
            None
        }
    };
    let (teams, early) = tokio::join!(teams, listings);
    if early.is_some() || !plan.webhook_listings {
        return (teams, early);
    }
    let webhooks = match teams.as_ref().map(|t| &t.result) {
        Some(Ok(list)) => {
            let ids = list.iter().map(|t| t.id.clone()).collect();
            in_flight.track(Request::Listing, list_webhooks(api, ids, ends_at)).await
        }
        Some(Err(error)) => {
            WebhookEvidence { workspaces: Err(error.clone()), lists: Vec::new(), not_checked: Vec::new() }
        }
        None => WebhookEvidence { workspaces: Ok(Vec::new()), lists: Vec::new(), not_checked: Vec::new() },
    };
    (teams, Some(webhooks))
}

/// Lists the webhooks of `workspaces`, at most 8 at a time. A listing the
/// run's request budget does not allow is not sent; its workspace is
/// reported as not checked.
pub async fn list_webhooks(
    api: &ClickUpClient,
    workspaces: Vec<OutsideText>,
    ends_at: tokio::time::Instant,
) -> WebhookEvidence {
    list_webhooks_until(api, workspaces, ends_at, |_| false).await
}

/// Finds webhook `id` for `webhooks reactivate`: in `workspace` alone when
/// one is named (no `/team`), else in the workspaces `/team` lists, sending
/// no further listing once one has it. Returns the workspace and webhook
/// found, and what was listed (to tell "not there" from "not searched").
pub async fn find_webhook(
    api: &ClickUpClient,
    id: &str,
    workspace: Option<&str>,
    deadline: Duration,
) -> (Option<(OutsideText, Webhook)>, WebhookEvidence) {
    let ends_at = tokio::time::Instant::now() + deadline;
    let api = api.until(ends_at);
    let workspaces = match workspace {
        // The id a person typed: outside text like any other.
        Some(named) => vec![Sanitizer::shapes_only().line(named, crate::text::ID)],
        None => match bounded("GET /team", ends_at, api.teams()).await.result {
            Ok(teams) => teams.iter().map(|t| t.id.clone()).collect(),
            Err(error) => return (None, WebhookEvidence { workspaces: Err(error), ..empty_listing() }),
        },
    };
    let wanted = id.to_owned();
    let listing =
        list_webhooks_until(&api, workspaces, ends_at, move |hooks| hooks.iter().any(|h| h.id == wanted)).await;
    let found = listing
        .lists
        .iter()
        .find_map(|(ws, p)| p.result.as_ref().ok()?.iter().find(|h| h.id == id).map(|h| (ws.clone(), h.clone())));
    (found, listing)
}

fn empty_listing() -> WebhookEvidence {
    WebhookEvidence { workspaces: Ok(Vec::new()), lists: Vec::new(), not_checked: Vec::new() }
}

/// One workspace's webhooks.
type Listing = Probe<Vec<Webhook>>;

/// `list_webhooks` that sends no further listing once one satisfies
/// `enough` (listings already in flight finish). Workspaces left unlisted
/// that way appear nowhere in the evidence.
async fn list_webhooks_until(
    api: &ClickUpClient,
    workspaces: Vec<OutsideText>,
    ends_at: tokio::time::Instant,
    enough: impl Fn(&[Webhook]) -> bool + Send + Sync + 'static,
) -> WebhookEvidence {
    let permits = Arc::new(Semaphore::new(LISTINGS_IN_FLIGHT));
    let (enough, done) = (Arc::new(enough), Arc::new(AtomicBool::new(false)));
    let handles: Vec<(OutsideText, JoinHandle<Option<Listing>>)> = workspaces
        .iter()
        .map(|id| {
            let (client, id_owned, permits) = (api.clone(), id.clone(), Arc::clone(&permits));
            let (enough, done) = (Arc::clone(&enough), Arc::clone(&done));
            let handle = tokio::spawn(async move {
                let _permit = permits.acquire_owned().await;
                if done.load(Ordering::SeqCst) {
                    return None;
                }
                let probe = bounded("GET /team/{id}/webhook", ends_at, client.webhooks(&id_owned)).await;
                if probe.result.as_deref().is_ok_and(|hooks| enough(hooks)) {
                    done.store(true, Ordering::SeqCst);
                }
                Some(probe)
            });
            (id.clone(), handle)
        })
        .collect();
    let mut lists = Vec::with_capacity(handles.len());
    let mut not_checked = Vec::new();
    for (id, handle) in handles {
        let probe = match handle.await {
            Ok(Some(probe)) => probe,
            Ok(None) => continue,
            Err(e) => Probe::failed(internal("GET /team/{id}/webhook", &e), Duration::ZERO),
        };
        match probe.result {
            Err(ApiError::OverBudget { .. }) => not_checked.push(id),
            _ => lists.push((id, probe)),
        }
    }
    WebhookEvidence { workspaces: Ok(workspaces), lists, not_checked }
}

/// A receiver probe that ends at the deadline with evidence that says so.
async fn bounded_receiver_probe(
    transport: &Transport,
    r: &ReceiverTarget,
    ends_at: tokio::time::Instant,
) -> ReceiverProbe {
    match tokio::time::timeout_at(ends_at, probe_receiver(transport, &r.endpoint, &r.secret)).await {
        Ok(probe) => probe,
        Err(_) => {
            let late = || Delivery {
                result: Err(ApiError::Deadline { endpoint: "POST test delivery".into() }),
                elapsed: Duration::ZERO,
            };
            ReceiverProbe {
                endpoint: transport.sanitizer().line(r.endpoint.as_str(), crate::text::URL),
                signed: late(),
                duplicate: None,
                noncanonical: None,
                forged: late(),
                unsigned: late(),
            }
        }
    }
}

/// Awaits a request, giving up at the run's deadline with evidence that
/// says so.
async fn bounded<T>(
    endpoint: &str,
    ends_at: tokio::time::Instant,
    request: impl Future<Output = Probe<T>>,
) -> Probe<T> {
    let started = Instant::now();
    match tokio::time::timeout_at(ends_at, request).await {
        Ok(probe) => probe,
        Err(_) => Probe::failed(ApiError::Deadline { endpoint: endpoint.to_owned() }, started.elapsed()),
    }
}

/// Spawns a request that gives up at the run's deadline with evidence that
/// says so.
fn spawn_bounded<T, F>(endpoint: &'static str, ends_at: tokio::time::Instant, request: F) -> JoinHandle<Probe<T>>
where
    T: Send + 'static,
    F: Future<Output = Probe<T>> + Send + 'static,
{
    tokio::spawn(bounded(endpoint, ends_at, request))
}

async fn join<T>(endpoint: &str, handle: JoinHandle<Probe<T>>) -> Probe<T> {
    handle.await.unwrap_or_else(|e| Probe::failed(internal(endpoint, &e), Duration::ZERO))
}

fn internal(endpoint: &str, e: &tokio::task::JoinError) -> ApiError {
    ApiError::local(endpoint, &format!("internal task ended unexpectedly ({e})"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_user_request_serves_auth_and_rate_limit() {
        let cfg = Configs::default();
        let plan = Plan::for_checks(&[CheckId::Auth, CheckId::RateLimit], &cfg);
        assert_eq!((plan.user_samples, plan.teams, plan.status_page, plan.webhook_listings), (1, false, false, false));
        let all = Plan::for_checks(&CheckId::ALL, &cfg);
        assert_eq!(
            (all.user_samples, all.teams, all.status_page, all.webhook_listings, all.receivers, all.repo),
            (1, true, true, true, true, true),
            "latency is timed from the requests the other checks need"
        );
        let platform_only = Plan::for_checks(&[CheckId::Platform, CheckId::WebhookEndpoint], &cfg);
        assert!(!platform_only.needs_api());
        assert_eq!(Plan::for_checks(&[CheckId::Token], &cfg).user_samples, 1, "whose token: one GET /user");
    }

    #[test]
    fn latency_samples_are_the_user_requests_sent_not_added_to_them() {
        let mut cfg = Configs::default();
        cfg.latency.samples = 5;
        assert_eq!(Plan::for_checks(&[CheckId::Auth, CheckId::Latency], &cfg).user_samples, 5);
        assert_eq!(
            Plan::for_checks(&[CheckId::Auth], &cfg).user_samples,
            1,
            "samples cost nothing unless latency runs"
        );
    }

    #[test]
    fn webhooks_need_team_only_when_no_workspaces_are_named() {
        let hooks_only = Plan::for_checks(&[CheckId::Webhooks], &Configs::default());
        assert!(hooks_only.teams && hooks_only.needs_api());
        let mut named = Configs::default();
        named.webhooks.workspaces = vec!["1".into()];
        let plan = Plan::for_checks(&[CheckId::Webhooks], &named);
        assert!(!plan.teams && plan.webhook_listings);
        assert_eq!(plan.named_workspaces, ["1"]);
        assert!(
            Plan::for_checks(&[CheckId::Webhooks, CheckId::Workspaces], &named).teams,
            "workspaces still reads /team"
        );
    }

    #[test]
    fn the_progress_line_waits_on_the_checks_the_registry_says() {
        use CheckId::*;
        assert_eq!(Request::User.waiters(), [Auth, RateLimit, Latency, Token], "token reads whose /user it is");
        assert_eq!(Request::Team.waiters(), [Latency, Workspaces, Webhooks]);
        assert_eq!(Request::Listing.waiters(), [Latency, Webhooks]);
        assert_eq!(Request::StatusPage.waiters(), [Platform], "the status page is not a ClickUp API request");
        assert_eq!(Request::Receiver.waiters(), [WebhookEndpoint]);
    }

    #[test]
    fn a_check_needs_the_api_whatever_its_settings() {
        let mut tuned = Configs::default();
        tuned.latency.samples = 20;
        tuned.webhooks.workspaces = vec!["1".into()];
        for id in CheckId::ALL {
            let offline = matches!(id, CheckId::Platform | CheckId::WebhookEndpoint | CheckId::Secrets);
            assert_eq!(checks::needs_api(id), !offline, "{id}");
            assert_eq!(checks::needs(id, &tuned).needs_api(), !offline, "{id}");
        }
    }
}
