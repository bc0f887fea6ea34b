//! `webhook-endpoint` (opt-in): how the team's own receiver answers test
//! deliveries shaped like ClickUp's.
//!
//! ClickUp counts a delivery as failed on a non-2xx answer or one slower
//! than 7 s, and suspends the webhook at once on a 410. A receiver must also
//! acknowledge a duplicate (ClickUp retries) and reject what is not signed
//! with the webhook's secret.

use std::time::Duration;

use super::{CheckId, Outcome, Status};
use crate::config::CheckConfig;
use crate::duration::human;
use crate::evidence::{Delivery, Evidence, ReceiverProbe};

const ID: CheckId = CheckId::WebhookEndpoint;
/// The reference's recommendation for answering a delivery.
pub const WARN_ABOVE: Duration = Duration::from_secs(5);
/// Where ClickUp counts a delivery as failed.
pub const FAIL_ABOVE: Duration = crate::client::DELIVERY_FAILS_AFTER;

type Finding = (Status, String);

/// Evaluates every receiver probed.
pub fn evaluate(evidence: &Evidence, _cfg: &CheckConfig) -> Outcome {
    if evidence.receivers.is_empty() {
        return Outcome::new(ID, Status::Skip, "no receiver to probe")
            .hint("declare [[webhooks.probe]] with `endpoint` and `secret_env` or `secret_file` in checks.toml");
    }
    let mut findings: Vec<Finding> = Vec::new();
    let mut details = Vec::new();
    for probe in &evidence.receivers {
        findings.extend(judge(probe));
        details.push(timeline(probe));
    }
    findings.sort_by_key(|f| std::cmp::Reverse(f.0));
    let status = findings.first().map_or(Status::Pass, |(s, _)| *s);
    let slowest = evidence.receivers.iter().map(|p| p.signed.elapsed).max().unwrap_or_default();
    let summary = match status {
        Status::Pass => format!(
            "{} acknowledged signed and duplicate deliveries and rejected unsigned and forged ones",
            if evidence.receivers.len() == 1 {
                "the receiver".to_owned()
            } else {
                format!("all {} receivers", evidence.receivers.len())
            }
        ),
        _ => findings.iter().filter(|(s, _)| *s == status).map(|(_, t)| t.as_str()).collect::<Vec<_>>().join("; "),
    };
    let mut o = Outcome::new(ID, status, summary)
        .metric("slowest_signed_ms", (slowest.as_secs_f64() * 1000.0).round())
        .took(slowest);
    o.details = findings.iter().filter(|(s, _)| *s != status).map(|(_, t)| t.clone()).collect();
    o.details.extend(details);
    if status != Status::Pass {
        o = o.hint("answer 2xx at once and process asynchronously, dedupe on history_items[].id, verify X-Signature over the raw body, and never answer 410");
    }
    o
}

fn judge(probe: &ReceiverProbe) -> Vec<Finding> {
    let at = &probe.endpoint;
    let mut out = Vec::new();
    out.extend(judge_accepted(at, "a correctly signed delivery", &probe.signed));
    if let Some(d) = &probe.duplicate {
        out.extend(judge_accepted(at, "a duplicate delivery", d).map(|(s, t)| {
            (s, format!("{t}; duplicates must be acknowledged (idempotent processing on history_items[].id)"))
        }));
    }
    out.extend(judge_rejected(at, "a delivery signed with the wrong secret", &probe.forged));
    out.extend(judge_rejected(at, "a delivery without X-Signature", &probe.unsigned));
    out
}

/// A delivery ClickUp would send must get 2xx in time.
fn judge_accepted(at: &str, what: &str, d: &Delivery) -> Option<Finding> {
    let took = human(d.elapsed);
    match &d.result {
        Err(e) => Some((Status::Fail, format!("{at}: {what} failed: {e}"))),
        Ok(410) => {
            Some((Status::Fail, format!("{at} answered {what} with 410 Gone: ClickUp suspends the webhook at once")))
        }
        Ok(s) if !(200..300).contains(s) => {
            Some((Status::Fail, format!("{at} answered {what} with HTTP {s}: ClickUp counts it failed")))
        }
        Ok(_) if d.elapsed > FAIL_ABOVE => {
            Some((Status::Fail, format!("{at} took {took} to answer {what}: over 7s ClickUp counts it failed")))
        }
        Ok(_) if d.elapsed > WARN_ABOVE => {
            Some((Status::Warn, format!("{at} took {took} to answer {what}: keep it under 5s")))
        }
        Ok(_) => None,
    }
}

