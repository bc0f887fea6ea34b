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
    #[error("{endpoint} failed: {}", transport_text(.cause, .host, .reason))]
    Transport {
        /// e.g. `GET /user`.
        endpoint: String,
        /// What kind of failure, so that the hint can say where to look.
        cause: TransportCause,
        /// The host the request was for (sanitized: it came from a flag or
        /// `checks.toml`), empty when unknown.
        host: OutsideText,
        /// The transport's own reason, without the URL (sanitized: a TLS
        /// error can quote a server's certificate).
        reason: OutsideText,
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

/// Why a connection failed, as far as the transport tells: each cause has
/// its own remedy, so "check network egress" is not said to a typo in a
/// host name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransportCause {
    /// The host name does not resolve.
    Dns,
    /// Nothing accepts connections at that address and port.
    Refused,
    /// The TLS handshake failed (certificate, protocol, intercepting proxy).
    Tls,
    /// The connection broke, or a cause the transport does not name.
    Other,
}

/// The one-line reason: the cause in the user's words, then the
/// transport's own text where it adds something.
fn transport_text(cause: &TransportCause, host: &OutsideText, reason: &OutsideText) -> String {
    let at = if host.is_empty() { String::new() } else { format!(" {host}") };
    match cause {
        TransportCause::Dns => format!("cannot resolve the host{at} (DNS)"),
        TransportCause::Refused => format!("connection to{at} refused"),
        TransportCause::Tls => format!("TLS handshake with{at} failed: {reason}"),
        TransportCause::Other => reason.to_string(),
    }
}

fn ecode_suffix(ecode: &Option<OutsideText>, err: &Option<OutsideText>) -> String {
    match (ecode, err) {
        (Some(code), Some(msg)) => format!(" ({code}: {msg})"),
        (Some(code), None) => format!(" ({code})"),
        (None, Some(msg)) => format!(" ({msg})"),
        (None, None) => String::new(),
    }
}

/// Its `Display` is the endpoint (the program's words and validated ids)
/// and sanitized outside text; never a body.
impl crate::model::Shown for ApiError {}

impl ApiError {
    /// A transport failure that happened inside this process (a URL that
    /// cannot take a path, a task that ended early): no host to blame.
    pub fn local(endpoint: &str, reason: &str) -> Self {
        ApiError::Transport {
            endpoint: endpoint.to_owned(),
            cause: TransportCause::Other,
            host: OutsideText::default(),
            reason: crate::text::Sanitizer::shapes_only().line(reason, crate::text::MESSAGE),
        }
    }

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
