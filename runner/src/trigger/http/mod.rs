//! The HTTP trigger: a hyper server that routes each request with Spin's
//! rules and runs it in a fresh instance of the matched component. A trap
//! or a timeout answers 500 for that request alone. Slow and many clients
//! cannot take the instances from the others: a body is read against a
//! clock before it takes an instance (408 when too slow), each client's
//! connections are capped (503), and a request that finds every instance
//! slot taken waits in a bounded queue (then 503 with `Retry-After`). On
//! Ctrl-C or SIGTERM it stops accepting, lets requests in flight finish,
//! then returns.
//!
//! `admission` shares the instances out, `body_guard` reads bodies against
//! the clock, `dispatch` runs a request in an instance (and serves service
//! chaining), `well_known` answers Spin's own endpoints.

pub mod admission;
pub mod body_guard;
pub mod dispatch;
pub mod well_known;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Result;
use bytes::Bytes;
use http::{HeaderValue, Method, Request, Response, StatusCode};
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use tokio::net::TcpListener;
use tokio::sync::watch;
use wasmtime_wasi_http::io::TokioIo;
use wasmtime_wasi_http::p2::body::HyperOutgoingBody;

use self::admission::{Admission, AdmissionLimits, Connections};
use self::body_guard::{BodyLimits, Head};
use self::dispatch::RouteInfo;
use crate::app::LoadedApp;
use crate::testing::controls;
use group_commit::{DurableEnd, Needs};

/// How long shutdown waits for requests in flight.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(30);
/// Connections served at once; more wait to be accepted.
const MAX_CONNECTIONS: usize = 1024;
/// How long a client may take to send a request's headers.
const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(30);

/// How the server shares itself out among clients, and whether it speaks
/// HTTPS (`--tls-cert`/`--tls-key`).
#[derive(Debug, Clone, Default)]
pub struct ServeLimits {
    pub admission: AdmissionLimits,
    pub body: BodyLimits,
    pub tls: Option<Arc<rustls::ServerConfig>>,
}

/// A connection's byte stream: plain TCP or TLS over it.
trait Stream: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send {}
impl<T: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send> Stream for T {}

pub struct Server {
    app: Arc<LoadedApp>,
    quiet: bool,
    admission: Admission,
    connections: Arc<Connections>,
    body: BodyLimits,
    tls: Option<tokio_rustls::TlsAcceptor>,
}

impl Server {
    pub fn new(app: Arc<LoadedApp>, quiet: bool, limits: ServeLimits) -> Self {
        Self {
            app,
            quiet,
            admission: Admission::new(limits.admission),
            connections: Connections::new(limits.admission.per_client_connections),
            body: limits.body,
            tls: limits.tls.map(tokio_rustls::TlsAcceptor::from),
        }
    }

