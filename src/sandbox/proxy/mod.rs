//! The drill's HTTPS proxy: lets an integration that hard-codes
//! `https://api.clickup.com` reach the drill world without a code change.
//!
//! Many integrations never read `CLICKUP_API_URL`. Run with [`Proxy::child_env`]
//! in their environment, their HTTP library sends `CONNECT api.clickup.com:443`
//! here; the proxy answers `200`, completes the TLS handshake itself with a
//! certificate for `api.clickup.com` signed by a CA made for this run (the
//! child is told to trust that CA, and only it), and relays the decrypted
//! HTTP/1.1 to the world's loopback address, keep-alive included.
//!
//! What it never does:
//! - connect anywhere but the world's loopback address: that address is
//!   fixed when the proxy starts (a non-loopback one is refused), and the one
//!   function that opens a connection (`Upstream::dial`) takes no address;
//! - forward to the real `api.clickup.com`, resolve a name, or tunnel to any
//!   other host or port: such a `CONNECT` gets `403` with a one-line reason
//!   and is recorded ([`Proxy::refused`]) for the drill to report;
//! - forward plain-HTTP requests (`GET http://…`), even for
//!   `api.clickup.com`: the token would travel in clear text, so they are
//!   refused and recorded the same way;
//! - write the CA's private key anywhere: only its certificate is written,
//!   to a private directory removed when the proxy is dropped.

mod authority;
mod tunnel;

