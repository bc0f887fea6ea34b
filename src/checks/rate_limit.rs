//! `rate-limit`: headroom in the token's per-minute budget, read from the
//! `X-RateLimit-*` headers of the answers already gathered (no request of
//! its own: every request spends the budget the production integration
//! shares).
//!
//! Absent headers mean "unknown", never "plenty": that is ERROR. So is a
//! header sent twice with different values: which one is true cannot be
//! known. A reset in Unix milliseconds is converted, and the summary says so.

use super::{Bounds, CheckId, FindingCode, Message, MetricKey, Needs, Outcome, Status, Threshold};
use crate::client::ApiError;
use crate::evidence::{Evidence, RateLimitHeaders, reset_in};
use crate::message;
use crate::text::OutsideText;

const ID: CheckId = CheckId::RateLimit;

/// The API answered 429 during the run (FAIL).
pub const RATE_LIMITED: FindingCode = super::api_error::RATE_LIMITED;
/// X-RateLimit headers contradict themselves or do not parse (ERROR).
pub const HEADERS_UNREADABLE: FindingCode = "rate-limit-unreadable";
/// No answer carried X-RateLimit headers: headroom unknown (ERROR).
pub const HEADROOM_UNKNOWN: FindingCode = "rate-limit-unknown";
/// No request left in this window (FAIL).
pub const BUDGET_EXHAUSTED: FindingCode = "rate-limit-exhausted";
/// Remaining below `rate_limit.warn_percent` of the limit (WARN).
pub const LOW_HEADROOM: FindingCode = "rate-limit-low-headroom";
/// The limit differs from the published one of `plan` (WARN).
pub const PLAN_MISMATCH: FindingCode = "rate-limit-plan-mismatch";

/// Every finding code `rate-limit` reports (public API).
pub const CODES: &[FindingCode] =
    &[RATE_LIMITED, HEADERS_UNREADABLE, HEADROOM_UNKNOWN, BUDGET_EXHAUSTED, LOW_HEADROOM, PLAN_MISMATCH];

/// The workspace plan that hosts the token; it sets the rate limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum ClickUpPlan {
    /// Free Forever: 100 requests per minute.
    Free,
    /// Unlimited: 100 per minute.
    Unlimited,
    /// Business: 100 per minute.
    Business,
    /// Business Plus: 1,000 per minute.
    BusinessPlus,
    /// Enterprise: 10,000 per minute.
    Enterprise,
}

impl ClickUpPlan {
    /// Requests per minute per token on this plan, as ClickUp documents.
    pub fn requests_per_minute(self) -> u64 {
        match self {
            ClickUpPlan::Free | ClickUpPlan::Unlimited | ClickUpPlan::Business => 100,
            ClickUpPlan::BusinessPlus => 1_000,
            ClickUpPlan::Enterprise => 10_000,
        }
    }

    /// The spelling used in `checks.toml`.
    pub fn as_str(self) -> &'static str {
        match self {
            ClickUpPlan::Free => "free",
            ClickUpPlan::Unlimited => "unlimited",
            ClickUpPlan::Business => "business",
            ClickUpPlan::BusinessPlus => "business-plus",
            ClickUpPlan::Enterprise => "enterprise",
        }
    }
}

/// `[rate_limit]` and `plan`, validated.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    /// WARN when remaining is under this percentage of the limit (above 0,
    /// below 100).
    pub warn_below_percent: f64,
    /// The plan expected to host the token, if stated.
    pub plan: Option<ClickUpPlan>,
}

impl Default for Config {
    fn default() -> Self {
        Config { warn_below_percent: 10.0, plan: None }
    }
}

/// No request left fails the check; the remaining count's bounds say so.
const EXHAUSTED: Bounds = Bounds { warn: None, fail: Some(Threshold::Below(1.0)), min: None, max: None };

/// One response's rate-limit state, parsed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Snapshot {
    /// Requests allowed per window.
    pub limit: u64,
    /// Requests left in this window.
    pub remaining: u64,
    /// Seconds until the window resets, when stated.
    pub reset_in: Option<u64>,
    /// `X-RateLimit-Reset` was in milliseconds and was converted.
    pub reset_was_ms: bool,
}

