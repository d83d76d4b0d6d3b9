//! The HTTP trigger: a hyper server that routes each request with Spin's
//! rules, adds Spin's request headers, and runs it in a fresh instance of the
//! matched component.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

use anyhow::{Context, Result};
use bytes::Bytes;
use http::{HeaderName, HeaderValue, Request, Response, StatusCode};
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use tokio::net::TcpListener;
use wasmtime::Store;
use wasmtime_wasi_http::io::TokioIo;
use wasmtime_wasi_http::p2::bindings::http::types::Scheme;
use wasmtime_wasi_http::p2::body::HyperOutgoingBody;
use wasmtime_wasi_http::WasiHttpView;

use crate::app::LoadedApp;
use crate::host::State;
use crate::router::RouteMatch;

pub struct Server {
    app: Arc<LoadedApp>,
}

impl Server {
    pub fn new(app: LoadedApp) -> Self {
        Self { app: Arc::new(app) }
    }

    /// Serves until Ctrl-C or SIGTERM.
    pub async fn serve(self, listener: TcpListener) -> Result<()> {
        let server = Arc::new(self);
        let shutdown = shutdown_signal();
        tokio::pin!(shutdown);
        loop {
            let (stream, client) = tokio::select! {
                accepted = listener.accept() => match accepted {
                    Ok(pair) => pair,
                    Err(e) => {
                        eprintln!("accept failed: {e}");
                        continue;
                    }
                },
                _ = &mut shutdown => {
                    eprintln!("Shutting down.");
                    return Ok(());
                }
            };
            let server = server.clone();
            tokio::spawn(async move {
                let service = hyper::service::service_fn(move |req| {
                    let server = server.clone();
                    async move { Ok::<_, std::convert::Infallible>(server.handle(req, client).await) }
                });
                if let Err(e) = http1::Builder::new()
                    .keep_alive(true)
                    .serve_connection(TokioIo::new(stream), service)
                    .await
                {
                    if !e.is_incomplete_message() {
                        eprintln!("connection from {client}: {e}");
                    }
                }
            });
        }
    }

    async fn handle(
        &self,
        req: Request<Incoming>,
        client: SocketAddr,
    ) -> Response<HyperOutgoingBody> {
        let started = Instant::now();
        let method = req.method().clone();
        let path = req.uri().path().to_string();
        let Some(route) = self.app.router.route(&path) else {
            log_request(&method, &path, "-", StatusCode::NOT_FOUND, started);
            return plain(StatusCode::NOT_FOUND, "Not Found");
        };
        let component_id = route.target.clone();
        let response = match self.run(req, &route, client).await {
            Ok(resp) => resp,
            Err(e) => {
                eprintln!(
                    "component {component_id:?} failed on {method} {}: {e:?}",
                    route.pattern.raw()
                );
                plain(StatusCode::INTERNAL_SERVER_ERROR, "Internal Server Error")
            }
        };
        log_request(&method, &path, &component_id, response.status(), started);
        response
    }

    async fn run(
        &self,
        mut req: Request<Incoming>,
        route: &RouteMatch<String>,
        client: SocketAddr,
    ) -> Result<Response<HyperOutgoingBody>> {
        let component = self
            .app
            .components
            .get(&route.target)
            .context("routed to a component that is not loaded")?
            .clone();
        add_spin_headers(&mut req, route, client)?;

        let mut store = Store::new(
            &self.app.engine,
            State::new(component.grants.clone(), self.app.stores.clone()),
        );
        let (sender, receiver) = tokio::sync::oneshot::channel();
        let incoming = store
            .data_mut()
            .http()
            .new_incoming_request(Scheme::Http, req)?;
        let outparam = store.data_mut().http().new_response_outparam(sender)?;
        let pre = component.pre.clone();
        let task = tokio::spawn(async move {
            let proxy = pre.instantiate_async(&mut store).await?;
            proxy
                .wasi_http_incoming_handler()
                .call_handle(&mut store, incoming, outparam)
                .await
        });
        match receiver.await {
            Ok(Ok(resp)) => Ok(resp),
            Ok(Err(code)) => Err(anyhow::anyhow!("guest answered with error code {code:?}")),
            Err(_) => {
                let err = match task.await {
                    Ok(Ok(())) => anyhow::anyhow!("guest never set a response"),
                    Ok(Err(e)) => anyhow::Error::from(e),
                    Err(e) => anyhow::Error::from(e),
                };
                Err(err.context("guest did not set a response"))
            }
        }
    }
}

/// Spin's request headers (`spin-full-url`, `spin-path-info`, ...), computed
/// as Spin computes them.
fn add_spin_headers(
    req: &mut Request<Incoming>,
    route: &RouteMatch<String>,
    client: SocketAddr,
) -> Result<()> {
    let host = req
        .headers()
        .get(http::header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("localhost")
        .to_string();
    let path_and_query = req
        .uri()
        .path_and_query()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| "/".to_string());
    let mut pairs = vec![
        (
            "spin-full-url".to_string(),
            format!("http://{host}{path_and_query}"),
        ),
        ("spin-path-info".to_string(), route.path_info.clone()),
        (
            "spin-matched-route".to_string(),
            route.pattern.raw().to_string(),
        ),
        ("spin-base-path".to_string(), "/".to_string()),
        (
            "spin-raw-component-route".to_string(),
            route.pattern.raw().to_string(),
        ),
        (
            "spin-component-route".to_string(),
            route.pattern.prefix().to_string(),
        ),
        ("spin-client-addr".to_string(), client.to_string()),
    ];
    for (name, value) in &route.captures {
        pairs.push((
            format!("spin-path-match-{}", name.to_ascii_lowercase()),
            value.clone(),
        ));
    }
    let headers = req.headers_mut();
    for (name, value) in pairs {
        headers.insert(
            HeaderName::from_bytes(name.as_bytes())?,
            HeaderValue::from_str(&value)?,
        );
    }
    Ok(())
}

fn plain(status: StatusCode, text: &'static str) -> Response<HyperOutgoingBody> {
    let body = Full::new(Bytes::from_static(text.as_bytes()))
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

/// One line per request; never the query string or body, which may hold
/// personal data.
fn log_request(
    method: &http::Method,
    path: &str,
    component: &str,
    status: StatusCode,
    started: Instant,
) {
    println!(
        "{method} {path} -> {component} {} {:.1}ms",
        status.as_u16(),
        started.elapsed().as_secs_f64() * 1000.0
    );
}

async fn shutdown_signal() {
    #[cfg(unix)]
    {
        let mut term =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(s) => s,
                Err(_) => {
                    let _ = tokio::signal::ctrl_c().await;
                    return;
                }
            };
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
