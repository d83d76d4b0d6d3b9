//! `--runtime-config-file`, as Spin reads it, for the parts this runner
//! backs: `[key_value_store.<label>]` and `[sqlite_database.<label>]` of
//! `type = "spin"` with a `path`, and `[[client_tls]]` (the roots and
//! client certificate outbound HTTPS uses for some components and hosts);
//! relative paths start at the file's folder. Backends this runner does
//! not have (`redis`, `libsql`, `azure_cosmos`, ...) and other sections
//! are refused by name, with a pointer to real Spin, never ignored.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};

#[derive(Debug, Clone, Default)]
pub struct RuntimeConfig {
    pub key_value: BTreeMap<String, PathBuf>,
    pub sqlite: BTreeMap<String, PathBuf>,
    /// The `[[client_tls]]` entries, in the file's order (for a component
    /// and host, the first that names both wins).
    pub client_tls: Vec<ClientTls>,
}

/// One `[[client_tls]]` entry, with Spin's fields and defaults: for these
/// components' HTTPS requests to these hosts, trust `ca_roots_file`
/// (instead of the default roots unless `ca_use_webpki_roots` or
/// `ca_use_platform_roots` says to keep them) and present a client
/// certificate if given.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClientTls {
    pub component_ids: Vec<String>,
    /// Host names (or IP addresses) without scheme or port.
    pub hosts: Vec<String>,
    #[serde(default)]
    pub ca_use_platform_roots: Option<bool>,
    #[serde(default)]
    pub ca_use_webpki_roots: Option<bool>,
    #[serde(default)]
    pub ca_roots_file: Option<PathBuf>,
    #[serde(default)]
    pub client_cert_file: Option<PathBuf>,
    #[serde(default)]
    pub client_private_key_file: Option<PathBuf>,
}

impl ClientTls {
    /// Which roots it trusts, as Spin decides: both flags as given; one
    /// flag given, the other off; neither, the platform's roots unless a
    /// roots file is given. `(platform, webpki)`.
    pub fn default_roots(&self) -> (bool, bool) {
        match (self.ca_use_platform_roots, self.ca_use_webpki_roots) {
            (Some(platform), Some(webpki)) => (platform, webpki),
            (Some(platform), None) => (platform, false),
            (None, Some(webpki)) => (false, webpki),
            (None, None) => (self.ca_roots_file.is_none(), false),
        }
    }

    fn parse(value: &toml::Value, base: &Path) -> Result<Self> {
        let mut entry: Self = value.clone().try_into()?;
        if entry.component_ids.is_empty() {
            bail!("'component_ids' list may not be empty");
        }
        if entry.hosts.is_empty() {
            bail!("'hosts' list may not be empty");
        }
        for host in &entry.hosts {
            let authority: http::uri::Authority = host
                .parse()
                .with_context(|| format!("invalid TLS 'host' {host:?}"))?;
            if authority.port().is_some() {
                bail!("invalid TLS 'host' {host:?}; ports not currently supported");
            }
        }
        match (&entry.client_cert_file, &entry.client_private_key_file) {
            (Some(_), None) => bail!("client_cert_file specified without client_private_key_file"),
            (None, Some(_)) => bail!("client_private_key_file specified without client_cert_file"),
            _ => {}
        }
        let (platform, webpki) = entry.default_roots();
        if !platform && !webpki && entry.ca_roots_file.is_none() {
            bail!("at least one of ca_use_platform_roots, ca_use_webpki_roots or ca_roots_file must give roots");
        }
        for path in [
            &mut entry.ca_roots_file,
            &mut entry.client_cert_file,
            &mut entry.client_private_key_file,
        ]
        .into_iter()
        .flatten()
        {
            *path = base.join(&*path);
        }
        Ok(entry)
    }
}

impl RuntimeConfig {
    pub fn load(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read runtime config {}", path.display()))?;
        let base = path.parent().unwrap_or(Path::new("."));
        Self::parse(&text, base).with_context(|| format!("runtime config {}", path.display()))
    }

