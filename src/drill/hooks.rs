//! Judges of the "Webhooks" items: how the integration's own receiver
//! answered the drill's signed deliveries (fast, a duplicate acknowledged
//! and not processed twice, fast under a burst), and what the integration
//! did once the drill suspended its webhook.
//!
//! A delivery counts only while the command ran: one sent after it exited,
//! or left without an answer because it exited meanwhile, says nothing
//! about the integration.

use std::collections::HashMap;
use std::time::Duration;

use super::deliveries::{Delivery, DeliveryAnswer, DeliveryKind, Reach, Suspension};
use super::journal::{Journal, JournalEntry, Method};
use super::verdict::{DrillStatus, ItemVerdict};
use super::{cite, retry_chains};
use crate::duration::human;
use crate::message;
use crate::model::Message;

/// ClickUp counts a delivery answered later than this as failed (its
/// webhook-health rule), so every answer must come within it.
pub const WEBHOOK_ANSWER_LIMIT: Duration = Duration::from_secs(7);
/// No answer of a burst may take longer than this: an acknowledgement sent
/// before the work is done takes milliseconds on loopback.
pub const ASYNC_BOUND: Duration = Duration::from_secs(1);
/// Answers of one burst spread wider than this (slowest minus fastest), the
/// spread being most of the slowest answer, grew through the burst: the
/// receiver worked before answering, one delivery after another. A delay
/// common to every answer (a busy machine) does not spread them.
pub const ASYNC_SPREAD: Duration = Duration::from_millis(300);
/// A single delivery answered slower than this was not acknowledged at once.
pub const ASYNC_IMMEDIATE: Duration = Duration::from_millis(500);
/// A command that ended sooner than this after a suspension, without
/// looking at the listing, had too little time to notice: a warning, not a
/// failure.
pub const AUTO_DISABLE_GRACE: Duration = Duration::from_secs(2);
/// Words of a log line saying a delivery was recognised as a repeat.
const DUPLICATE_WORDS: [&str; 6] = ["duplicate", "already", "skip", "ignor", "dedup", "seen before"];
/// Evidence lines cited per finding; the rest are counted.
const CITED: usize = 3;

/// `single taskCreated (history item 26…) at 1.2s: 200 in 15ms`: how
/// evidence names a delivery.
fn cite_delivery(d: &Delivery) -> Message {
    message!(
        "{} {} (history item {}) at {}: {} in {}",
        d.kind,
        d.event,
        d.history_id,
        human(d.at),
        d.answer,
        human(d.latency)
    )
}

/// The deliveries made while the command ran (see the module's note).
fn while_running(journal: &Journal) -> Vec<&Delivery> {
    let exit = journal.exit.map(|e| e.at);
    journal
        .webhooks
        .deliveries
        .iter()
        .filter(|d| exit.is_none_or(|exit| d.at < exit && (d.answer.status().is_some() || d.at + d.latency < exit)))
        .collect()
}

/// The deliveries of one kind.
fn of_kind<'a>(delivered: &[&'a Delivery], kind: DeliveryKind) -> Vec<&'a Delivery> {
    delivered.iter().copied().filter(|d| d.kind == kind).collect()
}

/// Whether ClickUp would count the delivery delivered: 2xx within
/// [`WEBHOOK_ANSWER_LIMIT`].
fn on_time(d: &Delivery) -> bool {
    d.answer.acknowledged() && d.latency <= WEBHOOK_ANSWER_LIMIT
}

/// Still waiting for an answer, and not yet past ClickUp's limit.
fn still_waiting(d: &Delivery) -> bool {
    d.answer == DeliveryAnswer::Pending && d.latency <= WEBHOOK_ANSWER_LIMIT
}

