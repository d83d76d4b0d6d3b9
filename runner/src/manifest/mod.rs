//! `spin.toml` (manifest version 2), parsed as strictly as Spin parses it.
//!
//! Every table Spin defines is `deny_unknown_fields` here too, so a typo is an
//! error naming the field and its line instead of a silently ignored setting.
//! Fields that Spin accepts but this runner does not implement are refused by
//! name (see [`Manifest::check_supported`]) rather than ignored: an app that
//! runs here must run the same under `spin up`.

pub mod outbound;
pub mod routes;
pub mod runtime_config;
pub mod schedule;
pub mod variables;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use serde::Deserialize;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    pub spin_manifest_version: u32,
    pub application: Application,
    #[serde(default)]
    pub variables: BTreeMap<String, variables::Variable>,
    #[serde(default)]
    pub trigger: Triggers,
    #[serde(default)]
    pub component: BTreeMap<String, Component>,
}

#[allow(dead_code)] // every field Spin defines is parsed, used or not
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Application {
    pub name: String,
    #[serde(default)]
    pub version: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub authors: Vec<String>,
    #[serde(default)]
    pub targets: Vec<toml::Value>,
    #[serde(default)]
    pub trigger: BTreeMap<String, toml::Table>,
    #[serde(default)]
    pub tool: BTreeMap<String, toml::Table>,
}

/// The trigger types this runner serves. Spin has more (redis, mqtt, ...);
/// naming one of those is an unknown-field error that names it.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Triggers {
    #[serde(default)]
    pub http: Vec<HttpTrigger>,
    #[serde(default)]
    pub cron: Vec<CronTrigger>,
}

/// `[[trigger.cron]]`, as the spin-trigger-cron plugin reads it.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CronTrigger {
    pub component: String,
    pub cron_expression: String,
}

