//! The one place that speaks HTTP: timeouts, redirects, the body cap, the
//! User-Agent, and turning transport failures into [`ApiError`]s.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use reqwest::header::{HeaderMap, HeaderValue};
use reqwest::{Method, StatusCode, Url};

use super::ApiError;
use super::error::TransportCause;
use crate::redact::Redactor;
use crate::text::{self, Sanitizer};

/// Knobs for every request of a run.
#[derive(Debug, Clone, Copy)]
pub struct TransportOptions {
    /// Per-request limit, connect included.
    pub timeout: Duration,
    /// Largest body read, in bytes.
    pub body_cap: usize,
}

/// Counts requests actually sent, for the report and the benchmark.
#[derive(Debug, Clone, Default)]
pub struct RequestCounter(Arc<AtomicU64>);

impl RequestCounter {
    /// Records one request.
    pub fn add(&self) {
        self.0.fetch_add(1, Ordering::Relaxed);
    }

    /// Requests recorded so far.
    pub fn get(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }
}

/// A completed exchange: status, headers and the capped body.
pub(crate) struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

/// The run's one HTTP client, shared by the ClickUp and status-page
/// clients so that TLS set-up and connection pools exist once. Cheap to
/// clone.
#[derive(Debug, Clone)]
pub struct Transport {
    http: reqwest::Client,
    options: TransportOptions,
    sanitizer: Sanitizer,
}

impl Transport {
    /// Builds the client: rustls with ring, same-origin redirects only (so
    /// the token can never be carried, or even offered, to another host),
    /// explicit timeouts (reqwest has none by default). Every text an
    /// answer carries is sanitized knowing the secrets `known` holds.
    pub fn new(options: TransportOptions, known: &Redactor) -> Result<Self, super::ClientError> {
        install_crypto_provider();
        let redirects = reqwest::redirect::Policy::custom(|attempt| {
            let same_origin = attempt.previous().first().is_some_and(|first| first.origin() == attempt.url().origin());
            if !same_origin || attempt.previous().len() > 5 { attempt.stop() } else { attempt.follow() }
        });
        let http = reqwest::Client::builder()
            .user_agent(concat!("clickup-preflight/", env!("CARGO_PKG_VERSION")))
            .timeout(options.timeout)
            .connect_timeout(options.timeout)
            .redirect(redirects)
            .build()
            .map_err(|e| super::ClientError::Init(e.without_url().to_string()))?;
        Ok(Transport { http, options, sanitizer: Sanitizer::new(known) })
    }

    /// The sanitizer for text from the run's answers (and the run's other
    /// outside text, such as the repository scan), knowing its secrets.
    pub fn sanitizer(&self) -> &Sanitizer {
        &self.sanitizer
    }

    /// Sends `GET url`; see [`Transport::send`].
    pub(crate) async fn get(
        &self,
        url: Url,
        authorization: Option<&HeaderValue>,
        endpoint: &str,
    ) -> (Result<Answer, ApiError>, Duration) {
        self.send(Outgoing { method: Method::GET, url, authorization, headers: Vec::new(), json_body: None }, endpoint)
            .await
    }

    /// Sends a request, with `Authorization` when given (marked sensitive so
    /// that no debug output shows it), and reads the answer's body under the
    /// cap. The elapsed time covers sending through the end of the body.
    pub(crate) async fn send(&self, out: Outgoing<'_>, endpoint: &str) -> (Result<Answer, ApiError>, Duration) {
        let started = Instant::now();
        let mut request = self.http.request(out.method, out.url.clone());
        if let Some(value) = out.authorization {
            request = request.header(reqwest::header::AUTHORIZATION, value.clone());
        }
        for (name, value) in out.headers {
            request = request.header(name, value);
        }
        if let Some(body) = out.json_body {
            request = request.header(reqwest::header::CONTENT_TYPE, "application/json").body(body);
        }
        let host = out.url.host_str().unwrap_or_default();
        let describe = |e: &reqwest::Error| describe_error(e, endpoint, self.options.timeout, host, &self.sanitizer);
        let result = async {
            let mut response = request.send().await.map_err(|e| describe(&e))?;
            let status = response.status();
            if status.is_redirection() {
                return Err(redirect_error(&out.url, response.headers(), status, endpoint, &self.sanitizer));
            }
            let body = super::body::read_capped(&mut response, self.options.body_cap, endpoint, describe).await?;
            Ok(Answer { status, headers: response.headers().clone(), body })
        }
        .await;
        (result, started.elapsed())
    }
}

