//! One client connection to the proxy: hyper reads its requests (so a
//! malformed head is hyper's problem, answered `400`); a `CONNECT
//! api.clickup.com:443` is answered `200` and becomes a tunnel, anything
//! else `403` and a record.
//!
//! A tunnel is TLS terminated here with the run's leaf, then a byte relay to
//! one connection to the world: HTTP/1.1 keep-alive, pipelining and bodies
//! pass through untouched, and the world sees the requests as the client
//! wrote them. The world is dialled only after the handshake succeeded, so a
//! client that does not trust the CA causes no connection at all.

use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex, PoisonError};

use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::upgrade::OnUpgrade;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;
use tokio::task::JoinSet;

use super::{Asked, HOST, PORT, Shared};

/// The body of every refusal: one line, the same whatever was asked, so
/// that nothing the client sent is echoed back.
const REFUSED: &str = "clickup-preflight drill proxy: refused; only CONNECT api.clickup.com:443 is served, and nothing is forwarded to the real host\n";

/// Accepts clients until `stop` fires (or its sender is dropped), then
/// ends every connection and tunnel still open and closes the port.
pub(super) async fn accept_loop(listener: TcpListener, shared: Arc<Shared>, mut stop: oneshot::Receiver<()>) {
    let mut clients = JoinSet::new();
    loop {
        tokio::select! {
            _ = &mut stop => break,
            accepted = listener.accept() => {
                while clients.try_join_next().is_some() {}
                match accepted {
                    Ok((stream, _)) => {
                        clients.spawn(serve_client(stream, Arc::clone(&shared)));
                    }
                    Err(e) => tracing::debug!(error = %e, "the drill proxy could not accept a connection"),
                }
            }
        }
    }
    drop(listener);
    clients.shutdown().await;
}

/// Serves one client: its requests until it upgrades to a tunnel or leaves.
async fn serve_client(stream: TcpStream, shared: Arc<Shared>) {
    // The service puts the pending upgrade here; hyper hands the connection
    // over once the `200` is written, and this task carries the tunnel on.
    let upgrade: Arc<Mutex<Option<OnUpgrade>>> = Arc::default();
    let slot = Arc::clone(&upgrade);
    let answered = Arc::clone(&shared);
    let service = service_fn(move |request| {
        let answer = answer(&answered, &slot, request);
        async move { Ok::<_, std::convert::Infallible>(answer) }
    });
    let served = http1::Builder::new().serve_connection(TokioIo::new(stream), service).with_upgrades().await;
    if let Err(e) = served {
        tracing::debug!(error = %e, "a drill proxy client connection ended with an error");
        return;
    }
    let pending = upgrade.lock().unwrap_or_else(PoisonError::into_inner).take();
    if let Some(pending) = pending {
        match pending.await {
            Ok(upgraded) => relay(TokioIo::new(upgraded), &shared).await,
            Err(e) => tracing::debug!(error = %e, "a drill proxy tunnel was not taken up"),
        }
    }
}

/// Answers one request on the proxy: `200` and a pending tunnel for the one
/// allowed `CONNECT`, `403` and a record for anything else.
fn answer(shared: &Shared, slot: &Mutex<Option<OnUpgrade>>, mut request: Request<Incoming>) -> Response<Full<Bytes>> {
    if request.method() == Method::CONNECT {
        let authority = request.uri().authority();
        let allowed = authority.is_some_and(|a| a.host().eq_ignore_ascii_case(HOST) && a.port_u16() == Some(PORT));
        if allowed {
            *slot.lock().unwrap_or_else(PoisonError::into_inner) = Some(hyper::upgrade::on(&mut request));
            return Response::new(Full::default());
        }
        shared.refuse(Asked::Connect, &target_of(&request));
    } else {
        shared.refuse(Asked::PlainHttp, &target_of(&request));
    }
    let mut refused = Response::new(Full::new(Bytes::from_static(REFUSED.as_bytes())));
    *refused.status_mut() = StatusCode::FORBIDDEN;
    refused
}

/// Where a request wanted to go, as the client wrote it: the authority of
/// its target (`CONNECT host:port`, `GET http://host/…`), else its `Host`.
fn target_of(request: &Request<Incoming>) -> String {
    if let Some(authority) = request.uri().authority() {
        return authority.as_str().to_owned();
    }
    let host = request.headers().get(hyper::header::HOST).and_then(|h| h.to_str().ok());
    host.unwrap_or("(no host named)").to_owned()
}

/// Terminates TLS as `api.clickup.com`, then relays bytes both ways between
/// the client and one fresh connection to the world until either side ends.
async fn relay<T>(client: T, shared: &Shared)
where
    T: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
{
    let mut decrypted = match shared.acceptor.accept(client).await {
        Ok(tls) => tls,
        Err(e) => {
            shared.failed_handshakes.fetch_add(1, Ordering::Relaxed);
            tracing::debug!(error = %e, "a client refused the drill proxy's certificate");
            return;
        }
    };
    let mut world = match shared.upstream.dial().await {
        Ok(world) => world,
        Err(e) => {
            tracing::debug!(error = %e, "the drill proxy could not reach the world");
            return;
        }
    };
    if let Err(e) = tokio::io::copy_bidirectional(&mut decrypted, &mut world).await {
        tracing::debug!(error = %e, "a drill proxy tunnel ended with an error");
    }
}