/// Parses one response's headers; `Ok(None)` when it carried none.
pub fn parse(headers: &RateLimitHeaders, now_unix: u64) -> Result<Option<Snapshot>, Message> {
    if !headers.ambiguous.is_empty() {
        return Err(message!("sent twice with different values: {}", Message::join(&headers.ambiguous, ", ")));
    }
    if headers.limit.is_none() && headers.remaining.is_none() {
        return Ok(None);
    }
    let number = |name: &'static str, value: &Option<OutsideText>| -> Result<u64, Message> {
        let value = value
            .as_ref()
            .ok_or_else(|| message!("{} is missing while other X-RateLimit headers are present", name))?;
        value.trim().parse::<u64>().map_err(|_| message!("{} is not a whole number (`{}`)", name, shorten(value)))
    };
    let limit = number("X-RateLimit-Limit", &headers.limit)?;
    let remaining = number("X-RateLimit-Remaining", &headers.remaining)?;
    if limit == 0 {
        return Err(Message::from("X-RateLimit-Limit is 0"));
    }
    if remaining > limit {
        return Err(message!("X-RateLimit-Remaining ({}) is above X-RateLimit-Limit ({})", remaining, limit));
    }
    let reset = match &headers.reset {
        None => None,
        Some(v) => {
            Some(reset_in(v, now_unix).ok_or_else(|| message!("X-RateLimit-Reset is not a time (`{}`)", shorten(v)))?)
        }
    };
    Ok(Some(Snapshot {
        limit,
        remaining,
        reset_in: reset.map(|r| r.seconds),
        reset_was_ms: reset.is_some_and(|r| r.from_milliseconds),
    }))
}

/// No HTTP answer came back at all, so there were no headers to read.
fn is_unanswered(error: &ApiError) -> bool {
    matches!(
        error,
        ApiError::Timeout { .. }
            | ApiError::Deadline { .. }
            | ApiError::Transport { .. }
            | ApiError::CircuitOpen { .. }
            | ApiError::OverBudget { .. }
    )
}

fn shorten(value: &OutsideText) -> OutsideText {
    value.clipped(20)
}

fn reset_text(reset_in: Option<u64>) -> Message {
    match reset_in {
        Some(0) => Message::from("the window resets now"),
        Some(s) => message!("resets in {}s", s),
        None => Message::from("reset time not stated"),
    }
}

/// One `GET /user` at least; the headers of every answer the run gets
/// are read, whichever check asked for it.
pub fn needs() -> Needs {
    Needs { user_samples: 1, ..Needs::NONE }
}

/// Evaluates the headers of every ClickUp answer in the evidence.
pub fn evaluate(evidence: &Evidence, cfg: &Config) -> Outcome {
    let responses = evidence.api_responses();
    let now = evidence.observed_at_unix;
    if let Some((headers, _)) = responses.iter().find(|(_, e)| e.and_then(ApiError::http_status) == Some(429)) {
        let stated = headers.reset.as_deref().and_then(|v| reset_in(v, now));
        let reset =
            stated.map(|r| r.seconds).or_else(|| headers.retry_after.as_deref().and_then(|v| v.trim().parse().ok()));
        let ms = if stated.is_some_and(|r| r.from_milliseconds) {
            " (X-RateLimit-Reset was in milliseconds, converted)"
        } else {
            ""
        };
        let mut o = Outcome::new(ID, Status::Fail, message!("rate limited: the API answered 429; {}{}", reset_text(reset), ms))
            .found(RATE_LIMITED)
            .hint("another client is spending this token's budget: queue requests, back off until the reset, or move to a higher plan")
            .bounded_metric(MetricKey::RateLimitRemaining, 0.0, EXHAUSTED);
        if let Some(s) = reset {
            o = o.metric(MetricKey::RateLimitResetIn, s as f64);
        }
        return o;
    }
    // An answer whose body was unusable is still an answer with headers.
    let answered = responses.iter().filter(|(_, e)| e.is_none_or(|e| !is_unanswered(e))).count();
    let mut lowest: Option<Snapshot> = None;
    for (headers, _) in &responses {
        match parse(headers, now) {
            Err(reason) => {
                return Outcome::new(ID, Status::Error, message!("cannot read the rate limit: {}", reason))
                    .found(HEADERS_UNREADABLE);
            }
            Ok(Some(s)) if lowest.is_none_or(|l| s.remaining < l.remaining) => lowest = Some(s),
            Ok(_) => {}
        }
    }
    let Some(s) = lowest else {
        let summary = if answered == 0 {
            Message::from("no answer from the API to read X-RateLimit headers from; headroom unknown")
        } else {
            message!("none of {} API answers carried X-RateLimit headers; headroom unknown", answered)
        };
        return Outcome::new(ID, Status::Error, summary).found(HEADROOM_UNKNOWN);
    };
    let warn_below = s.limit as f64 * cfg.warn_below_percent / 100.0;
    let mut o = Outcome::new(ID, Status::Pass, Message::default())
        .bounded_metric(
            MetricKey::RateLimitRemaining,
            s.remaining as f64,
            Bounds { warn: Some(Threshold::Below(warn_below.ceil())), max: Some(s.limit as f64), ..EXHAUSTED },
        )
        .metric(MetricKey::RateLimitLimit, s.limit as f64);
    if let Some(r) = s.reset_in {
        o = o.metric(MetricKey::RateLimitResetIn, r as f64);
    }
    let mut headroom =
        message!("{} of {} requests left in this window; {}", s.remaining, s.limit, reset_text(s.reset_in));
    if s.reset_was_ms {
        headroom.push(" (X-RateLimit-Reset was in milliseconds, converted)");
    }
    let mismatch = cfg.plan.filter(|p| p.requests_per_minute() != s.limit);
    if s.remaining == 0 {
        o.status = Status::Fail;
        o.summary = message!("budget exhausted: {}", headroom);
        o.found(BUDGET_EXHAUSTED)
            .hint("the next request will get 429: find what spends this token's budget, add request queuing")
    } else if (s.remaining as f64) < warn_below {
        o.status = Status::Warn;
        o.summary = message!("low headroom (under {}%): {}", cfg.warn_below_percent, headroom);
        o.found(LOW_HEADROOM).hint("the production integration is close to its limit: add caching and request queuing, or use webhooks instead of polling")
    } else if let Some(plan) = mismatch {
        o.status = Status::Warn;
        o.summary = message!(
            "limit is {} per minute but plan `{}` allows {} in ClickUp's published table: token may be hosted in a different workspace or plan than expected",
            s.limit,
            plan.as_str(),
            plan.requests_per_minute()
        );
        // A warning, never a failure: the limits ClickUp applies are not
        // always the table's (900/min has been observed on a 100/min plan).
        o.found(PLAN_MISMATCH).detail(headroom).hint(PLAN_CAVEAT)
    } else {
        o.summary = headroom;
        o
    }
}

