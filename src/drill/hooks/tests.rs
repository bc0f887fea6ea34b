//! The webhook judges over literal journals, at their boundaries.

use std::time::Duration;

use super::super::deliveries::{Recovery, RecoveryKind, Registration, Webhooks};
use super::super::fixtures::{get, journal};
use super::super::journal::{CommandExit, LogLine, Stream};
use super::*;

const HOOK: &str = "4b0a3c1e-0000-4000-8000-00000000a001";

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

/// A delivery of its own event (history item `h{n}`, task `t{n}`) sent at
/// `at_ms`, answered `answer` after `latency_ms`.
fn delivery(n: u32, kind: DeliveryKind, at_ms: u64, answer: DeliveryAnswer, latency_ms: u64) -> Delivery {
    Delivery {
        at: ms(at_ms),
        webhook: HOOK.into(),
        event: "taskCreated",
        task_id: format!("t{n}").into(),
        history_id: format!("h{n}").into(),
        kind,
        answer,
        latency: ms(latency_ms),
    }
}

fn ok(n: u32, kind: DeliveryKind, at_ms: u64, latency_ms: u64) -> Delivery {
    delivery(n, kind, at_ms, DeliveryAnswer::Status(200), latency_ms)
}

fn registered(reach: Reach) -> Registration {
    Registration { at: ms(100), webhook: HOOK.into(), reach }
}

/// A journal of these requests and deliveries, one loopback registration.
fn with(entries: Vec<JournalEntry>, deliveries: Vec<Delivery>) -> Journal {
    let webhooks = Webhooks { registrations: vec![registered(Reach::Delivered)], deliveries, suspensions: Vec::new() };
    Journal { webhooks, ..journal(entries) }
}

fn exited_at(mut journal: Journal, at_ms: u64) -> Journal {
    journal.exit = Some(CommandExit { at: ms(at_ms), code: Some(0) });
    journal
}

// webhook-fast-200

#[test]
fn every_delivery_answered_2xx_within_seven_seconds_passes_one_past_it_fails() {
    let v = webhook_fast_200(&with(
        vec![],
        vec![ok(1, DeliveryKind::Single, 0, 10), ok(2, DeliveryKind::Single, 500, 7000)],
    ));
    assert_eq!(v.status, DrillStatus::Pass, "{v:?}");
    assert!(v.summary.contains("all 2 deliveries answered 2xx within 7s"), "{}", v.summary);
    assert!(
        v.evidence[0].contains("slowest: single taskCreated (history item h2) at 500ms: 200 in 7s"),
        "{:?}",
        v.evidence
    );
    let v = webhook_fast_200(&with(
        vec![],
        vec![ok(1, DeliveryKind::Single, 0, 10), ok(2, DeliveryKind::Single, 500, 7001)],
    ));
    assert_eq!(v.status, DrillStatus::Fail, "{v:?}");
    assert!(v.summary.contains("1 of 2 deliveries not answered 2xx within 7s"), "{}", v.summary);
    assert!(v.evidence[0].contains("h2") && v.evidence[0].contains("7s"), "{:?}", v.evidence);
}

#[test]
fn refused_and_timed_out_deliveries_fail_the_refused_cited_first() {
    let deliveries = vec![
        ok(1, DeliveryKind::Burst, 0, 6000),
        delivery(2, DeliveryKind::Burst, 0, DeliveryAnswer::TimedOut, 7000),
        delivery(3, DeliveryKind::Burst, 0, DeliveryAnswer::Status(500), 3),
        delivery(4, DeliveryKind::Burst, 0, DeliveryAnswer::NoAnswer, 1),
    ];
    let v = webhook_fast_200(&with(vec![], deliveries));
    assert_eq!(v.status, DrillStatus::Fail);
    assert!(v.summary.contains("3 of 4"), "{}", v.summary);
    assert!(v.evidence[0].contains("h2") && v.evidence[0].contains("timed out"), "{:?}", v.evidence);
    assert!(v.evidence[1].contains("h3: 500") || v.evidence[1].contains("h3) at 0ms: 500"), "{:?}", v.evidence);
    assert!(v.evidence[2].contains("refused or closed"), "{:?}", v.evidence);
}

#[test]
fn a_delivery_still_waiting_under_the_limit_warns_past_it_fails() {
    let waiting = delivery(2, DeliveryKind::Single, 500, DeliveryAnswer::Pending, 7000);
    let v = webhook_fast_200(&with(vec![], vec![ok(1, DeliveryKind::Single, 0, 10), waiting]));
    assert_eq!(v.status, DrillStatus::Warn, "{v:?}");
    let late = delivery(2, DeliveryKind::Single, 500, DeliveryAnswer::Pending, 7001);
    assert_eq!(webhook_fast_200(&with(vec![], vec![late])).status, DrillStatus::Fail);
}

