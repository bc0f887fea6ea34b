//! Makes every request a run needs, once and concurrently, and records the
//! results as [`Evidence`].
//!
//! Requests that do not depend on each other are all in flight together:
//! the latency samples, `/team` and the status page. A default run takes
//! about one round trip of wall time. Every request is bounded by the
//! per-request timeout and by the run's deadline, so a hung server yields
//! evidence of the hang, in time, and the other checks still report.

use std::future::Future;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use tokio::task::JoinHandle;

use crate::checks::CheckId;
use crate::client::{ApiError, ClickUpClient, StatusClient};
use crate::config::CheckConfig;
use crate::evidence::{Evidence, Probe};
use crate::token::TokenKind;

/// Which requests the selected checks need.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Plan {
    /// `GET /user` requests (the auth request plus latency samples).
    pub user_samples: usize,
    /// Whether `GET /team` is needed.
    pub teams: bool,
    /// Whether the status page is needed.
    pub status_page: bool,
}

impl Plan {
    /// The fewest requests that serve `selected`: one `/user` serves auth,
    /// the rate-limit headers and the first latency sample.
    pub fn for_checks(selected: &[CheckId], cfg: &CheckConfig) -> Plan {
        let wants = |id| selected.contains(&id);
        let user_samples = if wants(CheckId::Latency) {
            cfg.latency_samples
        } else if wants(CheckId::Auth) || wants(CheckId::RateLimit) {
            1
        } else {
            0
        };
        Plan { user_samples, teams: wants(CheckId::Workspaces), status_page: wants(CheckId::Platform) }
    }

    /// Whether any request needs the token.
    pub fn needs_api(&self) -> bool {
        self.user_samples > 0 || self.teams
    }
}

/// Runs the plan. `api` may be `None` only when the plan needs no API call.
pub async fn gather(
    plan: Plan,
    api: Option<&ClickUpClient>,
    status: Option<&StatusClient>,
    deadline: Duration,
    token_kind: Option<TokenKind>,
) -> Evidence {
    let observed_at_unix = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let ends_at = tokio::time::Instant::now() + deadline;

    let mut users: Vec<JoinHandle<_>> = Vec::new();
    let mut teams = None;
    if let Some(api) = api.filter(|_| plan.needs_api()) {
        for _ in 0..plan.user_samples {
            let client = api.clone();
            users.push(spawn_bounded("GET /user", ends_at, async move { client.user().await }));
        }
        if plan.teams {
            let client = api.clone();
            teams = Some(spawn_bounded("GET /team", ends_at, async move { client.teams().await }));
        }
    }
    let status_page = status.filter(|_| plan.status_page).map(|status| {
        let client = status.clone();
        spawn_bounded("GET status page", ends_at, async move { client.fetch().await })
    });

    let mut evidence = Evidence { token_kind, observed_at_unix, ..Evidence::default() };
    for handle in users {
        evidence.user.push(join("GET /user", handle).await);
    }
    if let Some(handle) = teams {
        evidence.teams = Some(join("GET /team", handle).await);
    }
    if let Some(handle) = status_page {
        evidence.status_page = Some(join("GET status page", handle).await);
    }
    evidence
}

/// Spawns a request that gives up at the run's deadline with evidence that
/// says so.
fn spawn_bounded<T, F>(endpoint: &'static str, ends_at: tokio::time::Instant, request: F) -> JoinHandle<Probe<T>>
where
    T: Send + 'static,
    F: Future<Output = Probe<T>> + Send + 'static,
{
    tokio::spawn(async move {
        let started = Instant::now();
        match tokio::time::timeout_at(ends_at, request).await {
            Ok(probe) => probe,
            Err(_) => Probe::failed(ApiError::Deadline { endpoint: endpoint.to_owned() }, started.elapsed()),
        }
    })
}

async fn join<T>(endpoint: &str, handle: JoinHandle<Probe<T>>) -> Probe<T> {
    handle.await.unwrap_or_else(|e| {
        let reason = format!("internal task ended unexpectedly ({e})");
        Probe::failed(ApiError::Transport { endpoint: endpoint.to_owned(), reason }, Duration::ZERO)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_user_request_serves_auth_and_rate_limit() {
        let cfg = CheckConfig::default();
        let plan = Plan::for_checks(&[CheckId::Auth, CheckId::RateLimit], &cfg);
        assert_eq!(plan, Plan { user_samples: 1, teams: false, status_page: false });
        let all = Plan::for_checks(&CheckId::ALL, &cfg);
        assert_eq!(all, Plan { user_samples: 3, teams: true, status_page: true });
        let platform_only = Plan::for_checks(&[CheckId::Platform], &cfg);
        assert!(!platform_only.needs_api());
    }
}
