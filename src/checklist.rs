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
pub use crate::model::checklist_items::{Basis, ITEMS, Item, PROBE_HINT, item_by_id};

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
        reason: Option<crate::model::Message>,
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
        let on = AttestEntry::day(a);
        let stale = on.is_none_or(|day| today - day > i64::from(max_age_days));
        // checks.toml is read before any secret is known: token shapes are masked.
        let sanitizer = crate::text::Sanitizer::shapes_only();
        let by = sanitizer.line(&a.by, crate::text::NAME);
        let link = a.link.as_deref().map(|l| sanitizer.line(l, crate::text::URL));
        return State::Attested { by, on: a.on.to_string(), link, stale };
    }
    let reason = outcome.map(|o| match o.status {
        Status::Pass => crate::message!("{} passed, which does not show this item: attest it", o.id),
        _ => crate::message!("{} is {}: {}", o.id, o.status.as_str(), o.summary),
    });
    let satisfy_with = matches!(item.basis, Basis::Probe(_)).then_some(PROBE_HINT);
    State::Open { reason, satisfy_with }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attest(on: &str) -> AttestEntry {
        AttestEntry { by: "ops@example.com".into(), on: on.parse().expect("toml date"), link: None }
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
        let today = crate::model::calendar::days_from_civil(2026, 11, 23);
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
                        .then(|| "webhooks passed, which does not show this item: attest it".into()),
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
        let today = crate::model::calendar::days_from_civil(2026, 11, 23);
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
        assert!(!item(crate::model::calendar::days_from_civil(2026, 6, 30)).blocks());
        assert!(item(crate::model::calendar::days_from_civil(2026, 7, 1)).blocks());
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
