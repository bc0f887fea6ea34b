//! `webhook-endpoint` (opt-in): how the team's own receiver answers test
//! deliveries shaped like ClickUp's.
//!
//! ClickUp counts a delivery as failed on a non-2xx answer or one slower
//! than 7 s, and suspends the webhook at once on a 401 or a 410. A receiver
//! must also acknowledge a duplicate (ClickUp retries), verify the signature
//! over the raw body (ClickUp signs the bytes it sends, not a canonical
//! form), and reject what is not signed with the webhook's secret with a 4xx
//! other than 401.

use crate::message;
use crate::text::OutsideText;
use std::time::Duration;

use super::{CheckId, FindingCode, Message, MetricKey, Needs, Outcome, Status};
use crate::duration::human;
use crate::evidence::{Delivery, Evidence, ReceiverProbe};

const ID: CheckId = CheckId::WebhookEndpoint;

/// A genuine delivery got no answer (FAIL).
pub const NO_ANSWER: FindingCode = "receiver-no-answer";
/// A genuine delivery was answered 401 or 410: ClickUp would suspend the webhook (FAIL).
pub const SUSPENDS_ITSELF: FindingCode = "receiver-suspends-webhook";
/// A genuine delivery was answered with another non-2xx status (FAIL).
pub const NOT_ACKNOWLEDGED: FindingCode = "receiver-not-2xx";
/// A genuine delivery was answered too slowly (WARN or FAIL).
pub const SLOW: FindingCode = "receiver-slow";
/// The signature is verified over re-serialised JSON, not the raw body (FAIL).
pub const NOT_RAW_BODY: FindingCode = "receiver-not-raw-body";
/// A forged or unsigned delivery was accepted (FAIL).
pub const ACCEPTS_FORGED: FindingCode = "receiver-accepts-forged";
/// A forged or unsigned delivery got no 4xx rejection (WARN).
pub const REJECTION_NOT_4XX: FindingCode = "receiver-rejection-not-4xx";
/// Unverifiable deliveries are rejected with 401 (WARN).
pub const REJECTS_WITH_401: FindingCode = "receiver-rejects-with-401";

/// Every finding code `webhook-endpoint` reports (public API).
pub const CODES: &[FindingCode] = &[
    NO_ANSWER,
    SUSPENDS_ITSELF,
    NOT_ACKNOWLEDGED,
    SLOW,
    NOT_RAW_BODY,
    ACCEPTS_FORGED,
    REJECTION_NOT_4XX,
    REJECTS_WITH_401,
];

/// How serious, what, and under which code.
type Finding = (Status, Message, FindingCode);

/// The reference's recommendation for answering a webhook delivery.
pub const RECEIVER_WARN_ABOVE: Duration = Duration::from_secs(5);

/// How fast a genuine delivery must be answered (`[webhook_endpoint]`),
/// validated: `warn_above` ≤ `fail_above` ≤ ClickUp's 7 s.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// WARN when a receiver answers a test delivery slower than this (the
    /// reference's 5 s); a setting so that tests cross it in milliseconds.
    pub warn_above: Duration,
    /// FAIL when a receiver answers slower than this: ClickUp's 7 s, or less.
    pub fail_above: Duration,
}

impl Default for Config {
    fn default() -> Self {
        Config { warn_above: RECEIVER_WARN_ABOVE, fail_above: crate::client::DELIVERY_FAILS_AFTER }
    }
}

/// Test deliveries to the receivers in `checks.toml`: no token, no
/// ClickUp request.
pub fn needs() -> Needs {
    Needs { receivers: true, ..Needs::NONE }
}

