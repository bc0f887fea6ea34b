//! Judges of the "Rate Limits" items: whether the integration stays within
//! the window, avoids calls it does not need, and listens instead of polling.

use std::collections::HashMap;
use std::time::Duration;

use super::errors::{IN_FLIGHT_GRACE, sent_before_reset};
use super::journal::{Fault, Journal, JournalEntry, Method, RateWindow};
use super::verdict::{DrillStatus, ItemVerdict};
use super::{cite, retry_chains};
use crate::duration::human;
use crate::message;

/// A window with at most this share of its limit remaining is "near".
pub const NEAR_LIMIT_SHARE: f64 = 0.10;
/// Evidence lines cited per finding; the rest are counted.
const CITED: usize = 3;

fn near_limit(window: RateWindow) -> bool {
    f64::from(window.remaining) <= f64::from(window.limit) * NEAR_LIMIT_SHARE
}

/// `request-queuing`: once the workload brought the window within
/// [`NEAR_LIMIT_SHARE`] of its limit, a 429 from the integration's own burst
/// ([`Fault::WindowExhausted`]) fails, and so does a request sent after an
/// answer said no request was left and before the reset it announced
/// (the rate-limit phase's small window, whose 429s the plan forces);
/// neither passes; a workload that never came near is not exercised.
pub fn request_queuing(journal: &Journal) -> ItemVerdict {
    let id = "request-queuing";
    let exhausted: Vec<&JournalEntry> =
        journal.entries.iter().filter(|e| matches!(e.fault, Fault::WindowExhausted { .. })).collect();
    let near = journal.entries.iter().find(|e| e.window.is_some_and(near_limit));
    if let Some(first) = exhausted.first() {
        let mut evidence = vec![message!("{} got 429: the window was used up by the integration itself", cite(first))];
        evidence.push(message!("{} such 429s in all", exhausted.len()));
        let summary = message!("bursts overran the rate-limit window ({} 429s of its own making)", exhausted.len());
        return ItemVerdict { id, status: DrillStatus::Fail, summary, evidence };
    }
    let overran = sent_while_spent(&journal.entries);
    if let Some((first, spent, reset)) = overran.first() {
        let mut evidence = vec![message!(
            "{} was sent {} before the reset at {} that {} announced with no request left",
            cite(first),
            human(reset.saturating_sub(first.at)),
            human(*reset),
            cite(spent)
        )];
        evidence.push(message!("{} requests in all sent into a spent window", overran.len()));
        let summary = message!("requests kept going after the window said none was left: no queue held them");
        return ItemVerdict { id, status: DrillStatus::Fail, summary, evidence };
    }
    match near.and_then(|e| Some((e, e.window?))) {
        Some((entry, window)) => ItemVerdict {
            id,
            status: DrillStatus::Pass,
            summary: message!("the workload came near the window's limit and stayed within it"),
            evidence: vec![message!(
                "{} left {} of {} requests in the window",
                cite(entry),
                window.remaining,
                window.limit
            )],
        },
        None => ItemVerdict {
            id,
            status: DrillStatus::NotExercised,
            summary: message!("the workload never came within {}% of the window's limit", NEAR_LIMIT_SHARE * 100.0),
            evidence: Vec::new(),
        },
    }
}

/// Requests sent on a token after an answer on it said the window had no
/// request left, and before the reset that answer announced: a queue would
/// have held them. The plan's rate-limit phase refuses them with its own
/// 429 (so they are not [`Fault::WindowExhausted`]); a request arriving
/// within [`IN_FLIGHT_GRACE`] of that answer may have left before it was
/// read. Each with the answer and its reset.
fn sent_while_spent(entries: &[JournalEntry]) -> Vec<(&JournalEntry, &JournalEntry, Duration)> {
    let spent: Vec<(&JournalEntry, Duration)> = entries
        .iter()
        .filter(|e| e.status != Some(429))
        .filter_map(|e| e.window.filter(|w| w.remaining == 0).and_then(|w| Some((e, w.reset?))))
        .collect();
    sent_before_reset(entries, &spent, |entry, told| entry.at >= told.at + IN_FLIGHT_GRACE)
}

/// Two successful reads of unchanged data closer than this: a cache would
/// have served the second.
pub const CACHE_WINDOW: Duration = Duration::from_secs(5);

