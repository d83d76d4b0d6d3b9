//! Compiling components: the engine (pooling allocator, epoch deadlines),
//! a component as is or a wasip1 core module wrapped with the reactor
//! adapter (as Spin does), compiled once and cached in the state directory
//! by content hash, so a restart does not recompile.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use sha2::{Digest, Sha256};
use wasmtime::component::Component;
use wasmtime::{Config, Engine, InstanceAllocationStrategy, PoolingAllocationConfig};

use crate::host::{Limits, EPOCH_TICK};

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

/// Compiled components, keyed by a hash of the `.wasm` and of the engine's
/// build, so a restart loads instead of recompiling.
pub struct Cache {
    dir: PathBuf,
}

impl Cache {
    pub fn new(dir: PathBuf) -> Self {
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
    pub fn load(&self, engine: &Engine, bytes: &[u8]) -> Result<(Component, bool)> {
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
        // A name of this process's own: another runner sharing the cache
        // directory may be writing the same entry at the same time.
        let tmp = path.with_extension(format!("{}.tmp", std::process::id()));
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