/// Evaluates every receiver probed.
pub fn evaluate(evidence: &Evidence, cfg: &Config) -> Outcome {
    if evidence.receivers.is_empty() {
        return Outcome::new(ID, Status::Skip, "no receiver to probe")
            .hint("declare [[webhooks.probe]] with `endpoint` and `secret_env` or `secret_file` in checks.toml");
    }
    let mut findings: Vec<Finding> = Vec::new();
    let mut details = Vec::new();
    for probe in &evidence.receivers {
        findings.extend(judge(probe, cfg));
        details.push(timeline(probe));
    }
    findings.sort_by_key(|f| std::cmp::Reverse(f.0));
    let status = findings.first().map_or(Status::Pass, |(s, _, _)| *s);
    let slowest = evidence.receivers.iter().map(|p| p.signed.elapsed).max().unwrap_or_default();
    let summary = match status {
        Status::Pass => message!(
            "{} acknowledged signed, non-canonical and duplicate deliveries and rejected unsigned and forged ones with 400/403",
            if evidence.receivers.len() == 1 {
                Message::from("the receiver")
            } else {
                message!("all {} receivers", evidence.receivers.len())
            }
        ),
        _ => Message::join(findings.iter().filter(|(s, _, _)| *s == status).map(|(_, t, _)| t), "; "),
    };
    let mut o = Outcome::new(ID, status, summary)
        .metric(MetricKey::SlowestSignedMs, (slowest.as_secs_f64() * 1000.0).round())
        .took(slowest);
    o.details = findings.iter().filter(|(s, _, _)| *s != status).map(|(_, t, _)| t.clone()).collect();
    if findings.iter().any(|(_, t, _)| t.contains(REQUIRES_RAW_BODY)) {
        o.details.push(Message::from(RAW_BODY_EXPLAINED));
    }
    o.details.extend(details);
    o.findings = findings.into_iter().map(|(status, text, code)| super::Finding::new(code, status, text)).collect();
    if status != Status::Pass {
        o = o.hint("answer 2xx at once and process asynchronously, dedupe on history_items[].id, verify X-Signature over the raw request body before parsing it, reject bad signatures with 400 or 403, and never answer 401 or 410 (ClickUp suspends the webhook at once)");
    }
    o
}

/// The finding's wording, and what tells `evaluate` to explain it.
const REQUIRES_RAW_BODY: &str = "verifies the signature over re-serialised JSON, not the raw body";

const RAW_BODY_EXPLAINED: &str = "ClickUp signs the exact bytes it sends; parsing the body and serialising it again \
     (JSON.stringify(req.body), json.dumps, a framework's re-encoding) can change escapes such as \\u00e9, number \
     formats such as 1.0 or 1e2, key order and whitespace, and then the HMAC no longer matches: compute it over the raw \
     request body, before any JSON parsing";

impl Config {
    /// Why an answer slower than `fail_above` fails: ClickUp's own limit, or
    /// the stricter one `checks.toml` sets (then ClickUp's is named too).
    fn too_slow(&self) -> Message {
        let clickup = crate::client::DELIVERY_FAILS_AFTER;
        if self.fail_above >= clickup {
            message!("over {} ClickUp counts it failed", human(clickup))
        } else {
            message!(
                "over the {} set in [webhook_endpoint] fail_above (ClickUp counts it failed over {})",
                human(self.fail_above),
                human(clickup)
            )
        }
    }
}

fn judge(probe: &ReceiverProbe, limits: &Config) -> Vec<Finding> {
    let at = &probe.endpoint;
    let mut out = Vec::new();
    out.extend(judge_accepted(at, "a correctly signed delivery", &probe.signed, limits));
    if let Some(d) = &probe.duplicate {
        out.extend(judge_accepted(at, "a duplicate delivery", d, limits).map(|(s, t, code)| {
            let text = message!("{}; duplicates must be acknowledged (idempotent processing on history_items[].id)", t);
            (s, text, code)
        }));
    }
    if let Some(d) = &probe.noncanonical {
        out.extend(judge_raw_body(at, d, limits));
    }
    out.extend(judge_rejected(at, "a delivery signed with the wrong secret", &probe.forged));
    out.extend(judge_rejected(at, "a delivery without X-Signature", &probe.unsigned));
    out.extend(judge_unauthorized_rejections(at, probe));
    out
}

/// The non-canonical delivery is sent only after the canonical one was
/// accepted, so a 4xx on it can only come from how its bytes were checked.
fn judge_raw_body(at: &OutsideText, d: &Delivery, limits: &Config) -> Option<Finding> {
    match &d.result {
        Ok(s) if (400..500).contains(s) => {
            let suspends = if *s == 401 { "; and a 401 makes ClickUp suspend the webhook at once" } else { "" };
            Some((
                Status::Fail,
                message!(
                    "{} accepted the canonical signed delivery but rejected the same event signed over other bytes \
                     (HTTP {}): it {}{}",
                    at,
                    s,
                    REQUIRES_RAW_BODY,
                    suspends
                ),
                NOT_RAW_BODY,
            ))
        }
        _ => judge_accepted(at, "a correctly signed delivery in non-canonical JSON", d, limits),
    }
}

