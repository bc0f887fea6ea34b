//! A fake ClickUp v2 API and status page on loopback, with named scenarios.
//!
//! It lets the tool run on a fresh machine with no token and no network, and
//! makes every end-to-end test real HTTP. It models the documented behaviour
//! in `shared/reference/`: paths, bodies, error shapes, the `Authorization`
//! requirement, and a per-window rate-limit counter with the three
//! `X-RateLimit-*` headers. It is not a general ClickUp emulator: only the
//! endpoints the checks use are served, plus, in the drill world
//! ([`Sandbox::start_world`]), the hierarchy, tasks and webhook routes a
//! typical integration calls, with a journal of every request.

mod faults;
mod fixtures;
#[cfg(test)]
mod hook_tests;
mod hooks;
mod journal;
#[cfg(test)]
mod plan_tests;
mod proxy;
mod receiver;
mod routes;
mod scenarios;
mod tokens;
mod world;

use std::net::SocketAddr;
use std::sync::Arc;

use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use secrecy::SecretString;
use tokio::net::TcpListener;
use tokio::sync::oneshot;

pub use faults::{Fault, FaultKind, load as load_faults, parse as parse_fault};
pub use hooks::HookSchedule;
pub use journal::{DrillFacts, JournalEntry, TokenSeen, to_drill};
pub use proxy::{Asked, Proxy, ProxyError, Refusal};
pub use receiver::{RECEIVER_PATH, Receiver, ReceiverMode};
pub use routes::{JOURNAL_PATH, STATS_PATH, STATUS_IO_PATH, STATUSPAGE_PATH};
pub use scenarios::{ApiMode, HookFixture, Scenario, ScenarioName};

/// A running sandbox. Dropping it stops accepting connections.
#[derive(Debug)]
pub struct Sandbox {
    addr: SocketAddr,
    state: Arc<routes::State>,
    _stop: oneshot::Sender<()>,
}

impl Sandbox {
    /// Binds `addr` (port 0 picks a free port) and serves `scenario` (a
    /// named one, or one with its parameters changed, such as its delay),
    /// accepting only `token`; with `receiver`, also acts as a team's
    /// webhook receiver on [`RECEIVER_PATH`].
    pub async fn start(
        addr: SocketAddr,
        scenario: Scenario,
        token: SecretString,
        receiver: Option<Receiver>,
        faults: Vec<Fault>,
        scale: Option<(usize, usize)>,
    ) -> std::io::Result<Sandbox> {
        Sandbox::serve(addr, routes::State::new(scenario, token, receiver, faults, scale)).await
    }

    /// Binds `addr` and serves the drill world: `scenario`'s workspaces and
    /// answers, plus a stateful hierarchy of spaces, folders, lists and
    /// tasks, webhook creation and deletion, and a journal of every API
    /// request (see [`Sandbox::journal`] and [`JOURNAL_PATH`]). The drill
    /// runs an integration against it; the other scenarios are unchanged.
    /// With `plan`, the world plays its faults from the moment it starts:
    /// each API request is answered by the phase in force when it arrives,
    /// and the journal records the phase and the fault applied (an injected
    /// fault of `faults` that hits a request still comes first).
    ///
    /// When the integration registers a webhook on loopback, the world
    /// delivers signed events to it on the default [`HookSchedule`].
    pub async fn start_world(
        addr: SocketAddr,
        scenario: Scenario,
        token: SecretString,
        faults: Vec<Fault>,
        plan: Option<crate::drill::Plan>,
    ) -> std::io::Result<Sandbox> {
        Sandbox::start_world_with_hooks(addr, scenario, token, faults, plan, HookSchedule::default()).await
    }

    /// [`Sandbox::start_world`] delivering to the integration's webhooks on
    /// `hooks` instead of the default schedule (tests shrink it).
    pub async fn start_world_with_hooks(
        addr: SocketAddr,
        scenario: Scenario,
        token: SecretString,
        faults: Vec<Fault>,
        plan: Option<crate::drill::Plan>,
        hooks: HookSchedule,
    ) -> std::io::Result<Sandbox> {
        let state = routes::State::new(scenario, token, None, faults, None)
            .with_world()
            .with_plan(plan)
            .with_hook_schedule(hooks);
        Sandbox::serve(addr, state).await
    }

    async fn serve(addr: SocketAddr, state: routes::State) -> std::io::Result<Sandbox> {
        let listener = TcpListener::bind(addr).await?;
        let addr = listener.local_addr()?;
        let state = state.into_shared();
        let (stop, mut stopped) = oneshot::channel::<()>();
        let served = Arc::clone(&state);
        tokio::spawn(async move {
            loop {
                tokio::select! {
                    _ = &mut stopped => break,
                    accepted = listener.accept() => {
                        let Ok((stream, _)) = accepted else { continue };
                        let state = Arc::clone(&served);
                        tokio::spawn(async move {
                            let service = service_fn(move |request| {
                                let state = Arc::clone(&state);
                                async move { routes::handle(&state, request).await }
                            });
                            if let Err(e) = http1::Builder::new().serve_connection(TokioIo::new(stream), service).await {
                                tracing::debug!(error = %e, "sandbox connection ended with an error");
                            }
                        });
                    }
                }
            }
        });
        Ok(Sandbox { addr, state, _stop: stop })
    }

    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Base URL of the fake API, like `https://api.clickup.com/api/v2`.
    pub fn api_url(&self) -> String {
        format!("http://{}/api/v2", self.addr)
    }

    /// The fake Status.io status API.
    pub fn status_url(&self) -> String {
        format!("http://{}{}", self.addr, STATUS_IO_PATH)
    }

    /// The same state as an Atlassian Statuspage `summary.json`.
    pub fn statuspage_url(&self) -> String {
        format!("http://{}{}", self.addr, STATUSPAGE_PATH)
    }

    /// The receiver URL (answers only when started with a receiver).
    pub fn receiver_url(&self) -> String {
        format!("http://{}{}", self.addr, RECEIVER_PATH)
    }

    /// The journal of the drill world so far (empty unless started with
    /// [`Sandbox::start_world`]); tokens appear by generation only.
    pub fn journal(&self) -> Vec<JournalEntry> {
        self.state.journal()
    }

    /// The journal so far as the drill's judges read it, with the plan's
    /// phases when one runs and the deliveries to the integration's webhooks.
    pub fn drill_journal(&self) -> crate::drill::Journal {
        let webhooks = self.state.deliveries.journal();
        crate::drill::Journal { webhooks, ..to_drill(&self.state.journal(), self.state.plan()) }
    }

    /// Time since the world started, on the clock its fault plan and
    /// journal run by: a drill schedules the plan's events by it.
    pub fn elapsed(&self) -> std::time::Duration {
        self.state.elapsed()
    }

    /// Issues the next generation of the token (personal-token shaped,
    /// random), for a drill's token rotation; the older tokens stay valid
    /// until [`Sandbox::revoke_older_tokens`], so the new one can be handed
    /// over first. The journal names it by its generation.
    pub fn issue_token(&self) -> SecretString {
        self.state.tokens.issue()
    }

    /// Revokes every token but the newest: from now on they are answered
    /// 401 `OAUTH_025`, as ClickUp answers a revoked token, and journaled
    /// as [`crate::drill::Fault::RevokedToken`].
    pub fn revoke_older_tokens(&self) {
        self.state.tokens.revoke_older();
    }

    /// API requests served so far (status-page requests excluded).
    pub fn api_requests(&self) -> u64 {
        self.state.api_requests()
    }
}
