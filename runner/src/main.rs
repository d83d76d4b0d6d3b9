//! `runner`: a small Spin-compatible runtime on wasmtime. It runs an app from
//! its `spin.toml` as `spin build` and `spin up` would, for development,
//! tests and single-machine deployments. It knows nothing of any particular
//! app.
//!
//! Its folders are layers, each importing only from those before it (the
//! layout test checks it):
//! - `testing`: the clock and control routes end-to-end tests drive;
//! - `manifest`: what an app declares (`spin.toml`, variables, routes,
//!   schedules, outbound hosts, the runtime config file);
//! - `storage`: the stores on disk, the guests' SQL sandbox, `--sqlite`,
//!   backups (durability is the `group-commit` crate);
//! - `host`: what an instance imports, one module per interface;
//! - `app`: an app loaded: compiled, linked, checked against its triggers;
//! - `trigger`: the HTTP server and the cron schedules that run it.

mod app;
mod host;
mod manifest;
mod storage;
mod testing;
mod trigger;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{bail, Context, Result};
use clap::{Args, Parser, Subcommand};

use manifest::runtime_config::RuntimeConfig;
use manifest::{schedule, variables};
use storage::{backup, statements};
use trigger::cron;
use trigger::http::{self as server, admission, body_guard};

#[derive(Parser)]
#[command(version, about = "Run a Spin app (spin.toml) on wasmtime")]
struct Cli {
    #[command(subcommand)]
    command: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Run every component's build command (as `spin build`).
    Build {
        /// The manifest, or a folder holding spin.toml.
        #[arg(short = 'f', long = "from", default_value = "spin.toml")]
        from: PathBuf,
    },
    /// Serve the app (as `spin up`).
    Up(UpArgs),
    /// Copy the app's key-value stores and databases, consistently, while
    /// it serves (SQLite's online backup); the copy is a state directory.
    Backup {
        /// The manifest, or a folder holding spin.toml (for the default
        /// state directory).
        #[arg(short = 'f', long = "from", default_value = "spin.toml")]
        from: PathBuf,
        /// The app's state directory (default: .spin beside the manifest).
        #[arg(long)]
        state_dir: Option<PathBuf>,
        /// The runtime config the app runs with, if any.
        #[arg(long)]
        runtime_config_file: Option<PathBuf>,
        /// A new (or empty) directory for the copy.
        #[arg(long)]
        to: PathBuf,
    },
}

#[derive(Args)]
struct UpArgs {
    /// The manifest, or a folder holding spin.toml.
    #[arg(short = 'f', long = "from", default_value = "spin.toml")]
    from: PathBuf,
    /// Build the components first.
    #[arg(long)]
    build: bool,
    /// Address to listen on (port 0 picks a free port).
    #[arg(long, default_value = "127.0.0.1:3000")]
    listen: SocketAddr,
    /// The certificate chain to serve HTTPS with (PEM, leaf first); without
    /// it, plain HTTP.
    #[arg(long, env = "SPIN_TLS_CERT", requires = "tls_key")]
    tls_cert: Option<PathBuf>,
    /// The private key of --tls-cert (PEM: PKCS#8, PKCS#1 RSA or SEC1 EC).
    #[arg(long, env = "SPIN_TLS_KEY", requires = "tls_cert")]
    tls_key: Option<PathBuf>,
    /// Where the default stores, logs and compile cache live (default:
    /// .spin beside the manifest).
    #[arg(long)]
    state_dir: Option<PathBuf>,
    /// Where compiled components are cached (default: `cache` in the state
    /// directory). Entries are keyed by the `.wasm` and the runner's build,
    /// so several apps and state directories may share one.
    #[arg(long, env = "RUNNER_CACHE_DIR")]
    cache_dir: Option<PathBuf>,
    /// Set an application variable (repeatable): `--variable name=value`.
    #[arg(long = "variable", value_name = "NAME=VALUE")]
    variables: Vec<String>,
    /// Map key-value stores and SQLite databases (Spin's runtime config).
    #[arg(long)]
    runtime_config_file: Option<PathBuf>,
    /// The most time one request (or cron run) may take, in seconds.
    #[arg(long, default_value_t = 30.0)]
    request_timeout: f64,
    /// The most linear memory one instance may grow to, in MiB.
    #[arg(long, default_value_t = 128)]
    max_memory_mib: usize,
    /// Let tests set the guests' wall clock (loopback listen only).
    #[arg(long)]
    test_clock: bool,
    /// Let tests hold every fsync back, to see that no answer leaves before
    /// its writes are on disk (loopback listen only).
    #[arg(long)]
    test_disk: bool,
    /// SQL to run before serving (repeatable, in order, on every start):
    /// a statement for the `default` database, or `@FILE` / `@FILE:LABEL`
    /// for a file of statements, as `spin up --sqlite`.
    #[arg(long = "sqlite", value_name = "STATEMENT|@FILE[:LABEL]")]
    sqlite: Vec<String>,
    /// No line per request.
    #[arg(long, short = 'q')]
    quiet: bool,
    /// Open connections one client (IP address; IPv6 by /64) may hold;
    /// more are answered 503 and closed. Behind a reverse proxy every
    /// client is the proxy: raise it there.
    #[arg(long, default_value_t = 64)]
    max_connections_per_client: usize,
    /// Requests served in instances at once, 1 to 64 (default: four per
    /// CPU core, at least 8); more wait in the queue.
    #[arg(long)]
    max_running: Option<usize>,
    /// Requests that may wait for an instance slot (then 503 with
    /// Retry-After).
    #[arg(long, default_value_t = 1024)]
    max_queued: usize,
    /// The longest a request body may pause, in seconds (then 408).
    #[arg(long, default_value_t = 10.0)]
    body_idle_timeout: f64,
    /// The slowest a request body may arrive after its first 5 seconds,
    /// in bytes a second on average (then 408).
    #[arg(long, default_value_t = 1024)]
    min_body_rate: u64,
}

