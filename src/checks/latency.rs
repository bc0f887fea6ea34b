//! `latency`: round-trip time of `GET /user` over several samples taken
//! concurrently (the auth request is the first), reported as p50, p95 and
//! max.
//!
//! Failed samples are counted and shown, never dropped: a run where some
//! requests fail is at least WARN, and one where all fail cannot measure
//! latency at all (ERROR).

use crate::message;
use std::time::Duration;

use super::api_error::{is_unreachable, note_attempts};
use super::{CheckId, Message, Outcome, Status};
use crate::config::CheckConfig;
use crate::duration::human;
use crate::evidence::Evidence;

const ID: CheckId = CheckId::Latency;

/// Nearest-rank percentile of sorted samples (`p` in 0..=100). With three
/// samples p50 is the middle one and p95 the slowest.
pub fn percentile(sorted: &[Duration], p: f64) -> Option<Duration> {
    if sorted.is_empty() {
        return None;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted.get(rank.clamp(1, sorted.len()) - 1).copied()
}

/// Evaluates the `/user` samples against the thresholds.
pub fn evaluate(evidence: &Evidence, cfg: &CheckConfig) -> Outcome {
    let samples = &evidence.user;
    if samples.is_empty() {
        return Outcome::new(ID, Status::Error, "no GET /user samples were gathered");
    }
    let mut good: Vec<Duration> = samples.iter().filter(|p| p.result.is_ok()).map(|p| p.elapsed).collect();
    good.sort();
    let failures: Vec<Message> =
        samples.iter().filter_map(|p| p.result.as_ref().err().map(|e| message!("{}", e))).collect();
    let slowest = samples.iter().map(|p| p.elapsed).max().unwrap_or_default();
    let (Some(p50), Some(p95), Some(max)) = (percentile(&good, 50.0), percentile(&good, 95.0), good.last().copied())
    else {
        let first = failures.first().cloned().unwrap_or_default();
        // Every sample unanswered is an unreachable API (CRITICAL to a
        // monitor), not a measurement problem; refused ones are ERROR.
        let unreachable = samples.iter().all(|p| p.result.as_ref().err().is_some_and(is_unreachable));
        let (status, what) =
            if unreachable { (Status::Fail, "API unreachable") } else { (Status::Error, "no successful sample") };
        return Outcome::new(ID, status, message!("{}: all {} samples failed ({})", what, samples.len(), first))
            .metric("samples", samples.len() as f64)
            .metric("failed", failures.len() as f64)
            .took(slowest);
    };
    let mut summary =
        message!("p50 {}, p95 {}, max {} over {} samples", human(p50), human(p95), human(max), good.len());
    if !failures.is_empty() {
        summary.push(message!("; {} of {} failed", failures.len(), samples.len()));
    }
    let status = if p95 > cfg.latency_fail_p95 {
        Status::Fail
    } else if p95 > cfg.latency_warn || !failures.is_empty() {
        Status::Warn
    } else {
        Status::Pass
    };
    let mut o = Outcome::new(ID, status, summary)
        .metric("p50_ms", ms(p50))
        .metric("p95_ms", ms(p95))
        .metric("max_ms", ms(max))
        .metric("samples", samples.len() as f64)
        .metric("failed", failures.len() as f64)
        .metric("p95_warn_ms", ms(cfg.latency_warn))
        .metric("p95_fail_ms", ms(cfg.latency_fail_p95))
        .took(slowest);
    o.details = failures.into_iter().map(|f| message!("failed sample: {}", f)).collect();
    let o = note_attempts(o, samples);
    match status {
        Status::Fail => o.hint(message!("p95 is above {}: check ClickUp's status, the network path from this host, and whether requests queue behind the rate limit", human(cfg.latency_fail_p95))),
        Status::Warn if p95 > cfg.latency_warn => o.hint(message!("p95 is above {}: watch it; the P2 alert fires above {}", human(cfg.latency_warn), human(cfg.latency_fail_p95))),
        Status::Warn => o.hint("some samples failed: see the details; retries with backoff hide this from users but not from the budget"),
        _ => o,
    }
}

fn ms(d: Duration) -> f64 {
    (d.as_secs_f64() * 1000.0).round()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::client::{ApiError, User};
    use crate::evidence::Probe;

    fn sample(ms: u64, ok: bool) -> Probe<User> {
        let result = if ok {
            Ok(User { id: 1, username: None, email: None })
        } else {
            Err(ApiError::Http { endpoint: "GET /user".into(), status: 503, ecode: None, err: None })
        };
        Probe { result, elapsed: Duration::from_millis(ms), rate_limit: Default::default(), attempts: 1 }
    }

    fn run(samples: Vec<Probe<User>>) -> Outcome {
        evaluate(&Evidence { user: samples, ..Evidence::default() }, &CheckConfig::default())
    }

    #[test]
    fn nearest_rank_percentiles() {
        let d = |ms: &[u64]| ms.iter().map(|&m| Duration::from_millis(m)).collect::<Vec<_>>();
        assert_eq!(percentile(&d(&[10, 20, 30]), 50.0), Some(Duration::from_millis(20)));
        assert_eq!(percentile(&d(&[10, 20, 30]), 95.0), Some(Duration::from_millis(30)));
        assert_eq!(percentile(&d(&[10]), 95.0), Some(Duration::from_millis(10)));
        let hundred: Vec<u64> = (1..=100).collect();
        assert_eq!(percentile(&d(&hundred), 95.0), Some(Duration::from_millis(95)));
        assert_eq!(percentile(&[], 50.0), None);
    }

    #[test]
    fn fast_samples_pass_with_metrics() {
        let o = run(vec![sample(120, true), sample(80, true), sample(100, true)]);
        assert_eq!(o.status, Status::Pass);
        assert_eq!(o.summary, "p50 100ms, p95 120ms, max 120ms over 3 samples");
        assert!(o.metrics.iter().any(|m| m.name == "p95_ms" && m.value == 120.0));
    }

    #[test]
    fn thresholds_are_strictly_above() {
        assert_eq!(run(vec![sample(2000, true)]).status, Status::Pass);
        assert_eq!(run(vec![sample(2001, true)]).status, Status::Warn);
        assert_eq!(run(vec![sample(3000, true)]).status, Status::Warn);
        assert_eq!(run(vec![sample(3001, true)]).status, Status::Fail);
    }

    #[test]
    fn failed_samples_are_counted_and_shown() {
        let o = run(vec![sample(100, true), sample(100, true), sample(50, false)]);
        assert_eq!(o.status, Status::Warn);
        assert!(o.summary.ends_with("1 of 3 failed"), "{}", o.summary);
        assert_eq!(o.details.len(), 1);
        assert!(o.details[0].contains("HTTP 503"));
    }

    #[test]
    fn all_failed_is_never_a_pass() {
        let o = run(vec![sample(10, false), sample(10, false)]);
        assert_eq!(o.status, Status::Fail, "every sample got a 503: the API is unreachable");
        assert!(o.summary.starts_with("API unreachable: all 2 samples failed"), "{}", o.summary);
        let refused = Probe {
            result: Err(ApiError::Http { endpoint: "GET /user".into(), status: 401, ecode: None, err: None }),
            elapsed: Duration::from_millis(5),
            rate_limit: Default::default(),
            attempts: 1,
        };
        let o = run(vec![refused.clone(), sample(10, false)]);
        assert_eq!(o.status, Status::Error, "a refused token makes latency unmeasurable, not unreachable");
        assert!(o.summary.starts_with("no successful sample: all 2 samples failed"), "{}", o.summary);
        assert_eq!(run(vec![]).status, Status::Error);
    }

    #[test]
    fn thresholds_come_from_config() {
        let cfg = CheckConfig {
            latency_warn: Duration::from_millis(50),
            latency_fail_p95: Duration::from_millis(90),
            ..CheckConfig::default()
        };
        let ev = Evidence { user: vec![sample(60, true)], ..Evidence::default() };
        assert_eq!(evaluate(&ev, &cfg).status, Status::Warn);
        let ev = Evidence { user: vec![sample(91, true)], ..Evidence::default() };
        assert_eq!(evaluate(&ev, &cfg).status, Status::Fail);
    }
}
