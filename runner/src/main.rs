//! `runner`: a small Spin-compatible runtime on wasmtime. It runs an app from
//! its `spin.toml` as `spin build` and `spin up` would, for development,
//! tests and single-machine deployments. It knows nothing of any particular
//! app.

mod app;
mod build_cmd;
mod host;
mod manifest;
mod router;
mod server;

use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};

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
    Up {
        /// The manifest, or a folder holding spin.toml.
        #[arg(short = 'f', long = "from", default_value = "spin.toml")]
        from: PathBuf,
        /// Build the components first.
        #[arg(long)]
        build: bool,
        /// Address to listen on (port 0 picks a free port).
        #[arg(long, default_value = "127.0.0.1:3000")]
        listen: SocketAddr,
        /// Where the default key-value store and SQLite database live
        /// (default: .spin beside the manifest).
        #[arg(long)]
        state_dir: Option<PathBuf>,
    },
}

fn main() -> Result<()> {
    let cli = Cli::parse();
    match cli.command {
        Cmd::Build { from } => {
            let app = manifest::App::load(&from)?;
            build_cmd::build(&app)
        }
        Cmd::Up {
            from,
            build,
            listen,
            state_dir,
        } => {
            let app = manifest::App::load(&from)?;
            if build {
                build_cmd::build(&app)?;
            }
            let state_dir = state_dir.unwrap_or_else(|| app.dir.join(".spin"));
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .enable_all()
                .build()
                .context("cannot start the async runtime")?;
            runtime.block_on(up(app, listen, state_dir))
        }
    }
}

async fn up(app: manifest::App, listen: SocketAddr, state_dir: PathBuf) -> Result<()> {
    let loaded = app::LoadedApp::load(&app, &state_dir)?;
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .with_context(|| format!("cannot listen on {listen}"))?;
    let addr = listener.local_addr()?;
    println!("Serving http://{addr}");
    println!("Available Routes:");
    for trigger in &app.manifest.trigger.http {
        if let manifest::HttpRoute::Path(route) = &trigger.route {
            println!("  {}: http://{addr}{route}", trigger.component);
        }
    }
    server::Server::new(loaded).serve(listener).await
}
