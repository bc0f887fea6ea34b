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
//! how. A WARN, SKIP or ERROR settles nothing. A drill report
//! (`checklist --drill FILE`) is evidence too: its `pass` verifies the item
//! as of the drill's date, its `fail` keeps it failing.

pub mod drill_report;

use std::collections::BTreeMap;

use crate::checks::{CheckId, Outcome, Status};
use crate::config::AttestEntry;
use crate::drill::DrillStatus;
pub use crate::model::checklist_items::{Basis, ITEMS, Item, PROBE_HINT, item_by_id};
pub use drill_report::{DrillEvidence, DrillReportError};

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
    /// A drill of the integration settled it: `Pass` verifies it as of the
    /// drill's date, `Fail` shows it unmet.
    Drilled {
        /// The drill's verdict: `Pass` or `Fail`.
        status: DrillStatus,
        /// The day the drill ran, `YYYY-MM-DD`.
        on: String,
        /// A pass older than the allowed age: it keeps the gate shut until
        /// the integration is drilled again.
        stale: bool,
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
            State::Drilled { status, stale, .. } => *status == DrillStatus::Fail || *stale,
            State::Attested { stale, .. } => *stale,
        }
    }
}

/// What settles the items besides the checks: attestations, an optional
/// drill report, today (days since 1970-01-01) and the allowed age.
#[derive(Debug, Clone, Copy)]
pub struct Paper<'a> {
    /// `[attest.<id>]` from checks.toml.
    pub attestations: &'a BTreeMap<String, AttestEntry>,
    /// A drill report given with `--drill`.
    pub drill: Option<&'a DrillEvidence>,
    /// Days since 1970-01-01.
    pub today: i64,
    /// `attest_max_age_days`: older attestations and drills are stale.
    pub max_age_days: u32,
}

/// Settles every item from the checks' outcomes and the attestations.
/// `today` is days since 1970-01-01.
pub fn evaluate(
    outcomes: &[Outcome],
    attestations: &BTreeMap<String, AttestEntry>,
    today: i64,
    max_age_days: u32,
) -> Vec<ItemResult> {
    evaluate_with(outcomes, Paper { attestations, drill: None, today, max_age_days })
}

/// Settles every item from the checks' outcomes, the attestations and a
/// drill report.
pub fn evaluate_with(outcomes: &[Outcome], paper: Paper<'_>) -> Vec<ItemResult> {
    ITEMS.iter().map(|item| ItemResult { item, state: settle(item, outcomes, paper) }).collect()
}

/// One item's state: a FAIL of any check bearing on it wins (evidence
/// beats paper), then a failing drill, then a PASS of a check that observes
/// it, then a fresh passing drill, then an attestation, then a stale
/// passing drill. A WARN, SKIP or ERROR, and a drill's `warn` or
/// `not-exercised`, settle nothing.
fn settle(item: &Item, outcomes: &[Outcome], paper: Paper<'_>) -> State {
    let Paper { attestations, today, max_age_days, .. } = paper;
    let outcome = item.basis.check().and_then(|id| outcomes.iter().find(|o| o.id == id));
    if let Some(o) = outcome.filter(|o| o.status == Status::Fail) {
        return State::Verified { check: o.id, status: o.status };
    }
    let drilled = paper.drill.and_then(|d| d.items.get(item.id).map(|(status, summary)| (d, *status, summary)));
    if let Some((d, DrillStatus::Fail, _)) = drilled {
        return State::Drilled { status: DrillStatus::Fail, on: d.on.clone(), stale: false };
    }
    let verifying = item.basis.verifying_check();
    if let Some(o) = outcome.filter(|o| o.status == Status::Pass && verifying == Some(o.id)) {
        return State::Verified { check: o.id, status: o.status };
    }
    // Attestations and drills age alike: older than the allowed age is stale.
    let too_old = |day: i64| today - day > i64::from(max_age_days);
    let drill_pass = drilled.filter(|(_, status, _)| *status == DrillStatus::Pass).map(|(d, ..)| (d, too_old(d.day)));
    let passed = |d: &DrillEvidence, stale| State::Drilled { status: DrillStatus::Pass, on: d.on.clone(), stale };
    if let Some((d, false)) = drill_pass {
        return passed(d, false);
    }
    if let Some(a) = attestations.get(item.id) {
        let stale = AttestEntry::day(a).is_none_or(too_old);
        // checks.toml is read before any secret is known: token shapes are masked.
        let sanitizer = crate::text::Sanitizer::shapes_only();
        let by = sanitizer.line(&a.by, crate::text::NAME);
        let link = a.link.as_deref().map(|l| sanitizer.line(l, crate::text::URL));
        return State::Attested { by, on: a.on.to_string(), link, stale };
    }
    if let Some((d, true)) = drill_pass {
        return passed(d, true);
    }
    if let Some((_, status, summary)) = drilled {
        let reason = crate::message!("the drill found it {}: {}", status, summary);
        return State::Open { reason: Some(reason), satisfy_with: None };
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

    fn drill(on_day: i64, items: &[(&'static str, DrillStatus)]) -> DrillEvidence {
        let summary = crate::text::Sanitizer::shapes_only().line("s", crate::text::NAME);
        DrillEvidence {
            on: "2026-11-01".into(),
            day: on_day,
            items: items.iter().map(|(id, s)| (*id, (*s, summary.clone()))).collect(),
        }
    }

    #[test]
    fn a_drill_settles_its_items_in_order_of_evidence() {
        let today = crate::model::calendar::days_from_civil(2026, 11, 25);
        let report = drill(
            today - 5,
            &[
                ("caching", DrillStatus::Pass),
                ("webhook-fast-200", DrillStatus::Fail),
                ("circuit-breaker", DrillStatus::Warn),
            ],
        );
        let outcomes = vec![Outcome::new(CheckId::WebhookEndpoint, Status::Pass, "fast")];
        let mut attestations = BTreeMap::new();
        attestations.insert("circuit-breaker".to_owned(), attest("2026-11-20"));
        let paper = Paper { attestations: &attestations, drill: Some(&report), today, max_age_days: 30 };
        let results = evaluate_with(&outcomes, paper);
        let fresh_pass = State::Drilled { status: DrillStatus::Pass, on: "2026-11-01".into(), stale: false };
        assert_eq!(state_of(&results, "caching"), fresh_pass);
        assert_eq!(
            state_of(&results, "webhook-fast-200"),
            State::Drilled { status: DrillStatus::Fail, on: "2026-11-01".into(), stale: false },
            "a failed drill beats a passing probe"
        );
        assert!(matches!(state_of(&results, "circuit-breaker"), State::Attested { .. }), "a warn settles nothing");

        let old = drill(today - 31, &[("caching", DrillStatus::Pass), ("request-queuing", DrillStatus::Pass)]);
        let mut attestations = BTreeMap::new();
        attestations.insert("request-queuing".to_owned(), attest("2026-11-20"));
        let paper = Paper { attestations: &attestations, drill: Some(&old), today, max_age_days: 30 };
        let results = evaluate_with(&[], paper);
        let caching = results.iter().find(|r| r.item.id == "caching").expect("caching");
        assert!(matches!(caching.state, State::Drilled { stale: true, .. }) && caching.blocks());
        assert!(
            matches!(state_of(&results, "request-queuing"), State::Attested { stale: false, .. }),
            "a fresh attestation beats a stale drill"
        );
    }
}
