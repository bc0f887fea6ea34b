//! Judges of the "Error Handling" items: what the integration does after
//! a 401, a 429, a 5xx and during an outage.

use std::collections::HashMap;
use std::time::Duration;

use super::journal::{CommandExit, Fault, HealthPoll, Journal, JournalEntry, Phase, PhaseKind, TokenUsed};
use super::verdict::{DrillStatus, ItemVerdict};
use super::{cite, retry_chains};
use crate::duration::human;
use crate::message;
use crate::model::Message;

/// A request on the limited token arriving this soon after a 429 may have
/// been sent before the client read the 429 (another worker's request in
/// flight); a retry of the limited request itself gets no such grace.
pub const IN_FLIGHT_GRACE: Duration = Duration::from_millis(100);
/// A request answered 401 may be retried at most this many times.
pub const MAX_401_RETRIES: usize = 2;
/// More 401 answers than this on one token is hammering with a refused token.
pub const MAX_401_PER_TOKEN: usize = 10;
/// Evidence lines cited per kind of violation; the rest are counted.
pub(super) const CITED: usize = 3;

/// `handles-401-429-500`: after a 429, no request on that token before the
/// reset; after a 5xx on an idempotent request, it is retried; after a 401,
/// the same request is retried at most [`MAX_401_RETRIES`] times and the
/// token is not hammered (more than [`MAX_401_PER_TOKEN`] 401s). Passes only
/// when all three were exercised and none mishandled.
pub fn handles_401_429_500(journal: &Journal) -> ItemVerdict {
    let entries = &journal.entries;
    let rules: [(&'static str, Option<Vec<Message>>); 3] = [
        ("401", auth_violations(entries)),
        ("429", early_requests(entries)),
        ("5xx", unretried_server_errors(entries)),
    ];
    let (mut breaches, mut shown) = (Vec::new(), Vec::new());
    let (mut failed, mut handled, mut unseen) = (Vec::new(), Vec::new(), Vec::new());
    for (name, outcome) in rules {
        match outcome {
            None => unseen.push(name),
            Some(violations) if violations.is_empty() => {
                handled.push(name);
                shown.extend(handled_evidence(name, entries));
            }
            Some(violations) => {
                failed.push(name);
                breaches.extend(violations);
            }
        }
    }
    // A failure cites its breaches; otherwise what was handled is the evidence.
    let evidence = if failed.is_empty() { shown } else { breaches };
    let (status, summary) = if !failed.is_empty() {
        (DrillStatus::Fail, message!("mishandled: {}", Message::join(&failed, ", ")))
    } else if handled.is_empty() {
        (DrillStatus::NotExercised, message!("the command never received a 401, a 429 or a 5xx"))
    } else if unseen.is_empty() {
        (DrillStatus::Pass, message!("401, 429 and 5xx all handled"))
    } else {
        let summary = message!(
            "handled {}; never received {}, so not verified",
            Message::join(&handled, ", "),
            Message::join(&unseen, ", ")
        );
        (DrillStatus::Warn, summary)
    };
    ItemVerdict { id: "handles-401-429-500", status, summary, evidence }
}

/// Whether the drill refused the request's token: the auth fault, or the
/// old token after a rotation. Other 401s (`OAUTH_027` for an id the token
/// cannot reach) refuse a resource, not the token.
fn refused_token(entry: &JournalEntry) -> bool {
    entry.status == Some(401) && matches!(entry.fault, Fault::AuthFault | Fault::RevokedToken)
}

/// What a pass rests on for one kind of answer (`401`, `429`, `5xx`), as
/// one evidence line.
fn handled_evidence(kind: &str, entries: &[JournalEntry]) -> Option<Message> {
    match kind {
        "401" => {
            let refused: Vec<&JournalEntry> = entries.iter().filter(|e| refused_token(e)).collect();
            Some(message!(
                "requests refused for their token (401): {}, none sent again more than {} times in a row (the first: {})",
                refused.len(),
                MAX_401_RETRIES,
                cite(refused.first()?)
            ))
        }
        "429" => {
            let (limited, reset) =
                entries.iter().filter(|e| e.status == Some(429)).find_map(|e| Some((e, e.fault.reset()?)))?;
            Some(message!("429 to {}; nothing on its token until the reset at {}", cite(limited), human(reset)))
        }
        _ => {
            let retried = entries
                .iter()
                .filter(|e| {
                    e.fault == Fault::ServerError && e.is_retry_candidate() && e.status.is_some_and(|s| s >= 500)
                })
                .count();
            Some(message!("every idempotent request answered 5xx was retried ({} of {})", retried, retried))
        }
    }
}

/// Requests sent on the token of an answer in `closed` after that answer
/// and before the reset it announced (each answer with its reset), when
/// `could_know(request, answer)` says the request was sent knowing it:
/// each with the answer that closed the window and the reset, in journal
/// order. `handles-401-429-500` reads 429s this way, `request-queuing`
/// answers that said no request was left.
pub(super) fn sent_before_reset<'a>(
    entries: &'a [JournalEntry],
    closed: &[(&'a JournalEntry, Duration)],
    could_know: impl Fn(&JournalEntry, &JournalEntry) -> bool,
) -> Vec<(&'a JournalEntry, &'a JournalEntry, Duration)> {
    entries
        .iter()
        .filter_map(|entry| {
            let (answer, reset) = closed.iter().find(|(answer, reset)| {
                entry.token == answer.token && entry.at > answer.at && entry.at < *reset && could_know(entry, answer)
            })?;
            Some((entry, *answer, *reset))
        })
        .collect()
}

/// Requests on a rate-limited token before its reset; `None` if no 429.
fn early_requests(entries: &[JournalEntry]) -> Option<Vec<Message>> {
    let limited: Vec<(&JournalEntry, Duration)> =
        entries.iter().filter(|e| e.status == Some(429)).filter_map(|e| Some((e, e.fault.reset()?))).collect();
    if limited.is_empty() {
        return None;
    }
    // The limited request's own retry had its answer: no in-flight grace.
    let early = sent_before_reset(entries, &limited, |entry, l| {
        entry.token != TokenUsed::Missing && (entry.same_request(l) || entry.at >= l.at + IN_FLIGHT_GRACE)
    });
    let mut lines: Vec<Message> = early
        .iter()
        .take(CITED)
        .map(|(e, l, reset)| {
            message!(
                "{} came {} before the reset at {} that the 429 to {} announced",
                cite(e),
                human(reset.saturating_sub(e.at)),
                human(*reset),
                cite(l)
            )
        })
        .collect();
    if early.len() > CITED {
        lines.push(message!("{} requests in all before a reset", early.len()));
    }
    Some(lines)
}

/// Server errors on idempotent requests never retried; `None` if none.
fn unretried_server_errors(entries: &[JournalEntry]) -> Option<Vec<Message>> {
    let is_server_error = |e: &JournalEntry| e.fault == Fault::ServerError && e.status.is_some_and(|s| s >= 500);
    if !entries.iter().any(|e| is_server_error(e) && e.is_retry_candidate()) {
        return None;
    }
    let unretried: Vec<&JournalEntry> = retry_chains(entries)
        .into_iter()
        .filter(|chain| chain.len() == 1 && is_server_error(chain[0]) && chain[0].is_retry_candidate())
        .map(|chain| chain[0])
        .collect();
    let mut lines: Vec<Message> = unretried
        .iter()
        .take(CITED)
        .map(|e| message!("{} got {} and was never retried", cite(e), e.status.unwrap_or_default()))
        .collect();
    if unretried.len() > CITED {
        lines.push(message!("{} idempotent requests in all never retried after a 5xx", unretried.len()));
    }
    Some(lines)
}

/// Token refusals ([`refused_token`]) retried too often, or a refused
/// token hammered; `None` if the drill refused no token.
fn auth_violations(entries: &[JournalEntry]) -> Option<Vec<Message>> {
    if !entries.iter().any(refused_token) {
        return None;
    }
    let mut in_a_row: HashMap<(super::journal::Method, &str, TokenUsed), usize> = HashMap::new();
    let mut per_token: HashMap<TokenUsed, usize> = HashMap::new();
    let mut lines = Vec::new();
    for e in entries {
        let count = in_a_row.entry((e.method, e.path.as_str(), e.token)).or_default();
        if refused_token(e) {
            *count += 1;
            *per_token.entry(e.token).or_default() += 1;
            if *count == MAX_401_RETRIES + 2 {
                lines.push(message!(
                    "{} was sent again after {} refusals (401) in a row",
                    cite(e),
                    MAX_401_RETRIES + 1
                ));
            }
        } else {
            *count = 0;
        }
    }
    let mut hammered: Vec<(&TokenUsed, &usize)> = per_token.iter().filter(|(_, n)| **n > MAX_401_PER_TOKEN).collect();
    hammered.sort();
    for (_, n) in hammered {
        lines.push(message!("{} requests answered 401 on one token (at most {} expected)", *n, MAX_401_PER_TOKEN));
    }
    Some(lines)
}

/// How long after the first failure of an outage counts as its first burst.
pub const FIRST_BURST: Duration = Duration::from_secs(1);
/// Fewer requests than this in the first burst cannot tell a breaker from
/// a quiet client.
pub const MIN_BURST: usize = 2;

/// `circuit-breaker`: in each outage phase, the request rate after the
/// first [`FIRST_BURST`] (counted from the first failure) must be at most
/// half the rate within it, and a request must succeed after the outage.
/// A rate that does not collapse fails; no request after the outage warns.
/// Not exercised unless [`MIN_BURST`] requests met an outage in its first
/// burst with at least [`FIRST_BURST`] of it left to watch.
pub fn circuit_breaker(journal: &Journal) -> ItemVerdict {
    let id = "circuit-breaker";
    let mut evidence = Vec::new();
    let (mut storms, mut silent_after, mut judged) = (0, 0, 0);
    for outage in journal.plan.iter().filter(|p| p.kind == PhaseKind::Outage) {
        let during: Vec<&JournalEntry> = journal.entries.iter().filter(|e| outage.contains(e.at)).collect();
        let Some(first) = during.first() else { continue };
        let burst_end = first.at + FIRST_BURST;
        if outage.end < burst_end + FIRST_BURST {
            continue;
        }
        let in_burst = during.iter().filter(|e| e.at < burst_end).count();
        if in_burst < MIN_BURST {
            continue;
        }
        judged += 1;
        let after = during.len() - in_burst;
        let rest = (outage.end - burst_end).as_secs_f64();
        let (burst_rate, rest_rate) = (in_burst as f64 / FIRST_BURST.as_secs_f64(), after as f64 / rest);
        evidence.push(message!(
            "outage {}-{}: {} requests in the first {} after {}, then {:.2}/s for {}",
            human(outage.start),
            human(outage.end),
            in_burst,
            human(FIRST_BURST),
            cite(first),
            rest_rate,
            human(outage.end - burst_end)
        ));
        if rest_rate > burst_rate / 2.0 {
            storms += 1;
        }
        match journal.entries.iter().find(|e| e.at >= outage.end && e.succeeded()) {
            Some(resumed) => evidence.push(message!("traffic resumed: {}", cite(resumed))),
            None => {
                silent_after += 1;
                evidence.push(message!("no request succeeded after the outage ended at {}", human(outage.end)));
            }
        }
    }
    let (status, summary) = if judged == 0 {
        (DrillStatus::NotExercised, message!("no request met an outage long enough to judge"))
    } else if storms > 0 {
        (DrillStatus::Fail, message!("the request rate did not collapse during the outage: no breaker opened"))
    } else if silent_after > 0 {
        (DrillStatus::Warn, message!("the rate collapsed, but requests never resumed after the outage"))
    } else {
        (DrillStatus::Pass, message!("the rate collapsed during the outage and traffic resumed after it"))
    };
    ItemVerdict { id, status, summary, evidence }
}

/// An exit this soon after an outage ended still counts as dying of it.
pub const EXIT_GRACE: Duration = Duration::from_secs(1);

/// `graceful-degradation`: the command must survive every outage a
/// request of its met. Exiting non-zero (or by a signal) during an outage
/// or within [`EXIT_GRACE`] after it fails; exiting 0 then warns (it may
/// have finished, or given up: the drill cannot tell); still running after
/// the outage passes. When the integration's health endpoint was polled
/// (`drill --health-url`), it must also have answered 2xx to every poll
/// during those outages ([`health_through_outages`]); the worse of the two
/// verdicts stands.
pub fn graceful_degradation(journal: &Journal) -> ItemVerdict {
    let id = "graceful-degradation";
    let met: Vec<&Phase> = journal
        .plan
        .iter()
        .filter(|p| p.kind == PhaseKind::Outage && journal.entries.iter().any(|e| p.contains(e.at)))
        .collect();
    let Some(last) = met.last() else {
        let summary = message!("no request met an outage");
        return ItemVerdict { id, status: DrillStatus::NotExercised, summary, evidence: Vec::new() };
    };
    let died = journal.exit.filter(|exit| met.iter().any(|p| p.start <= exit.at && exit.at < p.end + EXIT_GRACE));
    let (status, summary, mut evidence) = match died {
        Some(CommandExit { at, code: Some(0) }) => (
            DrillStatus::Warn,
            message!("the command exited 0 during the outage: finished or gave up, the drill cannot tell"),
            vec![message!("exit 0 at {}", human(at))],
        ),
        Some(CommandExit { at, code }) => (
            DrillStatus::Fail,
            message!("the command died during the outage"),
            vec![match code {
                Some(code) => message!("exit {} at {}", code, human(at)),
                None => message!("ended by a signal at {}", human(at)),
            }],
        ),
        None => (
            DrillStatus::Pass,
            message!("the command kept running through the outage"),
            vec![message!("outage {}-{} met; the command still ran after it", human(last.start), human(last.end))],
        ),
    };
    let Some((health, health_summary, health_evidence)) = health_through_outages(&journal.health, &met) else {
        return ItemVerdict { id, status, summary, evidence };
    };
    evidence.extend(health_evidence);
    // The command's own verdict comes first; health only makes it worse.
    let (status, summary) = if health > status { (health, health_summary) } else { (status, summary) };
    ItemVerdict { id, status, summary, evidence }
}

/// What the health polls during the outages say: a status, its summary and
/// evidence; `None` when the health endpoint was not polled at all. Any
/// poll during an outage not answered 2xx (or not answered) fails; polls
/// made, but none during an outage, warn: the evidence is missing.
fn health_through_outages(polls: &[HealthPoll], outages: &[&Phase]) -> Option<(DrillStatus, Message, Vec<Message>)> {
    if polls.is_empty() {
        return None;
    }
    let during: Vec<&HealthPoll> = polls.iter().filter(|p| outages.iter().any(|o| o.contains(p.at))).collect();
    let failed: Vec<&&HealthPoll> = during.iter().filter(|p| !p.healthy()).collect();
    let mut evidence: Vec<Message> = failed
        .iter()
        .take(CITED)
        .map(|p| match p.status {
            Some(status) => message!("health poll at {} answered {} after {}", human(p.at), status, human(p.latency)),
            None => message!("health poll at {} got no answer within {}", human(p.at), human(p.latency)),
        })
        .collect();
    let slowest = during.iter().map(|p| p.latency).max().unwrap_or_default();
    evidence.push(message!(
        "{} of {} health polls during the outage answered 2xx (slowest {}); {} polls in all",
        during.len() - failed.len(),
        during.len(),
        human(slowest),
        polls.len()
    ));
    let (status, summary) = if during.is_empty() {
        (
            DrillStatus::Warn,
            message!("the health endpoint was never polled during the outage: no evidence it stayed up"),
        )
    } else if !failed.is_empty() {
        (DrillStatus::Fail, message!("the health endpoint stopped answering 2xx during the outage"))
    } else {
        (DrillStatus::Pass, message!("the health endpoint answered 2xx throughout the outage"))
    };
    Some((status, summary, evidence))
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::*;
    use super::super::journal::{Method, TokenUsed};
    use super::*;

    fn status_of(verdict: &ItemVerdict) -> DrillStatus {
        verdict.status
    }

    // handles-401-429-500

    #[test]
    fn a_retry_100ms_before_the_reset_fails() {
        let j = journal(vec![rate_limited(1000, "/list/1/task", 4000), get(3900, "/list/1/task", 200)]);
        let v = handles_401_429_500(&j);
        assert_eq!(v.status, DrillStatus::Fail);
        assert!(v.evidence[0].contains("100ms before the reset at 4s"), "{:?}", v.evidence);
    }

    #[test]
    fn a_retry_at_the_reset_is_handled_but_only_429_was_exercised() {
        let j = journal(vec![rate_limited(1000, "/list/1/task", 4000), get(4000, "/list/1/task", 200)]);
        let v = handles_401_429_500(&j);
        assert_eq!(v.status, DrillStatus::Warn, "{v:?}");
        assert!(v.summary.contains("handled 429; never received 401, 5xx"), "{}", v.summary);
    }

    #[test]
    fn another_token_or_a_request_already_in_flight_may_go_before_the_reset() {
        let other_token = JournalEntry { token: TokenUsed::Drill(1), ..get(2000, "/team", 200) };
        let j = journal(vec![rate_limited(1000, "/list/1/task", 4000), get(1050, "/team", 200), other_token]);
        assert_eq!(early_requests(&j.entries), Some(vec![]));
        // The limited request itself gets no grace.
        let j = journal(vec![rate_limited(1000, "/list/1/task", 4000), get(1050, "/list/1/task", 200)]);
        assert_eq!(early_requests(&j.entries).map(|v| v.len()), Some(1));
    }

    #[test]
    fn all_three_handled_passes() {
        let mut entries = vec![rate_limited(1000, "/team", 4000), get(4100, "/team", 200)];
        entries.extend(chain(5000, "/list/1", 500, &[300]));
        entries.push(get(7000, "/user", 401));
        entries.push(get(8000, "/user", 200));
        let v = handles_401_429_500(&journal(entries));
        assert_eq!(v.status, DrillStatus::Pass, "{v:?}");
        // A pass cites what was handled, one line per kind.
        let evidence = v.evidence.iter().map(Message::as_str).collect::<Vec<_>>().join("\n");
        assert!(
            evidence.contains(
                "refused for their token (401): 1, none sent again more than 2 times in a row (the first: GET /user at 7s)"
            ),
            "{evidence}"
        );
        assert!(evidence.contains("429 to GET /team at 1s; nothing on its token until the reset at 4s"), "{evidence}");
        assert!(evidence.contains("every idempotent request answered 5xx was retried (1 of 1)"), "{evidence}");
    }

    /// A 401 the world answers for an id the token cannot reach (`OAUTH_027`)
    /// is not the token being refused: it neither shows how the integration
    /// treats a refused token nor counts as hammering one.
    #[test]
    fn a_401_that_refuses_a_resource_not_the_token_is_no_token_refusal() {
        let resource_refused = |ms| JournalEntry { fault: Fault::None, ..get(ms, "/list/404", 401) };
        let mut entries = vec![rate_limited(1000, "/team", 4000), get(4100, "/team", 200)];
        entries.extend(chain(5000, "/list/1", 500, &[300]));
        entries.extend((0..12).map(|i| resource_refused(6000 + i * 100)));
        let v = handles_401_429_500(&journal(entries));
        assert_eq!(v.status, DrillStatus::Warn, "{v:?}");
        assert!(v.summary.contains("never received 401"), "{}", v.summary);
    }

    #[test]
    fn an_idempotent_request_not_retried_after_a_5xx_fails_a_post_need_not_be() {
        let j = journal(vec![get(5000, "/list/1", 503), get(6000, "/team", 200)]);
        let v = handles_401_429_500(&j);
        assert_eq!(v.status, DrillStatus::Fail);
        assert!(v.evidence[0].contains("GET /list/1 at 5s got 503 and was never retried"), "{:?}", v.evidence);
        let j = journal(vec![request(5000, Method::Post, "/list/1/task", 500)]);
        assert_eq!(unretried_server_errors(&j.entries), None);
    }

    #[test]
    fn a_401_retried_twice_is_fine_three_times_fails() {
        let twice = journal((0..3).map(|i| get(1000 * i, "/user", 401)).collect());
        assert_eq!(auth_violations(&twice.entries), Some(vec![]));
        let thrice = journal((0..4).map(|i| get(1000 * i, "/user", 401)).collect());
        assert_eq!(status_of(&handles_401_429_500(&thrice)), DrillStatus::Fail);
    }

    #[test]
    fn hammering_a_refused_token_across_paths_fails() {
        let paths = ["/user", "/team", "/list/1", "/list/2", "/task/a", "/task/b"];
        let ten: Vec<JournalEntry> =
            paths.iter().cycle().take(10).enumerate().map(|(i, p)| get(i as u64 * 100, p, 401)).collect();
        assert_eq!(auth_violations(&journal(ten.clone()).entries), Some(vec![]));
        let mut eleven = ten;
        eleven.push(get(2000, "/task/c", 401));
        let lines = auth_violations(&journal(eleven).entries).unwrap_or_default();
        assert_eq!(lines.len(), 1, "{lines:?}");
        assert!(lines[0].contains("11 requests answered 401"));
    }

    #[test]
    fn nothing_refused_is_not_exercised() {
        let v = handles_401_429_500(&journal(vec![get(0, "/user", 200)]));
        assert_eq!(v.status, DrillStatus::NotExercised);
    }

    // graceful-degradation

    fn ending(exit: Option<(u64, Option<i32>)>) -> DrillStatus {
        let exit = exit.map(|(ms, code)| CommandExit { at: Duration::from_millis(ms), code });
        graceful_degradation(&Journal { exit, ..outage_run(&[10_000], None) }).status
    }

    #[test]
    fn dying_during_the_outage_or_just_after_fails() {
        assert_eq!(ending(Some((12_000, Some(1)))), DrillStatus::Fail);
        assert_eq!(ending(Some((12_000, None))), DrillStatus::Fail);
        assert_eq!(ending(Some((15_999, Some(1)))), DrillStatus::Fail);
        assert_eq!(ending(Some((12_000, Some(0)))), DrillStatus::Warn);
    }

    #[test]
    fn running_past_the_outage_passes_and_missing_it_is_not_exercised() {
        assert_eq!(ending(Some((16_000, Some(1)))), DrillStatus::Pass);
        assert_eq!(ending(None), DrillStatus::Pass);
        let quiet =
            Journal { plan: vec![phase(PhaseKind::Outage, 10_000, 15_000)], ..journal(vec![get(0, "/user", 200)]) };
        assert_eq!(graceful_degradation(&quiet).status, DrillStatus::NotExercised);
    }

    fn polled(statuses: &[(u64, Option<u16>)], exit: Option<(u64, Option<i32>)>) -> ItemVerdict {
        let health = statuses
            .iter()
            .map(|(ms, status)| HealthPoll {
                at: Duration::from_millis(*ms),
                status: *status,
                latency: Duration::from_millis(3),
            })
            .collect();
        let exit = exit.map(|(ms, code)| CommandExit { at: Duration::from_millis(ms), code });
        graceful_degradation(&Journal { health, exit, ..outage_run(&[10_000], None) })
    }

    #[test]
    fn a_health_endpoint_answering_2xx_through_the_outage_keeps_the_pass() {
        let v = polled(&[(9_000, Some(200)), (10_000, Some(200)), (12_500, Some(204)), (14_999, Some(200))], None);
        assert_eq!(v.status, DrillStatus::Pass, "{v:?}");
        assert!(v.evidence.iter().any(|e| e.contains("3 of 3 health polls during the outage answered 2xx")), "{v:?}");
    }

    #[test]
    fn a_health_endpoint_failing_or_silent_during_the_outage_fails_even_when_the_command_survived() {
        // Failing before and after the outage is not judged here.
        let v = polled(&[(9_000, Some(503)), (10_000, Some(200)), (12_500, Some(503)), (15_000, None)], None);
        assert_eq!(v.status, DrillStatus::Fail, "{v:?}");
        assert!(v.summary.contains("health endpoint stopped answering 2xx"), "{}", v.summary);
        assert!(v.evidence.iter().any(|e| e.contains("health poll at 12.5s answered 503")), "{v:?}");
        let v = polled(&[(10_000, Some(200)), (11_000, None)], None);
        assert_eq!(v.status, DrillStatus::Fail, "{v:?}");
        assert!(v.evidence.iter().any(|e| e.contains("got no answer")), "{v:?}");
        // A command exiting 0 during the outage warns; a dead health endpoint makes it fail.
        assert_eq!(polled(&[(10_000, Some(200))], Some((12_000, Some(0)))).status, DrillStatus::Warn);
        assert_eq!(polled(&[(10_000, Some(500))], Some((12_000, Some(0)))).status, DrillStatus::Fail);
    }

    #[test]
    fn health_polls_that_missed_the_outage_warn_and_no_polls_leave_the_verdict_alone() {
        let v = polled(&[(9_000, Some(200)), (16_000, Some(200))], None);
        assert_eq!(v.status, DrillStatus::Warn, "{v:?}");
        assert!(v.summary.contains("never polled during the outage"), "{}", v.summary);
        // The command's own failure still wins.
        assert_eq!(polled(&[(9_000, Some(200))], Some((12_000, Some(1)))).status, DrillStatus::Fail);
        assert_eq!(polled(&[], None).status, DrillStatus::Pass);
        // An outage no request met is not exercised, however the health endpoint answered.
        let quiet = Journal {
            plan: vec![phase(PhaseKind::Outage, 10_000, 15_000)],
            health: vec![HealthPoll { at: Duration::from_millis(11_000), status: Some(500), latency: Duration::ZERO }],
            ..journal(vec![get(0, "/user", 200)])
        };
        assert_eq!(graceful_degradation(&quiet).status, DrillStatus::NotExercised);
    }

    // circuit-breaker

    fn outage_run(during: &[u64], after: Option<u64>) -> Journal {
        let mut entries: Vec<JournalEntry> = during.iter().map(|ms| get(*ms, "/list/1/task", 0)).collect();
        entries.extend(after.map(|ms| get(ms, "/list/1/task", 200)));
        Journal { plan: vec![phase(PhaseKind::Outage, 10_000, 15_000)], ..journal(entries) }
    }

    #[test]
    fn a_rate_that_collapses_and_resumes_passes() {
        // 4 in the first second, then 2 in 4 s: 0.5/s <= 4/2.
        let v = circuit_breaker(&outage_run(&[10_000, 10_100, 10_300, 10_700, 12_000, 14_000], Some(15_100)));
        assert_eq!(v.status, DrillStatus::Pass, "{v:?}");
    }

    #[test]
    fn a_steady_retry_storm_fails_at_just_over_half_the_first_rate() {
        // 2 in the first second; 4 in the next 4 s is 1/s, exactly half: passes; 5 fails.
        let ok = [10_000, 10_500, 11_000, 12_000, 13_000, 14_000];
        assert_eq!(circuit_breaker(&outage_run(&ok, Some(15_100))).status, DrillStatus::Pass);
        let storm = [10_000, 10_500, 11_000, 12_000, 13_000, 14_000, 14_500];
        assert_eq!(circuit_breaker(&outage_run(&storm, Some(15_100))).status, DrillStatus::Fail);
    }

    #[test]
    fn no_traffic_after_the_outage_warns_and_no_request_in_it_is_not_exercised() {
        assert_eq!(circuit_breaker(&outage_run(&[10_000, 10_999], None)).status, DrillStatus::Warn);
        // One request in the first second: a breaker and a quiet client look the same.
        assert_eq!(circuit_breaker(&outage_run(&[10_000, 11_000], Some(15_100))).status, DrillStatus::NotExercised);
        assert_eq!(circuit_breaker(&outage_run(&[], Some(15_100))).status, DrillStatus::NotExercised);
        // A first failure with less than a second of outage left to watch.
        assert_eq!(circuit_breaker(&outage_run(&[13_500], Some(15_100))).status, DrillStatus::NotExercised);
    }
}
