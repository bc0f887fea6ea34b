//! Run-wide politeness and resilience for the ClickUp client: retries with
//! backoff for what is transient, a circuit breaker after repeated hard
//! failures, and a request budget that leaves most of the rate-limit window
//! to the production integration sharing the token.

use std::hash::{BuildHasher, Hasher};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use super::{ApiError, ApiSample};

/// Tunables; the defaults are documented in the README.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Policy {
    /// Requests per exchange at most (1 = no retry).
    pub max_attempts: u32,
    /// First backoff ceiling; doubles per attempt (full jitter below it).
    pub base_backoff: Duration,
    /// Backoff ceiling.
    pub max_backoff: Duration,
    /// Consecutive hard failures that open the circuit.
    pub breaker_threshold: u32,
    /// Share of the first seen `X-RateLimit-Remaining` the run may spend.
    pub budget_share: f64,
    /// Requests of the window never spent.
    pub reserve: u64,
    /// Requests the run may send while no answer has stated the window
    /// (`X-RateLimit-Remaining`). Unknown headroom is never "plenty": without
    /// rate-limit headers a run with 2,000 workspaces would otherwise send
    /// 2,001 requests.
    pub unknown_window_ceiling: u64,
}

/// The default [`Policy::unknown_window_ceiling`]: the run's 10% share of the
/// smallest plan's 100 requests a minute.
pub(super) const UNKNOWN_WINDOW_CEILING: u64 = 10;

impl Default for Policy {
    fn default() -> Self {
        Policy {
            max_attempts: 3,
            base_backoff: Duration::from_millis(200),
            max_backoff: Duration::from_secs(2),
            breaker_threshold: 3,
            budget_share: 0.10,
            reserve: 5,
            unknown_window_ceiling: UNKNOWN_WINDOW_CEILING,
        }
    }
}

impl Policy {
    /// The policy for a command a person runs on purpose (`webhooks list`,
    /// `webhooks reactivate`): it may spend the whole rate-limit window
    /// except the reserve. A probe runs unattended and often, so it keeps to
    /// its share; a repair that stopped at that share (listing nine
    /// workspaces eats 10% of a 100-request window) would never be sent.
    pub fn for_explicit_command(self) -> Policy {
        Policy { budget_share: 1.0, ..self }
    }
}

#[derive(Debug, Default)]
struct State {
    hard_failures_in_a_row: u32,
    spent: u64,
    /// Requests the run may spend in all, once the window is known.
    allowed: Option<u64>,
    latest_remaining: Option<u64>,
    /// Every request sent, in sending order.
    sent: Vec<Sent>,
}

/// A request sent: its sample once it ended, or when it began while it has not.
#[derive(Debug)]
struct Sent {
    /// The method and path, for the error of a request that never ended.
    request: String,
    endpoint: &'static str,
    started: Instant,
    ended: Option<(Duration, Option<ApiError>)>,
}

/// Where [`RunState::request_sent`] recorded a request, to record its end.
#[derive(Debug, Clone, Copy)]
pub struct SentSlot(usize);

/// Shared by every clone of a client for one run.
#[derive(Debug, Clone, Default)]
pub struct RunState {
    policy: Policy,
    state: Arc<Mutex<State>>,
}

impl RunState {
    /// Fresh state under `policy`.
    pub fn new(policy: Policy) -> Self {
        RunState { policy, state: Arc::default() }
    }