/// The verdict when no delivery counts, saying why.
fn nothing_delivered(id: &'static str, journal: &Journal, what: Message) -> ItemVerdict {
    let registrations = &journal.webhooks.registrations;
    let evidence: Vec<Message> = registrations
        .iter()
        .take(CITED)
        .map(|r| message!("webhook {} registered at {}: {}", r.webhook, human(r.at), r.reach))
        .collect();
    let summary = if registrations.is_empty() {
        message!("the integration registered no webhook, so no {} was delivered", what)
    } else if registrations.iter().all(|r| r.reach != Reach::Delivered) {
        message!("no webhook the integration registered could be delivered to, so no {} was delivered", what)
    } else {
        message!("no {} was delivered while the command ran", what)
    };
    ItemVerdict { id, status: DrillStatus::NotExercised, summary, evidence }
}

/// `webhook-fast-200`: every delivery answered 2xx within
/// [`WEBHOOK_ANSWER_LIMIT`]; a refused, failed, timed-out or late one
/// fails (the refused and the slowest cited); one still waiting (under the
/// limit) when the drill ended warns; no delivery is not exercised.
pub fn webhook_fast_200(journal: &Journal) -> ItemVerdict {
    let id = "webhook-fast-200";
    let delivered = while_running(journal);
    if delivered.is_empty() {
        return nothing_delivered(id, journal, message!("delivery"));
    }
    let mut missed: Vec<&Delivery> = delivered.iter().copied().filter(|d| !on_time(d) && !still_waiting(d)).collect();
    // The refused first, then the slowest.
    missed.sort_by_key(|d| (d.answer.acknowledged(), std::cmp::Reverse(d.latency)));
    let waiting = delivered.iter().filter(|d| still_waiting(d)).count();
    let slowest = delivered.iter().copied().max_by_key(|d| d.latency);
    let total = delivered.len();
    if !missed.is_empty() {
        let mut evidence: Vec<Message> = missed.iter().take(CITED).map(|d| cite_delivery(d)).collect();
        evidence.push(message!("{} of {} deliveries missed ClickUp's limit", missed.len(), total));
        let summary = message!(
            "{} of {} deliveries not answered 2xx within {}",
            missed.len(),
            total,
            human(WEBHOOK_ANSWER_LIMIT)
        );
        return ItemVerdict { id, status: DrillStatus::Fail, summary, evidence };
    }
    let evidence: Vec<Message> = slowest.map(|d| message!("slowest: {}", cite_delivery(d))).into_iter().collect();
    if waiting > 0 {
        let summary = message!("{} of {} deliveries were still unanswered when the drill ended", waiting, total);
        return ItemVerdict { id, status: DrillStatus::Warn, summary, evidence };
    }
    let summary = message!("all {} deliveries answered 2xx within {}", total, human(WEBHOOK_ANSWER_LIMIT));
    ItemVerdict { id, status: DrillStatus::Pass, summary, evidence }
}

/// Whether a request's path names the task (`/task/{id}` or below it).
fn names_task(entry: &JournalEntry, task_id: &str) -> bool {
    let path = entry.path.split('?').next().unwrap_or_default();
    path.split('/').collect::<Vec<_>>().windows(2).any(|pair| pair[0] == "task" && pair[1] == task_id)
}

/// One verdict on one duplicate: status, summary, evidence.
type Finding = (DrillStatus, Message, Vec<Message>);

/// `webhook-idempotent`: each duplicate delivery must be acknowledged (2xx;
/// refused fails) and not processed twice. Processing is observed, never
/// assumed: the integration's requests about the event's task after the
/// first delivery (a request repeated, counting retries once, with a
/// repetition after the duplicate was sent, is processing twice and fails;
/// follow-ups never repeated pass), or else a log line naming the history
/// item after the duplicate and saying it was a repeat (passes). Nothing
/// observable warns. No duplicate delivered is not exercised.
pub fn webhook_idempotent(journal: &Journal) -> ItemVerdict {
    let id = "webhook-idempotent";
    let delivered = while_running(journal);
    let duplicates = of_kind(&delivered, DeliveryKind::Duplicate);
    if duplicates.is_empty() {
        return nothing_delivered(id, journal, message!("duplicate delivery"));
    }
    let findings: Vec<Finding> = duplicates.iter().map(|dup| judge_duplicate(journal, &delivered, dup)).collect();
    worst(id, findings)
}

