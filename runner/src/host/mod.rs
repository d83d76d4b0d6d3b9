//! What a guest instance sees of the host: WASI, `wasi:http` (outbound, with
//! service chaining: `http`), and the Spin interfaces, one module each
//! (`key_value`, `wasi_keyvalue`, `sqlite`, `variables`; their bindings in
//! `bindings`), each limited to what its `spin.toml` component table grants
//! and to the per-request limits.

pub mod bindings;
pub mod http;
pub mod key_value;
pub mod sqlite;
pub mod tls;
pub mod variables;
pub mod wasi_keyvalue;

use std::sync::Arc;
use std::time::Duration;

use wasmtime::component::{HasSelf, Linker, ResourceTable};
use wasmtime::{StoreLimits, StoreLimitsBuilder};
use wasmtime_wasi::cli::OutputFile;
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};
use wasmtime_wasi_http::{WasiHttpCtx, WasiHttpCtxView, WasiHttpView};

use self::http::{Chain, OutboundHooks};
use crate::manifest::outbound::AllowedHosts;
use crate::storage::stores::Stores;
use crate::testing::clock::TestClock;
use group_commit::Needs;

/// Per-request limits (`up --request-timeout`, `--max-memory`).
#[derive(Debug, Clone)]
pub struct Limits {
    pub request_timeout: Duration,
    pub max_memory_bytes: usize,
    pub max_instances_per_store: usize,
}

/// How often the engine's epoch advances: the granularity of timeouts.
pub const EPOCH_TICK: Duration = Duration::from_millis(10);

impl Default for Limits {
    fn default() -> Self {
        Self {
            request_timeout: Duration::from_secs(30),
            max_memory_bytes: 128 << 20,
            max_instances_per_store: 16,
        }
    }
}

impl Limits {
    /// The epoch deadline of a store: the timeout in ticks, plus one so
    /// that a request never gets less than its full time.
    pub fn epoch_ticks(&self) -> u64 {
        (self.request_timeout.as_millis() / EPOCH_TICK.as_millis()) as u64 + 1
    }
}

/// What every instance of an app shares: its stores, the per-request
/// limits and the wall clock the guests see.
pub struct Shared {
    pub stores: Arc<Stores>,
    pub limits: Limits,
    /// `up --test-clock`: the clock the tests set, instead of the real one.
    pub test_clock: Option<Arc<TestClock>>,
}

impl Shared {
    /// The time guests see, as Unix seconds.
    pub fn now_unix_secs(&self) -> u64 {
        match &self.test_clock {
            Some(clock) => clock.now_unix_secs(),
            None => std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_secs())
                .unwrap_or(0),
        }
    }
}

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
    /// The roots and client certificates of its HTTPS requests, by host
    /// (`[[client_tls]]`); a host not here trusts the webpki roots.
    pub client_tls: Arc<tls::HostConfigs>,
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
    /// One instance's state; `chain` serves its requests to
    /// `*.spin.internal`.
    pub fn new(
        shared: &Shared,
        chain: Arc<dyn Chain>,
        grants: Arc<Grants>,
        needs: Arc<Needs>,
    ) -> Self {
        let mut wasi = WasiCtx::builder();
        wasi.stdout(grants.stdout.clone())
            .stderr(grants.stderr.clone());
        for (k, v) in &grants.environment {
            wasi.env(k, v);
        }
        if let Some(clock) = &shared.test_clock {
            wasi.wall_clock(clock.wall_clock());
        }
        Self {
            wasi: wasi.build(),
            http: WasiHttpCtx::new(),
            table: ResourceTable::new(),
            hooks: OutboundHooks::new(grants.clone(), chain, needs.clone()),
            needs,
            statement_limit: shared.limits.request_timeout,
            stores: shared.stores.clone(),
            limits: StoreLimitsBuilder::new()
                .memory_size(shared.limits.max_memory_bytes)
                .instances(shared.limits.max_instances_per_store)
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
