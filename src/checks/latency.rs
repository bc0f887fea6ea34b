//! `latency`: round-trip time of every request the run made to the API
//! (`/user`, `/team`, `/team/{id}/webhook`), one sample per attempt, reported
//! as p50, p95 and max per endpoint and overall. The verdict is over the
//! overall p95, so timing costs no request of its own.
//!
//! Failed samples are counted and shown, never dropped: a run where some
//! requests fail is at least WARN, and one where all fail cannot measure
//! latency at all (ERROR, or FAIL when the API never answered). Nearest-rank
//! p95 is the slowest sample below 20 samples; with 1 or 2 the summary says
//! that the p95 is only their max.

use std::collections::BTreeMap;
use std::time::Duration;

use super::api_error::{API_UNREACHABLE, is_unreachable};
use super::{Bounds, CheckId, EVIDENCE_MISSING, FindingCode, Message, MetricKey, Needs, Outcome, Status, Threshold};
use crate::duration::human;
use crate::evidence::{ApiSample, Evidence};
use crate::message;

const ID: CheckId = CheckId::Latency;

/// Samples below this many make a p95 that is merely the max worth saying.
const FEW_SAMPLES: usize = 3;

/// Nearest-rank percentile of sorted samples (`p` in 0..=100). Below 20
/// samples p95 is the slowest one.
pub fn percentile(sorted: &[Duration], p: f64) -> Option<Duration> {
    if sorted.is_empty() {
        return None;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted.get(rank.clamp(1, sorted.len()) - 1).copied()
}

/// The percentiles of one set of samples (an endpoint's, or all of them):
/// failed samples are excluded from the times and counted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Spread {
    /// Samples in all, failed included.
    pub samples: usize,
    /// Samples that gave no usable answer.
    pub failed: usize,
    /// p50, p95 and max of the answered samples; `None` when none answered.
    pub quantiles: Option<Quantiles>,
}

/// Nearest-rank p50, p95 and max.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Quantiles {
    /// Median.
    pub p50: Duration,
    /// 95th percentile: the verdict's measure.
    pub p95: Duration,
    /// Slowest.
    pub max: Duration,
}

impl Spread {
    /// Summarises `samples`.
    pub fn of<'a>(samples: impl IntoIterator<Item = &'a ApiSample>) -> Spread {
        let (mut answered, mut failed, mut total) = (Vec::new(), 0, 0);
        for sample in samples {
            total += 1;
            match sample.error {
                None => answered.push(sample.elapsed),
                Some(_) => failed += 1,
            }
        }
        answered.sort();
        let quantiles = match (percentile(&answered, 50.0), percentile(&answered, 95.0), answered.last()) {
            (Some(p50), Some(p95), Some(&max)) => Some(Quantiles { p50, p95, max }),
            _ => None,
        };
        Spread { samples: total, failed, quantiles }
    }

    /// `p50 …, p95 …, max … over N samples`, saying when there are too few
    /// for the p95 to be more than the max, and how many failed.
    fn describe(&self) -> Message {
        let answered = self.samples - self.failed;
        let Some(q) = self.quantiles else {
            return message!("no answered sample of {}", self.samples);
        };
        let unit = if answered == 1 { "sample" } else { "samples" };
        let mut text =
            message!("p50 {}, p95 {}, max {} over {} {}", human(q.p50), human(q.p95), human(q.max), answered, unit);
        if answered < FEW_SAMPLES {
            text.push(message!(" (p95 of {} is just the max)", answered));
        }
        if self.failed > 0 {
            text.push(message!("; {} of {} failed", self.failed, self.samples));
        }
        text
    }
}

/// p95 above `latency.warn` (WARN) or `latency.fail_p95` (FAIL).
pub const LATENCY_HIGH: FindingCode = "latency-high";
/// Some API requests failed (WARN).
pub const FAILED_SAMPLES: FindingCode = "failed-samples";
/// Every request failed, none unreachable: nothing could be timed (ERROR).
pub const NO_SUCCESSFUL_SAMPLE: FindingCode = "no-successful-sample";

