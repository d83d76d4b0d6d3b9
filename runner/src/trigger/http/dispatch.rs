//! Running one HTTP request in a fresh instance of a component, for a
//! request from outside (routed by the server) or from another component
//! (service chaining), with Spin's request headers, the per-request time
//! and memory limits, and the answer or a clear failure.

use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::{Context, Result};
use bytes::Bytes;
use http::{HeaderMap, HeaderName, HeaderValue, Request, Response};
use wasmtime::Store;
use wasmtime_wasi_http::p2::bindings::http::types::Scheme;
use wasmtime_wasi_http::p2::body::HyperOutgoingBody;
use wasmtime_wasi_http::WasiHttpView;

use crate::app::LoadedApp;
use crate::host::http::{Chain, Chained};
use crate::host::State;
use crate::manifest::routes::RouteMatch;
use group_commit::Needs;

/// What Spin tells a component about how a request reached it.
#[derive(Debug, Clone)]
pub struct RouteInfo {
    /// The route as written in the manifest (`spin-matched-route`,
    /// `spin-raw-component-route`).
    pub route: String,
    /// The route without a trailing `/...` (`spin-component-route`).
    pub component_route: String,
    pub path_info: String,
    pub captures: Vec<(String, String)>,
    pub client: SocketAddr,
}

impl RouteInfo {
    pub fn from_match(m: &RouteMatch<String>, client: SocketAddr) -> Self {
        Self {
            route: m.pattern.raw().to_string(),
            component_route: m.pattern.prefix().to_string(),
            path_info: m.path_info.clone(),
            captures: m.captures.clone(),
            client,
        }
    }

    /// Service chaining: Spin matches the request as if by the route `/...`.
    fn chained(path: &str) -> Self {
        Self {
            route: "/...".to_string(),
            component_route: String::new(),
            path_info: path.to_string(),
            captures: Vec::new(),
            client: SocketAddr::from(([127, 0, 0, 1], 0)),
        }
    }
}

/// Spin's request headers, computed as Spin computes them.
pub fn add_spin_headers(headers: &mut HeaderMap, full_url: &str, info: &RouteInfo) -> Result<()> {
    let mut pairs = vec![
        ("spin-full-url".to_string(), full_url.to_string()),
        ("spin-path-info".to_string(), info.path_info.clone()),
        ("spin-matched-route".to_string(), info.route.clone()),
        ("spin-base-path".to_string(), "/".to_string()),
        ("spin-raw-component-route".to_string(), info.route.clone()),
        (
            "spin-component-route".to_string(),
            info.component_route.clone(),
        ),
        ("spin-client-addr".to_string(), info.client.to_string()),
    ];
    for (name, value) in &info.captures {
        pairs.push((
            format!("spin-path-match-{}", name.to_ascii_lowercase()),
            value.clone(),
        ));
    }
    for (name, value) in pairs {
        headers.insert(
            HeaderName::from_bytes(name.as_bytes())?,
            HeaderValue::from_bytes(value.as_bytes())?,
        );
    }
    Ok(())
}

/// Runs `req` (Spin headers already added) in a fresh instance of
/// `component_id`.
pub async fn run<B>(
    app: &Arc<LoadedApp>,
    component_id: &str,
    req: Request<B>,
    needs: Arc<Needs>,
) -> Result<Response<HyperOutgoingBody>>
where
    B: http_body::Body<Data = Bytes> + Send + 'static,
    B::Error: Into<wasmtime_wasi_http::Error>,
{
    let component = app
        .components
        .get(component_id)
        .with_context(|| format!("no component {component_id:?}"))?
        .clone();
    let mut store = Store::new(
        &app.engine,
        State::new(&app.shared, app.clone(), component.grants.clone(), needs),
    );
    store.limiter(|s| &mut s.limits);
    store.set_epoch_deadline(app.shared.limits.epoch_ticks());
    store.epoch_deadline_trap();
    let (sender, receiver) = tokio::sync::oneshot::channel();
    let incoming = store
        .data_mut()
        .http()
        .new_incoming_request(Scheme::Http, req)?;
    let outparam = store.data_mut().http().new_response_outparam(sender)?;
    let pre = component
        .http
        .clone()
        .with_context(|| format!("component {component_id:?} has no HTTP trigger"))?;
    let task = tokio::spawn(async move {
        let proxy = pre.instantiate_async(&mut store).await?;
        proxy
            .wasi_http_incoming_handler()
            .call_handle(&mut store, incoming, outparam)
            .await
    });
    let answered = tokio::time::timeout(app.shared.limits.request_timeout, receiver).await;
    match answered {
        Ok(Ok(Ok(resp))) => Ok(resp),
        Ok(Ok(Err(code))) => Err(anyhow::anyhow!(
            "the guest answered with error code {code:?}"
        )),
        Ok(Err(_)) => {
            let err = match task.await {
                Ok(Ok(())) => anyhow::anyhow!("the guest returned without setting a response"),
                Ok(Err(e)) => anyhow::Error::from(e),
                Err(e) => anyhow::Error::from(e),
            };
            Err(err.context("the guest did not answer"))
        }
        Err(_) => {
            task.abort();
            Err(anyhow::anyhow!(
                "the guest did not answer within {} ms",
                app.shared.limits.request_timeout.as_millis()
            ))
        }
    }
}

/// Service chaining: an outbound request to `http://<id>.spin.internal/...`
/// served in-process by component `<id>`, private routes included.
pub async fn chain(
    app: &Arc<LoadedApp>,
    target: &str,
    mut req: Request<wasmtime_wasi_http::WasiBody>,
    needs: Arc<Needs>,
) -> Result<Response<HyperOutgoingBody>> {
    if !app.components.contains_key(target) {
        anyhow::bail!("no component {target:?} to chain to");
    }
    let path = req.uri().path().to_string();
    let full_url = req.uri().to_string();
    let info = RouteInfo::chained(&path);
    if !req.headers().contains_key(http::header::HOST) {
        if let Some(authority) = req.uri().authority().map(|a| a.to_string()) {
            req.headers_mut()
                .insert(http::header::HOST, HeaderValue::from_str(&authority)?);
        }
    }
    add_spin_headers(req.headers_mut(), &full_url, &info)?;
    Box::pin(run(app, target, req, needs)).await
}

impl Chain for LoadedApp {
    fn chain(
        self: Arc<Self>,
        component: String,
        request: Request<wasmtime_wasi_http::WasiBody>,
        needs: Arc<Needs>,
    ) -> Chained {
        Box::pin(async move { chain(&self, &component, request, needs).await })
    }
}
