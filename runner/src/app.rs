//! Loading an app: each component's `.wasm` turned into a component (a
//! wasip1 core module is wrapped with the reactor adapter, as Spin does),
//! compiled once (and cached in the state directory by content hash, so a
//! restart does not recompile), linked against the host and
//! pre-instantiated; the HTTP routes built from `[[trigger.http]]`.

use std::collections::BTreeMap;
use std::fs::OpenOptions;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use anyhow::{bail, Context, Result};
use sha2::{Digest, Sha256};
use wasmtime::component::{Component, Linker};
use wasmtime::{Config, Engine, InstanceAllocationStrategy, PoolingAllocationConfig};
use wasmtime_wasi::cli::OutputFile;
use wasmtime_wasi_http::p2::bindings::ProxyPre;

use crate::host::{self, Grants, State, Stores};
use crate::manifest::{App, HttpRoute};
use crate::outbound::AllowedHosts;
use crate::router::{RoutePattern, Router};
use crate::test_clock::TestClock;

/// A component ready to run: pre-instantiated for each trigger that uses
/// it, with what it may use.
pub struct LoadedComponent {
    pub http: Option<ProxyPre<State>>,
    pub cron: Option<crate::cron::SpinCronPre<State>>,
    pub grants: Arc<Grants>,
}

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

pub struct LoadedApp {
    pub engine: Engine,
    pub components: BTreeMap<String, Arc<LoadedComponent>>,
    pub router: Router<String>,
    pub stores: Arc<Stores>,
    pub limits: Limits,
    pub test_clock: Option<Arc<TestClock>>,
    /// `up --test-disk`: the test-disk control route is served.
    pub test_disk: bool,
    /// Whether components were taken from the compile cache, by id (for
    /// the start-up log and tests).
    pub cache_hits: BTreeMap<String, bool>,
    /// What `/.well-known/spin/info` answers.
    pub info: crate::well_known::AppInfo,
    /// What start-up says about unreachable routes.
    pub route_warnings: Vec<String>,
}

/// How much of each table slot stays resident between instances: more
/// than a Rust component's function table (a few thousand entries).
const TABLE_KEEP_RESIDENT: usize = 64 << 10;

/// Slots the pool keeps warm (affine to a component) while unused.
const UNUSED_WARM_SLOTS: u32 = 16;

/// How many instances the pool holds at once.
const MAX_CONCURRENT_INSTANCES: u32 = 256;

/// The most requests that may run in instances at once (`--max-running`):
/// each may chain to a few more instances, and all must fit the pool.
pub const MAX_RUNNING: usize = (MAX_CONCURRENT_INSTANCES / 4) as usize;

pub fn engine(limits: &Limits) -> Result<Engine> {
    let mut pooling = PoolingAllocationConfig::default();
    pooling
        .total_component_instances(MAX_CONCURRENT_INSTANCES)
        .total_core_instances(MAX_CONCURRENT_INSTANCES * 4)
        .total_memories(MAX_CONCURRENT_INSTANCES * 2)
        .total_tables(MAX_CONCURRENT_INSTANCES * 4)
        .max_memories_per_component(4)
        .max_memory_size(limits.max_memory_bytes)
        .decommit_batch_size(8)
        // A slot's tables are zeroed in place rather than handed back to
        // the kernel: the guests' first calls then take no copy-on-write
        // fault and no TLB shootdown on the other core (−4 % CPU per
        // submission, BENCHMARKS.md).
        .table_keep_resident(TABLE_KEEP_RESIDENT);
    // Slots kept for their component while unused: wasmtime's default of
    // 100 took the runner from 89 to 98 MB over the benchmark's scenarios,
    // at the same speed.
    //
    // Linear memory is not kept resident: without wasmtime's
    // `pagemap_scan` it would zero the first `keep_resident` bytes of every
    // memory whatever was written (slower than faulting, measured), and
    // with it wasmtime 48 resets only the written pages that are present:
    // one swapped out or migrating at that moment would keep the previous
    // request's data for the next (bytecodealliance/wasmtime#14357). It
    // was 7 % of the CPU a submission; not worth one request's personal
    // data reaching another.
    pooling.max_unused_warm_slots(UNUSED_WARM_SLOTS);
    let mut config = Config::new();
    config
        .wasm_component_model(true)
        .epoch_interruption(true)
        .allocation_strategy(InstanceAllocationStrategy::Pooling(pooling));
    // For profiling with `perf` (BENCHMARKS.md): names for the guests'
    // compiled functions in /tmp/perf-PID.map.
    if profiling() {
        config.profiler(wasmtime::ProfilingStrategy::PerfMap);
    }
    let engine = Engine::new(&config)?;
    // One ticker for the engine's life: advances the epoch that request
    // deadlines are counted in.
    let weak = engine.weak();
    std::thread::Builder::new()
        .name("epoch-ticker".into())
        .spawn(move || {
            while let Some(engine) = weak.upgrade() {
                engine.increment_epoch();
                drop(engine);
                std::thread::sleep(EPOCH_TICK);
            }
        })
        .context("cannot start the epoch ticker")?;
    Ok(engine)
}