    /// The scheme requests reach the components by (`spin-full-url`).
    fn scheme(&self) -> &'static str {
        if self.tls.is_some() {
            "https"
        } else {
            "http"
        }
    }

    /// Serves until `shutdown` resolves, then drains.
    pub async fn serve(
        self,
        listener: TcpListener,
        shutdown: impl std::future::Future<Output = ()>,
    ) -> Result<()> {
        let server = Arc::new(self);
        // Every connection holds a receiver; when all are dropped, the
        // connections are done.
        let (stop_tx, stop_rx) = watch::channel(false);
        tokio::pin!(shutdown);
        let slots = Arc::new(tokio::sync::Semaphore::new(MAX_CONNECTIONS));
        loop {
            // At most MAX_CONNECTIONS at once: the next waits for a slot.
            let slot = tokio::select! {
                slot = slots.clone().acquire_owned() => match slot {
                    Ok(slot) => slot,
                    Err(_) => break,
                },
                _ = &mut shutdown => break,
            };
            let (stream, client) = tokio::select! {
                accepted = listener.accept() => match accepted {
                    Ok(pair) => pair,
                    Err(e) => {
                        // E.g. out of file descriptors: back off, don't spin.
                        eprintln!("accept failed: {e}");
                        tokio::time::sleep(Duration::from_millis(100)).await;
                        continue;
                    }
                },
                _ = &mut shutdown => break,
            };
            let Some(open) = server.connections.open(client.ip()) else {
                // Over its connection cap: told so, and closed.
                tokio::spawn(refuse_connection(stream, slot));
                continue;
            };
            let server = server.clone();
            let mut stop = stop_rx.clone();
            tokio::spawn(async move {
                let _slot = slot;
                let _open = open;
                let stream: Box<dyn Stream> = match &server.tls {
                    None => Box::new(stream),
                    Some(acceptor) => {
                        let handshake = acceptor.accept(stream);
                        match tokio::time::timeout(HEADER_READ_TIMEOUT, handshake).await {
                            Ok(Ok(tls)) => Box::new(tls),
                            Ok(Err(e)) => {
                                eprintln!("connection from {client}: TLS handshake failed: {e}");
                                return;
                            }
                            Err(_) => return,
                        }
                    }
                };
                let service = hyper::service::service_fn(move |req| {
                    let server = server.clone();
                    async move { Ok::<_, std::convert::Infallible>(server.handle(req, client).await) }
                });
                let conn = http1::Builder::new()
                    .timer(hyper_util::rt::TokioTimer::new())
                    .header_read_timeout(HEADER_READ_TIMEOUT)
                    .keep_alive(true)
                    .serve_connection(TokioIo::new(stream), service);
                tokio::pin!(conn);
                let result = tokio::select! {
                    r = conn.as_mut() => r,
                    _ = stop.changed() => {
                        // Finish the request in flight, then close.
                        conn.as_mut().graceful_shutdown();
                        conn.await
                    }
                };
                if let Err(e) = result {
                    if !e.is_incomplete_message() {
                        eprintln!("connection from {client}: {e}");
                    }
                }
                drop(stop);
            });
        }
        eprintln!("Shutting down: finishing requests in flight.");
        drop(listener);
        let _ = stop_tx.send(true);
        drop(stop_rx);
        let _ = tokio::time::timeout(DRAIN_TIMEOUT, stop_tx.closed()).await;
        Ok(())
    }

    async fn handle(
        &self,
        req: Request<Incoming>,
        client: SocketAddr,
    ) -> Response<HyperOutgoingBody> {
        let started = Instant::now();
        let method = req.method().clone();
        let path = req.uri().path().to_string();
        if let Some((status, kind, body)) = well_known::answer(&path, &self.app.info) {
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::NOT_FOUND);
            self.log(&method, &path, "-", status, started);
            let mut resp = Response::new(
                Full::new(Bytes::from(body))
                    .map_err(|never| match never {})
                    .boxed_unsync(),
            );
            *resp.status_mut() = status;
            resp.headers_mut()
                .insert(http::header::CONTENT_TYPE, HeaderValue::from_static(kind));
            return resp;
        }
        if path == controls::DISK_PATH && self.app.test_disk {
            let (status, text) =
                controls::disk(self.app.shared.stores.durability(), req, client).await;
            return plain(status, text);
        }
        if path == controls::CLOCK_PATH {
            if let Some(clock) = &self.app.shared.test_clock {
                let (status, text) = controls::clock(clock, req, client).await;
                return plain(status, text);
            }
        }
        let Some(route) = self.app.router.route(&path) else {
            self.log(&method, &path, "-", StatusCode::NOT_FOUND, started);
            return plain(StatusCode::NOT_FOUND, "Not Found");
        };
        let component_id = route.target.clone();
        let info = RouteInfo::from_match(&route, client);
        let (parts, body) = req.into_parts();
        // The body first, against the clock, before it takes an instance.
        let head = match body_guard::read_head(body, self.body).await {
            Ok(head) => head,
            Err(_) => {
                self.log(
                    &method,
                    &path,
                    &component_id,
                    StatusCode::REQUEST_TIMEOUT,
                    started,
                );
                let mut resp = plain(
                    StatusCode::REQUEST_TIMEOUT,
                    "the request body came too slowly",
                );
                resp.headers_mut()
                    .insert(http::header::CONNECTION, HeaderValue::from_static("close"));
                return resp;
            }
        };
        let _slot = match self.admission.admit().await {
            Ok(slot) => slot,
            Err(refused) => {
                eprintln!("no instance slot for {method} {path}: {refused:?}");
                self.log(
                    &method,
                    &path,
                    &component_id,
                    StatusCode::SERVICE_UNAVAILABLE,
                    started,
                );
                return busy(self.admission.retry_after());
            }
        };
        let needs = Needs::new();
        let ran = match head {
            Head::Whole(bytes) => {
                let req = Request::from_parts(parts, Full::new(bytes));
                self.run(req, &component_id, &info, needs.clone()).await
            }
            Head::Large(rest) => {
                let req = Request::from_parts(parts, rest);
                self.run(req, &component_id, &info, needs.clone()).await
            }
        };
        // The durability barrier: nothing of the answer leaves before the
        // fsync that covers every commit made for it (chained ones too),
        // and its body does not end before what was committed while it
        // streamed is on disk too.
        let durability = self.app.shared.stores.durability().clone();
        durability.wait(needs.ticket()).await;
        let ran = ran
            .map(|resp| resp.map(|body| DurableEnd::new(body, durability, needs).boxed_unsync()));
        let response = match ran {
            Ok(resp) => resp,
            Err(e) => {
                eprintln!(
                    "component {component_id:?} failed on {method} {}: {e:#}",
                    route.pattern.raw()
                );
                plain(StatusCode::INTERNAL_SERVER_ERROR, "Internal Server Error")
            }
        };
        self.log(&method, &path, &component_id, response.status(), started);
        response
    }

    async fn run<B>(
        &self,
        mut req: Request<B>,
        component_id: &str,
        info: &RouteInfo,
        needs: Arc<Needs>,
    ) -> Result<Response<HyperOutgoingBody>>
    where
        B: http_body::Body<Data = Bytes> + Send + 'static,
        B::Error: Into<wasmtime_wasi_http::Error>,
    {
        let host = req
            .headers()
            .get(http::header::HOST)
            .and_then(|h| h.to_str().ok())
            .unwrap_or("localhost")
            .to_string();
        let path_and_query = req
            .uri()
            .path_and_query()
            .map(|p| p.as_str())
            .unwrap_or("/")
            .to_string();
        let full_url = format!("{}://{host}{path_and_query}", self.scheme());
        dispatch::add_spin_headers(req.headers_mut(), &full_url, info)?;
        dispatch::run(&self.app, component_id, req, needs).await
    }

    /// One line per request; never the query string or body, which may
    /// hold personal data.
    fn log(
        &self,
        method: &Method,
        path: &str,
        component: &str,
        status: StatusCode,
        started: Instant,
    ) {
        if !self.quiet {
            println!(
                "{method} {path} -> {component} {} {:.1}ms",
                status.as_u16(),
                started.elapsed().as_secs_f64() * 1000.0
            );
        }
    }
}

