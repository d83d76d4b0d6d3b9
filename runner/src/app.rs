//! Loading an app: each component's `.wasm` turned into a component (a
//! wasip1 core module is wrapped with the reactor adapter, as Spin does),
//! compiled once, linked against the host and pre-instantiated; and the HTTP
//! routes built from `[[trigger.http]]`.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use anyhow::{bail, Context, Result};
use wasmtime::component::{Component, Linker};
use wasmtime::{Config, Engine, InstanceAllocationStrategy, PoolingAllocationConfig};
use wasmtime_wasi_http::p2::bindings::ProxyPre;

use crate::host::{self, Grants, State, Stores};
use crate::manifest::{App, HttpRoute};
use crate::router::{RoutePattern, Router};

/// A component ready to serve: pre-instantiated, with what it may use.
pub struct LoadedComponent {
    pub pre: ProxyPre<State>,
    pub grants: Arc<Grants>,
}

pub struct LoadedApp {
    pub engine: Engine,
    pub components: BTreeMap<String, Arc<LoadedComponent>>,
    pub router: Router<String>,
    pub stores: Arc<Stores>,
}

/// Limits of the pooling allocator: how many requests can hold an instance
/// at once, and how large each instance may grow.
const MAX_CONCURRENT_INSTANCES: u32 = 256;
const MAX_MEMORY_BYTES: usize = 256 << 20;

pub fn engine() -> Result<Engine> {
    let mut pooling = PoolingAllocationConfig::default();
    pooling
        .total_component_instances(MAX_CONCURRENT_INSTANCES)
        .total_core_instances(MAX_CONCURRENT_INSTANCES * 4)
        .total_memories(MAX_CONCURRENT_INSTANCES * 2)
        .total_tables(MAX_CONCURRENT_INSTANCES * 4)
        .max_memories_per_component(4)
        .max_memory_size(MAX_MEMORY_BYTES);
    let mut config = Config::new();
    config
        .wasm_component_model(true)
        .allocation_strategy(InstanceAllocationStrategy::Pooling(pooling));
    Ok(Engine::new(&config)?)
}

impl LoadedApp {
    pub fn load(app: &App, state_dir: &Path) -> Result<Self> {
        let engine = engine()?;
        let stores = Arc::new(Stores::in_state_dir(state_dir)?);
        let mut linker = Linker::<State>::new(&engine);
        host::add_to_linker(&mut linker)?;

        let mut components = BTreeMap::new();
        for (id, spec) in &app.manifest.component {
            for label in &spec.key_value_stores {
                if !stores.has_key_value(label) {
                    bail!("component {id:?} uses key-value store {label:?}: stores other than \"default\" need a runtime config, which this runner does not read yet");
                }
            }
            for label in &spec.sqlite_databases {
                if !stores.has_sqlite(label) {
                    bail!("component {id:?} uses SQLite database {label:?}: databases other than \"default\" need a runtime config, which this runner does not read yet");
                }
            }
            let path = app.source_path(spec);
            let bytes = std::fs::read(&path).map_err(|e| {
                let hint = match &spec.build {
                    Some(b) => format!(
                        "; it is made by `{}` (run `runner build` or `runner up --build`)",
                        b.commands().join(" && ")
                    ),
                    None => String::new(),
                };
                anyhow::anyhow!(
                    "component {id:?}: cannot read {}: {e}{hint}",
                    path.display()
                )
            })?;
            let component_bytes =
                componentize(&bytes).with_context(|| format!("component {id:?}"))?;
            let component = Component::new(&engine, &component_bytes)
                .map_err(anyhow::Error::from)
                .with_context(|| format!("component {id:?}: cannot compile"))?;
            let pre = linker
                .instantiate_pre(&component)
                .map_err(anyhow::Error::from)
                .with_context(|| {
                    format!("component {id:?}: imports an interface this runner does not provide")
                })?;
            let pre = ProxyPre::new(pre)
                .map_err(anyhow::Error::from)
                .with_context(|| {
                    format!("component {id:?} does not export wasi:http/incoming-handler")
                })?;
            let grants = Arc::new(Grants {
                component_id: id.clone(),
                key_value_stores: spec.key_value_stores.clone(),
                sqlite_databases: spec.sqlite_databases.clone(),
                environment: spec
                    .environment
                    .iter()
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect(),
            });
            components.insert(id.clone(), Arc::new(LoadedComponent { pre, grants }));
        }

        let mut router = Router::new();
        for trigger in &app.manifest.trigger.http {
            if let HttpRoute::Path(route) = &trigger.route {
                router.add(RoutePattern::parse(route)?, trigger.component.clone());
            }
        }
        Ok(Self {
            engine,
            components,
            router,
            stores,
        })
    }
}

/// A component as is, or a wasip1 core module wrapped into one.
pub fn componentize(bytes: &[u8]) -> Result<Vec<u8>> {
    if wasmparser::Parser::is_component(bytes) {
        return Ok(bytes.to_vec());
    }
    if !wasmparser::Parser::is_core_wasm(bytes) {
        bail!("not a WebAssembly module or component");
    }
    wit_component::ComponentEncoder::default()
        .validate(true)
        .module(bytes)?
        .adapter(
            "wasi_snapshot_preview1",
            wasi_preview1_component_adapter_provider::WASI_SNAPSHOT_PREVIEW1_REACTOR_ADAPTER,
        )?
        .encode()
}
