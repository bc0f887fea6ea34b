//! The closed registry of checks and the types every check speaks.
//!
//! Each check lives in its own module and owns three things: its `Config`
//! (validated by `config::resolve`, no `Option` meaning "use the default"),
//! `needs(&Config) -> Needs` (the requests its evidence comes from) and one
//! pure function, `evaluate(&Evidence, &Config) -> Outcome`: no I/O, no
//! clock, no printing. A check with no settings has no `Config` and takes
//! none. An outcome's text is a [`Message`]: the compiler refuses text that
//! did not pass the sanitizer. Words such as `PASS` appear only in
//! renderers; here statuses are typed and ordered.
//!
//! This file is the one place that lists the checks: [`Configs`] holds each
//! check's settings, [`needs`] and [`evaluate`] match [`CheckId`]
//! exhaustively. A new check is its module plus one line in each: until
//! both are written the crate does not compile, and [`Needs`] has no
//! `Default`, so the line in [`needs`] must state what the check gathers.

#![deny(clippy::print_stdout, clippy::print_stderr)]

pub mod api_error;
pub mod auth;
pub mod latency;
pub mod platform;
pub mod rate_limit;
pub mod secrets;
pub mod token;
pub mod webhook_endpoint;
pub mod webhooks;
pub mod workspaces;

use crate::evidence::Evidence;
pub use crate::model::Message;
pub use crate::model::{
    Bounds, CheckId, FileLocation, Gate, Metric, MetricKey, OptIns, Outcome, Severity, Status, Threshold,
};
use crate::text::OutsideText;

/// Every check's settings, one field per check that has any. Built once by
/// `config::resolve`; the defaults are the documented ones.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Configs {
    /// `[rate_limit]` and `plan`.
    pub rate_limit: rate_limit::Config,
    /// `[latency]`.
    pub latency: latency::Config,
    /// `workspaces`.
    pub workspaces: workspaces::Config,
    /// `[[webhooks.expect]]` and `workspaces`.
    pub webhooks: webhooks::Config,
    /// `[webhook_endpoint]`.
    pub webhook_endpoint: webhook_endpoint::Config,
    /// `service_account`.
    pub token: token::Config,
}

/// The requests a check's evidence comes from. No `Default` on purpose: a
/// check states what it needs (starting from [`Needs::NONE`] is saying
/// "nothing else"), and [`needs`] will not compile without a line for every
/// check. A run gathers the union ([`Needs::union`]) of its checks' needs.
///
/// ```
/// use clickup_preflight::checks::Needs;
/// let status_page_only = Needs { status_page: true, ..Needs::NONE };
/// assert!(!status_page_only.needs_api());
/// ```
///
/// ```compile_fail
/// // No default to fall back on: a check must say what it needs.
/// let _ = <clickup_preflight::checks::Needs as Default>::default();
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Needs {
    /// `GET /user` requests: one serves auth, the rate-limit headers, the
    /// token's owner and a latency sample; latency may ask for more.
    pub user_samples: usize,
    /// Whether `GET /team` is needed.
    pub teams: bool,
    /// Whether the workspaces' webhooks are listed.
    pub webhook_listings: bool,
    /// Workspaces named in `checks.toml`: their webhooks are listed without
    /// waiting for `/team`.
    pub named_workspaces: Vec<OutsideText>,
    /// Whether the status page is needed.
    pub status_page: bool,
    /// Whether the receivers in `checks.toml` get test deliveries.
    pub receivers: bool,
    /// Whether the repository is scanned for secrets.
    pub repo: bool,
    /// Whether the check reads the time of every ClickUp API request the
    /// run makes, and so waits on all of them (asks for none itself).
    pub api_timings: bool,
}

impl Needs {
    /// No request at all: where a union starts.
    pub const NONE: Needs = Needs {
        user_samples: 0,
        teams: false,
        webhook_listings: false,
        named_workspaces: Vec::new(),
        status_page: false,
        receivers: false,
        repo: false,
        api_timings: false,
    };

    /// What serves both `self` and `other`: one `/user` request serves
    /// every check that reads it, so samples are the larger count, not the
    /// sum. Destructured so that a new field does not compile until it is
    /// joined here.
    pub fn union(self, other: Needs) -> Needs {
        let Needs {
            user_samples,
            teams,
            webhook_listings,
            named_workspaces,
            status_page,
            receivers,
            repo,
            api_timings,
        } = other;
        let mut named = self.named_workspaces;
        for id in named_workspaces {
            if !named.contains(&id) {
                named.push(id);
            }
        }
        Needs {
            user_samples: self.user_samples.max(user_samples),
            teams: self.teams || teams,
            webhook_listings: self.webhook_listings || webhook_listings,
            named_workspaces: named,
            status_page: self.status_page || status_page,
            receivers: self.receivers || receivers,
            repo: self.repo || repo,
            api_timings: self.api_timings || api_timings,
        }
    }

    /// Whether any request needs the ClickUp API, and so a token.
    pub fn needs_api(&self) -> bool {
        let Needs {
            user_samples,
            teams,
            webhook_listings,
            named_workspaces: _,
            status_page: _,
            receivers: _,
            repo: _,
            api_timings: _,
        } = self;
        *user_samples > 0 || *teams || *webhook_listings
    }
}

/// What check `id` gathers, under `cfg`. Exhaustive on purpose.
pub fn needs(id: CheckId, cfg: &Configs) -> Needs {
    match id {
        CheckId::Auth => auth::needs(),
        CheckId::RateLimit => rate_limit::needs(),
        CheckId::Latency => latency::needs(&cfg.latency),
        CheckId::Workspaces => workspaces::needs(),
        CheckId::Platform => platform::needs(),
        CheckId::Webhooks => webhooks::needs(&cfg.webhooks),
        CheckId::WebhookEndpoint => webhook_endpoint::needs(),
        CheckId::Secrets => secrets::needs(),
        CheckId::Token => token::needs(),
    }
}

/// Whether check `id` needs the ClickUp API (and so a token) whatever its
/// settings: what runs when no token is at hand.
pub fn needs_api(id: CheckId) -> bool {
    needs(id, &Configs::default()).needs_api()
}

/// Runs one check's pure evaluation with its own settings. Exhaustive on
/// purpose.
pub fn evaluate(id: CheckId, evidence: &Evidence, cfg: &Configs) -> Outcome {
    match id {
        CheckId::Auth => auth::evaluate(evidence),
        CheckId::RateLimit => rate_limit::evaluate(evidence, &cfg.rate_limit),
        CheckId::Latency => latency::evaluate(evidence, &cfg.latency),
        CheckId::Workspaces => workspaces::evaluate(evidence, &cfg.workspaces),
        CheckId::Platform => platform::evaluate(evidence),
        CheckId::Webhooks => webhooks::evaluate(evidence, &cfg.webhooks),
        CheckId::WebhookEndpoint => webhook_endpoint::evaluate(evidence, &cfg.webhook_endpoint),
        CheckId::Secrets => secrets::evaluate(evidence),
        CheckId::Token => token::evaluate(evidence, &cfg.token),
    }
}