fn judge_duplicate(journal: &Journal, delivered: &[&Delivery], dup: &Delivery) -> Finding {
    let cited = cite_delivery(dup);
    if still_waiting(dup) {
        return (DrillStatus::Warn, message!("the duplicate was still unanswered when the drill ended"), vec![cited]);
    }
    if !dup.answer.acknowledged() {
        return (DrillStatus::Fail, message!("the duplicate delivery was not acknowledged"), vec![cited]);
    }
    let original = delivered
        .iter()
        .find(|d| d.kind != DeliveryKind::Duplicate && d.history_id == dup.history_id && d.webhook == dup.webhook);
    let Some(original) = original.filter(|o| o.answer.acknowledged()) else {
        let summary =
            message!("the first delivery of the duplicated event was not acknowledged, so the repeat was not tested");
        return (DrillStatus::Warn, summary, vec![cited]);
    };
    let shared_task = delivered
        .iter()
        .any(|d| d.task_id == dup.task_id && d.history_id != dup.history_id && d.webhook == dup.webhook);
    if !shared_task {
        if let Some(finding) = by_follow_ups(journal, original, dup) {
            return finding;
        }
    }
    by_logs(journal, original, dup, shared_task)
}

/// Processing seen in the requests about the event's task: `None` when
/// there were none.
fn by_follow_ups(journal: &Journal, original: &Delivery, dup: &Delivery) -> Option<Finding> {
    let chains = retry_chains(&journal.entries);
    let follow_ups: Vec<&JournalEntry> = chains
        .iter()
        .map(|chain| chain[0])
        .filter(|first| first.at >= original.at && names_task(first, &dup.task_id))
        .collect();
    let first = follow_ups.first()?;
    let mut by_request: HashMap<(Method, &str), Vec<&JournalEntry>> = HashMap::new();
    for entry in &follow_ups {
        by_request.entry((entry.method, entry.path.as_str())).or_default().push(entry);
    }
    let mut repeated: Vec<(&JournalEntry, &JournalEntry)> = by_request
        .values()
        .filter_map(|same| Some((same[0], *same.iter().skip(1).find(|e| e.at >= dup.at)?)))
        .collect();
    repeated.sort_by_key(|(_, again)| again.at);
    if let Some((before, again)) = repeated.first() {
        let evidence = vec![
            message!("{} after the first delivery", cite(before)),
            message!("{} again after the duplicate at {}", cite(again), human(dup.at)),
        ];
        let summary = message!("the duplicate was processed again: the follow-up about the task repeated");
        return Some((DrillStatus::Fail, summary, evidence));
    }
    let evidence = vec![
        message!(
            "{} followed the first delivery; requests about task {}: {}",
            cite(first),
            dup.task_id,
            follow_ups.len()
        ),
        message!("none repeated after the duplicate at {}", human(dup.at)),
    ];
    Some((DrillStatus::Pass, message!("the duplicate was acknowledged and not processed again"), evidence))
}

/// Processing seen in the command's log lines naming the history item.
fn by_logs(journal: &Journal, original: &Delivery, dup: &Delivery, shared_task: bool) -> Finding {
    let naming: Vec<_> =
        journal.logs.iter().filter(|l| l.at >= original.at && l.text.contains(dup.history_id.as_str())).collect();
    let says_repeat = |text: &str| {
        let lower = text.to_ascii_lowercase();
        DUPLICATE_WORDS.iter().any(|w| lower.contains(w))
    };
    if let Some(line) = naming.iter().find(|l| l.at >= dup.at && says_repeat(&l.text)) {
        let evidence = vec![cite_delivery(dup), message!("log at {}: {}", human(line.at), line.text)];
        return (
            DrillStatus::Pass,
            message!("the duplicate was acknowledged and the log says it was a repeat"),
            evidence,
        );
    }
    let mut evidence = vec![cite_delivery(dup)];
    if shared_task {
        evidence.push(message!("other events named task {} too, so requests about it show nothing", dup.task_id));
    }
    if naming.is_empty() {
        let summary = message!(
            "acknowledged; processing not observable (no request about the task, no log line naming the history item)"
        );
        return (DrillStatus::Warn, summary, evidence);
    }
    evidence.push(message!(
        "{} log lines name history item {}; none says the repeat was skipped",
        naming.len(),
        dup.history_id
    ));
    (
        DrillStatus::Warn,
        message!("acknowledged; the logs do not show whether the duplicate was processed again"),
        evidence,
    )
}