/// One request to send.
pub(crate) struct Outgoing<'a> {
    pub method: Method,
    pub url: Url,
    pub authorization: Option<&'a HeaderValue>,
    pub headers: Vec<(&'static str, String)>,
    pub json_body: Option<Vec<u8>>,
}

/// A redirect the policy stopped: another origin, or too many hops.
fn redirect_error(
    from: &Url,
    headers: &HeaderMap,
    status: StatusCode,
    endpoint: &str,
    sanitizer: &Sanitizer,
) -> ApiError {
    let target =
        headers.get(reqwest::header::LOCATION).and_then(|v| v.to_str().ok()).and_then(|loc| from.join(loc).ok());
    match target {
        Some(to) if to.origin() != from.origin() => ApiError::CrossOriginRedirect {
            endpoint: endpoint.to_owned(),
            to: sanitizer.line(&to.origin().ascii_serialization(), text::URL),
        },
        _ => ApiError::Http {
            endpoint: endpoint.to_owned(),
            status: status.as_u16(),
            ecode: None,
            err: Some(sanitizer.line("redirect not followed", text::MESSAGE)),
        },
    }
}

/// One line for a reqwest error: its cause and the transport's reasons,
/// never its URL.
fn describe_error(
    e: &reqwest::Error,
    endpoint: &str,
    timeout: Duration,
    host: &str,
    sanitizer: &Sanitizer,
) -> ApiError {
    if e.is_timeout() {
        return ApiError::Timeout { endpoint: endpoint.to_owned(), after: timeout };
    }
    let mut parts: Vec<String> = Vec::new();
    let mut cause = TransportCause::Other;
    let mut source: Option<&(dyn std::error::Error + 'static)> = std::error::Error::source(e);
    while let Some(inner) = source {
        cause = match cause {
            TransportCause::Other => classify(inner),
            known => known,
        };
        let text = inner.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        source = inner.source();
    }
    let kind = if e.is_connect() {
        "could not connect"
    } else if e.is_body() || e.is_decode() {
        "the body broke off"
    } else {
        "the request failed"
    };
    let reason = if parts.is_empty() { kind.to_owned() } else { format!("{kind}: {}", parts.join(": ")) };
    ApiError::Transport {
        endpoint: endpoint.to_owned(),
        cause,
        host: sanitizer.line(host, text::NAME),
        reason: sanitizer.line(&reason, text::MESSAGE),
    }
}

/// The cause one link of an error chain names, if any. hyper-util reports
/// resolver failures as "dns error"; the others are typed.
fn classify(error: &(dyn std::error::Error + 'static)) -> TransportCause {
    if let Some(io) = error.downcast_ref::<std::io::Error>() {
        if io.kind() == std::io::ErrorKind::ConnectionRefused {
            return TransportCause::Refused;
        }
        if io.get_ref().is_some_and(<dyn std::error::Error + Send + Sync>::is::<rustls::Error>) {
            return TransportCause::Tls;
        }
    }
    if error.is::<rustls::Error>() {
        return TransportCause::Tls;
    }
    if error.to_string().starts_with("dns error") {
        return TransportCause::Dns;
    }
    TransportCause::Other
}

/// rustls is built without a default provider (ring builds faster than
/// aws-lc on small machines); install ring once, before any client exists.
fn install_crypto_provider() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        // Err only means another provider is already installed: fine.
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
}