const PLAN_CAVEAT: &str = "limits observed in the wild differ from ClickUp's published plan table (900/min has been \
                           seen on a 100/min plan), so this is a warning only: check which workspace hosts the token's \
                           user, or fix `plan` in checks.toml";

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::client::User;
    use crate::evidence::Probe;

    const NOW: u64 = 1_800_000_000;

    fn headers(limit: &str, remaining: &str, reset: Option<&str>) -> RateLimitHeaders {
        RateLimitHeaders {
            limit: Some(limit.into()),
            remaining: Some(remaining.into()),
            reset: reset.map(Into::into),
            retry_after: None,
            ambiguous: vec![],
        }
    }

    fn evidence(answers: Vec<(RateLimitHeaders, Result<User, ApiError>)>) -> Evidence {
        Evidence {
            observed_at_unix: NOW,
            user: answers
                .into_iter()
                .map(|(rate_limit, result)| Probe {
                    result,
                    elapsed: Duration::from_millis(5),
                    rate_limit,
                    attempts: 1,
                })
                .collect(),
            ..Evidence::default()
        }
    }

    fn ok() -> Result<User, ApiError> {
        Ok(User { id: 1, username: None, email: None })
    }

    fn run(answers: Vec<(RateLimitHeaders, Result<User, ApiError>)>) -> Outcome {
        evaluate(&evidence(answers), &Config::default())
    }

    #[test]
    fn plenty_of_headroom_passes_with_the_lowest_remaining() {
        let reset = (NOW + 42).to_string();
        let o = run(vec![(headers("100", "97", Some(&reset)), ok()), (headers("100", "95", Some(&reset)), ok())]);
        assert_eq!(o.status, Status::Pass);
        assert_eq!(o.summary, "95 of 100 requests left in this window; resets in 42s");
    }

    #[test]
    fn warns_strictly_under_ten_percent() {
        assert_eq!(run(vec![(headers("100", "10", None), ok())]).status, Status::Pass);
        let o = run(vec![(headers("100", "9", None), ok())]);
        assert_eq!(o.status, Status::Warn);
        assert!(o.summary.contains("9 of 100"), "{}", o.summary);
    }

    #[test]
    fn zero_remaining_fails() {
        assert_eq!(run(vec![(headers("100", "0", Some("30")), ok())]).status, Status::Fail);
    }

    #[test]
    fn a_429_fails_with_the_reset_time() {
        let err =
            ApiError::Http { endpoint: "GET /user".into(), status: 429, ecode: Some("APP_002".into()), err: None };
        let o = run(vec![(headers("100", "0", Some(&(NOW + 37).to_string())), Err(err.clone()))]);
        assert_eq!(o.status, Status::Fail);
        assert!(o.summary.contains("resets in 37s"), "{}", o.summary);
        let retry = RateLimitHeaders { retry_after: Some("12".into()), ..RateLimitHeaders::default() };
        assert!(run(vec![(retry, Err(err))]).summary.contains("resets in 12s"));
    }

    #[test]
    fn missing_headers_are_errors_never_passes() {
        let o = run(vec![(RateLimitHeaders::default(), ok())]);
        assert_eq!(o.status, Status::Error);
        assert!(o.summary.contains("none of 1 API answers"), "{}", o.summary);
        let unreachable = ApiError::local("GET /user", "refused");
        assert_eq!(run(vec![(RateLimitHeaders::default(), Err(unreachable))]).status, Status::Error);
        assert_eq!(evaluate(&Evidence::default(), &Config::default()).status, Status::Error);
    }

    #[test]
    fn malformed_or_partial_headers_are_errors() {
        for h in [
            headers("lots", "5", None),
            headers("100", "-1", None),
            headers("100", "101", None),
            headers("0", "0", None),
            headers("100", "50", Some("tomorrow")),
            RateLimitHeaders { remaining: Some("5".into()), ..RateLimitHeaders::default() },
        ] {
            assert_eq!(run(vec![(h.clone(), ok())]).status, Status::Error, "{h:?}");
        }
    }

    #[test]
    fn a_header_sent_twice_with_different_values_is_an_error_naming_it() {
        let mut twice = headers("100", "90", None);
        twice.remaining = None;
        twice.ambiguous = vec!["X-RateLimit-Remaining (`5` and `90`)".into()];
        let o = run(vec![(twice, ok())]);
        assert_eq!(o.status, Status::Error);
        assert_eq!(
            o.summary,
            "cannot read the rate limit: sent twice with different values: X-RateLimit-Remaining (`5` and `90`)"
        );
        assert_eq!(run(vec![(headers("100", "90", None), ok())]).status, Status::Pass);
    }

    #[test]
    fn a_reset_in_milliseconds_is_converted_and_said() {
        let ms = ((NOW + 42) * 1000 + 250).to_string();
        let o = run(vec![(headers("100", "90", Some(&ms)), ok())]);
        assert_eq!(o.status, Status::Pass);
        assert_eq!(
            o.summary,
            "90 of 100 requests left in this window; resets in 42s (X-RateLimit-Reset was in milliseconds, converted)"
        );
        assert!(o.metrics.iter().any(|m| m.key == MetricKey::RateLimitResetIn && m.value == 42.0));
        let seconds = (NOW + 42).to_string();
        assert!(!run(vec![(headers("100", "90", Some(&seconds)), ok())]).summary.contains("milliseconds"));
        let err =
            ApiError::Http { endpoint: "GET /user".into(), status: 429, ecode: Some("APP_002".into()), err: None };
        let o = run(vec![(headers("100", "0", Some(&ms)), Err(err))]);
        assert_eq!(
            o.summary,
            "rate limited: the API answered 429; resets in 42s (X-RateLimit-Reset was in milliseconds, converted)"
        );
    }

    #[test]
    fn a_limit_that_disagrees_with_the_plan_warns() {
        let cfg = Config { plan: Some(ClickUpPlan::Enterprise), ..Config::default() };
        let o = evaluate(&evidence(vec![(headers("100", "99", None), ok())]), &cfg);
        assert_eq!(o.status, Status::Warn);
        assert!(o.summary.contains("different workspace or plan"), "{}", o.summary);
        let cfg = Config { plan: Some(ClickUpPlan::Business), ..Config::default() };
        assert_eq!(evaluate(&evidence(vec![(headers("100", "99", None), ok())]), &cfg).status, Status::Pass);
        // Seen in the wild: 900 per minute on a plan the table gives 100.
        let o = evaluate(&evidence(vec![(headers("900", "899", None), ok())]), &cfg);
        assert_eq!(o.status, Status::Warn, "a mismatch is never FAIL");
        assert!(o.summary.contains("plan `business` allows 100 in ClickUp's published table"), "{}", o.summary);
        assert!(
            o.hint.as_deref().is_some_and(|h| h.contains("900/min has been seen on a 100/min plan")),
            "{:?}",
            o.hint
        );
    }
}