use std::ffi::OsString;
use std::net::{Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::model::Message;
use crate::text::{self, OutsideText, Sanitizer};

/// The one host the proxy impersonates, on port [`PORT`].
const HOST: &str = "api.clickup.com";
/// The one port a `CONNECT` may ask for.
const PORT: u16 = 443;
/// Where the child goes without the proxy: the world itself and anything
/// else on loopback (its own health endpoint, its webhook receiver).
const NO_PROXY: &str = "localhost,127.0.0.1,::1";
/// Distinct refused targets kept; past it they are only counted, so a client
/// that tries a new host each time cannot grow the list without bound.
const REFUSED_CAPACITY: usize = 64;

/// Why the proxy could not start.
#[derive(Debug, thiserror::Error)]
pub enum ProxyError {
    /// The world must be on loopback: the proxy forwards nowhere else.
    #[error("the drill proxy forwards only to a loopback address, not {0}")]
    NotLoopback(SocketAddr),
    /// The system gave no randomness for the run's name.
    #[error("the drill proxy found no source of randomness")]
    Randomness,
    /// rcgen could not make the CA or the leaf.
    #[error("the drill proxy could not make its certificates: {0}")]
    Certificate(#[from] rcgen::Error),
    /// rustls refused the generated identity.
    #[error("the drill proxy's TLS set-up failed: {0}")]
    Tls(#[from] rustls::Error),
    /// No port on 127.0.0.1.
    #[error("the drill proxy could not listen on 127.0.0.1: {0}")]
    Listen(#[source] std::io::Error),
    /// The CA certificate could not be written for the child.
    #[error("the drill proxy could not write its CA certificate under {dir}: {source}", dir = dir.display())]
    CaFile {
        /// The temporary directory it tried.
        dir: PathBuf,
        /// What went wrong.
        source: std::io::Error,
    },
}

/// How a refused request asked to go somewhere.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Asked {
    /// `CONNECT host:port` for a host or port other than `api.clickup.com:443`.
    Connect,
    /// Any other method: a plain-HTTP request through the proxy.
    PlainHttp,
}

/// A destination the integration tried to reach through the proxy, refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// What it asked for: `host:port` (sanitized; the client controls it).
    pub target: OutsideText,
    /// How it asked.
    pub asked: Asked,
    /// How many times it asked.
    pub count: u64,
    /// When it first asked, from the proxy's start.
    pub first_at: Duration,
}

impl Refusal {
    /// The report line for it, in the drill's words.
    pub fn message(&self) -> Message {
        match self.asked {
            Asked::Connect => crate::message!(
                "the integration tried to reach {} through the proxy ({} times); refused: only api.clickup.com:443 is served",
                self.target,
                self.count
            ),
            Asked::PlainHttp => crate::message!(
                "the integration sent plain-HTTP requests for {} through the proxy ({} times); refused: HTTPS only",
                self.target,
                self.count
            ),
        }
    }
}

/// The one place the proxy opens a connection: to the world, whose address
/// it was given at start. It takes no address, so no request can steer it.
#[derive(Debug)]
struct Upstream {
    world: SocketAddr,
    dials: AtomicU64,
}

impl Upstream {
    /// Connects to the world.
    async fn dial(&self) -> std::io::Result<TcpStream> {
        self.dials.fetch_add(1, Ordering::Relaxed);
        TcpStream::connect(self.world).await
    }
}

/// What the accept loop and every connection share.
struct Shared {
    upstream: Upstream,
    acceptor: tokio_rustls::TlsAcceptor,
    sanitizer: Sanitizer,
    started: Instant,
    refusals: Mutex<Refusals>,
    failed_handshakes: AtomicU64,
}

impl std::fmt::Debug for Shared {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The acceptor holds the leaf's private key: not shown.
        f.debug_struct("Shared")
            .field("upstream", &self.upstream)
            .field("refusals", &self.refusals)
            .finish_non_exhaustive()
    }
}

#[derive(Debug, Default)]
struct Refusals {
    listed: Vec<Refusal>,
    unlisted: u64,
}

impl Shared {
    /// Records a refused request for `raw_target` (the client's text).
    fn refuse(&self, asked: Asked, raw_target: &str) {
        let target = self.sanitizer.line(raw_target, text::NAME);
        let at = self.started.elapsed();
        let mut refusals = self.refusals.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(known) = refusals.listed.iter_mut().find(|r| r.asked == asked && r.target == target) {
            known.count += 1;
        } else if refusals.listed.len() < REFUSED_CAPACITY {
            refusals.listed.push(Refusal { target, asked, count: 1, first_at: at });
        } else {
            refusals.unlisted += 1;
        }
    }
}

/// A running proxy. Dropping it stops accepting, ends every tunnel and
/// removes the CA certificate's directory; [`Proxy::shutdown`] does the same
/// and waits until the port is closed.
#[derive(Debug)]
pub struct Proxy {
    addr: SocketAddr,
    ca_pem: String,
    shared: Arc<Shared>,
    stop: Option<oneshot::Sender<()>>,
    accepting: Option<JoinHandle<()>>,
    // Declared last so that it is removed after the loop is told to stop.
    ca_file: authority::CaFile,
}

impl Proxy {
    /// Makes this run's CA and `api.clickup.com` leaf, writes the CA
    /// certificate to a private temporary file, and listens on
    /// `127.0.0.1:0`, forwarding tunnels to `world` (which must be a
    /// loopback address: the drill world's [`Sandbox::addr`](super::Sandbox::addr)).
    /// Refused targets are sanitized by `sanitizer` (give it the run's
    /// secrets). Needs a Tokio runtime.
    pub async fn start(world: SocketAddr, sanitizer: Sanitizer) -> Result<Proxy, ProxyError> {
        if !world.ip().is_loopback() {
            return Err(ProxyError::NotLoopback(world));
        }
        let run = authority::run_id()?;
        let authority = authority::Authority::generate(&run, time::OffsetDateTime::now_utc())?;
        let ca_file = authority::CaFile::write(&authority.ca_pem, &run)
            .map_err(|source| ProxyError::CaFile { dir: std::env::temp_dir(), source })?;
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).await.map_err(ProxyError::Listen)?;
        let addr = listener.local_addr().map_err(ProxyError::Listen)?;
        let shared = Arc::new(Shared {
            upstream: Upstream { world, dials: AtomicU64::new(0) },
            acceptor: tokio_rustls::TlsAcceptor::from(authority.server),
            sanitizer,
            started: Instant::now(),
            refusals: Mutex::default(),
            failed_handshakes: AtomicU64::new(0),
        });
        let (stop, stopped) = oneshot::channel();
        let accepting = tokio::spawn(tunnel::accept_loop(listener, Arc::clone(&shared), stopped));
        Ok(Proxy { addr, ca_pem: authority.ca_pem, shared, stop: Some(stop), accepting: Some(accepting), ca_file })
    }

    /// The address it listens on (always `127.0.0.1`).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The proxy's URL, as `HTTPS_PROXY` carries it: `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The CA certificate file the child is told to trust (PEM, mode 0600).
    pub fn ca_file(&self) -> &Path {
        self.ca_file.path()
    }

    /// The CA certificate as PEM, for a client built in-process.
    pub fn ca_pem(&self) -> &str {
        &self.ca_pem
    }

    /// The environment a child needs so that its HTTPS requests for
    /// `api.clickup.com` come here and trust this run's CA: the proxy in
    /// `HTTPS_PROXY`/`https_proxy` (and `NODE_USE_ENV_PROXY=1`, which makes
    /// Node's built-in `fetch` and `https` honour it), the CA file in
    /// `SSL_CERT_FILE` (OpenSSL, Go, Ruby), `REQUESTS_CA_BUNDLE` (Python
    /// requests), `NODE_EXTRA_CA_CERTS` and `CURL_CA_BUNDLE`, and loopback in
    /// `NO_PROXY`/`no_proxy` so that `CLICKUP_API_URL` and the child's own
    /// loopback servers are reached directly.
    pub fn child_env(&self) -> Vec<(&'static str, OsString)> {
        let proxy = OsString::from(self.url());
        let ca = self.ca_file().as_os_str().to_owned();
        vec![
            ("HTTPS_PROXY", proxy.clone()),
            ("https_proxy", proxy),
            ("NODE_USE_ENV_PROXY", OsString::from("1")),
            ("SSL_CERT_FILE", ca.clone()),
            ("REQUESTS_CA_BUNDLE", ca.clone()),
            ("NODE_EXTRA_CA_CERTS", ca.clone()),
            ("CURL_CA_BUNDLE", ca),
            ("NO_PROXY", OsString::from(NO_PROXY)),
            ("no_proxy", OsString::from(NO_PROXY)),
        ]
    }

    /// The destinations refused so far, each once with its count, in the
    /// order first seen (at most 64; see [`Proxy::unlisted_refusals`]).
    pub fn refused(&self) -> Vec<Refusal> {
        self.shared.refusals.lock().unwrap_or_else(PoisonError::into_inner).listed.clone()
    }

    /// Refused requests for targets past the 64 listed, counted only.
    pub fn unlisted_refusals(&self) -> u64 {
        self.shared.refusals.lock().unwrap_or_else(PoisonError::into_inner).unlisted
    }

    /// Tunnels to `api.clickup.com:443` whose TLS handshake failed: the
    /// child reached the proxy but did not trust this run's CA (it ignores
    /// the CA variables, or pins certificates). Nothing was forwarded.
    pub fn failed_handshakes(&self) -> u64 {
        self.shared.failed_handshakes.load(Ordering::Relaxed)
    }

    /// Stops accepting, ends every tunnel, waits until the port is closed,
    /// and removes the CA certificate.
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(accepting) = self.accepting.take() {
            if let Err(e) = accepting.await {
                tracing::debug!(error = %e, "the drill proxy's accept loop ended abnormally");
            }
        }
    }
}

#[cfg(test)]
mod tests;