/// Every finding code `latency` reports (public API); `api-unreachable`
/// when every request went unanswered.
pub const CODES: &[FindingCode] =
    &[EVIDENCE_MISSING, LATENCY_HIGH, FAILED_SAMPLES, NO_SUCCESSFUL_SAMPLE, API_UNREACHABLE];

/// `[latency]`, validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// WARN when p95 is above this (the seed script's 2 s).
    pub warn_above: Duration,
    /// FAIL when p95 is above this (the alert table's P2 at 3 s); never
    /// below `warn_above`.
    pub fail_p95_above: Duration,
    /// `GET /user` requests, the auth request included (1 to 20): 1, the
    /// default, sends no extra request, since every request the run makes
    /// is a sample; more are an explicit choice that costs the window.
    pub samples: usize,
}

impl Default for Config {
    fn default() -> Self {
        Config { warn_above: Duration::from_secs(2), fail_p95_above: Duration::from_secs(3), samples: 1 }
    }
}

/// `samples` `GET /user` requests; every other request the run makes is
/// timed too, so latency asks for nothing else but waits on them all.
pub fn needs(cfg: &Config) -> Needs {
    Needs { user_samples: cfg.samples, api_timings: true, ..Needs::NONE }
}

/// Evaluates every API request's time against the thresholds.
pub fn evaluate(evidence: &Evidence, cfg: &Config) -> Outcome {
    let samples = &evidence.api_samples;
    if samples.is_empty() {
        return Outcome::new(ID, Status::Error, "no API request was made, so none could be timed")
            .found(EVIDENCE_MISSING);
    }
    let overall = Spread::of(samples);
    let failures: Vec<Message> = samples.iter().filter_map(|s| s.error.as_ref().map(|e| message!("{}", e))).collect();
    let slowest = samples.iter().map(|s| s.elapsed).max().unwrap_or_default();
    let Some(q) = overall.quantiles else {
        let first = failures.first().cloned().unwrap_or_default();
        // Every sample unanswered is an unreachable API (CRITICAL to a
        // monitor), not a measurement problem; refused ones are ERROR.
        let unreachable = samples.iter().all(|s| s.error.as_ref().is_some_and(is_unreachable));
        let (status, what, code) = if unreachable {
            (Status::Fail, "API unreachable", API_UNREACHABLE)
        } else {
            (Status::Error, "no successful sample", NO_SUCCESSFUL_SAMPLE)
        };
        let o = Outcome::new(ID, status, message!("{}: all {} samples failed ({})", what, samples.len(), first))
            .found(code)
            .metric(MetricKey::Samples, samples.len() as f64)
            .metric(MetricKey::Failed, failures.len() as f64)
            .metric(MetricKey::Attempts, samples.len() as f64)
            .took(slowest);
        // Still counted per endpoint: a monitor's error rate is failed over
        // samples, and an outage must read as 100% errors, not no traffic.
        return per_endpoint(samples).iter().fold(o, |o, (endpoint, spread)| counted(o, endpoint, spread));
    };
    let status = if q.p95 > cfg.fail_p95_above {
        Status::Fail
    } else if q.p95 > cfg.warn_above || overall.failed > 0 {
        Status::Warn
    } else {
        Status::Pass
    };
    // The verdict's thresholds, drawn on the median's graph too so that a
    // monitor shows how far below them typical requests are.
    let bounds = Bounds {
        warn: Some(Threshold::Above(ms(cfg.warn_above))),
        fail: Some(Threshold::Above(ms(cfg.fail_p95_above))),
        ..Bounds::default()
    };
    let mut o = Outcome::new(ID, status, overall.describe())
        .bounded_metric(MetricKey::P50Ms, ms(q.p50), bounds)
        .bounded_metric(MetricKey::P95Ms, ms(q.p95), bounds)
        .metric(MetricKey::MaxMs, ms(q.max))
        .metric(MetricKey::Samples, samples.len() as f64)
        .metric(MetricKey::Failed, failures.len() as f64)
        // Each sample is one request sent: retries are samples of their own.
        .metric(MetricKey::Attempts, samples.len() as f64)
        .took(slowest);
    for (endpoint, spread) in per_endpoint(samples) {
        o = o.detail(message!("{}: {}", endpoint, spread.describe()));
        if let Some(q) = spread.quantiles {
            o = o
                .labelled_metric(MetricKey::EndpointP50Ms, endpoint, ms(q.p50))
                .labelled_metric(MetricKey::EndpointP95Ms, endpoint, ms(q.p95))
                .labelled_metric(MetricKey::EndpointMaxMs, endpoint, ms(q.max));
        }
        o = counted(o, endpoint, &spread);
    }
    if q.p95 > cfg.warn_above {
        let (level, limit) = if q.p95 > cfg.fail_p95_above {
            (Status::Fail, cfg.fail_p95_above)
        } else {
            (Status::Warn, cfg.warn_above)
        };
        o = o.finding(LATENCY_HIGH, level, message!("p95 {} is above {}", human(q.p95), human(limit)));
    }
    if overall.failed > 0 {
        o = o.finding(FAILED_SAMPLES, Status::Warn, message!("{} of {} samples failed", overall.failed, samples.len()));
    }
    o.details.extend(failures.into_iter().map(|f| message!("failed sample: {}", f)));
    match status {
        Status::Fail => o.hint(message!("p95 is above {}: check ClickUp's status, the network path from this host, and whether requests queue behind the rate limit", human(cfg.fail_p95_above))),
        Status::Warn if q.p95 > cfg.warn_above => o.hint(message!("p95 is above {}: watch it; the P2 alert fires above {}", human(cfg.warn_above), human(cfg.fail_p95_above))),
        Status::Warn => o.hint("some samples failed: see the details; retries with backoff hide this from users but not from the budget"),
        _ => o,
    }
}

