//! The closed registry of checks and the types every check speaks.
//!
//! Each check lives in its own module and exposes one pure function,
//! `evaluate(&Evidence, &CheckConfig) -> Outcome`: no I/O, no clock, no
//! printing. An outcome's text is a [`Message`]: the compiler refuses text
//! that did not pass the sanitizer. [`CheckId`] is matched exhaustively in [`evaluate`], so a new
//! check does not compile until it is wired. Words such as `PASS` appear only
//! in renderers; here statuses are typed and ordered.

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

use crate::config::CheckConfig;
use crate::evidence::Evidence;
pub use crate::model::Message;
pub use crate::model::{CheckId, FileLocation, Finding, FindingCode, Gate, Metric, OptIns, Outcome, Severity, Status};

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

/// Runs one check's pure evaluation. Exhaustive on purpose.
pub fn evaluate(id: CheckId, evidence: &Evidence, cfg: &CheckConfig) -> Outcome {
    let outcome = evaluate_unchecked(id, evidence, cfg);
    debug_assert_eq!(contract_broken(&outcome), None);
    outcome
}

fn evaluate_unchecked(id: CheckId, evidence: &Evidence, cfg: &CheckConfig) -> Outcome {
    match id {
        CheckId::Auth => auth::evaluate(evidence, cfg),
        CheckId::RateLimit => rate_limit::evaluate(evidence, cfg),
        CheckId::Latency => latency::evaluate(evidence, cfg),
        CheckId::Workspaces => workspaces::evaluate(evidence, cfg),
        CheckId::Platform => platform::evaluate(evidence, cfg),
        CheckId::Webhooks => webhooks::evaluate(evidence, cfg),
        CheckId::WebhookEndpoint => webhook_endpoint::evaluate(evidence, cfg),
        CheckId::Secrets => secrets::evaluate(evidence, cfg),
        CheckId::Token => token::evaluate(evidence, cfg),
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
                let o = evaluate_unchecked(id, ev, &CheckConfig::default());
                assert_eq!(contract_broken(&o), None);
                seen += usize::from(o.status != Status::Pass && o.status != Status::Skip);
            }
        }
        assert!(seen > 20, "the evidence above yields non-passing verdicts: {seen}");
    }
}
