//! The production checklist (`shared/seeds`): its 25 items, what can settle
//! each, and the attestation key a person uses otherwise. One table of data,
//! no branches per item.
//!
//! Most items ask what the *integration* does, which one run of this tool
//! cannot see. So an item is VERIFIED only when a check that observes the
//! item itself passed; a FAIL of any check bearing on it keeps it failing
//! (evidence beats paper). Otherwise it is ATTESTED when `checks.toml` names
//! who vouched for it and when (stale, and blocking, past the allowed age),
//! and OPEN when not; items this tool provides when deployed as a probe say
//! how. A WARN, SKIP or ERROR settles nothing.

use std::collections::BTreeMap;

use crate::checks::{CheckId, Outcome, Status};
use crate::config::AttestEntry;

/// One checklist item.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Item {
    /// Stable key, used in `[attest.<id>]`.
    pub id: &'static str,
    /// The checklist section.
    pub section: &'static str,
    /// The item as the checklist states it.
    pub text: &'static str,
    /// What can settle it: a check that observes it, a check that can only
    /// refute it, this tool deployed as a probe, or a person.
    pub basis: Basis,
}

/// What evidence an item can have. Most items ask what the *integration*
/// does; a passing run of this tool is evidence of that only where a check
/// looks at the item itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Basis {
    /// The check observes the item itself: its PASS verifies the item, its
    /// FAIL keeps it failing (attested or not).
    Observed(CheckId),
    /// The check sees part of the item: its FAIL shows the item is not met,
    /// but its PASS is no proof, so a person attests.
    Refutable(CheckId),
    /// This tool provides the item when deployed as a scheduled probe with an
    /// alert on its output; a person attests that it is deployed. A check,
    /// when named, can refute the item.
    Probe(Option<CheckId>),
    /// Only a person can attest it.
    Attestation,
}

impl Basis {
    /// The check whose verdict bears on the item, when there is one.
    pub fn check(self) -> Option<CheckId> {
        match self {
            Basis::Observed(c) | Basis::Refutable(c) | Basis::Probe(Some(c)) => Some(c),
            Basis::Probe(None) | Basis::Attestation => None,
        }
    }

    /// The check whose PASS verifies the item, when one can.
    pub fn verifying_check(self) -> Option<CheckId> {
        match self {
            Basis::Observed(c) => Some(c),
            _ => None,
        }
    }

    /// The stable word for the basis, in JSON and the README.
    pub fn as_str(self) -> &'static str {
        match self {
            Basis::Observed(_) => "check",
            Basis::Refutable(_) => "refutable",
            Basis::Probe(_) => "probe",
            Basis::Attestation => "attestation",
        }
    }

    /// How the README's mapping table states the basis.
    pub fn describe(self) -> String {
        match self {
            Basis::Observed(c) => format!("`{}`", c.as_str()),
            Basis::Refutable(c) => format!("attestation; `{}` can refute", c.as_str()),
            Basis::Probe(None) => "probe, then attestation".to_owned(),
            Basis::Probe(Some(c)) => format!("probe, then attestation; `{}` can refute", c.as_str()),
            Basis::Attestation => "attestation".to_owned(),
        }
    }
}

/// How to satisfy a [`Basis::Probe`] item with this tool.
pub const PROBE_HINT: &str = "satisfy with: clickup-preflight check --output prometheus=PATH from cron, \
     an alert on its metrics, then attest";

const AUTH: &str = "Authentication & Secrets";
const ERRORS: &str = "Error Handling";
const RATES: &str = "Rate Limits";
const MONITORING: &str = "Monitoring";
const HOOKS: &str = "Webhooks";

const fn entry(id: &'static str, section: &'static str, text: &'static str, basis: Basis) -> Item {
    Item { id, section, text, basis }
}

use Basis::{Attestation, Observed, Probe, Refutable};