/// A delivery not signed with the secret must be refused with 4xx.
fn judge_rejected(at: &str, what: &str, d: &Delivery) -> Option<Finding> {
    match &d.result {
        Ok(s) if (200..300).contains(s) => {
            Some((Status::Fail, format!("{at} accepted {what} (HTTP {s}): endpoint accepts forged deliveries")))
        }
        Ok(s) if (400..500).contains(s) => None,
        Ok(s) => Some((Status::Warn, format!("{at} answered {what} with HTTP {s}; expected a 4xx rejection"))),
        Err(e) => Some((Status::Warn, format!("{at}: {what} got no answer: {e}"))),
    }
}

/// Every sub-result with its measured time, on one line.
fn timeline(probe: &ReceiverProbe) -> String {
    let show = |d: &Delivery| match &d.result {
        Ok(s) => format!("HTTP {s} in {}", human(d.elapsed)),
        Err(_) => format!("no answer after {}", human(d.elapsed)),
    };
    let duplicate = probe.duplicate.as_ref().map_or_else(|| "not sent (first delivery failed)".to_owned(), show);
    format!(
        "{}: signed {}; duplicate {}; wrong signature {}; no signature {}",
        probe.endpoint,
        show(&probe.signed),
        duplicate,
        show(&probe.forged),
        show(&probe.unsigned)
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::client::ApiError;

    fn d(status: u16, ms: u64) -> Delivery {
        Delivery { result: Ok(status), elapsed: Duration::from_millis(ms) }
    }

    fn probe(signed: Delivery, duplicate: Option<Delivery>, forged: Delivery, unsigned: Delivery) -> Evidence {
        let p = ReceiverProbe { endpoint: "https://r.example/hook".into(), signed, duplicate, forged, unsigned };
        Evidence { receivers: vec![p], ..Evidence::default() }
    }

    fn run(ev: Evidence) -> Outcome {
        evaluate(&ev, &CheckConfig::default())
    }

    #[test]
    fn a_good_receiver_passes_and_reports_each_time() {
        let o = run(probe(d(200, 80), Some(d(200, 40)), d(401, 5), d(400, 4)));
        assert_eq!(o.status, Status::Pass, "{}", o.summary);
        assert_eq!(
            o.details,
            [
                "https://r.example/hook: signed HTTP 200 in 80ms; duplicate HTTP 200 in 40ms; wrong signature HTTP 401 in 5ms; no signature HTTP 400 in 4ms"
            ]
        );
    }

    #[test]
    fn slowness_warns_over_5s_and_fails_over_7s() {
        assert_eq!(run(probe(d(200, 5000), Some(d(200, 1)), d(401, 1), d(401, 1))).status, Status::Pass);
        assert_eq!(run(probe(d(200, 5001), Some(d(200, 1)), d(401, 1), d(401, 1))).status, Status::Warn);
        assert_eq!(run(probe(d(200, 7000), Some(d(200, 1)), d(401, 1), d(401, 1))).status, Status::Warn);
        let o = run(probe(d(200, 7001), None, d(401, 1), d(401, 1)));
        assert_eq!(o.status, Status::Fail);
        assert!(o.summary.contains("over 7s"), "{}", o.summary);
    }

    #[test]
    fn gone_and_errors_fail() {
        let o = run(probe(d(410, 3), None, d(410, 1), d(410, 1)));
        assert_eq!(o.status, Status::Fail);
        assert!(o.summary.contains("410 Gone"), "{}", o.summary);
        assert_eq!(run(probe(d(500, 3), None, d(401, 1), d(401, 1))).status, Status::Fail);
        let refused = Delivery {
            result: Err(ApiError::Transport { endpoint: "POST".into(), reason: "refused".into() }),
            elapsed: Duration::ZERO,
        };
        assert_eq!(run(probe(refused.clone(), None, refused.clone(), refused)).status, Status::Fail);
    }

    #[test]
    fn a_duplicate_that_errors_fails() {
        let o = run(probe(d(200, 3), Some(d(409, 3)), d(401, 1), d(401, 1)));
        assert_eq!(o.status, Status::Fail);
        assert!(o.summary.contains("duplicate") && o.summary.contains("idempotent"), "{}", o.summary);
    }

    #[test]
    fn accepting_forged_or_unsigned_deliveries_fails() {
        let o = run(probe(d(200, 3), Some(d(200, 3)), d(200, 1), d(401, 1)));
        assert_eq!(o.status, Status::Fail);
        assert!(o.summary.contains("endpoint accepts forged deliveries"), "{}", o.summary);
        assert_eq!(run(probe(d(200, 3), Some(d(200, 3)), d(401, 1), d(204, 1))).status, Status::Fail);
        assert_eq!(
            run(probe(d(200, 3), Some(d(200, 3)), d(500, 1), d(401, 1))).status,
            Status::Warn,
            "5xx is not a rejection"
        );
    }

    #[test]
    fn no_receivers_is_skip() {
        assert_eq!(run(Evidence::default()).status, Status::Skip);
    }
}