fn main() -> Result<()> {
    storage::stores::configure_sqlite();
    let cli = Cli::parse();
    match cli.command {
        Cmd::Build { from } => {
            let app = manifest::App::load(&from)?;
            app::build::build(&app)
        }
        Cmd::Up(args) => up(args),
        Cmd::Backup {
            from,
            state_dir,
            runtime_config_file,
            to,
        } => {
            let state_dir = match state_dir {
                Some(dir) => dir,
                None => manifest::App::load(&from)?.dir.join(".spin"),
            };
            let config = match &runtime_config_file {
                Some(path) => RuntimeConfig::load(path)?,
                None => RuntimeConfig::default(),
            };
            for file in backup::backup(&state_dir, &config, &to)? {
                println!("Backed up {}", file.display());
            }
            Ok(())
        }
    }
}

fn up(args: UpArgs) -> Result<()> {
    if args.test_clock && !args.listen.ip().is_loopback() {
        bail!("--test-clock lets anyone who can reach the server set its clock: it is refused with a non-loopback --listen ({})", args.listen);
    }
    if args.test_disk && !args.listen.ip().is_loopback() {
        bail!("--test-disk lets anyone who can reach the server stall its writes: it is refused with a non-loopback --listen ({})", args.listen);
    }
    if !(args.request_timeout > 0.0 && args.request_timeout <= 3600.0) {
        bail!("--request-timeout must be more than 0 and at most 3600 seconds");
    }
    if args.max_memory_mib == 0 || args.max_memory_mib > 4096 {
        bail!("--max-memory-mib must be from 1 to 4096");
    }
    if args
        .max_running
        .is_some_and(|n| n == 0 || n > app::compile::MAX_RUNNING)
    {
        bail!(
            "--max-running must be from 1 to {}",
            app::compile::MAX_RUNNING
        );
    }
    if args.max_connections_per_client == 0 {
        bail!("--max-connections-per-client must be at least 1");
    }
    if !(args.body_idle_timeout > 0.0 && args.body_idle_timeout <= 3600.0) {
        bail!("--body-idle-timeout must be more than 0 and at most 3600 seconds");
    }
    let serve_limits = server::ServeLimits {
        admission: admission::AdmissionLimits {
            per_client_connections: args.max_connections_per_client,
            waiting: args.max_queued,
            running: args.max_running.unwrap_or_else(default_running),
            ..admission::AdmissionLimits::default()
        },
        body: body_guard::BodyLimits {
            idle_timeout: Duration::from_secs_f64(args.body_idle_timeout),
            min_rate: args.min_body_rate,
            ..body_guard::BodyLimits::default()
        },
        tls: None,
    };
    let app = manifest::App::load(&args.from)?;
    if args.build {
        app::build::build(&app)?;
    }
    let runtime_config = match &args.runtime_config_file {
        Some(path) => RuntimeConfig::load(path)?,
        None => RuntimeConfig::default(),
    };
    let options = app::Options {
        variables: variables::parse_flags(&args.variables)?,
        limits: host::Limits {
            request_timeout: Duration::from_secs_f64(args.request_timeout),
            max_memory_bytes: args.max_memory_mib << 20,
            ..host::Limits::default()
        },
        test_clock: args.test_clock,
        test_disk: args.test_disk,
        cache_dir: args.cache_dir.clone(),
        runtime_config,
        sql_statements: args
            .sqlite
            .iter()
            .map(|s| statements::SqlStatement::parse(s))
            .collect::<Result<_>>()?,
    };
    let state_dir = args
        .state_dir
        .clone()
        .unwrap_or_else(|| app.dir.join(".spin"));
    // Quiet means no per-request lines, as does RUST_LOG set to a level
    // above info.
    let quiet = args.quiet
        || std::env::var("RUST_LOG").is_ok_and(|v| matches!(v.trim(), "off" | "error" | "warn"));
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let tls = match (&args.tls_cert, &args.tls_key) {
        (Some(cert), Some(key)) => Some(Arc::new(host::tls::server_config(cert, key)?)),
        _ => None,
    };
    let serve_limits = server::ServeLimits {
        tls,
        ..serve_limits
    };
    runtime.block_on(serve(
        app,
        args.listen,
        state_dir,
        options,
        quiet,
        serve_limits,
    ))
}

