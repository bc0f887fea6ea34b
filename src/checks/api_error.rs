//! How a failed ClickUp exchange becomes a verdict. Shared by every check
//! that reads an API answer, so that "API unreachable" and a refused token
//! read the same wherever they surface.

use super::{CheckId, FindingCode, Message, MetricKey, Outcome, Status};
use crate::client::{ApiError, TransportCause};
use crate::evidence::Probe;
use crate::message;

/// What ClickUp's error codes mean, in the user's terms (its common-errors
/// page and observed answers). A team refusal is also what ClickUp answers
/// for an id that does not exist, so it never claims the token is bad.
pub fn ecode_meaning(ecode: &str) -> Option<&'static str> {
    Some(match ecode {
        "OAUTH_017" => "the Authorization header is missing",
        "OAUTH_019" => "the token was not found",
        "OAUTH_025" => "the token is invalid (revoked, regenerated or mistyped)",
        code if TOKEN_INVALID_ECODES.contains(&code) => "the token was not found or was revoked",
        code if is_team_refusal(code) => {
            "the team is not authorised: the token has no access to that workspace, or the id does not exist \
             (ClickUp answers both alike)"
        }
        "APP_002" => "the rate limit was reached",
        _ => return None,
    })
}

/// The ECODEs with which ClickUp says the token itself is invalid or
/// revoked: the only answers that justify a new token.
const TOKEN_INVALID_ECODES: [&str; 5] = ["OAUTH_018", "OAUTH_019", "OAUTH_021", "OAUTH_025", "OAUTH_077"];

/// What to do about a refused token. A new personal token revokes the old
/// one, which production may still be using: that advice is given only
/// when ClickUp's ECODE says the token is invalid or revoked.
fn refusal_hint(ecode: Option<&str>) -> &'static str {
    match ecode {
        Some(code) if TOKEN_INVALID_ECODES.contains(&code) => {
            "generate a new token in ClickUp (Settings > Apps), update the deployed secret, and redeploy"
        }
        Some("OAUTH_017") => "the Authorization header did not arrive: check proxies between here and the API",
        Some(code) if is_team_refusal(code) => {
            "the token's user has no access to this workspace: add the user to it, or use a token of one who has"
        }
        _ => {
            "ClickUp refused the token without saying it is invalid: check that the deployed value is exactly the \
             token and that --api-url is ClickUp's; do not replace a personal token before knowing why \
             (a new one revokes the one in use)"
        }
    }
}

/// ClickUp's "team not authorised" ECODEs: the token works, the workspace
/// is not one it may reach.
fn is_team_refusal(ecode: &str) -> bool {
    let number = ecode.strip_prefix("OAUTH_").and_then(|n| n.parse::<u16>().ok());
    matches!(number, Some(23 | 26 | 27 | 29..=45))
}

/// Records how many requests the exchanges took: an `attempts` metric, and
/// a detail line when any needed retries, so that a PASS on a flaky API
/// says so.
pub fn note_attempts<'a, T: 'a>(mut outcome: Outcome, probes: impl IntoIterator<Item = &'a Probe<T>>) -> Outcome {
    let (mut exchanges, mut attempts, mut retried) = (0u32, 0u32, 0u32);
    for p in probes {
        exchanges += 1;
        attempts += p.attempts;
        retried += u32::from(p.attempts > 1);
    }
    if retried > 0 {
        outcome.details.push(message!(
            "{} of {} requests needed retries ({} attempts in all): the API is flaky",
            retried,
            exchanges,
            attempts
        ));
    }
    outcome.metric(MetricKey::Attempts, f64::from(attempts))
}

/// Whether an error means the API gave no usable answer at all: a server
/// error, a timeout, the deadline, or a broken connection.
pub fn is_unreachable(error: &ApiError) -> bool {
    match error {
        ApiError::Http { status, .. } => *status >= 500,
        ApiError::Timeout { .. }
        | ApiError::Deadline { .. }
        | ApiError::Transport { .. }
        | ApiError::CircuitOpen { .. } => true,
        ApiError::Decode { .. }
        | ApiError::TooLarge { .. }
        | ApiError::CrossOriginRedirect { .. }
        | ApiError::OverBudget { .. } => false,
    }
}