#[test]
fn no_delivery_is_not_exercised_and_says_why() {
    let v = webhook_fast_200(&Journal::default());
    assert_eq!(v.status, DrillStatus::NotExercised);
    assert!(v.summary.contains("registered no webhook"), "{}", v.summary);
    let mut j = Journal::default();
    j.webhooks.registrations.push(registered(Reach::NotLoopback));
    let v = webhook_fast_200(&j);
    assert_eq!(v.status, DrillStatus::NotExercised);
    assert!(v.summary.contains("could be delivered to"), "{}", v.summary);
    assert!(v.evidence[0].contains("not on loopback, never contacted"), "{:?}", v.evidence);
}

#[test]
fn deliveries_after_the_command_exited_do_not_count() {
    // Sent after the exit, and left unanswered by the exit: neither counts.
    let after = delivery(1, DeliveryKind::Single, 2000, DeliveryAnswer::NoAnswer, 1);
    let cut = delivery(2, DeliveryKind::Single, 1500, DeliveryAnswer::NoAnswer, 600);
    let v = webhook_fast_200(&exited_at(with(vec![], vec![after, cut]), 2000));
    assert_eq!(v.status, DrillStatus::NotExercised, "{v:?}");
    // Refused while it still ran does.
    let refused = delivery(2, DeliveryKind::Single, 1500, DeliveryAnswer::NoAnswer, 400);
    assert_eq!(webhook_fast_200(&exited_at(with(vec![], vec![refused]), 2000)).status, DrillStatus::Fail);
}

// webhook-idempotent

/// A first delivery of event 1 at 0 ms and its duplicate at 300 ms, both
/// answered `dup_status` for the duplicate.
fn duplicated(dup_answer: DeliveryAnswer) -> Vec<Delivery> {
    vec![ok(1, DeliveryKind::Single, 0, 5), delivery(1, DeliveryKind::Duplicate, 300, dup_answer, 5)]
}

#[test]
fn a_refused_duplicate_fails() {
    let v = webhook_idempotent(&with(vec![get(50, "/api/v2/task/t1", 200)], duplicated(DeliveryAnswer::Status(409))));
    assert_eq!(v.status, DrillStatus::Fail, "{v:?}");
    assert!(v.evidence[0].contains("duplicate taskCreated (history item h1) at 300ms: 409"), "{:?}", v.evidence);
}

#[test]
fn a_follow_up_about_the_task_once_passes_repeated_after_the_duplicate_fails() {
    let once = vec![get(50, "/api/v2/task/t1", 200), get(60, "/api/v2/task/t1/comment", 200)];
    let v = webhook_idempotent(&with(once, duplicated(DeliveryAnswer::Status(200))));
    assert_eq!(v.status, DrillStatus::Pass, "{v:?}");
    assert!(
        v.evidence[0].contains("GET /api/v2/task/t1 at 50ms followed the first delivery; requests about task t1: 2"),
        "{:?}",
        v.evidence
    );

    let twice = vec![get(50, "/api/v2/task/t1", 200), get(300, "/api/v2/task/t1", 200)];
    let v = webhook_idempotent(&with(twice, duplicated(DeliveryAnswer::Status(200))));
    assert_eq!(v.status, DrillStatus::Fail, "{v:?}");
    assert!(v.evidence[1].contains("GET /api/v2/task/t1 at 300ms again after the duplicate"), "{:?}", v.evidence);

    // Processed late (both after the duplicate) is processed twice too.
    let late = vec![get(400, "/api/v2/task/t1", 200), get(450, "/api/v2/task/t1", 200)];
    assert_eq!(webhook_idempotent(&with(late, duplicated(DeliveryAnswer::Status(200)))).status, DrillStatus::Fail);
}

#[test]
fn a_follow_up_retried_after_a_failed_answer_is_not_a_second_processing() {
    let retried = vec![get(50, "/api/v2/task/t1", 503), get(400, "/api/v2/task/t1", 200)];
    let v = webhook_idempotent(&with(retried, duplicated(DeliveryAnswer::Status(200))));
    assert_eq!(v.status, DrillStatus::Pass, "{v:?}");
    // Requests about another task, or before the first delivery, say nothing.
    let unrelated = vec![get(50, "/api/v2/task/t10", 200), get(400, "/api/v2/task/t10", 200)];
    assert_eq!(webhook_idempotent(&with(unrelated, duplicated(DeliveryAnswer::Status(200)))).status, DrillStatus::Warn);
}

#[test]
fn nothing_observable_warns_never_passes() {
    let v = webhook_idempotent(&with(vec![], duplicated(DeliveryAnswer::Status(200))));
    assert_eq!(v.status, DrillStatus::Warn, "{v:?}");
    assert!(v.summary.contains("processing not observable"), "{}", v.summary);
}

