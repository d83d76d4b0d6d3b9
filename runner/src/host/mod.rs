//! What a guest instance sees of the host: WASI, `wasi:http`, and the Spin
//! interfaces (key-value, SQLite), each limited to what its `spin.toml`
//! component table grants.

pub mod bindings;
pub mod key_value;
pub mod sqlite;
pub mod stores;

use std::future::Future;
use std::sync::Arc;

use wasmtime::component::{HasSelf, Linker, ResourceTable};
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};
use wasmtime_wasi_http::p2::bindings::http::types::ErrorCode;
use wasmtime_wasi_http::{WasiHttpCtx, WasiHttpCtxView, WasiHttpHooks, WasiHttpView};

pub use stores::Stores;

/// What one component may use, from its `[component.<id>]` table.
#[derive(Debug, Clone)]
pub struct Grants {
    pub component_id: String,
    pub key_value_stores: Vec<String>,
    pub sqlite_databases: Vec<String>,
    pub environment: Vec<(String, String)>,
}

/// The data of one `Store`: one request's instance.
pub struct State {
    pub wasi: WasiCtx,
    pub http: WasiHttpCtx,
    pub table: ResourceTable,
    pub hooks: OutboundHooks,
    pub grants: Arc<Grants>,
    pub stores: Arc<Stores>,
}

impl State {
    pub fn new(grants: Arc<Grants>, stores: Arc<Stores>) -> Self {
        let mut wasi = WasiCtx::builder();
        wasi.inherit_stdout().inherit_stderr();
        for (k, v) in &grants.environment {
            wasi.env(k, v);
        }
        Self {
            wasi: wasi.build(),
            http: WasiHttpCtx::new(),
            table: ResourceTable::new(),
            hooks: OutboundHooks {
                component_id: grants.component_id.clone(),
            },
            grants,
            stores,
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

/// Outbound HTTP. No component has been granted an outbound host yet, so
/// every request is refused as Spin refuses a host that is not in
/// `allowed_outbound_hosts`.
pub struct OutboundHooks {
    component_id: String,
}

impl WasiHttpHooks for OutboundHooks {
    fn send_request(
        &mut self,
        request: http::Request<wasmtime_wasi_http::WasiBody>,
        _options: Option<wasmtime_wasi_http::RequestOptions>,
        _fut: Box<dyn Future<Output = Result<(), wasmtime_wasi_http::Error>> + Send>,
    ) -> Box<
        dyn Future<
                Output = wasmtime_wasi_http::Result<(
                    http::Response<wasmtime_wasi_http::WasiBody>,
                    Box<dyn Future<Output = Result<(), wasmtime_wasi_http::Error>> + Send>,
                )>,
            > + Send,
    > {
        let host = request
            .uri()
            .authority()
            .map(|a| a.to_string())
            .unwrap_or_default();
        eprintln!(
            "component {:?}: outbound request to {host:?} refused: not in allowed_outbound_hosts",
            self.component_id
        );
        Box::new(async move { Err(ErrorCode::HttpRequestDenied.into()) })
    }
}

/// Links every interface a Spin HTTP component may import.
pub fn add_to_linker(linker: &mut Linker<State>) -> anyhow::Result<()> {
    wasmtime_wasi::p2::add_to_linker_async(linker)?;
    wasmtime_wasi_http::p2::add_only_http_to_linker_async(linker)?;
    bindings::v2::key_value::add_to_linker::<_, HasSelf<State>>(linker, |s| s)?;
    bindings::v2::sqlite::add_to_linker::<_, HasSelf<State>>(linker, |s| s)?;
    bindings::v3::sqlite::add_to_linker::<_, HasSelf<State>>(linker, |s| s)?;
    Ok(())
}