/// What `up` passes in besides the manifest.
#[derive(Debug, Default)]
pub struct Options {
    /// `--variable name=value` flags, parsed.
    pub variables: BTreeMap<String, String>,
    pub limits: Limits,
    pub test_clock: bool,
    pub test_disk: bool,
    /// `--runtime-config-file`, loaded.
    pub runtime_config: crate::runtime_config::RuntimeConfig,
    /// `--sqlite` values, run against the databases before serving.
    pub sql_statements: Vec<crate::sqlite_statements::SqlStatement>,
}

impl LoadedApp {
    pub fn load(app: &App, state_dir: &Path, options: &Options) -> Result<Self> {
        let variables = crate::variables::Resolved::resolve(
            &app.manifest.variables,
            &options.variables,
            |k| std::env::var(k).ok(),
        )?;
        let engine = engine(&options.limits)?;
        let stores = Arc::new(Stores::new(state_dir, &options.runtime_config)?);
        crate::sqlite_statements::execute(&stores, &options.sql_statements)?;
        let mut linker = Linker::<State>::new(&engine);
        host::add_to_linker(&mut linker)?;
        let logs = state_dir.join("logs");
        std::fs::create_dir_all(&logs)
            .with_context(|| format!("cannot create {}", logs.display()))?;
        let cache = Cache::new(state_dir.join("cache"));

        let mut components = BTreeMap::new();
        let mut cache_hits = BTreeMap::new();
        let triggers = &app.manifest.trigger;
        for (id, spec) in &app.manifest.component {
            let for_http = triggers.http.iter().any(|t| &t.component == id);
            let for_cron = triggers.cron.iter().any(|t| &t.component == id);
            if !for_http && !for_cron {
                // As in Spin, a component no trigger names is never run.
                continue;
            }
            for label in &spec.key_value_stores {
                if !stores.has_key_value(label) {
                    bail!("component {id:?} uses key-value store {label:?}: stores other than \"default\" must be mapped in a runtime config file (--runtime-config-file)");
                }
            }
            for label in &spec.sqlite_databases {
                if !stores.has_sqlite(label) {
                    bail!("component {id:?} uses SQLite database {label:?}: databases other than \"default\" must be mapped in a runtime config file (--runtime-config-file)");
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
            let (component, hit) = cache
                .load(&engine, &bytes)
                .with_context(|| format!("component {id:?}"))?;
            cache_hits.insert(id.clone(), hit);
            let pre = linker
                .instantiate_pre(&component)
                .map_err(anyhow::Error::from)
                .with_context(|| {
                    format!("component {id:?}: imports an interface this runner does not provide")
                })?;
            let http = match for_http {
                true => Some(
                    ProxyPre::new(pre.clone())
                        .map_err(anyhow::Error::from)
                        .with_context(|| {
                            format!("component {id:?} does not export wasi:http/incoming-handler")
                        })?,
                ),
                false => None,
            };
            let cron = match for_cron {
                true => Some(
                    crate::cron::SpinCronPre::new(pre)
                        .map_err(anyhow::Error::from)
                        .with_context(|| format!("component {id:?} does not export handle-cron-event (fermyon:spin-cron@2.0.0)"))?,
                ),
                false => None,
            };
            let rendered = crate::variables::Resolved::render(&variables, &spec.variables)
                .with_context(|| format!("component {id:?}: variables"))?;
            let allowed_hosts = AllowedHosts::parse(
                &spec
                    .allowed_outbound_hosts
                    .iter()
                    .map(|h| variables.render_one(h))
                    .collect::<Result<Vec<_>>>()?,
            )
            .with_context(|| format!("component {id:?}"))?;
            let grants = Arc::new(Grants {
                component_id: id.clone(),
                key_value_stores: spec.key_value_stores.clone(),
                sqlite_databases: spec.sqlite_databases.clone(),
                environment: spec
                    .environment
                    .iter()
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect(),
                variables: rendered,
                allowed_hosts,
                stdout: log_file(&logs, id, "stdout")?,
                stderr: log_file(&logs, id, "stderr")?,
            });
            components.insert(id.clone(), Arc::new(LoadedComponent { http, cron, grants }));
        }

        let mut router = Router::new();
        let mut duplicates = Vec::new();
        let mut reserved = false;
        for trigger in &app.manifest.trigger.http {
            if let HttpRoute::Path(route) = &trigger.route {
                reserved |= route.starts_with(crate::well_known::PREFIX);
                if let Some(replaced) =
                    router.add(RoutePattern::parse(route)?, trigger.component.clone())
                {
                    duplicates.push((route.clone(), replaced, trigger.component.clone()));
                }
            }
        }
        let route_warnings = crate::well_known::route_warnings(reserved, &duplicates);
        let info = crate::well_known::AppInfo {
            name: app.manifest.application.name.clone(),
            version: Some(app.manifest.application.version.clone()).filter(|v| !v.is_empty()),
        };
        Ok(Self {
            engine,
            components,
            router,
            stores,
            limits: options.limits.clone(),
            test_clock: options.test_clock.then(|| Arc::new(TestClock::default())),
            test_disk: options.test_disk,
            cache_hits,
            info,
            route_warnings,
        })
    }

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

/// `<state-dir>/logs/<component>_stdout.txt` (and `_stderr.txt`), as Spin
/// names them; appended to across restarts.
fn log_file(dir: &Path, id: &str, stream: &str) -> Result<OutputFile> {
    let path = dir.join(format!("{id}_{stream}.txt"));
    let file = OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .with_context(|| format!("cannot open {}", path.display()))?;
    Ok(OutputFile::new(file))
}

/// Compiled components, keyed by a hash of the `.wasm` and of the engine's
/// build, so a restart loads instead of recompiling.
struct Cache {
    dir: PathBuf,
}

impl Cache {
    fn new(dir: PathBuf) -> Self {
        Self { dir }
    }

    fn key(bytes: &[u8]) -> String {
        let mut h = Sha256::new();
        h.update(env!("CARGO_PKG_VERSION").as_bytes());
        h.update(b"wasmtime-48.0.8;epoch;pooling;");
        h.update(bytes);
        h.finalize().iter().map(|b| format!("{b:02x}")).collect()
    }

    /// The compiled component and whether it came from the cache.
    fn load(&self, engine: &Engine, bytes: &[u8]) -> Result<(Component, bool)> {
        let path = self.dir.join(format!("{}.cwasm", Self::key(bytes)));
        if path.exists() {
            // SAFETY: the file was written by `Component::serialize` of this
            // same runner build into the runner's own state directory (the
            // key includes the runner version); wasmtime also checks that
            // it was compiled by a compatible engine and refuses it
            // otherwise, in which case we recompile.
            match unsafe { deserialize(engine, &path) } {
                Ok(c) => return Ok((c, true)),
                Err(e) => eprintln!(
                    "compile cache entry {} unusable ({e}); recompiling",
                    path.display()
                ),
            }
        }
        let component_bytes = componentize(bytes)?;
        let component = Component::new(engine, &component_bytes)
            .map_err(anyhow::Error::from)
            .context("cannot compile")?;
        if let Err(e) = self.store(&path, &component) {
            eprintln!("cannot write compile cache {}: {e:#}", path.display());
            return Ok((component, false));
        }
        if profiling() {
            // Its code is where the perf map named it; a second copy would
            // leave the map's names at addresses reused by others.
            return Ok((component, false));
        }
        // Served from the file just written, as after a restart: its code
        // is then mapped from the file (paged in as used, shared with the
        // page cache) instead of held in anonymous memory — ~120 MB less
        // resident for this app.
        // SAFETY: as above: written just now by this build's `serialize`.
        match unsafe { deserialize(engine, &path) } {
            Ok(mapped) => Ok((mapped, false)),
            Err(_) => Ok((component, false)),
        }
    }

    fn store(&self, path: &Path, component: &Component) -> Result<()> {
        std::fs::create_dir_all(&self.dir)?;
        let bytes = component.serialize().map_err(anyhow::Error::from)?;
        let tmp = path.with_extension("tmp");
        std::fs::write(&tmp, bytes)?;
        std::fs::rename(&tmp, path)?;
        Ok(())
    }
}

/// Whether the guests' code is named for `perf` (`RUNNER_PERFMAP`).
fn profiling() -> bool {
    std::env::var_os("RUNNER_PERFMAP").is_some()
}

/// A compiled component from the compile cache, its code mapped from the
/// file. When profiling (`RUNNER_PERFMAP`) it is read into anonymous
/// memory instead: `perf` looks up the perf map's names only there.
///
/// # Safety
/// As `Component::deserialize_file`: the file must be one this build's
/// `Component::serialize` wrote.
unsafe fn deserialize(engine: &Engine, path: &Path) -> Result<Component> {
    if profiling() {
        let bytes = std::fs::read(path)?;
        // SAFETY: the caller's.
        return unsafe { Component::deserialize(engine, bytes) }.map_err(anyhow::Error::from);
    }
    // SAFETY: the caller's.
    unsafe { Component::deserialize_file(engine, path) }.map_err(anyhow::Error::from)
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