fn log(at_ms: u64, text: &str) -> LogLine {
    LogLine { at: ms(at_ms), stream: Stream::Stdout, text: text.into() }
}

#[test]
fn a_log_line_saying_the_repeat_was_skipped_passes_one_merely_naming_it_warns() {
    let mut j = with(vec![], duplicated(DeliveryAnswer::Status(200)));
    j.logs = vec![
        log(10, r#"{"msg":"processed","history_id":"h1"}"#),
        log(310, r#"{"msg":"duplicate skipped","history_id":"h1"}"#),
    ];
    let v = webhook_idempotent(&j);
    assert_eq!(v.status, DrillStatus::Pass, "{v:?}");
    assert!(v.evidence[1].contains("log at 310ms"), "{:?}", v.evidence);
    j.logs = vec![log(10, "processed h1"), log(310, "processed h1")];
    let v = webhook_idempotent(&j);
    assert_eq!(v.status, DrillStatus::Warn, "{v:?}");
    assert!(v.evidence[1].contains("2 log lines name history item h1"), "{:?}", v.evidence);
    // A "skipped" line before the duplicate arrived is about something else.
    j.logs = vec![log(10, "skipped h1")];
    assert_eq!(webhook_idempotent(&j).status, DrillStatus::Warn);
}

#[test]
fn requests_about_a_task_other_events_also_named_are_not_attributed() {
    let mut deliveries = duplicated(DeliveryAnswer::Status(200));
    deliveries.push(Delivery { task_id: "t1".into(), ..ok(2, DeliveryKind::Burst, 1000, 5) });
    let once = vec![get(50, "/api/v2/task/t1", 200)];
    let v = webhook_idempotent(&with(once, deliveries));
    assert_eq!(v.status, DrillStatus::Warn, "{v:?}");
    assert!(v.evidence.iter().any(|e| e.contains("other events named task t1")), "{:?}", v.evidence);
}

#[test]
fn an_unacknowledged_first_delivery_leaves_the_repeat_untested_and_no_duplicate_is_not_exercised() {
    let deliveries = vec![
        delivery(1, DeliveryKind::Single, 0, DeliveryAnswer::Status(500), 5),
        delivery(1, DeliveryKind::Duplicate, 300, DeliveryAnswer::Status(200), 5),
    ];
    assert_eq!(webhook_idempotent(&with(vec![], deliveries)).status, DrillStatus::Warn);
    let v = webhook_idempotent(&with(vec![], vec![ok(1, DeliveryKind::Single, 0, 5)]));
    assert_eq!(v.status, DrillStatus::NotExercised);
    assert!(v.summary.contains("no duplicate delivery was delivered"), "{}", v.summary);
}

// webhook-async

/// Two singles answered in `single_ms`, then a burst answered in these times.
fn burst(single_ms: u64, burst_ms: &[u64]) -> ItemVerdict {
    let mut deliveries = vec![ok(1, DeliveryKind::Single, 0, single_ms), ok(2, DeliveryKind::Single, 500, single_ms)];
    deliveries.extend(burst_ms.iter().enumerate().map(|(i, l)| ok(10 + i as u32, DeliveryKind::Burst, 1000, *l)));
    webhook_async(&with(vec![], deliveries))
}

#[test]
fn answers_spread_wider_than_the_limit_over_a_burst_fail() {
    let v = burst(5, &[3, 4, 8, 12, 303]);
    assert_eq!(v.status, DrillStatus::Pass, "{v:?}");
    assert!(v.evidence[0].contains("the burst of 5 answered in 3ms to 303ms"), "{:?}", v.evidence);
    assert!(v.evidence[1].contains("single deliveries answered in 5ms (median of 2)"), "{:?}", v.evidence);
    let v = burst(5, &[3, 4, 8, 12, 304]);
    assert_eq!(v.status, DrillStatus::Fail, "{v:?}");
    assert!(v.summary.contains("grew through the burst: spread over 301ms (wider than 300ms)"), "{}", v.summary);
    // A synchronous receiver: 70 ms each, one after another.
    let sync: Vec<u64> = (1..=10).map(|i| i * 70).collect();
    assert_eq!(burst(70, &sync).status, DrillStatus::Fail);
}

#[test]
fn singles_slowed_by_a_passing_moment_do_not_hide_answers_growing_through_the_burst() {
    // Measured on a loaded machine: the singles took 335 ms, the burst's
    // answers grew from 240 ms to 942 ms, one delivery after another.
    let grew: Vec<u64> = (0..10).map(|i| 240 + i * 78).collect();
    assert_eq!(burst(335, &grew).status, DrillStatus::Fail);
}

#[test]
fn a_delay_common_to_every_answer_is_not_growth_but_the_bound_still_holds() {
    // Measured on a stalled machine: every answer of the burst about 522 ms.
    assert_eq!(burst(1, &[522, 522, 523]).status, DrillStatus::Pass);
    // A spread that is not most of the slowest answer is a common delay too.
    assert_eq!(burst(5, &[375, 750]).status, DrillStatus::Pass);
    assert_eq!(burst(5, &[374, 750]).status, DrillStatus::Fail);
    assert_eq!(burst(5, &[990, 1000]).status, DrillStatus::Pass);
    let v = burst(5, &[990, 1001]);
    assert_eq!(v.status, DrillStatus::Fail, "{v:?}");
    assert!(v.summary.contains("an answer of the burst took 1001ms, over 1s"), "{}", v.summary);
}

#[test]
fn slow_singles_under_a_burst_that_keeps_pace_warn() {
    let v = burst(600, &[600, 650]);
    assert_eq!(v.status, DrillStatus::Warn, "{v:?}");
    assert!(v.summary.contains("each single delivery took 600ms"), "{}", v.summary);
}

#[test]
fn a_burst_left_unanswered_fails_refused_in_part_warns_none_is_not_exercised() {
    let mut deliveries = vec![ok(1, DeliveryKind::Single, 0, 5)];
    deliveries.push(ok(10, DeliveryKind::Burst, 1000, 5));
    deliveries.push(delivery(11, DeliveryKind::Burst, 1000, DeliveryAnswer::TimedOut, 300));
    let v = webhook_async(&with(vec![], deliveries.clone()));
    assert_eq!(v.status, DrillStatus::Fail, "{v:?}");
    assert!(v.summary.contains("1 of the burst's 2 deliveries got no answer"), "{}", v.summary);
    deliveries[2] = delivery(11, DeliveryKind::Burst, 1000, DeliveryAnswer::Status(503), 5);
    assert_eq!(webhook_async(&with(vec![], deliveries)).status, DrillStatus::Warn);
    assert_eq!(webhook_async(&with(vec![], vec![ok(1, DeliveryKind::Single, 0, 5)])).status, DrillStatus::NotExercised);
}

// webhook-auto-disable

fn suspended(at_ms: u64, recovery: Option<Recovery>) -> Journal {
    let mut j = with(Vec::new(), vec![ok(1, DeliveryKind::Single, 0, 5)]);
    j.webhooks.suspensions.push(Suspension { at: ms(at_ms), webhook: HOOK.into(), recovery });
    j
}

fn listing(at_ms: u64, status: u16) -> JournalEntry {
    JournalEntry { route: Some("/team/{id}/webhook"), ..get(at_ms, "/api/v2/team/9012345/webhook", status) }
}

#[test]
fn reactivating_or_registering_again_passes() {
    for how in [RecoveryKind::Reactivated, RecoveryKind::Reregistered] {
        let mut j = suspended(1000, Some(Recovery { at: ms(1600), how }));
        j.entries = vec![listing(1500, 200)];
        let v = webhook_auto_disable(&j);
        assert_eq!(v.status, DrillStatus::Pass, "{v:?}");
        assert!(v.summary.contains("brought back 600ms after the suspension"), "{}", v.summary);
        assert!(v.evidence[1].contains("read the listing"), "{:?}", v.evidence);
        assert!(v.evidence[2].contains(how.as_str()), "{:?}", v.evidence);
    }
}

#[test]
fn reading_the_listing_and_doing_nothing_fails_never_looking_fails() {
    let mut j = exited_at(suspended(1000, None), 9000);
    j.entries = vec![listing(1500, 200)];
    let v = webhook_auto_disable(&j);
    assert_eq!(v.status, DrillStatus::Fail, "{v:?}");
    assert!(v.summary.contains("read the listing but left its webhook suspended"), "{}", v.summary);
    // A listing read before the suspension, or one that failed, is not noticing it.
    j.entries = vec![listing(900, 200), listing(1500, 503)];
    let v = webhook_auto_disable(&j);
    assert_eq!(v.status, DrillStatus::Fail, "{v:?}");
    assert!(v.summary.contains("never read the webhook listing"), "{}", v.summary);
}

#[test]
fn a_command_that_ended_right_after_the_suspension_warns() {
    let v = webhook_auto_disable(&exited_at(suspended(1000, None), 2999));
    assert_eq!(v.status, DrillStatus::Warn, "{v:?}");
    assert_eq!(webhook_auto_disable(&exited_at(suspended(1000, None), 3000)).status, DrillStatus::Fail);
}

#[test]
fn no_suspension_while_the_command_ran_is_not_exercised() {
    let v = webhook_auto_disable(&exited_at(suspended(1000, None), 1000));
    assert_eq!(v.status, DrillStatus::NotExercised, "{v:?}");
    assert!(v.summary.contains("ended before the drill suspended"), "{}", v.summary);
    let v = webhook_auto_disable(&Journal::default());
    assert_eq!(v.status, DrillStatus::NotExercised);
}
