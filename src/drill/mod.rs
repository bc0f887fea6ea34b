//! The drill: run the team's own integration against a fault-scripted
//! ClickUp and judge what it does. This module holds the journal the drill
//! world records ([`journal`]), the verdicts ([`verdict`]) and the judges:
//! pure functions from a [`Journal`] to one [`ItemVerdict`] per checklist
//! item, so every rule is unit-tested with literal journals at its
//! boundaries. Running the command and playing the faults live elsewhere.

pub mod backoff;
pub mod counted;
pub mod deliveries;
pub mod errors;
pub mod hooks;
pub mod journal;
pub mod logs;
pub mod plan;
pub mod rates;
pub mod report;
pub mod rotation;
pub mod verdict;

#[cfg(test)]
mod fixtures;

pub use backoff::backoff_with_jitter;
pub use counted::counted_for;
pub use deliveries::{
    Delivery, DeliveryAnswer, DeliveryKind, Reach, Recovery, RecoveryKind, Registration, Suspension, Webhooks,
};
pub use errors::{circuit_breaker, graceful_degradation, handles_401_429_500};
pub use hooks::{WEBHOOK_ANSWER_LIMIT, webhook_async, webhook_auto_disable, webhook_fast_200, webhook_idempotent};
pub use journal::{
    CommandExit, Fault, HealthPoll, Journal, JournalEntry, LogLine, Method, Phase, PhaseKind, RateWindow, Stream,
    TokenUsed,
};
pub use logs::{ecode_parsed, structured_logging};
pub use plan::{Plan, PlanError, PlanPhase, ROTATION_PHASE};
pub use rates::{caching, request_queuing, webhooks_over_polling};
pub use report::{CommandEnd, CommandRun, DrillReport};
pub use rotation::token_rotation;
pub use verdict::{DrillStatus, ItemVerdict};

/// Every judge, in the checklist's order: what a drill reports. A request
/// on a token the drill never issued (or on none) is not the integration
/// at work as the drill set it up: it is evidence for no item (a 401 for
/// an unknown token would otherwise count as a handled refusal, its
/// faults as handled faults), except for `token-rotation`, which fails a
/// command that leaves both of the drill's tokens after the rotation.
pub fn judge_all(journal: &Journal) -> Vec<ItemVerdict> {
    let own = Journal {
        entries: journal.entries.iter().filter(|e| matches!(e.token, TokenUsed::Drill(_))).cloned().collect(),
        ..journal.clone()
    };
    let rest = [
        handles_401_429_500,
        backoff_with_jitter,
        ecode_parsed,
        circuit_breaker,
        graceful_degradation,
        request_queuing,
        caching,
        webhooks_over_polling,
        structured_logging,
        webhook_fast_200,
        webhook_idempotent,
        webhook_async,
        webhook_auto_disable,
    ];
    std::iter::once(token_rotation(journal)).chain(rest.iter().map(|judge| judge(&own))).collect()
}

/// How many requests carried a token the drill never issued, or none: the
/// judges leave them out, and the report says how many there were.
pub fn foreign_requests(journal: &Journal) -> usize {
    journal.entries.iter().filter(|e| !matches!(e.token, TokenUsed::Drill(_))).count()
}

/// The checklist items the drill judges, in [`judge_all`]'s order: what
/// `drill --require` may name.
pub fn judged_items() -> Vec<&'static str> {
    judge_all(&Journal::default()).iter().map(|v| v.id).collect()
}

/// Requests for the same thing that follow a transient failure: the
/// entries of one retry chain, first attempt first. Chains of one attempt
/// (never retried) are included; callers pick what they need.
fn retry_chains(entries: &[JournalEntry]) -> Vec<Vec<&JournalEntry>> {
    let mut chains: Vec<Vec<&JournalEntry>> = Vec::new();
    let mut open: Vec<usize> = Vec::new();
    for entry in entries {
        let continues = open.iter().position(|&c| chains[c].last().is_some_and(|last| last.same_request(entry)));
        match continues {
            Some(slot) if chains[open[slot]].last().is_some_and(|last| may_be_retried(last)) => {
                chains[open[slot]].push(entry);
            }
            other => {
                if let Some(slot) = other {
                    open.swap_remove(slot);
                }
                open.push(chains.len());
                chains.push(vec![entry]);
            }
        }
    }
    chains
}