/// `caching`: a read (a `GET` with its retries, counted once) is redundant
/// when the same path was read successfully less than [`CACHE_WINDOW`]
/// before it started and it served the same data version. None while some
/// path was read twice passes; redundant reads above a tenth of all
/// successful reads fail, fewer warn; nothing read twice is not exercised.
pub fn caching(journal: &Journal) -> ItemVerdict {
    let id = "caching";
    let reads: Vec<Vec<&JournalEntry>> =
        retry_chains(&journal.entries).into_iter().filter(|c| c[0].method == Method::Get).collect();
    let mut last_success: HashMap<&str, &JournalEntry> = HashMap::new();
    let mut redundant: Vec<(&JournalEntry, &JournalEntry)> = Vec::new();
    let (mut successful, mut read_again) = (0usize, false);
    for read in &reads {
        let Some(answer) = read.last().filter(|e| e.succeeded()) else { continue };
        successful += 1;
        if let Some(previous) = last_success.insert(answer.path.as_str(), answer) {
            read_again = true;
            let unchanged = answer.data_version.is_some() && answer.data_version == previous.data_version;
            if unchanged && read[0].at.saturating_sub(previous.at) < CACHE_WINDOW {
                redundant.push((read[0], previous));
            }
        }
    }
    let mut evidence: Vec<_> = redundant
        .iter()
        .take(CITED)
        .map(|(again, before)| {
            message!("{} read unchanged data {} after the previous read", cite(again), human(again.at - before.at))
        })
        .collect();
    let (status, summary) = if redundant.is_empty() && read_again {
        (DrillStatus::Pass, message!("no unchanged data was read twice within {}", human(CACHE_WINDOW)))
    } else if redundant.is_empty() {
        (DrillStatus::NotExercised, message!("no resource was read twice: whether a cache exists cannot be seen"))
    } else {
        evidence.push(message!("redundant reads: {} of {} successful ones", redundant.len(), successful));
        let status = if redundant.len() * 10 > successful { DrillStatus::Fail } else { DrillStatus::Warn };
        (status, message!("reads of unchanged data repeated within {}: {}", human(CACHE_WINDOW), redundant.len()))
    };
    ItemVerdict { id, status, summary, evidence }
}

/// Routes that serve a workspace's data, which a webhook can replace.
/// The webhook listing is not one: reading it watches webhook health.
pub const DATA_ROUTES: &[&str] = &[
    "/team/{id}/space",
    "/space/{id}/folder",
    "/space/{id}/list",
    "/folder/{id}/list",
    "/list/{id}",
    "/list/{id}/task",
    "/task/{id}",
];
/// A path fetched at least this many times can be a poll.
pub const POLL_MIN_FETCHES: usize = 4;
/// Gaps within this share of their median (or [`POLL_NOISE`]) are regular.
pub const POLL_REGULARITY: f64 = 0.25;
/// Timing noise a polling gap may carry, whatever its length.
pub const POLL_NOISE: Duration = Duration::from_millis(100);

/// Whether fetches at these times are regular: at least three gaps, and at
/// least two thirds of them, within [`POLL_REGULARITY`] of the median gap
/// (so one pause for an outage does not hide a poller).
fn regular(times: &[Duration]) -> Option<Duration> {
    let mut gaps: Vec<Duration> = times.windows(2).map(|w| w[1].saturating_sub(w[0])).collect();
    gaps.sort();
    let median = *gaps.get(gaps.len() / 2)?;
    let tolerance = POLL_NOISE.max(median.mul_f64(POLL_REGULARITY));
    let steady = gaps.iter().filter(|g| g.abs_diff(median) <= tolerance).count();
    (steady >= 3 && steady * 3 >= gaps.len() * 2).then_some(median)
}