/// The worst of several findings (fail, then warn, then pass), with the
/// evidence of every finding of that status.
fn worst(id: &'static str, findings: Vec<Finding>) -> ItemVerdict {
    let status = findings.iter().map(|(s, ..)| *s).max().unwrap_or(DrillStatus::NotExercised);
    let mut summary = None;
    let mut evidence = Vec::new();
    for (_, text, lines) in findings.into_iter().filter(|(s, ..)| *s == status) {
        summary.get_or_insert(text);
        evidence.extend(lines);
    }
    ItemVerdict { id, status, summary: summary.unwrap_or_else(|| message!("nothing to judge")), evidence }
}

/// `webhook-async`: under the burst, answers stay immediate. Fails when a
/// burst delivery got no answer, when the burst's slowest answer took
/// longer than [`ASYNC_BOUND`], or when the answers grew through the burst:
/// spread (slowest minus fastest) wider than [`ASYNC_SPREAD`] and over half
/// the slowest, the staircase of a receiver working before each answer, one
/// delivery at a time. Warns when the burst was refused in part, or when
/// single deliveries took longer than [`ASYNC_IMMEDIATE`] (work may come
/// before the answer, done in parallel). No burst delivered is not exercised.
pub fn webhook_async(journal: &Journal) -> ItemVerdict {
    let id = "webhook-async";
    let delivered = while_running(journal);
    let burst = of_kind(&delivered, DeliveryKind::Burst);
    let (Some(slowest), Some(fastest)) =
        (burst.iter().copied().max_by_key(|d| d.latency), burst.iter().map(|d| d.latency).min())
    else {
        return nothing_delivered(id, journal, message!("burst of deliveries"));
    };
    let mut singles: Vec<Duration> = of_kind(&delivered, DeliveryKind::Single)
        .iter()
        .filter(|d| d.answer.acknowledged())
        .map(|d| d.latency)
        .collect();
    singles.sort();
    let median = singles.get(singles.len() / 2).copied();
    let spread = slowest.latency.saturating_sub(fastest);
    let grew = spread > ASYNC_SPREAD && spread * 2 > slowest.latency;
    let unanswered: Vec<&Delivery> = burst.iter().copied().filter(|d| d.answer.status().is_none()).collect();
    let pending = unanswered.iter().filter(|d| still_waiting(d)).count();
    let refused = burst.iter().filter(|d| !d.answer.acknowledged()).count() - unanswered.len();
    let evidence = vec![
        message!("the burst of {} answered in {} to {}", burst.len(), human(fastest), human(slowest.latency)),
        match median {
            Some(m) => message!("single deliveries answered in {} (median of {})", human(m), singles.len()),
            None => message!("no single delivery was acknowledged to compare with"),
        },
        message!("slowest: {}", cite_delivery(slowest)),
    ];
    let (status, summary) = if unanswered.len() > pending {
        let n = unanswered.len() - pending;
        (DrillStatus::Fail, message!("{} of the burst's {} deliveries got no answer", n, burst.len()))
    } else if grew {
        let summary = message!(
            "answers grew through the burst: spread over {} (wider than {}), one delivery after another",
            human(spread),
            human(ASYNC_SPREAD)
        );
        (DrillStatus::Fail, summary)
    } else if slowest.latency > ASYNC_BOUND {
        let slow_ms = u64::try_from(slowest.latency.as_millis()).unwrap_or(u64::MAX);
        (DrillStatus::Fail, message!("an answer of the burst took {}ms, over {}", slow_ms, human(ASYNC_BOUND)))
    } else if pending > 0 {
        let summary = message!("{} of the burst's deliveries were still unanswered when the drill ended", pending);
        (DrillStatus::Warn, summary)
    } else if refused > 0 {
        let summary = message!("answers stayed fast under the burst, but {} of {} were refused", refused, burst.len());
        (DrillStatus::Warn, summary)
    } else if let Some(m) = median.filter(|m| *m > ASYNC_IMMEDIATE) {
        let summary = message!(
            "answers kept pace under the burst, but each single delivery took {}: work may come before the answer",
            human(m)
        );
        (DrillStatus::Warn, summary)
    } else {
        let summary =
            message!("answers stayed immediate under a burst of {} (slowest {})", burst.len(), human(slowest.latency));
        (DrillStatus::Pass, summary)
    };
    ItemVerdict { id, status, summary, evidence }
}

