//! `--runtime-config-file`, as Spin reads it, for the parts this runner
//! backs: `[key_value_store.<label>]` and `[sqlite_database.<label>]` of
//! `type = "spin"` with a `path` (relative paths start at the file's
//! folder). Backends this runner does not have (`redis`, `libsql`,
//! `azure_cosmos`, ...) and other sections are refused by name, with a
//! pointer to real Spin, never ignored.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};

#[derive(Debug, Clone, Default)]
pub struct RuntimeConfig {
    pub key_value: BTreeMap<String, PathBuf>,
    pub sqlite: BTreeMap<String, PathBuf>,
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
            let target = match section.as_str() {
                "key_value_store" => &mut config.key_value,
                "sqlite_database" => &mut config.sqlite,
                other => bail!(
                    "[{other}] is not supported by this runner (it backs only key_value_store and sqlite_database of type \"spin\"); use real Spin for it"
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
    fn other_sections_are_refused_by_name() {
        let err = format!(
            "{:#}",
            RuntimeConfig::parse("[llm_compute]\ntype = \"remote_http\"\n", Path::new("."))
                .unwrap_err()
        );
        assert!(err.contains("llm_compute"), "{err}");
    }
}