/// Every item, in the checklist's order. Each basis is a deliberate claim
/// about what the check sees (see the README's checklist section).
pub const ITEMS: [Item; 25] = [
    // `token` sees how this run got its token, not how production stores it.
    entry(
        "secrets-manager",
        AUTH,
        "Production API token stored in secrets manager (not env files)",
        Refutable(CheckId::Token),
    ),
    // `token` asks ClickUp whose token it is and compares `service_account`.
    entry(
        "service-account",
        AUTH,
        "Token uses a service account, not a personal user account",
        Observed(CheckId::Token),
    ),
    // `secrets` reads .gitignore and the hooks of the repository itself.
    entry(
        "env-ignored-and-hook",
        AUTH,
        ".env files in .gitignore; pre-commit hook catches pk_* patterns",
        Observed(CheckId::Secrets),
    ),
    entry("token-rotation", AUTH, "Token rotation procedure documented and tested", Attestation),
    // A clean repository does not prove the bundle built and deployed is clean.
    entry(
        "oauth-secret-server-side",
        AUTH,
        "OAuth client secret server-side only (never in client bundle)",
        Refutable(CheckId::Secrets),
    ),
    entry("handles-401-429-500", ERRORS, "All API calls handle 401 (re-auth), 429 (backoff), 500 (retry)", Attestation),
    entry("backoff-with-jitter", ERRORS, "Exponential backoff with jitter on rate limits", Attestation),
    entry("ecode-parsed", ERRORS, "ClickUp-specific error codes parsed (ECODE field in responses)", Attestation),
    entry("circuit-breaker", ERRORS, "Circuit breaker pattern prevents cascade failures", Attestation),
    entry("graceful-degradation", ERRORS, "Graceful degradation when ClickUp API is down", Attestation),
    entry("plan-limit-known", RATES, "Know your plan's limit (100/1K/10K req/min)", Attestation),
    // The probe exports X-RateLimit-Remaining; one run of it is not monitoring.
    entry("rate-limit-headers-monitored", RATES, "Rate limit headers monitored (X-RateLimit-Remaining)", Probe(None)),
    entry("request-queuing", RATES, "Request queuing prevents burst overruns", Attestation),
    entry("caching", RATES, "Caching reduces unnecessary API calls", Attestation),
    entry("webhooks-over-polling", RATES, "Webhooks replace polling where possible", Attestation),
    entry("health-check", MONITORING, "Health check endpoint verifies ClickUp connectivity", Probe(None)),
    // The probe times its own requests per endpoint; the integration's own tracking is attested.
    entry("latency-tracked", MONITORING, "API latency tracked per endpoint", Attestation),
    entry("error-rate-alerting", MONITORING, "Error rate alerting (>5% triggers P2)", Attestation),
    entry("rate-limit-alerting", MONITORING, "Rate limit remaining alerting (<10% triggers warning)", Probe(None)),
    entry("structured-logging", MONITORING, "Structured logging with request/response metadata", Attestation),
    // `webhooks` reads every registered endpoint's scheme.
    entry("webhook-https", HOOKS, "Endpoint uses HTTPS", Observed(CheckId::Webhooks)),
    // `webhook-endpoint` times the receiver's answer to a real delivery.
    entry("webhook-fast-200", HOOKS, "Responds with 200 within 30 seconds", Observed(CheckId::WebhookEndpoint)),
    // A 2xx to a duplicate does not show it was not processed twice.
    entry("webhook-idempotent", HOOKS, "Idempotent processing (tracks history_items[].id)", Attestation),
    // A slow answer refutes it; a fast one does not show the processing is async.
    entry("webhook-async", HOOKS, "Async processing after immediate 200 response", Refutable(CheckId::WebhookEndpoint)),
    // The probe alarms on suspension; a suspended webhook now refutes it.
    entry(
        "webhook-auto-disable",
        HOOKS,
        "Handles ClickUp auto-disable (re-register if needed)",
        Probe(Some(CheckId::Webhooks)),
    ),
];

/// The item with this id.
pub fn item_by_id(id: &str) -> Option<&'static Item> {
    ITEMS.iter().find(|i| i.id == id)
}

/// How an item stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum State {
    /// Its check settled it: PASS from a check that observes the item
    /// verifies it; FAIL from any check that bears on it shows it unmet.
    Verified {
        /// The check.
        check: CheckId,
        /// Its verdict: `Pass` or `Fail`.
        status: Status,
    },
    /// A person vouched for it.
    Attested {
        /// Who (from `checks.toml`, so sanitized).
        by: crate::text::OutsideText,
        /// When, `YYYY-MM-DD`.
        on: String,
        /// Where the evidence is (from `checks.toml`, so sanitized).
        link: Option<crate::text::OutsideText>,
        /// Older than the allowed age: it keeps the gate shut until renewed.
        stale: bool,
    },
    /// Neither.
    Open {
        /// Why the check that bears on it did not settle it, when one ran.
        reason: Option<String>,
        /// How to satisfy it with this tool, for items the tool provides as a probe.
        satisfy_with: Option<&'static str>,
    },
}