/// Whether the next same request after `last` is its retry: after a
/// transient failure, and for a method that is not idempotent (a `POST`
/// creating a task) only after a 429, a 503 or no answer, which say the
/// request was not processed. After a 500 or 502 a careful client does not
/// repeat a create, so the next create to the same list is a new one.
fn may_be_retried(last: &JournalEntry) -> bool {
    last.failed_transiently() && (last.method.is_idempotent() || last.status.is_none_or(|s| s == 429 || s == 503))
}

/// The gaps between consecutive attempts of a chain.
fn gaps(chain: &[&JournalEntry]) -> Vec<std::time::Duration> {
    chain.windows(2).map(|pair| pair[1].at.saturating_sub(pair[0].at)).collect()
}

/// `GET /list/1/task at 1.2s`: how evidence names a journal entry.
fn cite(entry: &JournalEntry) -> crate::model::Message {
    crate::message!("{} {} at {}", entry.method, entry.path, crate::duration::human(entry.at))
}

#[cfg(test)]
mod tests {
    use super::fixtures::*;
    use super::*;

    #[test]
    fn a_chain_continues_only_after_a_transient_failure() {
        let entries = [
            get(0, "/user", 500),
            get(100, "/team", 200),
            get(300, "/user", 200),
            get(400, "/user", 200),
            get(500, "/team", 200),
        ];
        let chains = retry_chains(&entries);
        let shapes: Vec<Vec<u64>> =
            chains.iter().map(|c| c.iter().map(|e| e.at.as_millis() as u64).collect()).collect();
        assert_eq!(shapes, vec![vec![0, 300], vec![100], vec![400], vec![500]]);
        assert_eq!(gaps(&chains[0]), vec![std::time::Duration::from_millis(300)]);
    }

    #[test]
    fn a_create_after_a_server_error_is_a_new_request_not_a_retry() {
        let entries = [
            request(0, Method::Post, "/list/1/task", 500),
            request(5000, Method::Post, "/list/1/task", 200),
            request(6000, Method::Post, "/list/1/task", 429),
            request(7000, Method::Post, "/list/1/task", 503),
            request(8000, Method::Post, "/list/1/task", 200),
            request(9000, Method::Post, "/list/1/task", 502),
            request(15000, Method::Post, "/list/1/task", 200),
        ];
        let shapes: Vec<usize> = retry_chains(&entries).iter().map(Vec::len).collect();
        assert_eq!(shapes, vec![1, 1, 3, 1, 1], "a 429 or 503 says the create was not made: repeating it is a retry");
    }

    /// A run whose requests all handled the faults well, on `token`.
    fn well_handled_on(token: TokenUsed) -> Journal {
        let mut entries = vec![rate_limited(1000, "/team", 4000), get(4100, "/team", 200)];
        entries.extend(chain(5000, "/list/1", 500, &[300]));
        entries.push(get(7000, "/user", 401));
        entries.push(JournalEntry {
            window: Some(RateWindow { limit: 100, remaining: 5, reset: None }),
            ..get(8000, "/user", 200)
        });
        let entries = entries.into_iter().map(|e| JournalEntry { token, ..e }).collect();
        journal(entries)
    }

    #[test]
    fn requests_on_a_token_the_drill_never_issued_exercise_nothing() {
        let judged = |token| -> Vec<(&str, DrillStatus)> {
            judge_all(&well_handled_on(token)).iter().map(|v| (v.id, v.status)).collect()
        };
        let own = judged(TokenUsed::Drill(0));
        assert!(own.contains(&("handles-401-429-500", DrillStatus::Pass)), "{own:?}");
        assert!(own.contains(&("request-queuing", DrillStatus::Pass)), "{own:?}");
        for token in [TokenUsed::Unknown, TokenUsed::Missing] {
            for (id, status) in judged(token) {
                assert_eq!(status, DrillStatus::NotExercised, "{id} on {token:?}");
            }
        }
        assert_eq!(foreign_requests(&well_handled_on(TokenUsed::Unknown)), 6);
        assert_eq!(foreign_requests(&well_handled_on(TokenUsed::Drill(1))), 0);
    }

    #[test]
    fn every_judge_reports_its_own_item_and_nothing_is_exercised_by_an_empty_run() {
        let verdicts = judge_all(&Journal::default());
        for verdict in &verdicts {
            assert!(crate::model::checklist_items::item_by_id(verdict.id).is_some(), "{}", verdict.id);
            assert_eq!(verdict.status, DrillStatus::NotExercised, "{}", verdict.id);
        }
        assert_eq!(verdicts.len(), 14);
    }
}