    pub fn parse(text: &str, base: &Path) -> Result<Self> {
        let table: toml::Table = toml::from_str(text)?;
        let mut config = Self::default();
        for (section, value) in &table {
            if section == "client_tls" {
                let entries = value
                    .as_array()
                    .context("client_tls must be an array of tables: [[client_tls]]")?;
                for (i, entry) in entries.iter().enumerate() {
                    let parsed = ClientTls::parse(entry, base)
                        .with_context(|| format!("[[client_tls]] entry {}", i + 1))?;
                    config.client_tls.push(parsed);
                }
                continue;
            }
            let target = match section.as_str() {
                "key_value_store" => &mut config.key_value,
                "sqlite_database" => &mut config.sqlite,
                other => bail!(
                    "[{other}] is not supported by this runner (it backs only key_value_store and sqlite_database of type \"spin\", and client_tls); use real Spin for it"
                ),
            };
            let stores = value
                .as_table()
                .with_context(|| format!("[{section}] must hold one table per label"))?;
            for (label, store) in stores {
                let store = store
                    .as_table()
                    .with_context(|| format!("[{section}.{label}] must be a table"))?;
                for key in store.keys() {
                    if key != "type" && key != "path" {
                        bail!("[{section}.{label}]: unknown field `{key}` (this runner reads `type` and `path`)");
                    }
                }
                let kind = store
                    .get("type")
                    .and_then(|t| t.as_str())
                    .with_context(|| format!("[{section}.{label}] needs a `type`"))?;
                if kind != "spin" {
                    bail!(
                        "[{section}.{label}] has type = {kind:?}, which this runner does not provide (only \"spin\", an SQLite file); run the app with real Spin to use {kind:?}"
                    );
                }
                let path = store
                    .get("path")
                    .and_then(|p| p.as_str())
                    .with_context(|| {
                        format!("[{section}.{label}] needs a `path` for its SQLite file")
                    })?;
                target.insert(label.clone(), base.join(path));
            }
        }
        Ok(config)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spin_stores_are_mapped_relative_to_the_files_folder() {
        let c = RuntimeConfig::parse(
            "[key_value_store.cache]\ntype = \"spin\"\npath = \"data/cache.db\"\n\n[sqlite_database.default]\ntype = \"spin\"\npath = \"/var/lib/casework/db.sqlite\"\n",
            Path::new("/etc/casework"),
        )
        .expect("parses");
        assert_eq!(
            c.key_value["cache"],
            PathBuf::from("/etc/casework/data/cache.db")
        );
        assert_eq!(
            c.sqlite["default"],
            PathBuf::from("/var/lib/casework/db.sqlite")
        );
    }

    #[test]
    fn other_backends_are_refused_by_name() {
        for kind in ["redis", "libsql", "azure_cosmos"] {
            let text = format!("[key_value_store.default]\ntype = \"{kind}\"\nurl = \"x\"\n");
            let err = format!(
                "{:#}",
                RuntimeConfig::parse(&text, Path::new(".")).unwrap_err()
            );
            assert!(err.contains("url") || err.contains(kind), "{err}");
        }
        let err = format!(
            "{:#}",
            RuntimeConfig::parse(
                "[sqlite_database.default]\ntype = \"libsql\"\n",
                Path::new(".")
            )
            .unwrap_err()
        );
        assert!(err.contains("libsql") && err.contains("real Spin"), "{err}");
    }

    #[test]
    fn client_tls_entries_keep_their_order_and_resolve_files_from_the_files_folder() {
        let c = RuntimeConfig::parse(
            "[[client_tls]]\ncomponent_ids = [\"signon\"]\nhosts = [\"sso.example.gov.cn\"]\nca_roots_file = \"certs/ca.pem\"\n\n[[client_tls]]\ncomponent_ids = [\"signon\", \"intake\"]\nhosts = [\"sso.example.gov.cn\", \"10.0.0.7\"]\nca_use_webpki_roots = true\nclient_cert_file = \"/etc/pki/app.pem\"\nclient_private_key_file = \"app.key\"\n",
            Path::new("/etc/casework"),
        )
        .expect("parses");
        assert_eq!(c.client_tls.len(), 2);
        let (first, second) = (&c.client_tls[0], &c.client_tls[1]);
        assert_eq!(
            first.ca_roots_file.as_deref(),
            Some(Path::new("/etc/casework/certs/ca.pem"))
        );
        assert_eq!(
            first.default_roots(),
            (false, false),
            "a roots file alone replaces the defaults"
        );
        assert_eq!(second.default_roots(), (false, true));
        assert_eq!(
            second.client_cert_file.as_deref(),
            Some(Path::new("/etc/pki/app.pem"))
        );
        assert_eq!(
            second.client_private_key_file.as_deref(),
            Some(Path::new("/etc/casework/app.key"))
        );
        let neither = RuntimeConfig::parse(
            "[[client_tls]]\ncomponent_ids = [\"a\"]\nhosts = [\"h\"]\n",
            Path::new("."),
        )
        .expect("parses");
        assert_eq!(neither.client_tls[0].default_roots(), (true, false));
    }

    #[test]
    fn a_client_tls_entry_spin_would_refuse_is_refused() {
        for (entry, says) in [
            ("hosts = [\"h\"]", "component_ids"),
            ("component_ids = []\nhosts = [\"h\"]", "component_ids"),
            ("component_ids = [\"a\"]\nhosts = []", "hosts"),
            (
                "component_ids = [\"a\"]\nhosts = [\"h:8443\"]",
                "ports not currently supported",
            ),
            (
                "component_ids = [\"a\"]\nhosts = [\"https://h\"]",
                "invalid TLS 'host'",
            ),
            (
                "component_ids = [\"a\"]\nhosts = [\"h\"]\nca_file = \"x\"",
                "ca_file",
            ),
            (
                "component_ids = [\"a\"]\nhosts = [\"h\"]\nclient_cert_file = \"c\"",
                "without client_private_key_file",
            ),
            (
                "component_ids = [\"a\"]\nhosts = [\"h\"]\nca_use_platform_roots = false",
                "at least one",
            ),
        ] {
            let err = format!(
                "{:#}",
                RuntimeConfig::parse(&format!("[[client_tls]]\n{entry}\n"), Path::new("."))
                    .unwrap_err()
            );
            assert!(err.contains(says), "{entry}: {err}");
        }
    }

    #[test]
    fn other_sections_are_refused_by_name() {
        let err = format!(
            "{:#}",
            RuntimeConfig::parse("[llm_compute]\ntype = \"remote_http\"\n", Path::new("."))
                .unwrap_err()
        );
        assert!(err.contains("llm_compute"), "{err}");
    }
}
