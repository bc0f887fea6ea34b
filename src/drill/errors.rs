//! Judges of the "Error Handling" items: what the integration does after
//! a 401, a 429, a 5xx and during an outage.

use std::collections::HashMap;
use std::time::Duration;

use super::journal::{CommandExit, Fault, HealthPoll, Journal, JournalEntry, Phase, PhaseKind, TokenUsed};
use super::verdict::{DrillStatus, ItemVerdict};
use super::{cite, gaps, retry_chains};
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
const CITED: usize = 3;

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
    let mut evidence = Vec::new();
    let (mut failed, mut handled, mut unseen) = (Vec::new(), Vec::new(), Vec::new());
    for (name, outcome) in rules {
        match outcome {
            None => unseen.push(name),
            Some(violations) if violations.is_empty() => handled.push(name),
            Some(violations) => {
                failed.push(name);
                evidence.extend(violations);
            }
        }
    }
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

/// Requests on a rate-limited token before its reset; `None` if no 429.
fn early_requests(entries: &[JournalEntry]) -> Option<Vec<Message>> {
    let limited: Vec<(&JournalEntry, Duration)> =
        entries.iter().filter(|e| e.status == Some(429)).filter_map(|e| Some((e, e.fault.reset()?))).collect();
    if limited.is_empty() {
        return None;
    }
    let mut early: Vec<(&JournalEntry, &JournalEntry, Duration)> = Vec::new();
    for entry in entries {
        let broke = limited.iter().find(|(l, reset)| {
            let after = entry.at > l.at && (entry.same_request(l) || entry.at >= l.at + IN_FLIGHT_GRACE);
            after && entry.at < *reset && entry.token == l.token && entry.token != TokenUsed::Missing
        });
        if let Some((l, reset)) = broke {
            early.push((entry, l, *reset));
        }
    }
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

/// 401s retried too often or a refused token hammered; `None` if no 401.
fn auth_violations(entries: &[JournalEntry]) -> Option<Vec<Message>> {
    if !entries.iter().any(|e| e.status == Some(401)) {
        return None;
    }
    let mut in_a_row: HashMap<(super::journal::Method, &str, TokenUsed), usize> = HashMap::new();
    let mut per_token: HashMap<TokenUsed, usize> = HashMap::new();
    let mut lines = Vec::new();
    for e in entries {
        let count = in_a_row.entry((e.method, e.path.as_str(), e.token)).or_default();
        if e.status == Some(401) {
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

/// Gaps shorter than this everywhere in a chain: immediate retries.
pub const IMMEDIATE: Duration = Duration::from_millis(100);

/// Two gaps in a row shorter than this are a burst of immediate retries,
/// whatever comes later in the chain: full jitter draws two such gaps in a
/// row about once in a thousand chains, and a client that retries at once
/// and gives up, then starts the same request again later, would otherwise
/// read as one growing chain.
pub const BURST: Duration = Duration::from_millis(10);
/// Timing noise a gap may carry on a loaded machine, whatever its length.
pub const GAP_NOISE: Duration = Duration::from_millis(25);
/// Gaps within this share of their median (or [`GAP_NOISE`]) are constant.
pub const CONSTANT_SHARE: f64 = 0.10;
/// Gaps within this share of a geometric series (or [`GAP_NOISE`]) have no jitter.
pub const GEOMETRIC_SHARE: f64 = 0.05;
/// The envelope grows when a later gap reaches this multiple of the first.
pub const GROWTH: f64 = 1.5;

/// How one retry chain's gaps look.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Backoff {
    /// Every gap under [`IMMEDIATE`].
    Immediate,
    /// Every gap about the median.
    Constant,
    /// The envelope never grows to [`GROWTH`] times the first gap.
    NotGrowing,
    /// An exact geometric series: exponential without jitter.
    NoJitter,
    /// Two gaps that grow: too few to tell jitter.
    TooShort,
    /// A growing envelope, gaps off any exact series: exponential with jitter.
    Jittered,
    /// The same gaps as a chain that started together: no jitter.
    Lockstep,
}

fn within(gap: Duration, expected: f64, share: f64) -> bool {
    (gap.as_secs_f64() - expected).abs() <= GAP_NOISE.as_secs_f64().max(expected * share)
}

fn classify(gaps: &[Duration]) -> Backoff {
    let secs: Vec<f64> = gaps.iter().map(Duration::as_secs_f64).collect();
    let mut sorted = gaps.to_vec();
    sorted.sort();
    let median = sorted[sorted.len() / 2].as_secs_f64();
    let first = secs[0];
    if sorted.last().is_some_and(|max| *max < IMMEDIATE) || gaps.windows(2).any(|w| w[0] < BURST && w[1] < BURST) {
        Backoff::Immediate
    } else if gaps.iter().all(|g| within(*g, median, CONSTANT_SHARE)) {
        Backoff::Constant
    } else if gaps.len() < 3 {
        // Full jitter draws a second gap under 1.5 times the first in 3 of
        // 8 chains: two gaps cannot tell a flat schedule from a jittered one.
        Backoff::TooShort
    } else if secs[1..].iter().all(|g| *g < GROWTH * first) {
        Backoff::NotGrowing
    } else if let Some((start, ratio)) = geometric_fit(&secs)
        && ratio >= GROWTH
        && gaps.iter().enumerate().all(|(i, g)| within(*g, start * ratio.powi(i as i32), GEOMETRIC_SHARE))
    {
        Backoff::NoJitter
    } else {
        Backoff::Jittered
    }
}

/// The geometric series `start * ratio^i` nearest the gaps (least squares
/// over their logarithms), so one late first retry on a loaded machine does
/// not bend the whole series, as a fit through the first and last gap did.
/// `None` when a gap is zero (no logarithm).
fn geometric_fit(secs: &[f64]) -> Option<(f64, f64)> {
    if secs.iter().any(|g| *g <= 0.0) {
        return None;
    }
    let n = secs.len() as f64;
    let logs: Vec<f64> = secs.iter().map(|g| g.ln()).collect();
    let mean_x = (n - 1.0) / 2.0;
    let mean_y = logs.iter().sum::<f64>() / n;
    let (mut num, mut den) = (0.0, 0.0);
    for (i, y) in logs.iter().enumerate() {
        let dx = i as f64 - mean_x;
        num += dx * (y - mean_y);
        den += dx * dx;
    }
    let slope = if den > 0.0 { num / den } else { 0.0 };
    Some(((mean_y - slope * mean_x).exp(), slope.exp()))
}

/// Chains whose first attempts are this close started together.
pub const TOGETHER: Duration = Duration::from_millis(50);

/// Whether two chains' gaps match, each within [`GAP_NOISE`].
fn in_lockstep(a: &[Duration], b: &[Duration]) -> bool {
    a.iter().zip(b).all(|(x, y)| x.abs_diff(*y) <= GAP_NOISE)
}

/// A chain's verdict refined by the chains that started with it: the same
/// gaps as one of them is lockstep; different gaps show jitter even in a
/// chain too short to show it alone. Failing chains stay failing.
fn compare_started_together(kinds: &mut [Backoff], chains: &[Vec<&JournalEntry>]) {
    let gap_lists: Vec<Vec<Duration>> = chains.iter().map(|c| gaps(c)).collect();
    for i in 0..chains.len() {
        if !matches!(kinds[i], Backoff::TooShort | Backoff::Jittered | Backoff::NoJitter) {
            continue;
        }
        let partners: Vec<usize> =
            (0..chains.len()).filter(|&j| j != i && chains[j][0].at.abs_diff(chains[i][0].at) <= TOGETHER).collect();
        if partners.iter().any(|&j| in_lockstep(&gap_lists[i], &gap_lists[j])) {
            kinds[i] = Backoff::Lockstep;
        } else if !partners.is_empty() && kinds[i] == Backoff::TooShort {
            kinds[i] = Backoff::Jittered;
        }
    }
}

/// Whether a chain waited for a 429's reset somewhere: its pace is the
/// server's, judged by `handles-401-429-500`, not a backoff of its own.
fn paced_by_reset(chain: &[&JournalEntry]) -> bool {
    chain.windows(2).any(|pair| pair[0].fault.reset().is_some_and(|reset| pair[1].at >= reset))
}

/// `backoff-with-jitter`: retry chains of at least three attempts (two
/// gaps) that did not wait for a 429's reset, judged on their envelope. Any
/// chain whose gaps are all under [`IMMEDIATE`] or about constant
/// ([`CONSTANT_SHARE`]) fails; chains of three gaps or more that never reach
/// [`GROWTH`] times the first gap fail when they are at least half of such
/// chains (full jitter draws the odd flat one); an exact geometric series
/// ([`GEOMETRIC_SHARE`] of a least-squares fit, ratio at least [`GROWTH`])
/// warns "no jitter"; chains of two gaps cannot show jitter or growth and
/// warn. Chains whose first attempts are within [`TOGETHER`] are compared:
/// gaps that match (each within [`GAP_NOISE`]) are lockstep and warn "no
/// jitter"; gaps that differ show jitter even in chains of two gaps.
pub fn backoff_with_jitter(journal: &Journal) -> ItemVerdict {
    let chains: Vec<Vec<&JournalEntry>> =
        retry_chains(&journal.entries).into_iter().filter(|chain| chain.len() >= 3 && !paced_by_reset(chain)).collect();
    let id = "backoff-with-jitter";
    if chains.is_empty() {
        let summary = message!("no request was retried twice without a reset to wait for: no backoff to judge");
        return ItemVerdict { id, status: DrillStatus::NotExercised, summary, evidence: Vec::new() };
    }
    let mut kinds: Vec<Backoff> = chains.iter().map(|c| classify(&gaps(c))).collect();
    compare_started_together(&mut kinds, &chains);
    let judged: Vec<(Backoff, &Vec<&JournalEntry>)> = kinds.into_iter().zip(&chains).collect();
    let worst = |kinds: &[Backoff]| judged.iter().find(|(b, _)| kinds.contains(b));
    let evidence = judged
        .iter()
        .filter(|(b, _)| *b != Backoff::Jittered)
        .take(CITED)
        .chain(judged.iter().filter(|(b, _)| *b == Backoff::Jittered).take(1))
        .map(|(b, chain)| {
            let gap_list = Message::join(gaps(chain).into_iter().map(human), ", ");
            message!("{} retried with gaps {} ({})", cite(chain[0]), gap_list, describe(*b))
        })
        .collect();
    // Full jitter leaves about one chain of three gaps in ten flat: a flat
    // chain fails the item only when at least half the long chains are.
    let long = judged.iter().filter(|(_, chain)| chain.len() >= 4).count();
    let flat = judged.iter().filter(|(b, _)| *b == Backoff::NotGrowing).count();
    let failing: &[Backoff] = if flat * 2 >= long {
        &[Backoff::Immediate, Backoff::Constant, Backoff::NotGrowing]
    } else {
        &[Backoff::Immediate, Backoff::Constant]
    };
    let (status, summary) = if let Some((b, _)) = worst(failing) {
        (DrillStatus::Fail, message!("retries are not exponential: {}", describe(*b)))
    } else if worst(&[Backoff::NoJitter, Backoff::Lockstep]).is_some() {
        (DrillStatus::Warn, message!("exponential backoff with no jitter"))
    } else if worst(&[Backoff::TooShort]).is_some() && worst(&[Backoff::Jittered]).is_none() {
        (DrillStatus::Warn, message!("retries back off, but no chain was long enough to show jitter"))
    } else {
        (DrillStatus::Pass, message!("{} retry chains back off exponentially with jitter", judged.len()))
    };
    ItemVerdict { id, status, summary, evidence }
}

fn describe(backoff: Backoff) -> &'static str {
    match backoff {
        Backoff::Immediate => "immediate retries",
        Backoff::Constant => "constant gaps",
        Backoff::NotGrowing => "gaps do not grow",
        Backoff::NoJitter => "exact geometric series: no jitter",
        Backoff::TooShort => "grows; too short to show jitter",
        Backoff::Jittered => "growing envelope with jitter",
        Backoff::Lockstep => "same gaps as a chain that started with it: no jitter",
    }
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

    // backoff-with-jitter

    fn backoff(gaps: &[u64]) -> ItemVerdict {
        backoff_with_jitter(&journal(chain(1000, "/list/1/task", 503, gaps)))
    }

    #[test]
    fn a_full_jitter_chain_whose_single_gaps_shrink_passes() {
        let v = backoff(&[300, 120, 900, 600]);
        assert_eq!(v.status, DrillStatus::Pass, "{v:?}");
    }

    #[test]
    fn bursts_of_immediate_retries_fail_even_when_later_jobs_lengthen_the_chain() {
        // Three attempts at once, a later job asking again, three at once:
        // recorded against the world, this read as a growing chain.
        let v = backoff(&[1, 1, 1, 207, 1, 1, 1, 231]);
        assert_eq!(v.status, DrillStatus::Fail, "{v:?}");
        // One short gap alone is what full jitter draws; it still passes.
        assert_eq!(backoff(&[300, 5, 900, 600]).status, DrillStatus::Pass);
    }

    #[test]
    fn a_geometric_series_without_jitter_warns() {
        let v = backoff(&[100, 200, 400, 800]);
        assert_eq!(v.status, DrillStatus::Warn, "{v:?}");
        assert!(v.summary.contains("no jitter"));
        // Server-side timing noise within 25ms does not count as jitter.
        assert_eq!(backoff(&[110, 190, 420, 790]).status, DrillStatus::Warn);
        // A little more does.
        assert_eq!(backoff(&[100, 260, 400, 800]).status, DrillStatus::Pass);
    }

    #[test]
    fn immediate_and_constant_retries_fail() {
        let v = backoff(&[10, 20, 40, 80]);
        assert_eq!(v.status, DrillStatus::Fail);
        assert!(v.summary.contains("immediate"), "{}", v.summary);
        let v = backoff(&[500, 520, 480, 500]);
        assert_eq!(v.status, DrillStatus::Fail);
        assert!(v.summary.contains("constant"), "{}", v.summary);
    }

    #[test]
    fn an_envelope_that_never_reaches_half_again_the_first_gap_fails() {
        assert_eq!(backoff(&[1000, 300, 1400, 700]).status, DrillStatus::Fail);
        assert_eq!(backoff(&[1000, 300, 1500, 700]).status, DrillStatus::Pass);
    }

    #[test]
    fn a_doubling_series_with_a_late_first_retry_still_has_no_jitter() {
        // Recorded on a loaded machine: 500 ms, 1 s, 2 s, 4 s, the first
        // retry 67 ms late. A fit through the first and last gap passed it.
        let v = backoff(&[567, 1010, 2000, 4000]);
        assert_eq!(v.status, DrillStatus::Warn, "{v:?}");
        assert!(v.summary.contains("no jitter"));
    }

    #[test]
    fn one_flat_chain_among_jittered_ones_is_what_full_jitter_draws() {
        let mut entries = chain(1000, "/list/1/task", 503, &[300, 120, 900, 600]);
        entries.extend(chain(20_000, "/list/2/task", 503, &[400, 1300, 700]));
        entries.extend(chain(40_000, "/list/3/task", 503, &[900, 200, 1100]));
        entries.extend(chain(60_000, "/list/4/task", 503, &[150, 800, 1900]));
        let v = backoff_with_jitter(&journal(entries.clone()));
        assert_eq!(v.status, DrillStatus::Pass, "{v:?}");
        // Flat chains as many as the others: the schedule does not grow.
        entries.extend(chain(80_000, "/list/5/task", 503, &[1000, 300, 700]));
        entries.extend(chain(90_000, "/list/6/task", 503, &[800, 900, 600]));
        let v = backoff_with_jitter(&journal(entries));
        assert_eq!(v.status, DrillStatus::Fail, "{v:?}");
    }

    #[test]
    fn two_gaps_cannot_show_jitter_and_one_is_not_a_chain() {
        assert_eq!(backoff(&[200, 500]).status, DrillStatus::Warn);
        assert_eq!(backoff(&[500, 200]).status, DrillStatus::Warn, "full jitter shrinks 3 chains in 8");
        assert_eq!(backoff(&[200]).status, DrillStatus::NotExercised);
    }

    #[test]
    fn waiting_for_a_reset_is_not_judged_as_backoff() {
        let entries = vec![
            rate_limited(0, "/team", 1000),
            rate_limited(1000, "/team", 2000),
            rate_limited(2000, "/team", 3000),
            get(3000, "/team", 200),
        ];
        assert_eq!(backoff_with_jitter(&journal(entries)).status, DrillStatus::NotExercised);
    }

    fn together(second_start: u64, first: &[u64], second: &[u64]) -> ItemVerdict {
        let mut entries = chain(1000, "/list/1/task", 503, first);
        entries.extend(chain(1000 + second_start, "/list/2/task", 503, second));
        backoff_with_jitter(&journal(entries))
    }

    #[test]
    fn chains_that_start_together_and_retry_in_lockstep_have_no_jitter() {
        let v = together(20, &[200, 500], &[210, 520]);
        assert_eq!(v.status, DrillStatus::Warn, "{v:?}");
        assert!(v.summary.contains("no jitter"));
        // Off a geometric series alone, but the same schedule in both: still no jitter.
        assert_eq!(together(50, &[300, 120, 900, 600], &[300, 120, 900, 600]).status, DrillStatus::Warn);
    }

    #[test]
    fn chains_that_start_together_and_drift_apart_show_jitter() {
        assert_eq!(together(20, &[200, 500], &[80, 900]).status, DrillStatus::Pass);
        // Started apart: each chain judged alone, too short to show jitter.
        assert_eq!(together(51, &[200, 500], &[80, 900]).status, DrillStatus::Warn);
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