/// One item and its state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ItemResult {
    /// The item.
    pub item: &'static Item,
    /// Its state.
    pub state: State,
}

impl ItemResult {
    /// Whether this item keeps the release gate shut: OPEN, verified by a
    /// failing check, or attested too long ago.
    pub fn blocks(&self) -> bool {
        match &self.state {
            State::Open { .. } => true,
            State::Verified { status, .. } => status.is_failing(),
            State::Attested { stale, .. } => *stale,
        }
    }
}

/// Settles every item from the checks' outcomes and the attestations.
/// `today` is days since 1970-01-01.
pub fn evaluate(
    outcomes: &[Outcome],
    attestations: &BTreeMap<String, AttestEntry>,
    today: i64,
    max_age_days: u32,
) -> Vec<ItemResult> {
    ITEMS
        .iter()
        .map(|item| ItemResult { item, state: settle(item, outcomes, attestations, today, max_age_days) })
        .collect()
}

/// One item's state: a FAIL of any check bearing on it wins (evidence
/// beats paper), then a PASS of a check that observes it, then an
/// attestation. A WARN, SKIP or ERROR settles nothing.
fn settle(
    item: &Item,
    outcomes: &[Outcome],
    attestations: &BTreeMap<String, AttestEntry>,
    today: i64,
    max_age_days: u32,
) -> State {
    let outcome = item.basis.check().and_then(|id| outcomes.iter().find(|o| o.id == id));
    if let Some(o) = outcome.filter(|o| o.status == Status::Fail) {
        return State::Verified { check: o.id, status: o.status };
    }
    let verifying = item.basis.verifying_check();
    if let Some(o) = outcome.filter(|o| o.status == Status::Pass && verifying == Some(o.id)) {
        return State::Verified { check: o.id, status: o.status };
    }
    if let Some(a) = attestations.get(item.id) {
        let on = attestation_day(a);
        let stale = on.is_none_or(|day| today - day > i64::from(max_age_days));
        // checks.toml is read before any secret is known: token shapes are masked.
        let sanitizer = crate::text::Sanitizer::shapes_only();
        let by = sanitizer.line(&a.by, crate::text::NAME);
        let link = a.link.as_deref().map(|l| sanitizer.line(l, crate::text::URL));
        return State::Attested { by, on: a.on.to_string(), link, stale };
    }
    let reason = outcome.map(|o| match o.status {
        Status::Pass => format!("{} passed, which does not show this item: attest it", o.id.as_str()),
        _ => format!("{} is {}: {}", o.id.as_str(), o.status.as_str(), o.summary),
    });
    let satisfy_with = matches!(item.basis, Basis::Probe(_)).then_some(PROBE_HINT);
    State::Open { reason, satisfy_with }
}