/// A delivery ClickUp would send must get 2xx in time.
fn judge_accepted(at: &OutsideText, what: &'static str, d: &Delivery, limits: &Config) -> Option<Finding> {
    let took = human(d.elapsed);
    match &d.result {
        Err(e) => Some((Status::Fail, message!("{}: {} failed: {}", at, what, e), NO_ANSWER)),
        Ok(410) => Some((
            Status::Fail,
            message!("{} answered {} with 410 Gone: ClickUp suspends the webhook at once", at, what),
            SUSPENDS_ITSELF,
        )),
        Ok(401) => Some((
            Status::Fail,
            message!("{} answered {} with 401 Unauthorized: ClickUp suspends the webhook at once", at, what),
            SUSPENDS_ITSELF,
        )),
        Ok(s) if !(200..300).contains(s) => Some((
            Status::Fail,
            message!("{} answered {} with HTTP {}: ClickUp counts it failed", at, what, s),
            NOT_ACKNOWLEDGED,
        )),
        Ok(_) if d.elapsed > limits.fail_above => {
            Some((Status::Fail, message!("{} took {} to answer {}: {}", at, took, what, limits.too_slow()), SLOW))
        }
        Ok(_) if d.elapsed > limits.warn_above => Some((
            Status::Warn,
            message!("{} took {} to answer {}: keep it under {}", at, took, what, human(limits.warn_above)),
            SLOW,
        )),
        Ok(_) => None,
    }
}

/// A delivery not signed with the secret must be refused with 4xx.
fn judge_rejected(at: &OutsideText, what: &'static str, d: &Delivery) -> Option<Finding> {
    match &d.result {
        Ok(s) if (200..300).contains(s) => Some((
            Status::Fail,
            message!("{} accepted {} (HTTP {}): endpoint accepts forged deliveries", at, what, s),
            ACCEPTS_FORGED,
        )),
        Ok(s) if (400..500).contains(s) => None,
        Ok(s) => Some((
            Status::Warn,
            message!("{} answered {} with HTTP {}; expected a 4xx rejection", at, what, s),
            REJECTION_NOT_4XX,
        )),
        Err(e) => Some((Status::Warn, message!("{}: {} got no answer: {}", at, what, e), REJECTION_NOT_4XX)),
    }
}

/// A receiver that answers 401 to what it cannot verify is correct today
/// and suspends its own webhook the day verification breaks for genuine
/// deliveries (a secret rotated on one side only, a proxy re-encoding the
/// body): ClickUp suspends at once on 401. WARN, not FAIL, because nothing
/// is broken yet and forgeries are refused; the fix is one status code.
fn judge_unauthorized_rejections(at: &OutsideText, probe: &ReceiverProbe) -> Option<Finding> {
    let answered_401: Vec<&'static str> = [("wrong signature", &probe.forged), ("no signature", &probe.unsigned)]
        .into_iter()
        .filter(|(_, d)| matches!(d.result, Ok(401)))
        .map(|(what, _)| what)
        .collect();
    (!answered_401.is_empty()).then(|| {
        (
            Status::Warn,
            message!(
                "{} answers 401 to deliveries it cannot verify ({}): ClickUp suspends a webhook at once on 401, so \
                 the day verification rejects genuine deliveries (e.g. after a secret rotation) the receiver suspends \
                 its own webhook; answer 400 or 403 instead",
                at,
                Message::join(answered_401, ", ")
            ),
            REJECTS_WITH_401,
        )
    })
}

