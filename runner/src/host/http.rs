//! Outbound `wasi:http` as Spin allows it: a host the component's
//! `allowed_outbound_hosts` lists, or `*.spin.internal`, served in-process
//! by that component (service chaining) through the [`Chain`] the trigger
//! gives each instance. HTTPS to a host `[[client_tls]]` names for the
//! component goes with that entry's roots and client certificate
//! ([`super::tls`]).

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use wasmtime_wasi_http::p2::bindings::http::types::ErrorCode;
use wasmtime_wasi_http::p2::body::HyperOutgoingBody;
use wasmtime_wasi_http::WasiHttpHooks;

use super::Grants;
use crate::manifest::outbound::chained_component;
use group_commit::Needs;

/// A chained request's answer, once the component has given it.
pub type Chained =
    Pin<Box<dyn Future<Output = anyhow::Result<http::Response<HyperOutgoingBody>>> + Send>>;

/// How a request to `http://<id>.spin.internal/...` is served: in a fresh
/// instance of component `<id>`, as if it came by the route `/...`. Its
/// commits join `needs`, which the outermost answer waits for.
pub trait Chain: Send + Sync {
    fn chain(
        self: Arc<Self>,
        component: String,
        request: http::Request<wasmtime_wasi_http::WasiBody>,
        needs: Arc<Needs>,
    ) -> Chained;
}

type IoFuture = Box<dyn Future<Output = Result<(), wasmtime_wasi_http::Error>> + Send>;
type SendFuture = Box<
    dyn Future<
            Output = wasmtime_wasi_http::Result<(
                http::Response<wasmtime_wasi_http::WasiBody>,
                IoFuture,
            )>,
        > + Send,
>;

/// Outbound HTTP as Spin allows it: `*.spin.internal` is served in-process
/// by that component (service chaining); any other host must be listed in
/// the caller's `allowed_outbound_hosts`.
pub struct OutboundHooks {
    grants: Arc<Grants>,
    chain: Arc<dyn Chain>,
    needs: Arc<Needs>,
}

impl OutboundHooks {
    pub fn new(grants: Arc<Grants>, chain: Arc<dyn Chain>, needs: Arc<Needs>) -> Self {
        Self {
            grants,
            chain,
            needs,
        }
    }
}

impl WasiHttpHooks for OutboundHooks {
    fn send_request(
        &mut self,
        request: http::Request<wasmtime_wasi_http::WasiBody>,
        options: Option<wasmtime_wasi_http::RequestOptions>,
        _fut: IoFuture,
    ) -> SendFuture {
        let scheme = request.uri().scheme_str().unwrap_or("http").to_string();
        let host = request
            .uri()
            .host()
            .unwrap_or_default()
            .to_ascii_lowercase();
        let port = request.uri().port_u16();
        let caller = self.grants.component_id.clone();
        if !self.grants.allowed_hosts.allows(&scheme, &host, port) {
            eprintln!("component {caller:?}: outbound request to {scheme}://{host} refused: not in allowed_outbound_hosts");
            return Box::new(async move { Err(ErrorCode::HttpRequestDenied.into()) });
        }
        if let Some(target) = chained_component(&host) {
            let target = target.to_string();
            let chain = self.chain.clone();
            // The chained instance's commits: waited for by the outermost
            // answer, the only one that leaves the runner.
            let needs = self.needs.clone();
            return Box::new(async move {
                match chain.chain(target.clone(), request, needs).await {
                    Ok(resp) => Ok((resp, Box::new(async { Ok(()) }) as IoFuture)),
                    Err(e) => {
                        eprintln!(
                            "component {caller:?}: chained request to {target:?} failed: {e:#}"
                        );
                        Err(ErrorCode::DestinationNotFound.into())
                    }
                }
            });
        }
        if scheme == "https" {
            if let Some(config) = self.grants.client_tls.get(&host).cloned() {
                return Box::new(super::tls::send(request, config, options));
            }
        }
        Box::new(async move {
            use http_body_util::BodyExt;
            let (resp, io) = wasmtime_wasi_http::default_send_request(request, options).await?;
            Ok((resp.map(BodyExt::boxed_unsync), Box::new(io) as IoFuture))
        })
    }
}
