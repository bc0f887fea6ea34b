//! The production checklist (`shared/seeds`): its 25 items, the check that
//! verifies each (where a machine can), and the attestation key a person
//! uses otherwise. One table of data, no branches per item.
//!
//! An item is VERIFIED when its check ran and reached a verdict, ATTESTED
//! when `checks.toml` names who vouched for it and when, and OPEN
//! otherwise. Evidence beats paper: a check's verdict wins over an
//! attestation, a failing verdict included.

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
    /// The check that verifies it, when one can.
    pub check: Option<CheckId>,
}

const AUTH: &str = "Authentication & Secrets";
const ERRORS: &str = "Error Handling";
const RATES: &str = "Rate Limits";
const MONITORING: &str = "Monitoring";
const HOOKS: &str = "Webhooks";

const fn entry(id: &'static str, section: &'static str, text: &'static str, check: Option<CheckId>) -> Item {
    Item { id, section, text, check }
}

/// Every item, in the checklist's order.
pub const ITEMS: [Item; 25] = [
    entry(
        "secrets-manager",
        AUTH,
        "Production API token stored in secrets manager (not env files)",
        Some(CheckId::Token),
    ),
    entry("service-account", AUTH, "Token uses a service account, not a personal user account", Some(CheckId::Token)),
    entry(
        "env-ignored-and-hook",
        AUTH,
        ".env files in .gitignore; pre-commit hook catches pk_* patterns",
        Some(CheckId::Secrets),
    ),
    entry("token-rotation", AUTH, "Token rotation procedure documented and tested", None),
    entry(
        "oauth-secret-server-side",
        AUTH,
        "OAuth client secret server-side only (never in client bundle)",
        Some(CheckId::Secrets),
    ),
    entry("handles-401-429-500", ERRORS, "All API calls handle 401 (re-auth), 429 (backoff), 500 (retry)", None),
    entry("backoff-with-jitter", ERRORS, "Exponential backoff with jitter on rate limits", None),
    entry("ecode-parsed", ERRORS, "ClickUp-specific error codes parsed (ECODE field in responses)", None),
    entry("circuit-breaker", ERRORS, "Circuit breaker pattern prevents cascade failures", None),
    entry("graceful-degradation", ERRORS, "Graceful degradation when ClickUp API is down", None),
    entry("plan-limit-known", RATES, "Know your plan's limit (100/1K/10K req/min)", None),
    entry(
        "rate-limit-headers-monitored",
        RATES,
        "Rate limit headers monitored (X-RateLimit-Remaining)",
        Some(CheckId::RateLimit),
    ),
    entry("request-queuing", RATES, "Request queuing prevents burst overruns", None),
    entry("caching", RATES, "Caching reduces unnecessary API calls", None),
    entry("webhooks-over-polling", RATES, "Webhooks replace polling where possible", None),
    entry("health-check", MONITORING, "Health check endpoint verifies ClickUp connectivity", Some(CheckId::Auth)),
    entry("latency-tracked", MONITORING, "API latency tracked per endpoint", Some(CheckId::Latency)),
    entry("error-rate-alerting", MONITORING, "Error rate alerting (>5% triggers P2)", None),
    entry(
        "rate-limit-alerting",
        MONITORING,
        "Rate limit remaining alerting (<10% triggers warning)",
        Some(CheckId::RateLimit),
    ),
    entry("structured-logging", MONITORING, "Structured logging with request/response metadata", None),
    entry("webhook-https", HOOKS, "Endpoint uses HTTPS", Some(CheckId::Webhooks)),
    entry("webhook-fast-200", HOOKS, "Responds with 200 within 30 seconds", Some(CheckId::WebhookEndpoint)),
    entry(
        "webhook-idempotent",
        HOOKS,
        "Idempotent processing (tracks history_items[].id)",
        Some(CheckId::WebhookEndpoint),
    ),
    entry("webhook-async", HOOKS, "Async processing after immediate 200 response", Some(CheckId::WebhookEndpoint)),
    entry(
        "webhook-auto-disable",
        HOOKS,
        "Handles ClickUp auto-disable (re-register if needed)",
        Some(CheckId::Webhooks),
    ),
];

/// The item with this id.
pub fn item_by_id(id: &str) -> Option<&'static Item> {
    ITEMS.iter().find(|i| i.id == id)
}

/// How an item stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum State {
    /// Its check ran and gave this verdict.
    Verified {
        /// The check.
        check: CheckId,
        /// Its verdict.
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
        /// Older than the allowed age.
        stale: bool,
    },
    /// Neither.
    Open {
        /// Why no check could settle it, when one exists.
        reason: Option<String>,
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
    /// Whether this item keeps the release gate shut: OPEN, or verified
    /// by a failing check.
    pub fn blocks(&self) -> bool {
        match &self.state {
            State::Open { .. } => true,
            State::Verified { status, .. } => status.is_failing(),
            State::Attested { .. } => false,
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
        .map(|item| {
            let outcome = item.check.and_then(|id| outcomes.iter().find(|o| o.id == id));
            let verdict = outcome.filter(|o| matches!(o.status, Status::Pass | Status::Warn | Status::Fail));
            let state = if let (Some(check), Some(o)) = (item.check, verdict) {
                State::Verified { check, status: o.status }
            } else if let Some(a) = attestations.get(item.id) {
                let on = attestation_day(a);
                let stale = on.is_none_or(|day| today - day > i64::from(max_age_days));
                // checks.toml is read before any secret is known: token shapes are masked.
                let sanitizer = crate::text::Sanitizer::shapes_only();
                let by = sanitizer.line(&a.by, crate::text::NAME);
                let link = a.link.as_deref().map(|l| sanitizer.line(l, crate::text::URL));
                State::Attested { by, on: a.on.to_string(), link, stale }
            } else {
                let reason = outcome.map(|o| format!("{} is {}: {}", o.id.as_str(), o.status.as_str(), o.summary));
                State::Open { reason }
            };
            ItemResult { item, state }
        })
        .collect()
}

/// The attestation's date as days since 1970-01-01, when it has one.
fn attestation_day(a: &AttestEntry) -> Option<i64> {
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

    #[test]
    fn verified_attested_fresh_and_stale_and_open() {
        let outcomes = vec![
            Outcome::new(CheckId::Auth, Status::Pass, "ok"),
            Outcome::new(CheckId::Secrets, Status::Skip, "not git"),
        ];
        let today = crate::report::days_from_civil(2026, 11, 23);
        let mut attestations = BTreeMap::new();
        attestations.insert("token-rotation".to_owned(), attest("2026-11-01"));
        attestations.insert("caching".to_owned(), attest("2025-01-01"));
        attestations.insert("health-check".to_owned(), attest("2026-11-01"));
        let results = evaluate(&outcomes, &attestations, today, 180);
        let state = |id: &str| results.iter().find(|r| r.item.id == id).map(|r| r.state.clone()).expect(id);
        assert_eq!(
            state("health-check"),
            State::Verified { check: CheckId::Auth, status: Status::Pass },
            "evidence beats paper"
        );
        assert!(matches!(state("token-rotation"), State::Attested { stale: false, .. }));
        assert!(matches!(state("caching"), State::Attested { stale: true, .. }));
        assert!(
            matches!(state("env-ignored-and-hook"), State::Open { reason: Some(r) } if r.starts_with("secrets is skip"))
        );
        assert!(matches!(state("circuit-breaker"), State::Open { reason: None }));
        assert!(results.iter().any(ItemResult::blocks));
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
