//! Plain data: what gathering saw, handed to the pure checks.
//!
//! Every exchange is a [`Probe`] whose result is a `Result`, so that a
//! failure is data the checks can judge, not control flow that aborts the
//! run. Nothing here knows about verdicts.

use crate::client::{ApiError, StatusPage, Team, User, Webhook};
pub use crate::client::{ApiSample, Delivery, Probe, RateLimitHeaders, ReceiverProbe, ResetIn, reset_in};
use crate::repo::{RepoError, RepoEvidence};
use crate::text::OutsideText;
use crate::token::{TokenKind, TokenSource};

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
    pub fingerprint: crate::repo::Fingerprint,
}

/// What gathering saw of the workspaces' webhooks.
#[derive(Debug, Clone)]
pub struct WebhookEvidence {
    /// The workspace ids to examine (from `checks.toml` or `/team`), or why
    /// none could be known.
    pub workspaces: Result<Vec<OutsideText>, ApiError>,
    /// One listing per workspace fetched.
    pub lists: Vec<(OutsideText, Probe<Vec<Webhook>>)>,
    /// Workspaces not fetched, to leave the last requests of the rate-limit
    /// window to the production integration.
    pub not_checked: Vec<OutsideText>,
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