/// Each endpoint's spread, in a stable order (by endpoint).
fn per_endpoint(samples: &[ApiSample]) -> BTreeMap<&'static str, Spread> {
    let mut groups: BTreeMap<&'static str, Vec<&ApiSample>> = BTreeMap::new();
    for sample in samples {
        groups.entry(sample.endpoint).or_default().push(sample);
    }
    groups.into_iter().map(|(endpoint, group)| (endpoint, Spread::of(group))).collect()
}

/// One endpoint's sample and failure counts, as labelled metrics.
fn counted(o: Outcome, endpoint: &'static str, spread: &Spread) -> Outcome {
    o.labelled_metric(MetricKey::EndpointSamples, endpoint, spread.samples as f64).labelled_metric(
        MetricKey::EndpointFailed,
        endpoint,
        spread.failed as f64,
    )
}

fn ms(d: Duration) -> f64 {
    (d.as_secs_f64() * 1000.0).round()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::client::ApiError;

    fn at(endpoint: &'static str, ms: u64, ok: bool) -> ApiSample {
        let error =
            (!ok).then(|| ApiError::Http { endpoint: format!("GET {endpoint}"), status: 503, ecode: None, err: None });
        ApiSample { endpoint, elapsed: Duration::from_millis(ms), error }
    }

    fn sample(ms: u64, ok: bool) -> ApiSample {
        at("/user", ms, ok)
    }

    fn run(samples: Vec<ApiSample>) -> Outcome {
        evaluate(&Evidence { api_samples: samples, ..Evidence::default() }, &Config::default())
    }

    fn metric(o: &Outcome, key: MetricKey, endpoint: Option<&str>) -> Option<f64> {
        o.metrics.iter().find(|m| m.key == key && m.label.as_deref() == endpoint).map(|m| m.value)
    }

    fn ms_list(ms: &[u64]) -> Vec<Duration> {
        ms.iter().map(|&m| Duration::from_millis(m)).collect()
    }

    #[test]
    fn nearest_rank_percentiles() {
        let d = ms_list;
        assert_eq!(percentile(&d(&[10, 20, 30]), 50.0), Some(Duration::from_millis(20)));
        assert_eq!(percentile(&d(&[10, 20, 30]), 95.0), Some(Duration::from_millis(30)));
        assert_eq!(percentile(&d(&[10]), 95.0), Some(Duration::from_millis(10)));
        let hundred: Vec<u64> = (1..=100).collect();
        assert_eq!(percentile(&d(&hundred), 95.0), Some(Duration::from_millis(95)));
        assert_eq!(percentile(&[], 50.0), None);
    }

    #[test]
    fn one_sample_is_every_quantile() {
        let spread = Spread::of(&[at("/team", 40, true)]);
        let q = spread.quantiles.expect("one answered sample");
        assert_eq!(
            (q.p50, q.p95, q.max),
            (Duration::from_millis(40), Duration::from_millis(40), Duration::from_millis(40))
        );
        assert_eq!((spread.samples, spread.failed), (1, 0));
        assert_eq!(spread.describe(), "p50 40ms, p95 40ms, max 40ms over 1 sample (p95 of 1 is just the max)");
    }

    #[test]
    fn two_samples_have_the_lower_as_p50_and_the_max_as_p95() {
        let spread = Spread::of(&[at("/team", 90, true), at("/team", 30, true)]);
        let q = spread.quantiles.expect("answered");
        assert_eq!(
            (q.p50, q.p95, q.max),
            (Duration::from_millis(30), Duration::from_millis(90), Duration::from_millis(90))
        );
        assert!(spread.describe().ends_with("over 2 samples (p95 of 2 is just the max)"), "{}", spread.describe());
        let three = Spread::of(&[at("/team", 1, true), at("/team", 2, true), at("/team", 3, true)]);
        assert!(!three.describe().contains("just the max"), "{}", three.describe());
    }

    #[test]
    fn twenty_samples_are_the_first_whose_p95_is_not_the_max() {
        let nineteen: Vec<ApiSample> = (1..=19).map(|i| at("/user", i * 10, true)).collect();
        let q = Spread::of(&nineteen).quantiles.expect("answered");
        assert_eq!(
            (q.p50, q.p95, q.max),
            (Duration::from_millis(100), Duration::from_millis(190), Duration::from_millis(190))
        );
        let twenty: Vec<ApiSample> = (1..=20).map(|i| at("/user", i * 10, true)).collect();
        let q = Spread::of(&twenty).quantiles.expect("answered");
        assert_eq!(
            (q.p50, q.p95, q.max),
            (Duration::from_millis(100), Duration::from_millis(190), Duration::from_millis(200))
        );
    }

    #[test]
    fn failed_samples_are_excluded_from_the_times_and_counted() {
        let spread = Spread::of(&[at("/team", 10, true), at("/team", 5000, false), at("/team", 20, true)]);
        let q = spread.quantiles.expect("two answered");
        assert_eq!(q.max, Duration::from_millis(20), "a failed sample's time is not a latency");
        assert_eq!((spread.samples, spread.failed), (3, 1));
        assert!(spread.describe().ends_with("over 2 samples (p95 of 2 is just the max); 1 of 3 failed"));
        let none = Spread::of(&[at("/team", 10, false)]);
        assert_eq!((none.quantiles, none.samples, none.failed), (None, 1, 1));
        assert_eq!(none.describe(), "no answered sample of 1");
    }

    #[test]
    fn fast_samples_pass_with_metrics() {
        let o = run(vec![sample(120, true), sample(80, true), sample(100, true)]);
        assert_eq!(o.status, Status::Pass);
        assert_eq!(o.summary, "p50 100ms, p95 120ms, max 120ms over 3 samples");
        assert_eq!(metric(&o, MetricKey::P95Ms, None), Some(120.0));
    }

    #[test]
    fn every_endpoint_is_reported_and_the_verdict_is_over_all_of_them() {
        let o = run(vec![
            at("/user", 100, true),
            at("/team", 2500, true),
            at("/team/{id}/webhook", 50, true),
            at("/team/{id}/webhook", 70, true),
        ]);
        assert_eq!(o.status, Status::Warn, "the slow /team drives the overall p95: {}", o.summary);
        assert_eq!(o.summary, "p50 70ms, p95 2.5s, max 2.5s over 4 samples");
        assert_eq!(
            o.details,
            [
                "/team: p50 2.5s, p95 2.5s, max 2.5s over 1 sample (p95 of 1 is just the max)",
                "/team/{id}/webhook: p50 50ms, p95 70ms, max 70ms over 2 samples (p95 of 2 is just the max)",
                "/user: p50 100ms, p95 100ms, max 100ms over 1 sample (p95 of 1 is just the max)",
            ]
        );
        assert_eq!(metric(&o, MetricKey::EndpointP95Ms, Some("/team")), Some(2500.0));
        assert_eq!(metric(&o, MetricKey::EndpointP50Ms, Some("/team/{id}/webhook")), Some(50.0));
        assert_eq!(metric(&o, MetricKey::EndpointSamples, Some("/team/{id}/webhook")), Some(2.0));
        assert_eq!(metric(&o, MetricKey::EndpointMaxMs, Some("/user")), Some(100.0));
        assert_eq!(metric(&o, MetricKey::Samples, None), Some(4.0));
    }

    #[test]
    fn an_endpoint_whose_every_sample_failed_is_counted_without_times() {
        let o = run(vec![at("/user", 100, true), at("/team", 100, true), at("/team/{id}/webhook", 9, false)]);
        assert_eq!(o.status, Status::Warn);
        assert!(o.details.iter().any(|d| d == "/team/{id}/webhook: no answered sample of 1"), "{:?}", o.details);
        assert_eq!(metric(&o, MetricKey::EndpointFailed, Some("/team/{id}/webhook")), Some(1.0));
        assert_eq!(metric(&o, MetricKey::EndpointP95Ms, Some("/team/{id}/webhook")), None);
    }

    #[test]
    fn few_samples_say_so() {
        let o = run(vec![sample(30, true), at("/team", 40, true)]);
        assert_eq!(o.status, Status::Pass);
        assert_eq!(o.summary, "p50 30ms, p95 40ms, max 40ms over 2 samples (p95 of 2 is just the max)");
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
        let failed: Vec<&Message> = o.details.iter().filter(|d| d.starts_with("failed sample: ")).collect();
        assert_eq!(failed.len(), 1);
        assert!(failed[0].contains("HTTP 503"));
    }

    #[test]
    fn all_failed_is_never_a_pass() {
        let o = run(vec![sample(10, false), at("/team", 10, false)]);
        assert_eq!(o.status, Status::Fail, "every sample got a 503: the API is unreachable");
        assert!(o.summary.starts_with("API unreachable: all 2 samples failed"), "{}", o.summary);
        let refused = ApiSample {
            endpoint: "/user",
            elapsed: Duration::from_millis(5),
            error: Some(ApiError::Http { endpoint: "GET /user".into(), status: 401, ecode: None, err: None }),
        };
        let o = run(vec![refused, sample(10, false)]);
        assert_eq!(o.status, Status::Error, "a refused token makes latency unmeasurable, not unreachable");
        assert!(o.summary.starts_with("no successful sample: all 2 samples failed"), "{}", o.summary);
        let o = run(vec![]);
        assert_eq!(o.status, Status::Error);
        assert!(o.summary.contains("no API request"), "{}", o.summary);
    }

    #[test]
    fn when_every_sample_failed_each_endpoint_still_counts_its_samples_and_failures() {
        // A monitor's error rate is failed over samples per endpoint: an
        // outage that wrote neither would read as no traffic, not 100% errors.
        let o = run(vec![sample(10, false), at("/team", 10, false), at("/team", 10, false)]);
        assert_eq!(o.status, Status::Fail);
        for (endpoint, count) in [("/user", 1.0), ("/team", 2.0)] {
            assert_eq!(metric(&o, MetricKey::EndpointSamples, Some(endpoint)), Some(count), "{endpoint}");
            assert_eq!(metric(&o, MetricKey::EndpointFailed, Some(endpoint)), Some(count), "{endpoint}");
            assert_eq!(metric(&o, MetricKey::EndpointP95Ms, Some(endpoint)), None, "no answer, no time");
        }
    }

    #[test]
    fn thresholds_come_from_config() {
        let cfg =
            Config { warn_above: Duration::from_millis(50), fail_p95_above: Duration::from_millis(90), samples: 1 };
        let ev = Evidence { api_samples: vec![sample(60, true)], ..Evidence::default() };
        assert_eq!(evaluate(&ev, &cfg).status, Status::Warn);
        let ev = Evidence { api_samples: vec![sample(91, true)], ..Evidence::default() };
        assert_eq!(evaluate(&ev, &cfg).status, Status::Fail);
    }
}