/// Every sub-result with its measured time, on one line.
fn timeline(probe: &ReceiverProbe) -> Message {
    let show = |d: &Delivery| match &d.result {
        Ok(s) => message!("HTTP {} in {}", s, human(d.elapsed)),
        Err(_) => message!("no answer after {}", human(d.elapsed)),
    };
    let follow_up =
        |d: &Option<Delivery>| d.as_ref().map_or_else(|| Message::from("not sent (first delivery failed)"), show);
    message!(
        "{}: signed {}; non-canonical {}; duplicate {}; wrong signature {}; no signature {}",
        probe.endpoint,
        show(&probe.signed),
        follow_up(&probe.noncanonical),
        follow_up(&probe.duplicate),
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

    /// A receiver's answers; the non-canonical delivery shares the
    /// duplicate's fate unless a test sets it.
    fn probe(signed: Delivery, duplicate: Option<Delivery>, forged: Delivery, unsigned: Delivery) -> Evidence {
        let noncanonical = duplicate.as_ref().map(|_| d(200, 2));
        probe_all(signed, duplicate, noncanonical, forged, unsigned)
    }

    fn probe_all(
        signed: Delivery,
        duplicate: Option<Delivery>,
        noncanonical: Option<Delivery>,
        forged: Delivery,
        unsigned: Delivery,
    ) -> Evidence {
        let endpoint = "https://r.example/hook".into();
        let p = ReceiverProbe { endpoint, signed, duplicate, noncanonical, forged, unsigned };
        Evidence { receivers: vec![p], ..Evidence::default() }
    }

    fn run(ev: Evidence) -> Outcome {
        evaluate(&ev, &Config::default())
    }

    #[test]
    fn a_good_receiver_passes_and_reports_each_time() {
        let o = run(probe(d(200, 80), Some(d(200, 40)), d(403, 5), d(400, 4)));
        assert_eq!(o.status, Status::Pass, "{}", o.summary);
        assert_eq!(
            o.details,
            [
                "https://r.example/hook: signed HTTP 200 in 80ms; non-canonical HTTP 200 in 2ms; duplicate HTTP 200 in 40ms; wrong signature HTTP 403 in 5ms; no signature HTTP 400 in 4ms"
            ]
        );
    }

    #[test]
    fn slowness_warns_over_5s_and_fails_over_7s() {
        assert_eq!(run(probe(d(200, 5000), Some(d(200, 1)), d(403, 1), d(403, 1))).status, Status::Pass);
        assert_eq!(run(probe(d(200, 5001), Some(d(200, 1)), d(403, 1), d(403, 1))).status, Status::Warn);
        assert_eq!(run(probe(d(200, 7000), Some(d(200, 1)), d(403, 1), d(403, 1))).status, Status::Warn);
        let o = run(probe(d(200, 7001), None, d(403, 1), d(403, 1)));
        assert_eq!(o.status, Status::Fail);
        assert!(o.summary.contains("over 7s"), "{}", o.summary);
        let slow_raw = run(probe_all(d(200, 1), Some(d(200, 1)), Some(d(200, 7001)), d(403, 1), d(403, 1)));
        assert_eq!(slow_raw.status, Status::Fail, "the non-canonical delivery is judged like any genuine one");
        assert!(slow_raw.summary.contains("non-canonical JSON"), "{}", slow_raw.summary);
    }

    #[test]
    fn thresholds_come_from_the_config_and_name_clickups_limit_when_stricter() {
        let cfg = Config { warn_above: Duration::from_millis(200), fail_above: Duration::from_millis(300) };
        let at = |ms| evaluate(&probe(d(200, ms), Some(d(200, 1)), d(403, 1), d(403, 1)), &cfg);
        assert_eq!(at(200).status, Status::Pass);
        let warn = at(201);
        assert_eq!(warn.status, Status::Warn);
        assert!(warn.summary.ends_with("took 201ms to answer a correctly signed delivery: keep it under 200ms"));
        assert_eq!(at(300).status, Status::Warn);
        let fail = at(301);
        assert_eq!(fail.status, Status::Fail);
        assert!(
            fail.summary
                .ends_with("over the 300ms set in [webhook_endpoint] fail_above (ClickUp counts it failed over 7s)"),
            "{}",
            fail.summary
        );
    }

    #[test]
    fn gone_and_errors_fail() {
        let o = run(probe(d(410, 3), None, d(410, 1), d(410, 1)));
        assert_eq!(o.status, Status::Fail);
        assert!(o.summary.contains("410 Gone"), "{}", o.summary);
        assert_eq!(run(probe(d(500, 3), None, d(403, 1), d(403, 1))).status, Status::Fail);
        let refused = Delivery { result: Err(ApiError::local("POST", "refused")), elapsed: Duration::ZERO };
        assert_eq!(run(probe(refused.clone(), None, refused.clone(), refused)).status, Status::Fail);
    }

    #[test]
    fn a_genuine_delivery_answered_401_fails_as_an_immediate_suspension() {
        for o in [
            run(probe(d(401, 3), None, d(401, 1), d(401, 1))),
            run(probe(d(200, 3), Some(d(401, 3)), d(403, 1), d(403, 1))),
        ] {
            assert_eq!(o.status, Status::Fail);
            assert!(o.summary.contains("401 Unauthorized: ClickUp suspends the webhook at once"), "{}", o.summary);
            assert!(o.hint.as_deref().is_some_and(|h| h.contains("never answer 401 or 410")), "{:?}", o.hint);
        }
        let other = run(probe(d(403, 3), None, d(403, 1), d(403, 1)));
        assert_eq!(other.status, Status::Fail, "any non-2xx to a genuine delivery fails");
        assert!(!other.summary.contains("at once"), "only 401 and 410 suspend at once: {}", other.summary);
    }

    #[test]
    fn rejecting_bad_signatures_with_401_warns_and_advises_400_or_403() {
        for (forged, unsigned, named) in [(401, 400, "(wrong signature)"), (403, 401, "(no signature)")] {
            let o = run(probe(d(200, 3), Some(d(200, 3)), d(forged, 1), d(unsigned, 1)));
            assert_eq!(o.status, Status::Warn, "{forged}/{unsigned}");
            assert!(o.summary.contains(named) && o.summary.contains("answer 400 or 403 instead"), "{}", o.summary);
        }
        let both = run(probe(d(200, 3), Some(d(200, 3)), d(401, 1), d(401, 1)));
        assert_eq!(both.status, Status::Warn);
        assert!(both.summary.contains("(wrong signature, no signature)"), "one finding: {}", both.summary);
        assert_eq!(run(probe(d(200, 3), Some(d(200, 3)), d(400, 1), d(403, 1))).status, Status::Pass);
    }

    #[test]
    fn rejecting_the_noncanonical_delivery_fails_naming_the_raw_body() {
        let o = run(probe_all(d(200, 3), Some(d(200, 3)), Some(d(403, 2)), d(403, 1), d(400, 1)));
        assert_eq!(o.status, Status::Fail);
        assert!(o.summary.contains("(HTTP 403): it verifies the signature over re-serialised JSON, not the raw body"));
        assert!(o.details.iter().any(|l| l.contains("ClickUp signs the exact bytes it sends")), "{:?}", o.details);
        assert!(o.hint.as_deref().is_some_and(|h| h.contains("raw request body")), "{:?}", o.hint);
        let with_401 = run(probe_all(d(200, 3), Some(d(200, 3)), Some(d(401, 2)), d(401, 1), d(401, 1)));
        assert_eq!(with_401.status, Status::Fail);
        assert!(with_401.summary.contains("not the raw body; and a 401 makes ClickUp suspend"), "{}", with_401.summary);
        let unsent = run(probe_all(d(500, 3), None, None, d(403, 1), d(403, 1)));
        assert!(!unsent.summary.contains("raw body"), "no raw-body verdict without an accepted canonical delivery");
        assert!(unsent.details.iter().any(|l| l.contains("non-canonical not sent (first delivery failed)")));
    }

    #[test]
    fn a_duplicate_that_errors_fails() {
        let o = run(probe(d(200, 3), Some(d(409, 3)), d(403, 1), d(403, 1)));
        assert_eq!(o.status, Status::Fail);
        assert!(o.summary.contains("duplicate") && o.summary.contains("idempotent"), "{}", o.summary);
    }

    #[test]
    fn accepting_forged_or_unsigned_deliveries_fails() {
        let o = run(probe(d(200, 3), Some(d(200, 3)), d(200, 1), d(403, 1)));
        assert_eq!(o.status, Status::Fail);
        assert!(o.summary.contains("endpoint accepts forged deliveries"), "{}", o.summary);
        assert_eq!(run(probe(d(200, 3), Some(d(200, 3)), d(403, 1), d(204, 1))).status, Status::Fail);
        assert_eq!(
            run(probe(d(200, 3), Some(d(200, 3)), d(500, 1), d(403, 1))).status,
            Status::Warn,
            "5xx is not a rejection"
        );
    }

    #[test]
    fn no_receivers_is_skip() {
        assert_eq!(run(Evidence::default()).status, Status::Skip);
    }
}