async fn serve(
    app: manifest::App,
    listen: SocketAddr,
    state_dir: PathBuf,
    options: app::Options,
    quiet: bool,
    limits: server::ServeLimits,
) -> Result<()> {
    let loaded = Arc::new(app::LoadedApp::load(&app, &state_dir, &options)?);
    release_freed_memory();
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .with_context(|| format!("cannot listen on {listen}"))?;
    let addr = listener.local_addr()?;
    for (id, hit) in &loaded.cache_hits {
        if *hit {
            println!("Component {id} loaded from the compile cache");
        }
    }
    for trigger in &app.manifest.trigger.cron {
        let schedule = schedule::parse_schedule(&trigger.cron_expression)?;
        println!(
            "Cron: {} on \"{}\" (UTC)",
            trigger.component, trigger.cron_expression
        );
        tokio::spawn(cron::run_schedule(
            loaded.clone(),
            trigger.component.clone(),
            schedule,
            quiet,
        ));
    }
    if loaded.shared.test_clock.is_some() {
        println!(
            "Test clock: PUT http://{addr}{}",
            testing::controls::CLOCK_PATH
        );
    }
    if loaded.test_disk {
        println!(
            "Test disk: PUT http://{addr}{}",
            testing::controls::DISK_PATH
        );
    }
    for line in &loaded.route_warnings {
        println!("Warning: {line}");
    }
    let scheme = if limits.tls.is_some() {
        "https"
    } else {
        "http"
    };
    println!("Serving {scheme}://{addr}");
    println!("Available Routes:");
    for trigger in &app.manifest.trigger.http {
        if let manifest::HttpRoute::Path(route) = &trigger.route {
            println!("  {}: {scheme}://{addr}{route}", trigger.component);
        }
    }
    server::Server::new(loaded, quiet, limits)
        .serve(listener, server::shutdown_signal())
        .await
}

/// Gives the heap that compiling left free back to the system: a first
/// start (nothing cached) otherwise keeps ~75 MB resident that it never
/// uses again.
fn release_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        extern "C" {
            fn malloc_trim(pad: usize) -> i32;
        }
        // SAFETY: glibc's malloc_trim only returns free heap pages to the
        // system; it is safe to call at any time from any thread.
        unsafe {
            malloc_trim(0);
        }
    }
}

/// Requests served at once unless `--max-running` says: four per core,
/// from 8 to [`app::compile::MAX_RUNNING`]. More only contend for the cores and the
/// database's writer lock: past saturation each request then costs more
/// CPU, so a backlog would feed itself (BENCHMARKS.md). Those waiting hold
/// no instance.
fn default_running() -> usize {
    let cores = std::thread::available_parallelism().map_or(2, usize::from);
    cores.saturating_mul(4).clamp(8, app::compile::MAX_RUNNING)
}