/// The attestation's date as days since 1970-01-01, when it has one.
pub fn attestation_day(a: &AttestEntry) -> Option<i64> {
    let date = a.on.date?;
    Some(crate::report::days_from_civil(i64::from(date.year), u32::from(date.month), u32::from(date.day)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attest(on: &str) -> AttestEntry {
        AttestEntry { by: "ops@example.com".into(), on: on.parse().expect("toml date"), link: None }
    }

    #[test]
    fn twenty_five_unique_items_in_five_sections() {
        let ids: std::collections::HashSet<&str> = ITEMS.iter().map(|i| i.id).collect();
        assert_eq!(ids.len(), 25);
        for section in [AUTH, ERRORS, RATES, MONITORING, HOOKS] {
            assert_eq!(ITEMS.iter().filter(|i| i.section == section).count(), 5, "{section}");
        }
    }

    fn state_of(results: &[ItemResult], id: &str) -> State {
        results.iter().find(|r| r.item.id == id).map(|r| r.state.clone()).expect(id)
    }

    #[test]
    fn verified_attested_fresh_and_stale_and_open() {
        let outcomes = vec![
            Outcome::new(CheckId::Webhooks, Status::Pass, "ok"),
            Outcome::new(CheckId::Secrets, Status::Skip, "not git"),
        ];
        let today = crate::report::days_from_civil(2026, 11, 23);
        let mut attestations = BTreeMap::new();
        attestations.insert("token-rotation".to_owned(), attest("2026-11-01"));
        attestations.insert("caching".to_owned(), attest("2025-01-01"));
        attestations.insert("webhook-https".to_owned(), attest("2026-11-01"));
        let results = evaluate(&outcomes, &attestations, today, 180);
        let state = |id: &str| state_of(&results, id);
        assert_eq!(
            state("webhook-https"),
            State::Verified { check: CheckId::Webhooks, status: Status::Pass },
            "evidence beats paper"
        );
        assert!(matches!(state("token-rotation"), State::Attested { stale: false, .. }));
        assert!(matches!(state("caching"), State::Attested { stale: true, .. }));
        assert!(
            matches!(state("env-ignored-and-hook"), State::Open { reason: Some(r), .. } if r.starts_with("secrets is skip"))
        );
        assert!(matches!(state("circuit-breaker"), State::Open { reason: None, satisfy_with: None }));
        assert!(results.iter().any(ItemResult::blocks));
    }

    #[test]
    fn a_passing_run_of_this_tool_does_not_verify_what_the_integration_does() {
        let outcomes: Vec<Outcome> = [CheckId::Auth, CheckId::RateLimit, CheckId::Latency, CheckId::Webhooks]
            .into_iter()
            .map(|id| Outcome::new(id, Status::Pass, "ok"))
            .collect();
        let results = evaluate(&outcomes, &BTreeMap::new(), 20_000, 180);
        for id in ["health-check", "latency-tracked", "rate-limit-alerting", "rate-limit-headers-monitored"] {
            let state = state_of(&results, id);
            assert!(matches!(state, State::Open { .. }), "{id}: {state:?}");
        }
        for id in ["health-check", "rate-limit-alerting", "rate-limit-headers-monitored", "webhook-auto-disable"] {
            assert_eq!(
                state_of(&results, id),
                State::Open {
                    reason: (id == "webhook-auto-disable")
                        .then(|| "webhooks passed, which does not show this item: attest it".to_owned()),
                    satisfy_with: Some(PROBE_HINT)
                },
                "{id}"
            );
        }
        let verified: Vec<&str> =
            results.iter().filter(|r| matches!(r.state, State::Verified { .. })).map(|r| r.item.id).collect();
        assert_eq!(verified, ["webhook-https"], "only what a check observed itself");
    }

    #[test]
    fn a_warning_verifies_nothing_and_a_refuting_fail_blocks_even_when_attested() {
        let outcomes = vec![
            Outcome::new(CheckId::Secrets, Status::Warn, "no pre-commit guard"),
            Outcome::new(CheckId::Token, Status::Fail, "read from .env"),
            Outcome::new(CheckId::WebhookEndpoint, Status::Pass, "fast"),
        ];
        let mut attestations = BTreeMap::new();
        attestations.insert("secrets-manager".to_owned(), attest("2026-11-01"));
        attestations.insert("webhook-async".to_owned(), attest("2026-11-01"));
        let today = crate::report::days_from_civil(2026, 11, 23);
        let results = evaluate(&outcomes, &attestations, today, 180);
        assert!(matches!(
            state_of(&results, "env-ignored-and-hook"),
            State::Open { reason: Some(r), .. } if r == "secrets is warn: no pre-commit guard"
        ));
        assert_eq!(
            state_of(&results, "secrets-manager"),
            State::Verified { check: CheckId::Token, status: Status::Fail }
        );
        assert!(matches!(state_of(&results, "webhook-async"), State::Attested { stale: false, .. }));
        assert!(matches!(state_of(&results, "webhook-idempotent"), State::Open { reason: None, satisfy_with: None }));
        assert_eq!(
            state_of(&results, "webhook-fast-200"),
            State::Verified { check: CheckId::WebhookEndpoint, status: Status::Pass }
        );
    }

    #[test]
    fn a_stale_attestation_blocks_and_a_fresh_one_does_not() {
        let mut attestations = BTreeMap::new();
        attestations.insert("caching".to_owned(), attest("2026-01-01"));
        let item = |today| {
            evaluate(&[], &attestations, today, 180).into_iter().find(|r| r.item.id == "caching").expect("caching")
        };
        assert!(!item(crate::report::days_from_civil(2026, 6, 30)).blocks());
        assert!(item(crate::report::days_from_civil(2026, 7, 1)).blocks());
    }

    #[test]
    fn a_failing_verdict_blocks_even_when_attested() {
        let outcomes = vec![Outcome::new(CheckId::Webhooks, Status::Fail, "suspended")];
        let mut attestations = BTreeMap::new();
        attestations.insert("webhook-https".to_owned(), attest("2026-11-01"));
        let results = evaluate(&outcomes, &attestations, 20_000, 180);
        let https = results.iter().find(|r| r.item.id == "webhook-https").expect("item");
        assert!(https.blocks());
    }
}
