//! Why a request produced no usable answer.

use std::time::Duration;

use crate::text::OutsideText;

/// A failed exchange, as data. `Display` is one line that names the
/// endpoint and never contains the token, a URL's query or a response body
/// that could echo either.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ApiError {
    /// The server answered with a non-2xx status. `ecode` and `err` are
    /// ClickUp's error fields when the body had them.
    #[error("{endpoint} answered HTTP {status}{}", ecode_suffix(.ecode, .err))]
    Http {
        /// e.g. `GET /user`.
        endpoint: String,
        /// The HTTP status code.
        status: u16,
        /// ClickUp's `ECODE`, e.g. `OAUTH_025`.
        ecode: Option<OutsideText>,
        /// ClickUp's `err` message.
        err: Option<OutsideText>,
    },
    /// No complete answer within the per-request timeout.
    #[error("{endpoint} timed out after {}", crate::duration::human(*.after))]
    Timeout {
        /// e.g. `GET /user`.
        endpoint: String,
        /// The timeout that expired.
        after: Duration,
    },
    /// The run's overall deadline arrived first.
    #[error("{endpoint} was still unanswered at the run's deadline")]
    Deadline {
        /// e.g. `GET /user`.
        endpoint: String,
    },
    /// The connection could not be made or broke.
    #[error("{endpoint} failed: {reason}")]
    Transport {
        /// e.g. `GET /user`.
        endpoint: String,
        /// The transport's own reason, without the URL.
        reason: String,
    },
    /// A 2xx answer whose body was not what the endpoint documents.
    #[error("{endpoint} answered, but {reason}")]
    Decode {
        /// e.g. `GET /user`.
        endpoint: String,
        /// What was expected and where decoding stopped; never the body.
        reason: String,
    },
    /// The body exceeded the cap; reading stopped there.
    #[error("{endpoint} sent a body over the {limit}-byte cap; reading stopped")]
    TooLarge {
        /// e.g. `GET /user`.
        endpoint: String,
        /// The cap in bytes.
        limit: usize,
    },
    /// Not sent: the API failed hard several times in a row this run, so
    /// the circuit breaker is open.
    #[error("{endpoint} not sent: the API failed {failures} times in a row (circuit open)")]
    CircuitOpen {
        /// e.g. `GET /team`.
        endpoint: String,
        /// Consecutive hard failures that opened it.
        failures: u32,
    },
    /// Not sent: it would spend more of the rate-limit window than the run
    /// may (its share, and never the last requests).
    #[error("{endpoint} not sent: the request budget for this run is spent")]
    OverBudget {
        /// e.g. `GET /team`.
        endpoint: String,
    },
    /// A redirect to another origin, which would not carry the token and is
    /// not the API the user named.
    #[error("{endpoint} redirected to another origin ({to}); not followed")]
    CrossOriginRedirect {
        /// e.g. `GET /user`.
        endpoint: String,
        /// The origin it pointed at (scheme, host, port only).
        to: OutsideText,
    },
}

fn ecode_suffix(ecode: &Option<OutsideText>, err: &Option<OutsideText>) -> String {
    match (ecode, err) {
        (Some(code), Some(msg)) => format!(" ({code}: {msg})"),
        (Some(code), None) => format!(" ({code})"),
        (None, Some(msg)) => format!(" ({msg})"),
        (None, None) => String::new(),
    }
}

impl ApiError {
    /// The HTTP status, when the server answered.
    pub fn http_status(&self) -> Option<u16> {
        match self {
            ApiError::Http { status, .. } => Some(*status),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn http_error_names_endpoint_and_ecode() {
        let e = ApiError::Http {
            endpoint: "GET /user".into(),
            status: 401,
            ecode: Some("OAUTH_025".into()),
            err: Some("Token invalid".into()),
        };
        assert_eq!(e.to_string(), "GET /user answered HTTP 401 (OAUTH_025: Token invalid)");
    }

    #[test]
    fn timeouts_name_the_endpoint_and_the_limit() {
        let t = ApiError::Timeout { endpoint: "GET /team".into(), after: Duration::from_millis(1500) };
        assert_eq!(t.to_string(), "GET /team timed out after 1.5s");
    }
}
