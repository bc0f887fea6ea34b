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
    Bounds, CheckId, FileLocation, Finding, FindingCode, Gate, Metric, MetricKey, OptIns, Outcome, Severity, Status,
    Threshold,
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

/// The evidence a check needs was not gathered at all (ERROR); shared by
/// every check.
pub const EVIDENCE_MISSING: FindingCode = "evidence-missing";

/// The finding codes `id` can report: its own const list, in one place per
/// check. Codes are public API (users write them in `allow`); exhaustive on
/// purpose, so a new check does not compile until it declares its codes.
pub fn codes(id: CheckId) -> &'static [FindingCode] {
    match id {
        CheckId::Auth => auth::CODES,
        CheckId::RateLimit => rate_limit::CODES,
        CheckId::Latency => latency::CODES,
        CheckId::Workspaces => workspaces::CODES,
        CheckId::Platform => platform::CODES,
        CheckId::Webhooks => webhooks::CODES,
        CheckId::WebhookEndpoint => webhook_endpoint::CODES,
        CheckId::Secrets => secrets::CODES,
        CheckId::Token => token::CODES,
    }
}

/// Codes that mean the evidence could not be read at all: accepting one
/// would turn "could not tell" into PASS, so `allow` refuses them.
pub const NOT_ALLOWABLE: &[FindingCode] =
    &[EVIDENCE_MISSING, api_error::RATE_LIMITED, api_error::UNREADABLE_ANSWER, api_error::OVER_BUDGET];

/// Why `code` cannot be allowed for `id`, if it cannot: it is not one of
/// the check's codes, or it only ever means missing evidence.
pub fn refuse_allow(id: CheckId, code: &str) -> Option<String> {
    let own = codes(id);
    if !own.contains(&code) {
        let elsewhere: Vec<&str> =
            CheckId::ALL.iter().filter(|c| codes(**c).contains(&code)).map(|c| c.as_str()).collect();
        let known =
            if elsewhere.is_empty() { String::new() } else { format!(" (it is a code of {})", elsewhere.join(", ")) };
        return Some(format!("`{code}` is not a finding code of `{id}`{known}; expected one of {}", own.join(", ")));
    }
    let only_missing_evidence = NOT_ALLOWABLE.contains(&code) && id != CheckId::RateLimit;
    only_missing_evidence.then(|| format!("`{code}` means the evidence could not be read; it cannot be allowed"))
}

/// The contract between checks and everything after them: every WARN,
/// ERROR and FAIL carries a finding of its own status, and every code is
/// one the check declares. A broken contract is a bug in the check.
pub fn contract_broken(outcome: &Outcome) -> Option<String> {
    let declared = codes(outcome.id);
    if let Some(f) = outcome.findings.iter().find(|f| !declared.contains(&f.code)) {
        return Some(format!("{} reported undeclared code {}", outcome.id, f.code));
    }
    let needs_finding = matches!(outcome.status, Status::Warn | Status::Error | Status::Fail);
    let has_own = outcome.findings.iter().any(|f| f.status == outcome.status);
    (needs_finding && !has_own).then(|| {
        format!("{} is {} without a finding of that status: {}", outcome.id, outcome.status.as_str(), outcome.summary)
    })
}

/// Runs one check's pure evaluation with its own settings. Exhaustive on
/// purpose.
pub fn evaluate(id: CheckId, evidence: &Evidence, cfg: &Configs) -> Outcome {
    let outcome = evaluate_unchecked(id, evidence, cfg);
    debug_assert_eq!(contract_broken(&outcome), None);
    outcome
}

fn evaluate_unchecked(id: CheckId, evidence: &Evidence, cfg: &Configs) -> Outcome {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::evidence::{Probe, TokenOrigin};
    use crate::model::is_kebab_case;

    #[test]
    fn codes_are_kebab_case_and_unique_per_check() {
        for id in CheckId::ALL {
            let own = codes(id);
            assert!(!own.is_empty(), "{id} declares no code");
            for (i, code) in own.iter().enumerate() {
                assert!(is_kebab_case(code), "{id}: {code}");
                assert!(!own[..i].contains(code), "{id} lists {code} twice");
            }
        }
    }

    #[test]
    fn every_check_that_calls_the_api_declares_the_shared_error_codes() {
        for id in [CheckId::Auth, CheckId::Workspaces, CheckId::Webhooks] {
            for code in api_error::CODES {
                assert!(codes(id).contains(&code), "{id} lacks {code}");
            }
        }
    }

    #[test]
    fn allow_refuses_codes_the_check_never_reports_naming_the_owner() {
        assert_eq!(refuse_allow(CheckId::Webhooks, "webhook-suspended"), None);
        assert_eq!(refuse_allow(CheckId::RateLimit, "rate-limited"), None, "a 429 is rate-limit's own FAIL");
        let other = refuse_allow(CheckId::Webhooks, "platform-incident").expect("refused");
        assert!(other.contains("it is a code of platform") && other.contains("webhook-suspended"), "{other}");
        let typo = refuse_allow(CheckId::Webhooks, "webhook-suspendd").expect("refused");
        assert!(!typo.contains("it is a code of"), "{typo}");
        assert!(refuse_allow(CheckId::Auth, "evidence-missing").expect("refused").contains("cannot be allowed"));
    }

    /// Literal evidence for every check: nothing gathered, and API errors of
    /// every kind. Each verdict must carry a finding of its own status.
    #[test]
    fn every_non_passing_verdict_carries_a_finding_of_its_status() {
        use crate::client::ApiError;
        let http = |status: u16, ecode: Option<&str>| ApiError::Http {
            endpoint: "GET /user".into(),
            status,
            ecode: ecode.map(Into::into),
            err: None,
        };
        let errors = [
            http(401, Some("OAUTH_019")),
            http(429, None),
            http(404, None),
            http(503, None),
            ApiError::Timeout { endpoint: "GET /user".into(), after: std::time::Duration::from_secs(1) },
            ApiError::Decode { endpoint: "GET /user".into(), reason: "not JSON".into() },
        ];
        fn probe<T>(e: ApiError) -> Probe<T> {
            Probe { result: Err(e), elapsed: std::time::Duration::ZERO, rate_limit: Default::default(), attempts: 1 }
        }
        let mut evidences = vec![Evidence::default()];
        for error in errors {
            evidences.push(Evidence {
                user: vec![probe(error.clone())],
                teams: Some(probe(error.clone())),
                token_origin: Some(TokenOrigin {
                    source: crate::token::TokenSource::SandboxDemo,
                    env_file_in_repo: false,
                    fingerprint: crate::repo::fingerprint("not a token"),
                }),
                ..Evidence::default()
            });
        }
        let mut seen = 0;
        for ev in &evidences {
            for id in CheckId::ALL {
                let o = evaluate_unchecked(id, ev, &Configs::default());
                assert_eq!(contract_broken(&o), None);
                seen += usize::from(o.status != Status::Pass && o.status != Status::Skip);
            }
        }
        assert!(seen > 20, "the evidence above yields non-passing verdicts: {seen}");
    }
}
