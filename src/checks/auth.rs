//! `auth`: the first `GET /user` answers 200 with the user the token
//! belongs to.
//!
//! A 401/403 names ClickUp's `ECODE` with what it means; a server error,
//! timeout or refused connection is "API unreachable"; a 200 whose body is
//! not a user is ERROR, never PASS.

use super::api_error::{judge_error, note_attempts, with_api_codes};
use super::{CheckId, EVIDENCE_MISSING, FindingCode, Needs, Outcome, Status};
use crate::evidence::Evidence;
use crate::message;

const ID: CheckId = CheckId::Auth;

/// Every finding code `auth` reports (public API): the shared API-error
/// codes, and `evidence-missing` when no `/user` exchange was gathered.
pub const CODES: &[FindingCode] = with_api_codes![EVIDENCE_MISSING];

/// One `GET /user`: its answer is the verdict.
pub fn needs() -> Needs {
    Needs { user_samples: 1, ..Needs::NONE }
}

/// Evaluates the auth request (the first `/user` sample).
pub fn evaluate(evidence: &Evidence) -> Outcome {
    let Some(probe) = evidence.user.first() else {
        return Outcome::new(ID, Status::Error, "no GET /user exchange was gathered").found(EVIDENCE_MISSING);
    };
    let kind = evidence.token_kind.map_or("a token", |k| k.describe());
    let outcome = match &probe.result {
        Ok(user) => {
            let who = user
                .username
                .as_ref()
                .filter(|u| !u.trim().is_empty())
                .map_or_else(|| message!("user id {}", user.id), |name| message!("{} (user id {})", name, user.id));
            Outcome::new(ID, Status::Pass, message!("authenticated as {} with {}", who, kind))
        }
        Err(error) => judge_error(ID, error),
    };
    note_attempts(outcome.took(probe.elapsed), [probe])
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::client::{ApiError, User};
    use crate::evidence::Probe;
    use crate::token::TokenKind;

    fn with_user(result: Result<User, ApiError>) -> Evidence {
        Evidence {
            token_kind: Some(TokenKind::Personal),
            user: vec![Probe {
                result,
                elapsed: Duration::from_millis(120),
                rate_limit: Default::default(),
                attempts: 1,
            }],
            ..Evidence::default()
        }
    }

    fn http(status: u16, ecode: Option<&str>) -> ApiError {
        ApiError::Http {
            endpoint: "GET /user".into(),
            status,
            ecode: ecode.map(Into::into),
            err: Some("Token invalid".into()),
        }
    }

    #[test]
    fn a_user_passes_and_is_named_by_username_and_kind() {
        let o = evaluate(&with_user(Ok(User { id: 7, username: Some("ops-bot".into()), email: None })));
        assert_eq!(o.status, Status::Pass);
        assert_eq!(o.summary, "authenticated as ops-bot (user id 7) with a personal token");
        assert_eq!(o.duration, Duration::from_millis(120));
    }

    #[test]
    fn a_user_without_username_is_named_by_id() {
        let o = evaluate(&with_user(Ok(User { id: 7, username: None, email: None })));
        assert!(o.summary.contains("user id 7"), "{}", o.summary);
    }

    #[test]
    fn refused_tokens_fail_with_the_ecode_meaning() {
        let o = evaluate(&with_user(Err(http(401, Some("OAUTH_025")))));
        assert_eq!(o.status, Status::Fail);
        assert!(o.summary.contains("invalid") && o.summary.contains("OAUTH_025"), "{}", o.summary);
        let o = evaluate(&with_user(Err(http(400, Some("OAUTH_017")))));
        assert!(o.summary.contains("header is missing"), "{}", o.summary);
        let o = evaluate(&with_user(Err(http(401, Some("OAUTH_999")))));
        assert_eq!(o.status, Status::Fail);
        assert!(o.summary.contains("OAUTH_999"), "unknown codes are shown: {}", o.summary);
    }

    #[test]
    fn server_errors_and_timeouts_are_unreachable() {
        for error in [
            http(503, None),
            ApiError::Timeout { endpoint: "GET /user".into(), after: Duration::from_secs(10) },
            ApiError::local("GET /user", "could not connect"),
            ApiError::Deadline { endpoint: "GET /user".into() },
        ] {
            let o = evaluate(&with_user(Err(error)));
            assert_eq!(o.status, Status::Fail);
            assert!(o.summary.starts_with("API unreachable"), "{}", o.summary);
        }
    }

    #[test]
    fn undecodable_bodies_are_errors_never_passes() {
        let decode = ApiError::Decode { endpoint: "GET /user".into(), reason: "missing field `user`".into() };
        assert_eq!(evaluate(&with_user(Err(decode))).status, Status::Error);
        let big = ApiError::TooLarge { endpoint: "GET /user".into(), limit: 10 };
        assert_eq!(evaluate(&with_user(Err(big))).status, Status::Error);
        assert_eq!(evaluate(&Evidence::default()).status, Status::Error);
    }

    #[test]
    fn rate_limited_is_inconclusive_and_redirects_fail() {
        assert_eq!(evaluate(&with_user(Err(http(429, Some("APP_002"))))).status, Status::Error);
        let redirect =
            ApiError::CrossOriginRedirect { endpoint: "GET /user".into(), to: "https://evil.example".into() };
        assert_eq!(evaluate(&with_user(Err(redirect))).status, Status::Fail);
        assert_eq!(evaluate(&with_user(Err(http(404, None)))).status, Status::Fail);
    }
}