    /// The policy.
    pub fn policy(&self) -> Policy {
        self.policy
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// `Some(failures)` when the circuit is open.
    pub fn circuit_open(&self) -> Option<u32> {
        let n = self.lock().hard_failures_in_a_row;
        (n >= self.policy.breaker_threshold).then_some(n)
    }

    /// Records a hard failure (transport, timeout, 5xx) or an answer.
    pub fn record(&self, hard_failure: bool) {
        let mut s = self.lock();
        s.hard_failures_in_a_row = if hard_failure { s.hard_failures_in_a_row + 1 } else { 0 };
    }

    /// Records `X-RateLimit-Remaining` from an answer; the first one fixes
    /// the run's allowance: the share of the window as it stood before that
    /// request, first wave included.
    pub fn record_remaining(&self, remaining: u64) {
        let mut s = self.lock();
        if s.allowed.is_none() {
            s.allowed = Some(((remaining + 1) as f64 * self.policy.budget_share).floor() as u64);
        }
        s.latest_remaining = Some(s.latest_remaining.map_or(remaining, |r| r.min(remaining)));
    }

    /// Takes one request from the budget, to send it at once; `false` when
    /// the budget is spent. Until an answer has stated the window, the fixed
    /// [`Policy::unknown_window_ceiling`] is the budget: the first wave is
    /// how the window becomes known, and a server that never says stays
    /// bounded.
    pub fn take(&self) -> bool {
        let mut s = self.lock();
        let within_share = s.spent < s.allowed.unwrap_or(self.policy.unknown_window_ceiling);
        let within_reserve = s.latest_remaining.is_none_or(|r| r > self.policy.reserve);
        if within_share && within_reserve {
            s.spent += 1;
            // Count down locally too, so that concurrent requests cannot
            // together dip into the reserve before the next answer says so.
            s.latest_remaining = s.latest_remaining.map(|r| r - 1);
        }
        within_share && within_reserve
    }

    /// Requests sent so far this run (each one was taken from the budget).
    pub fn spent(&self) -> u64 {
        self.lock().spent
    }

    /// Records that `request` (`GET /team/1/webhook`) of `endpoint` (its
    /// class, `/team/{id}/webhook`) is being sent now, so that every request
    /// is a latency sample even if the run's deadline cuts it short.
    pub fn request_sent(&self, request: String, endpoint: &'static str) -> SentSlot {
        let mut s = self.lock();
        s.sent.push(Sent { request, endpoint, started: Instant::now(), ended: None });
        SentSlot(s.sent.len() - 1)
    }

    /// Records how the request in `slot` ended: its own time, and its error
    /// if it gave no usable answer.
    pub fn request_ended(&self, slot: SentSlot, elapsed: Duration, error: Option<ApiError>) {
        if let Some(sent) = self.lock().sent.get_mut(slot.0) {
            sent.ended = Some((elapsed, error));
        }
    }

    /// One sample per request sent so far. A request still without an
    /// answer (the run's deadline stopped waiting for it) is a failed sample
    /// timed until now: no answer in time is the worst latency, not none.
    pub fn samples(&self) -> Vec<ApiSample> {
        let s = self.lock();
        s.sent
            .iter()
            .map(|sent| {
                let (elapsed, error) = sent.ended.clone().unwrap_or_else(|| {
                    (sent.started.elapsed(), Some(ApiError::Deadline { endpoint: sent.request.clone() }))
                });
                ApiSample { endpoint: sent.endpoint, elapsed, error }
            })
            .collect()
    }

    /// The fewest requests left in the window as last stated by an answer
    /// (counted down for requests sent since), when any answer stated it.
    pub fn remaining(&self) -> Option<u64> {
        self.lock().latest_remaining
    }
}

/// Full-jitter backoff before attempt `attempt + 1`: a random delay below
/// `min(max, base * 2^(attempt-1))`.
pub(super) fn backoff(policy: &Policy, attempt: u32) -> Duration {
    let ceiling = policy.base_backoff.saturating_mul(1 << attempt.saturating_sub(1).min(16)).min(policy.max_backoff);
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u32(attempt);
    let fraction = (h.finish() % 10_000) as f64 / 10_000.0;
    ceiling.mul_f64(fraction)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_breaker_opens_after_consecutive_hard_failures_only() {
        let run = RunState::new(Policy::default());
        run.record(true);
        run.record(true);
        run.record(false);
        run.record(true);
        run.record(true);
        assert_eq!(run.circuit_open(), None);
        run.record(true);
        assert_eq!(run.circuit_open(), Some(3));
    }

    #[test]
    fn the_budget_is_a_share_of_the_first_window_and_keeps_the_reserve() {
        let run = RunState::new(Policy::default());
        assert!(run.take(), "unknown window: the first wave goes");
        run.record_remaining(99);
        // 10% of the 100 the window held before the first request: 10 in all.
        assert_eq!((0..20).filter(|_| run.take()).count(), 9);
        assert_eq!(run.spent(), 10);
        let low = RunState::new(Policy { budget_share: 1.0, ..Policy::default() });
        (0..4).for_each(|_| assert!(low.take()));
        low.record_remaining(7);
        assert!(low.take() && low.take(), "7 remaining leaves 2 above the reserve of 5");
        assert!(!low.take(), "never the last 5");
        low.record_remaining(5);
        assert!(!low.take());
    }

    #[test]
    fn explicit_commands_may_spend_the_window_but_never_the_reserve() {
        let run = RunState::new(Policy::default().for_explicit_command());
        assert!(run.take());
        run.record_remaining(99);
        // The probe's share would stop at 10; a person's command goes on to
        // the reserve: 99 left, the last 5 kept, so 94 more.
        assert_eq!((0..200).filter(|_| run.take()).count(), 94);
        assert_eq!((run.spent(), run.remaining()), (95, Some(5)));
    }

    #[test]
    fn an_unknown_window_keeps_the_fixed_ceiling() {
        let run = RunState::new(Policy::default());
        assert_eq!((0..2000).filter(|_| run.take()).count(), UNKNOWN_WINDOW_CEILING as usize);
        let known = RunState::new(Policy::default());
        assert!(known.take());
        known.record_remaining(9999);
        assert_eq!((0..2000).filter(|_| known.take()).count(), 999, "a stated window replaces the ceiling");
    }

    #[test]
    fn every_request_sent_is_a_sample_and_an_unanswered_one_failed() {
        let run = RunState::new(Policy::default());
        let answered = run.request_sent("GET /user".into(), "/user");
        let cut = run.request_sent("GET /team/1/webhook".into(), "/team/{id}/webhook");
        run.request_ended(answered, Duration::from_millis(7), None);
        let samples = run.samples();
        assert_eq!(samples.len(), 2);
        assert_eq!((samples[0].endpoint, samples[0].elapsed), ("/user", Duration::from_millis(7)));
        assert!(samples[0].error.is_none());
        assert_eq!(samples[1].endpoint, "/team/{id}/webhook");
        let error = samples[1].error.as_ref().map(ToString::to_string);
        assert_eq!(error.as_deref(), Some("GET /team/1/webhook was still unanswered at the run's deadline"));
        run.request_ended(cut, Duration::from_millis(9), None);
        assert!(run.samples()[1].error.is_none(), "its end is recorded once it comes");
    }

    #[test]
    fn backoff_grows_and_is_capped_with_jitter_below_the_ceiling() {
        let p = Policy::default();
        for attempt in 1..10 {
            let ceiling = p.base_backoff.saturating_mul(1 << (attempt - 1)).min(p.max_backoff);
            assert!(backoff(&p, attempt) <= ceiling);
        }
    }
}