/// Where to look when a server gave no usable answer, by what happened:
/// a name that does not resolve is a typo or DNS, not egress; an HTTP 5xx
/// came from the server, so the network is fine. `flag` names the setting
/// that holds the URL.
pub fn unreachable_hint(error: &ApiError, flag: &'static str) -> Message {
    match error {
        ApiError::Transport { cause: TransportCause::Dns, host, .. } => {
            message!("{} does not resolve from here: check the host name in {} and this machine's DNS", host, flag)
        }
        ApiError::Transport { cause: TransportCause::Refused, host, .. } => message!(
            "nothing accepts connections at {}: check the host and port in {}, and HTTPS_PROXY if a proxy is in the way",
            host,
            flag
        ),
        ApiError::Transport { cause: TransportCause::Tls, host, .. } => message!(
            "TLS with {} failed: a proxy that intercepts TLS needs its CA trusted here; check the system clock too",
            host
        ),
        ApiError::Http { status, .. } => message!(
            "the server answered HTTP {}: the failure is on its side, not the network's; check ClickUp's status page and run again later",
            status
        ),
        ApiError::CircuitOpen { .. } => {
            Message::from("the API failed several times in a row this run; the first failure above says why")
        }
        _ => Message::from("check network egress to the host, proxy settings (HTTPS_PROXY), and ClickUp's status page"),
    }
}

/// The API answered 429: the check could not be evaluated (ERROR).
pub const RATE_LIMITED: FindingCode = "rate-limited";
/// The token was refused (400/401/403, with ClickUp's `ECODE` meaning).
pub const TOKEN_REFUSED: FindingCode = "token-refused";
/// Another 4xx: most often an API URL that is not the v2 base.
pub const UNEXPECTED_ANSWER: FindingCode = "unexpected-answer";
/// 5xx, timeout, transport failure or an open circuit breaker.
pub const API_UNREACHABLE: FindingCode = "api-unreachable";
/// The API redirected to another origin; the token is not sent there.
pub const CROSS_ORIGIN_REDIRECT: FindingCode = "cross-origin-redirect";
/// The answer was not ClickUp's shape or too large to read (ERROR).
pub const UNREADABLE_ANSWER: FindingCode = "unreadable-answer";

/// The run's request budget did not allow the request (SKIP).
pub const OVER_BUDGET: FindingCode = "over-budget";

/// The codes [`judge_error`] reports; every check that calls the API
/// includes them in its own list.
pub const CODES: [FindingCode; 7] = [
    RATE_LIMITED,
    TOKEN_REFUSED,
    UNEXPECTED_ANSWER,
    API_UNREACHABLE,
    CROSS_ORIGIN_REDIRECT,
    UNREADABLE_ANSWER,
    OVER_BUDGET,
];

/// A check's own codes followed by the shared API-error codes ([`CODES`]),
/// as one const list: every check that calls the API declares it this way,
/// so the shared codes are written once.
macro_rules! with_api_codes {
    ($($own:expr),* $(,)?) => {
        &[
            $($own,)*
            $crate::checks::api_error::RATE_LIMITED,
            $crate::checks::api_error::TOKEN_REFUSED,
            $crate::checks::api_error::UNEXPECTED_ANSWER,
            $crate::checks::api_error::API_UNREACHABLE,
            $crate::checks::api_error::CROSS_ORIGIN_REDIRECT,
            $crate::checks::api_error::UNREADABLE_ANSWER,
            $crate::checks::api_error::OVER_BUDGET,
        ]
    };
}
pub(super) use with_api_codes;