#[allow(dead_code)] // every field Spin defines is parsed, used or not
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HttpTrigger {
    #[serde(default)]
    pub id: String,
    pub component: String,
    pub route: HttpRoute,
    #[serde(default)]
    pub executor: Option<Executor>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum HttpRoute {
    Path(String),
    Private(PrivateRoute),
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PrivateRoute {
    pub private: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Executor {
    #[serde(rename = "type")]
    pub kind: String,
}

#[allow(dead_code)] // every field Spin defines is parsed, used or not
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Component {
    pub source: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub variables: BTreeMap<String, String>,
    #[serde(default)]
    pub environment: BTreeMap<String, String>,
    #[serde(default)]
    pub files: Vec<toml::Value>,
    #[serde(default)]
    pub exclude_files: Vec<String>,
    #[serde(default)]
    pub allowed_http_hosts: Vec<String>,
    #[serde(default)]
    pub allowed_outbound_hosts: Vec<String>,
    #[serde(default)]
    pub key_value_stores: Vec<String>,
    #[serde(default)]
    pub sqlite_databases: Vec<String>,
    #[serde(default)]
    pub ai_models: Vec<String>,
    #[serde(default)]
    pub build: Option<BuildConfig>,
    #[serde(default)]
    pub tool: BTreeMap<String, toml::Table>,
    #[serde(default)]
    pub dependencies_inherit_configuration: bool,
    #[serde(default)]
    pub dependencies: BTreeMap<String, toml::Value>,
}

#[allow(dead_code)] // every field Spin defines is parsed, used or not
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BuildConfig {
    pub command: Commands,
    #[serde(default)]
    pub workdir: Option<String>,
    #[serde(default)]
    pub watch: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum Commands {
    Single(String),
    Multiple(Vec<String>),
}

impl BuildConfig {
    pub fn commands(&self) -> Vec<&str> {
        match &self.command {
            Commands::Single(c) => vec![c.as_str()],
            Commands::Multiple(cs) => cs.iter().map(String::as_str).collect(),
        }
    }
}

/// A manifest together with the folder its relative paths start from.
#[derive(Debug)]
pub struct App {
    pub manifest: Manifest,
    pub dir: PathBuf,
}

impl App {
    /// Loads `spin.toml` from a file, or from a folder that holds one (as
    /// `spin up -f` accepts either).
    pub fn load(from: &Path) -> Result<Self> {
        let path = if from.is_dir() {
            from.join("spin.toml")
        } else {
            from.to_path_buf()
        };
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("cannot read manifest {}", path.display()))?;
        let manifest = Manifest::parse(&text)
            .with_context(|| format!("invalid manifest {}", path.display()))?;
        let path = path.canonicalize().unwrap_or(path);
        let dir = path
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_else(|| PathBuf::from("."));
        Ok(Self { manifest, dir })
    }

    pub fn source_path(&self, component: &Component) -> PathBuf {
        self.dir.join(&component.source)
    }
}

impl Manifest {
    pub fn parse(text: &str) -> Result<Self> {
        let manifest: Manifest = toml::from_str(text)?;
        manifest.validate()?;
        manifest.check_supported()?;
        Ok(manifest)
    }

    fn validate(&self) -> Result<()> {
        variables::check_declarations(&self.variables)?;
        for (id, component) in &self.component {
            variables::check_templates(id, &component.variables, &self.variables)?;
        }
        if self.spin_manifest_version != 2 {
            bail!(
                "spin_manifest_version = {} is not supported: this runner reads manifest version 2",
                self.spin_manifest_version
            );
        }
        for (id, component) in &self.component {
            if !is_kebab(id) {
                bail!("component id {id:?} must be kebab-case (lowercase letters, digits, '-')");
            }
            for label in component
                .key_value_stores
                .iter()
                .chain(&component.sqlite_databases)
            {
                if !is_kebab(label) && !is_snake(label) {
                    bail!(
                        "component {id:?}: store label {label:?} must be kebab-case or snake_case"
                    );
                }
            }
        }
        for trigger in &self.trigger.cron {
            if !self.component.contains_key(&trigger.component) {
                bail!(
                    "[[trigger.cron]] refers to component {:?}, which has no [component.{}] table",
                    trigger.component,
                    trigger.component
                );
            }
            schedule::parse_schedule(&trigger.cron_expression)?;
        }
        for trigger in &self.trigger.http {
            if !self.component.contains_key(&trigger.component) {
                bail!(
                    "[[trigger.http]] refers to component {:?}, which has no [component.{}] table",
                    trigger.component,
                    trigger.component
                );
            }
            match &trigger.route {
                HttpRoute::Path(route) => {
                    routes::RoutePattern::parse(route).with_context(|| {
                        format!("route {route:?} of component {:?}", trigger.component)
                    })?;
                }
                HttpRoute::Private(p) if !p.private => bail!(
                    "route must be a string pattern or '{{ private = true }}': component {:?} has {{ private = false }}",
                    trigger.component
                ),
                HttpRoute::Private(_) => {}
            }
            if let Some(executor) = &trigger.executor {
                if executor.kind != "spin" {
                    bail!(
                        "component {:?}: executor type {:?} is not supported by this runner (only \"spin\")",
                        trigger.component,
                        executor.kind
                    );
                }
            }
        }
        Ok(())
    }

    /// Spin features this runner does not provide are refused by name, so
    /// that nothing silently behaves differently from `spin up`.
    fn check_supported(&self) -> Result<()> {
        for (id, c) in &self.component {
            let unsupported = [
                ("files", !c.files.is_empty()),
                ("exclude_files", !c.exclude_files.is_empty()),
                ("allowed_http_hosts", !c.allowed_http_hosts.is_empty()),
                ("ai_models", !c.ai_models.is_empty()),
                ("dependencies", !c.dependencies.is_empty()),
            ];
            for (field, used) in unsupported {
                if used {
                    bail!(
                        "component {id:?} uses `{field}`, which this runner does not support yet; run the app with real Spin (`spin up`)"
                    );
                }
            }
        }
        Ok(())
    }
}

fn is_kebab(s: &str) -> bool {
    is_id(s, '-')
}

fn is_snake(s: &str) -> bool {
    is_id(s, '_')
}

fn is_id(s: &str, sep: char) -> bool {
    !s.is_empty()
        && s.split(sep).all(|part| {
            part.chars().next().is_some_and(|c| c.is_ascii_lowercase())
                && part
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINIMAL: &str = r#"
spin_manifest_version = 2
[application]
name = "demo"

[[trigger.http]]
route = "/api/..."
component = "api"

[component.api]
source = "target/api.wasm"
sqlite_databases = ["default"]
key_value_stores = ["default"]
[component.api.build]
command = "cargo build --target wasm32-wasip1 --release"
"#;

    #[test]
    fn a_minimal_manifest_parses() {
        let m = Manifest::parse(MINIMAL).expect("parses");
        assert_eq!(m.application.name, "demo");
        assert_eq!(m.trigger.http.len(), 1);
        assert_eq!(m.component["api"].sqlite_databases, vec!["default"]);
        assert_eq!(
            m.component["api"].build.as_ref().map(|b| b.commands()),
            Some(vec!["cargo build --target wasm32-wasip1 --release"])
        );
    }

    #[test]
    fn an_unknown_field_is_an_error_naming_the_field_and_line() {
        let text = MINIMAL.replace("sqlite_databases", "sqlite_database");
        let err = format!("{:#}", Manifest::parse(&text).unwrap_err());
        assert!(err.contains("sqlite_database"), "{err}");
        assert!(err.contains("line 12"), "{err}");
    }

    #[test]
    fn an_unknown_trigger_type_is_named() {
        let text = format!("{MINIMAL}\n[[trigger.redis]]\nchannel = \"x\"\ncomponent = \"api\"\n");
        let err = format!("{:#}", Manifest::parse(&text).unwrap_err());
        assert!(err.contains("redis"), "{err}");
    }

    #[test]
    fn a_trigger_for_a_missing_component_is_refused() {
        let text = MINIMAL.replace("component = \"api\"", "component = \"nope\"");
        let err = format!("{:#}", Manifest::parse(&text).unwrap_err());
        assert!(err.contains("nope"), "{err}");
    }

    #[test]
    fn a_public_route_marked_private_false_is_refused() {
        let text = MINIMAL.replace("route = \"/api/...\"", "route = { private = false }");
        assert!(Manifest::parse(&text).is_err());
    }

    #[test]
    fn a_cron_trigger_needs_six_fields() {
        let ok = format!(
            "{MINIMAL}\n[[trigger.cron]]\ncomponent = \"api\"\ncron_expression = \"0 0 * * * *\"\n"
        );
        assert_eq!(
            Manifest::parse(&ok).map(|m| m.trigger.cron.len()).ok(),
            Some(1)
        );
        let five = ok.replace("0 0 * * * *", "0 * * * *");
        let err = format!("{:#}", Manifest::parse(&five).unwrap_err());
        assert!(err.contains("exactly 6"), "{err}");
    }

    #[test]
    fn manifest_version_one_is_refused() {
        let text = MINIMAL.replace("spin_manifest_version = 2", "spin_manifest_version = 1");
        let err = format!("{:#}", Manifest::parse(&text).unwrap_err());
        assert!(err.contains("version"), "{err}");
    }

    #[test]
    fn store_labels_must_be_kebab_or_snake_case() {
        let text = MINIMAL.replace(
            "key_value_stores = [\"default\"]",
            "key_value_stores = [\"B@d\"]",
        );
        assert!(Manifest::parse(&text).is_err());
        let text = MINIMAL.replace(
            "key_value_stores = [\"default\"]",
            "key_value_stores = [\"snake_case\", \"kebab-case\"]",
        );
        assert!(Manifest::parse(&text).is_ok());
    }
}
