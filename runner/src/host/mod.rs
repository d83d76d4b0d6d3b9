//! What a guest instance sees of the host: WASI, `wasi:http`, and the Spin
//! interfaces (key-value, SQLite), each limited to what its `spin.toml`
//! component table grants.

pub mod bindings;
pub mod key_value;
pub mod sql_sandbox;
pub mod sqlite;
pub mod stores;
pub mod variables;
pub mod wasi_keyvalue;

use std::future::Future;
use std::sync::Arc;

use wasmtime::component::{HasSelf, Linker, ResourceTable};
use wasmtime::{StoreLimits, StoreLimitsBuilder};
use wasmtime_wasi::cli::OutputFile;
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};
use wasmtime_wasi_http::p2::bindings::http::types::ErrorCode;
use wasmtime_wasi_http::{WasiHttpCtx, WasiHttpCtxView, WasiHttpHooks, WasiHttpView};

pub use stores::Stores;

use crate::app::LoadedApp;
use crate::outbound::AllowedHosts;
use group_commit::Needs;

/// What one component may use, from its `[component.<id>]` table.
#[derive(Clone)]
pub struct Grants {
    pub component_id: String,
    pub key_value_stores: Vec<String>,
    pub sqlite_databases: Vec<String>,
    pub environment: Vec<(String, String)>,
    /// The component's `variables`, rendered. Values may be secrets: never
    /// logged.
    pub variables: std::collections::BTreeMap<String, String>,
    pub allowed_hosts: AllowedHosts,
    /// Where the component's stdout and stderr go (Spin's log files).
    pub stdout: OutputFile,
    pub stderr: OutputFile,
}

/// The data of one `Store`: one request's (or cron run's) instance.
pub struct State {
    pub wasi: WasiCtx,
    pub http: WasiHttpCtx,
    pub table: ResourceTable,
    pub hooks: OutboundHooks,
    pub grants: Arc<Grants>,
    pub stores: Arc<Stores>,
    pub limits: StoreLimits,
    /// The commits the answer to this request (or to the request that
    /// chained to it) must see on disk first.
    pub needs: Arc<Needs>,
    /// The most one SQL statement or key-value operation may run (the
    /// request's own time limit).
    pub statement_limit: std::time::Duration,
}

impl State {
    pub fn new(app: &Arc<LoadedApp>, grants: Arc<Grants>, needs: Arc<Needs>) -> Self {
        let mut wasi = WasiCtx::builder();
        wasi.stdout(grants.stdout.clone())
            .stderr(grants.stderr.clone());
        for (k, v) in &grants.environment {
            wasi.env(k, v);
        }
        if let Some(clock) = &app.test_clock {
            wasi.wall_clock(clock.wall_clock());
        }
        Self {
            wasi: wasi.build(),
            http: WasiHttpCtx::new(),
            table: ResourceTable::new(),
            hooks: OutboundHooks {
                grants: grants.clone(),
                app: app.clone(),
                needs: needs.clone(),
            },
            needs,
            statement_limit: app.limits.request_timeout,
            stores: app.stores.clone(),
            limits: StoreLimitsBuilder::new()
                .memory_size(app.limits.max_memory_bytes)
                .instances(app.limits.max_instances_per_store)
                .build(),
            grants,
        }
    }
}

impl WasiView for State {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

impl WasiHttpView for State {
    fn http(&mut self) -> WasiHttpCtxView<'_> {
        WasiHttpCtxView {
            ctx: &mut self.http,
            table: &mut self.table,
            hooks: &mut self.hooks,
        }
    }
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
    app: Arc<LoadedApp>,
    needs: Arc<Needs>,
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
        if let Some(target) = crate::outbound::chained_component(&host) {
            let target = target.to_string();
            let app = self.app.clone();
            // The chained instance's commits: waited for by the outermost
            // answer, the only one that leaves the runner.
            let needs = self.needs.clone();
            return Box::new(async move {
                match crate::dispatch::chain(&app, &target, request, needs).await {
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
        Box::new(async move {
            use http_body_util::BodyExt;
            let (resp, io) = wasmtime_wasi_http::default_send_request(request, options).await?;
            Ok((resp.map(BodyExt::boxed_unsync), Box::new(io) as IoFuture))
        })
    }
}

/// Links every interface a Spin HTTP component may import.
pub fn add_to_linker(linker: &mut Linker<State>) -> anyhow::Result<()> {
    wasmtime_wasi::p2::add_to_linker_async(linker)?;
    wasmtime_wasi_http::p2::add_only_http_to_linker_async(linker)?;
    bindings::v2::key_value::add_to_linker::<_, HasSelf<State>>(linker, |s| s)?;
    bindings::v2::sqlite::add_to_linker::<_, HasSelf<State>>(linker, |s| s)?;
    bindings::v3::sqlite::add_to_linker::<_, HasSelf<State>>(linker, |s| s)?;
    bindings::v2::variables::add_to_linker::<_, HasSelf<State>>(linker, |s| s)?;
    bindings::config_store::add_to_linker::<_, HasSelf<State>>(linker, |s| s)?;
    bindings::keyvalue::store::add_to_linker::<_, HasSelf<State>>(linker, |s| s)?;
    bindings::keyvalue::atomics::add_to_linker::<_, HasSelf<State>>(linker, |s| s)?;
    bindings::keyvalue::batch::add_to_linker::<_, HasSelf<State>>(linker, |s| s)?;
    Ok(())
}