/// How a failed ClickUp exchange reads, for every check that calls the API:
/// an unreachable API (5xx, timeout, transport) and a refused token FAIL; a
/// 429 or an undecodable body cannot be judged and is ERROR.
pub fn judge_error(id: CheckId, error: &ApiError) -> Outcome {
    match error {
        ApiError::Http { status: 429, .. } => {
            Outcome::new(id, Status::Error, message!("rate limited, cannot evaluate: {}", error))
                .found(RATE_LIMITED)
                .hint("wait for the rate-limit window to reset, then run again")
        }
        ApiError::Http { status: 400 | 401 | 403, ecode, .. } => {
            let meaning = ecode.as_deref().and_then(ecode_meaning).unwrap_or("the token was refused");
            Outcome::new(id, Status::Fail, message!("{}: {}", meaning, error))
                .found(TOKEN_REFUSED)
                .hint(refusal_hint(ecode.as_deref()))
        }
        ApiError::Http { status, .. } if *status < 500 => {
            Outcome::new(id, Status::Fail, message!("unexpected answer: {}", error))
                .found(UNEXPECTED_ANSWER)
                .hint(message!("HTTP {}: is the API URL the v2 base (…/api/v2)?", status))
        }
        ApiError::Http { .. }
        | ApiError::Timeout { .. }
        | ApiError::Deadline { .. }
        | ApiError::Transport { .. }
        | ApiError::CircuitOpen { .. } => {
            Outcome::new(id, Status::Fail, message!("API unreachable: {}", error))
                .found(API_UNREACHABLE)
                .hint(unreachable_hint(error, "--api-url"))
        }
        ApiError::OverBudget { .. } => Outcome::new(id, Status::Skip, message!("{}", error))
            .found(OVER_BUDGET)
            .hint("the run leaves most of the rate-limit window to production; run again when it has headroom, or raise `api.request_budget_percent`"),
        ApiError::CrossOriginRedirect { .. } => Outcome::new(id, Status::Fail, message!("{}", error))
            .found(CROSS_ORIGIN_REDIRECT)
            .hint("point --api-url at the final API origin; the token is never sent across origins"),
        ApiError::Decode { .. } | ApiError::TooLarge { .. } => {
            Outcome::new(id, Status::Error, message!("cannot evaluate: {}", error))
                .found(UNREADABLE_ANSWER)
                .hint("the server does not speak ClickUp's API shapes: check --api-url")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unreachable_hints_point_where_the_failure_is() {
        let host = || "api.example.invalid".into();
        let transport =
            |cause| ApiError::Transport { endpoint: "GET /user".into(), cause, host: host(), reason: "x".into() };
        let dns = unreachable_hint(&transport(TransportCause::Dns), "--api-url");
        assert!(dns.contains("api.example.invalid does not resolve") && !dns.contains("egress"), "{dns}");
        assert!(unreachable_hint(&transport(TransportCause::Refused), "--api-url").contains("nothing accepts"));
        assert!(unreachable_hint(&transport(TransportCause::Tls), "--api-url").contains("TLS"));
        let answered = ApiError::Http { endpoint: "GET /user".into(), status: 503, ecode: None, err: None };
        let hint = unreachable_hint(&answered, "--api-url");
        assert!(hint.contains("HTTP 503") && !hint.contains("egress"), "{hint}");
        assert!(unreachable_hint(&transport(TransportCause::Other), "--api-url").contains("egress"));
    }

    #[test]
    fn every_documented_auth_code_has_a_meaning() {
        let documented = ["OAUTH_017", "OAUTH_018", "OAUTH_019", "OAUTH_021", "OAUTH_025", "OAUTH_077", "APP_002"];
        let team = ["OAUTH_023", "OAUTH_026", "OAUTH_027", "OAUTH_029", "OAUTH_037", "OAUTH_045"];
        for code in documented.iter().chain(&team) {
            assert!(ecode_meaning(code).is_some(), "{code}");
        }
        for code in team {
            let meaning = ecode_meaning(code).unwrap_or_default();
            assert!(meaning.contains("does not exist") && !meaning.contains("invalid"), "{code}: {meaning}");
        }
        for opaque in ["OAUTH_028", "OAUTH_046", "ITEMV2_003", "INPUT_003"] {
            assert_eq!(ecode_meaning(opaque), None, "{opaque} is shown as it is, not explained");
        }
    }

    #[test]
    fn verdicts_carry_the_calling_check() {
        let e =
            ApiError::Http { endpoint: "GET /team".into(), status: 401, ecode: Some("OAUTH_027".into()), err: None };
        let o = judge_error(CheckId::Workspaces, &e);
        assert_eq!((o.id, o.status), (CheckId::Workspaces, Status::Fail));
        assert!(o.summary.contains("no access to that workspace"), "{}", o.summary);
    }
}
