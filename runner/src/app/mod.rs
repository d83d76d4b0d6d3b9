//! Loading an app: each component compiled (`compile`), linked against the
//! host, pre-instantiated and checked against what its triggers call
//! (`exports`), with what its `spin.toml` table grants; the HTTP routes
//! built from `[[trigger.http]]`. `runner build` is `build`.

pub mod build;
pub mod compile;
pub mod exports;

use std::collections::BTreeMap;
use std::fs::OpenOptions;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{bail, Context, Result};
use serde::Serialize;
use wasmtime::component::Linker;
use wasmtime::Engine;
use wasmtime_wasi::cli::OutputFile;
use wasmtime_wasi_http::p2::bindings::ProxyPre;

use self::compile::Cache;
use self::exports::SpinCronPre;
use crate::host::{self, Grants, Limits, Shared, State};
use crate::manifest::outbound::AllowedHosts;
use crate::manifest::routes::{self, RoutePattern, Router};
use crate::manifest::runtime_config::RuntimeConfig;
use crate::manifest::variables::Resolved;
use crate::manifest::{App, HttpRoute};
use crate::storage::statements::{self, SqlStatement};
use crate::storage::stores::Stores;
use crate::testing::clock::TestClock;

/// A component ready to run: pre-instantiated for each trigger that uses
/// it, with what it may use.
pub struct LoadedComponent {
    pub http: Option<ProxyPre<State>>,
    pub cron: Option<SpinCronPre<State>>,
    pub grants: Arc<Grants>,
}

pub struct LoadedApp {
    pub engine: Engine,
    pub components: BTreeMap<String, Arc<LoadedComponent>>,
    pub router: Router<String>,
    /// The stores, limits and clock every instance shares.
    pub shared: Shared,
    /// `up --test-disk`: the test-disk control route is served.
    pub test_disk: bool,
    /// Whether components were taken from the compile cache, by id (for
    /// the start-up log and tests).
    pub cache_hits: BTreeMap<String, bool>,
    /// What `/.well-known/spin/info` answers.
    pub info: AppInfo,
    /// What start-up says about unreachable routes.
    pub route_warnings: Vec<String>,
}

/// What `up` passes in besides the manifest.
#[derive(Debug, Default)]
pub struct Options {
    /// `--variable name=value` flags, parsed.
    pub variables: BTreeMap<String, String>,
    pub limits: Limits,
    pub test_clock: bool,
    pub test_disk: bool,
    /// `--cache-dir`: the compile cache, if not the state directory's.
    pub cache_dir: Option<PathBuf>,
    /// `--runtime-config-file`, loaded.
    pub runtime_config: RuntimeConfig,
    /// `--sqlite` values, run against the databases before serving.
    pub sql_statements: Vec<SqlStatement>,
}

impl LoadedApp {
    pub fn load(app: &App, state_dir: &Path, options: &Options) -> Result<Self> {
        let variables = Resolved::resolve(&app.manifest.variables, &options.variables, |k| {
            std::env::var(k).ok()
        })?;
        let engine = compile::engine(&options.limits)?;
        let stores = Arc::new(Stores::new(state_dir, &options.runtime_config)?);
        statements::execute(&stores, &options.sql_statements)?;
        let mut linker = Linker::<State>::new(&engine);
        host::add_to_linker(&mut linker)?;
        let logs = state_dir.join("logs");
        std::fs::create_dir_all(&logs)
            .with_context(|| format!("cannot create {}", logs.display()))?;
        let cache = Cache::new(
            options
                .cache_dir
                .clone()
                .unwrap_or_else(|| state_dir.join("cache")),
        );
        let mut client_tls = host::tls::client_configs(&options.runtime_config.client_tls)?;

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
                    SpinCronPre::new(pre)
                        .map_err(anyhow::Error::from)
                        .with_context(|| format!("component {id:?} does not export handle-cron-event (fermyon:spin-cron@2.0.0)"))?,
                ),
                false => None,
            };
            let rendered = Resolved::render(&variables, &spec.variables)
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
                client_tls: Arc::new(client_tls.remove(id).unwrap_or_default()),
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
                reserved |= route.starts_with(routes::PREFIX);
                if let Some(replaced) =
                    router.add(RoutePattern::parse(route)?, trigger.component.clone())
                {
                    duplicates.push((route.clone(), replaced, trigger.component.clone()));
                }
            }
        }
        let route_warnings = routes::route_warnings(reserved, &duplicates);
        let info = AppInfo {
            name: app.manifest.application.name.clone(),
            version: Some(app.manifest.application.version.clone()).filter(|v| !v.is_empty()),
        };
        Ok(Self {
            engine,
            components,
            router,
            shared: Shared {
                stores,
                limits: options.limits.clone(),
                test_clock: options.test_clock.then(|| Arc::new(TestClock::default())),
            },
            test_disk: options.test_disk,
            cache_hits,
            info,
            route_warnings,
        })
    }
}

/// What `info` answers, as Spin's `AppInfo`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AppInfo {
    /// `[application] name`.
    pub name: String,
    /// `[application] version`, when the manifest gives one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
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