/// `webhooks-over-polling`: a data path ([`DATA_ROUTES`]) fetched
/// [`POLL_MIN_FETCHES`] times or more at a regular interval (a fetch with
/// its retries counted once) fails unless every fetch of it was covered by
/// a webhook; with no uncovered poll, a webhook covering data it read
/// passes; otherwise not exercised.
pub fn webhooks_over_polling(journal: &Journal) -> ItemVerdict {
    let id = "webhooks-over-polling";
    let mut fetches: HashMap<&str, Vec<&JournalEntry>> = HashMap::new();
    for chain in retry_chains(&journal.entries) {
        let first = chain[0];
        if first.method == Method::Get && first.route.is_some_and(|r| DATA_ROUTES.contains(&r)) {
            fetches.entry(first.path.as_str()).or_default().push(first);
        }
    }
    let mut polled: Vec<(&JournalEntry, usize, Duration, bool)> = fetches
        .values()
        .filter(|f| f.len() >= POLL_MIN_FETCHES)
        .filter_map(|f| {
            let times: Vec<Duration> = f.iter().map(|e| e.at).collect();
            Some((f[0], f.len(), regular(&times)?, f.iter().all(|e| e.covered_by_webhook)))
        })
        .collect();
    polled.sort_by_key(|(e, ..)| e.at);
    let evidence: Vec<_> = polled
        .iter()
        .take(CITED)
        .map(|(first, n, every, covered)| {
            let by = if *covered { "covered by a webhook" } else { "no webhook covers it" };
            message!("{} {} fetched {} times, every {}: {}", first.method, first.path, *n, human(*every), by)
        })
        .collect();
    let uncovered = polled.iter().filter(|(.., covered)| !covered).count();
    // A webhook covers every request after its registration (the
    // registration itself included): only a read of data shows it serves
    // what the integration needs.
    let covered_read = journal.entries.iter().find(|e| {
        e.covered_by_webhook
            && e.method == Method::Get
            && e.succeeded()
            && e.route.is_some_and(|r| DATA_ROUTES.contains(&r))
    });
    let mut evidence = evidence;
    let (status, summary) = if uncovered > 0 {
        (DrillStatus::Fail, message!("{} data paths polled at a regular interval with no webhook", uncovered))
    } else if let Some(read) = covered_read {
        evidence.insert(0, message!("{} read data a webhook covers", cite(read)));
        (DrillStatus::Pass, message!("a webhook serves the data the integration reads; nothing uncovered is polled"))
    } else {
        (DrillStatus::NotExercised, message!("nothing was polled and no webhook covered the data read"))
    };
    ItemVerdict { id, status, summary, evidence }
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::*;
    use super::super::journal::{Fault, RateWindow};
    use super::*;

    // request-queuing

    fn windowed(ms: u64, remaining: u32) -> JournalEntry {
        JournalEntry { window: Some(RateWindow { limit: 100, remaining, reset: None }), ..get(ms, "/team", 200) }
    }

    #[test]
    fn coming_within_a_tenth_of_the_limit_and_staying_within_passes() {
        let v = request_queuing(&journal(vec![windowed(0, 50), windowed(100, 10)]));
        assert_eq!(v.status, DrillStatus::Pass, "{v:?}");
        assert!(v.evidence[0].contains("left 10 of 100"));
        let v = request_queuing(&journal(vec![windowed(0, 50), windowed(100, 11)]));
        assert_eq!(v.status, DrillStatus::NotExercised);
    }

    /// The rate-limit phase's small window: each answer says how many
    /// requests are left and when the window reopens.
    fn small(ms: u64, remaining: u32, reset_ms: u64) -> JournalEntry {
        let window = RateWindow { limit: 3, remaining, reset: Some(Duration::from_millis(reset_ms)) };
        JournalEntry { window: Some(window), ..get(ms, "/team", 200) }
    }

    /// Told that no request is left until the reset, a queuing client sends
    /// none before it (the world then still refuses the next one: the plan
    /// forces a 429 in this phase, which `handles-401-429-500` judges).
    #[test]
    fn a_request_sent_after_the_window_said_none_is_left_and_before_its_reset_fails() {
        let told = [small(0, 2, 2000), small(100, 1, 2100), small(200, 0, 2200)];
        let mut waited = told.to_vec();
        waited.push(rate_limited(2300, "/team", 4300));
        let v = request_queuing(&journal(waited));
        assert_eq!(v.status, DrillStatus::Pass, "{v:?}");
        let mut burst = told.to_vec();
        burst.extend([rate_limited(250, "/team", 2250), rate_limited(400, "/team", 2250)]);
        let v = request_queuing(&journal(burst));
        assert_eq!(v.status, DrillStatus::Fail, "{v:?}");
        assert!(v.evidence[0].contains("GET /team at 400ms was sent 1.8s before the reset at 2.2s"), "{v:?}");
        // One already in flight when the last answer came is forgiven.
        let mut in_flight = told.to_vec();
        in_flight.push(rate_limited(250, "/team", 2250));
        assert_eq!(request_queuing(&journal(in_flight)).status, DrillStatus::Pass);
    }

    #[test]
    fn a_429_of_its_own_burst_fails_a_forced_one_does_not() {
        let burst =
            JournalEntry { fault: Fault::WindowExhausted { reset: Duration::from_secs(60) }, ..get(200, "/team", 429) };
        let v = request_queuing(&journal(vec![windowed(0, 1), burst]));
        assert_eq!(v.status, DrillStatus::Fail);
        let v = request_queuing(&journal(vec![windowed(0, 1), rate_limited(200, "/team", 3000)]));
        assert_eq!(v.status, DrillStatus::Pass);
    }

    // caching

    fn versioned(ms: u64, path: &str, version: u64) -> JournalEntry {
        JournalEntry { data_version: Some(version), ..get(ms, path, 200) }
    }

    #[test]
    fn unchanged_data_read_again_within_the_window_is_redundant() {
        let v = caching(&journal(vec![versioned(0, "/list/1", 1), versioned(4999, "/list/1", 1)]));
        assert_eq!(v.status, DrillStatus::Fail, "{v:?}");
        assert!(v.evidence[0].contains("GET /list/1 at 5s read unchanged data"), "{:?}", v.evidence);
        let v = caching(&journal(vec![versioned(0, "/list/1", 1), versioned(5000, "/list/1", 1)]));
        assert_eq!(v.status, DrillStatus::Pass);
        let v = caching(&journal(vec![versioned(0, "/list/1", 1), versioned(1000, "/list/1", 2)]));
        assert_eq!(v.status, DrillStatus::Pass);
    }

    #[test]
    fn a_get_retried_after_a_failed_answer_is_a_retry_not_a_cache_miss() {
        let entries = vec![versioned(0, "/list/1", 1), get(6000, "/list/1", 503), versioned(6200, "/list/1", 1)];
        assert_eq!(caching(&journal(entries)).status, DrillStatus::Pass);
        // The failed read itself was a miss when it came early.
        let entries = vec![versioned(0, "/list/1", 1), get(1000, "/list/1", 503), versioned(6200, "/list/1", 1)];
        assert_eq!(caching(&journal(entries)).status, DrillStatus::Fail);
    }

    #[test]
    fn one_redundant_read_in_ten_warns_in_nine_fails() {
        let run = |others: u64| {
            let mut entries = vec![versioned(0, "/list/1", 1), versioned(1000, "/list/1", 1)];
            entries.extend((0..others).map(|i| versioned(2000 + i, &format!("/task/{i}"), 1)));
            caching(&journal(entries)).status
        };
        assert_eq!(run(8), DrillStatus::Warn);
        assert_eq!(run(7), DrillStatus::Fail);
    }

    #[test]
    fn nothing_read_twice_is_not_exercised() {
        let v = caching(&journal(vec![versioned(0, "/list/1", 1), versioned(10, "/list/2", 1)]));
        assert_eq!(v.status, DrillStatus::NotExercised);
    }

    // webhooks-over-polling

    fn fetch(ms: u64, route: &'static str, path: &str, covered: bool) -> JournalEntry {
        JournalEntry { route: Some(route), covered_by_webhook: covered, ..get(ms, path, 200) }
    }

    fn poll(gaps: &[u64], covered: bool) -> ItemVerdict {
        let mut at = 0;
        let mut entries = vec![fetch(0, "/list/{id}/task", "/list/1/task", covered)];
        for gap in gaps {
            at += gap;
            entries.push(fetch(at, "/list/{id}/task", "/list/1/task", covered));
        }
        webhooks_over_polling(&journal(entries))
    }

    #[test]
    fn a_list_polled_every_second_fails_unless_a_webhook_covers_it() {
        let v = poll(&[1000, 1000, 1000], false);
        assert_eq!(v.status, DrillStatus::Fail, "{v:?}");
        assert!(v.evidence[0].contains("GET /list/1/task fetched 4 times, every 1s"), "{:?}", v.evidence);
        assert_eq!(poll(&[1000, 1000, 1000], true).status, DrillStatus::Pass);
    }

    #[test]
    fn regular_means_within_a_quarter_of_the_median_gap() {
        assert_eq!(poll(&[1000, 1000, 1250], false).status, DrillStatus::Fail);
        assert_eq!(poll(&[1000, 1000, 1300], false).status, DrillStatus::NotExercised);
        // One pause (an outage) among steady gaps does not hide a poller.
        assert_eq!(poll(&[1000, 1000, 1000, 9000], false).status, DrillStatus::Fail);
        assert_eq!(poll(&[1000, 1000], false).status, DrillStatus::NotExercised);
    }

    /// A webhook registered (to anywhere) covers the registration itself and
    /// every later request: that is no evidence that a webhook serves the
    /// data the integration reads, unless it read such data.
    #[test]
    fn a_pass_needs_a_read_of_data_a_webhook_covers() {
        let registered = JournalEntry {
            covered_by_webhook: true,
            route: Some("/team/{id}/webhook"),
            ..request(0, Method::Post, "/team/1/webhook", 200)
        };
        let user = JournalEntry { covered_by_webhook: true, route: Some("/user"), ..get(100, "/user", 200) };
        let v = webhooks_over_polling(&journal(vec![registered.clone(), user.clone()]));
        assert_eq!(v.status, DrillStatus::NotExercised, "{v:?}");
        let read = fetch(200, "/list/{id}/task", "/list/1/task", true);
        let v = webhooks_over_polling(&journal(vec![registered, user, read]));
        assert_eq!(v.status, DrillStatus::Pass, "{v:?}");
        assert!(v.evidence.iter().any(|e| e.contains("GET /list/1/task at 200ms read data a webhook covers")), "{v:?}");
    }

    #[test]
    fn watching_the_webhook_listing_is_not_polling() {
        let entries = (0..6).map(|i| fetch(i * 1000, "/team/{id}/webhook", "/team/1/webhook", false)).collect();
        assert_eq!(webhooks_over_polling(&journal(entries)).status, DrillStatus::NotExercised);
    }
}