/// `webhook-auto-disable`: after each suspension the integration must
/// notice and bring the webhook back within the run (reactivate it or
/// register a new one): that passes. Having read the listing and done
/// nothing fails; never having looked fails (in production it would stay
/// disabled), unless the command ended within [`AUTO_DISABLE_GRACE`] of
/// the suspension, which warns. No suspension while the command ran is not
/// exercised.
pub fn webhook_auto_disable(journal: &Journal) -> ItemVerdict {
    let id = "webhook-auto-disable";
    let exit = journal.exit.map(|e| e.at);
    let suspensions: Vec<&Suspension> =
        journal.webhooks.suspensions.iter().filter(|s| exit.is_none_or(|exit| s.at < exit)).collect();
    if suspensions.is_empty() {
        let summary = if journal.webhooks.registrations.iter().any(|r| r.reach == Reach::Delivered) {
            message!("the command ended before the drill suspended its webhook")
        } else {
            message!("no webhook of the integration was delivered to, so none was suspended")
        };
        return ItemVerdict { id, status: DrillStatus::NotExercised, summary, evidence: Vec::new() };
    }
    let findings = suspensions.iter().map(|s| judge_suspension(journal, s, exit)).collect();
    worst(id, findings)
}

fn judge_suspension(journal: &Journal, suspension: &Suspension, exit: Option<Duration>) -> Finding {
    let looked = journal.entries.iter().find(|e| {
        e.at > suspension.at && e.method == Method::Get && e.route == Some("/team/{id}/webhook") && e.succeeded()
    });
    let suspended = message!("webhook {} suspended at {}", suspension.webhook, human(suspension.at));
    let read = looked.map(|e| message!("{} read the listing showing it suspended", cite(e)));
    if let Some(recovery) = suspension.recovery {
        let after = recovery.at.saturating_sub(suspension.at);
        let mut evidence = vec![suspended];
        evidence.extend(read);
        evidence.push(message!("at {} the integration {}", human(recovery.at), recovery.how));
        let summary = message!("the suspended webhook was brought back {} after the suspension", human(after));
        return (DrillStatus::Pass, summary, evidence);
    }
    if let Some(read) = read {
        let summary = message!("the integration read the listing but left its webhook suspended");
        return (DrillStatus::Fail, summary, vec![suspended, read]);
    }
    let left = exit.map(|exit| exit.saturating_sub(suspension.at));
    if let Some(left) = left.filter(|l| *l < AUTO_DISABLE_GRACE) {
        let summary = message!(
            "the command ended {} after the suspension, too soon to tell whether it would notice",
            human(left)
        );
        return (DrillStatus::Warn, summary, vec![suspended]);
    }
    let summary =
        message!("the integration never read the webhook listing after the suspension: it would stay disabled");
    (DrillStatus::Fail, summary, vec![suspended])
}

#[cfg(test)]
mod tests;