/// 503 with `Retry-After`: every instance slot is taken and the queue is
/// full or was waited in too long.
fn busy(retry_after: u64) -> Response<HyperOutgoingBody> {
    let mut resp = plain(
        StatusCode::SERVICE_UNAVAILABLE,
        "busy: every instance is taken; try again shortly",
    );
    if let Ok(v) = HeaderValue::from_str(&retry_after.to_string()) {
        resp.headers_mut().insert(http::header::RETRY_AFTER, v);
    }
    resp
}

/// Answers a connection over its client's cap with 503 and closes it.
async fn refuse_connection(
    mut stream: tokio::net::TcpStream,
    slot: tokio::sync::OwnedSemaphorePermit,
) {
    use tokio::io::AsyncWriteExt;
    let _slot = slot;
    let answer = b"HTTP/1.1 503 Service Unavailable\r\nRetry-After: 5\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: 37\r\nConnection: close\r\n\r\ntoo many connections from one client\n";
    let _ = tokio::time::timeout(Duration::from_secs(2), async {
        let _ = stream.write_all(answer).await;
        let _ = stream.shutdown().await;
    })
    .await;
}

fn plain(status: StatusCode, text: impl Into<Bytes>) -> Response<HyperOutgoingBody> {
    let body = Full::new(text.into())
        .map_err(|never| match never {})
        .boxed_unsync();
    let mut resp = Response::new(body);
    *resp.status_mut() = status;
    resp.headers_mut().insert(
        http::header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    resp
}

/// Resolves on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    #[cfg(unix)]
    {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
