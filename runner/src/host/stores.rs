//! Where the labelled key-value stores and SQLite databases live on disk.
//!
//! As in Spin, the `default` key-value store is `sqlite_key_value.db` and the
//! `default` database is `sqlite_db.db`, both in the state directory (`.spin`
//! beside `spin.toml` unless `--state-dir` says otherwise). Every `open` by a
//! guest gets its own connection, so one request's `BEGIN … COMMIT` never
//! interleaves with another's statements; WAL and a busy timeout let
//! concurrent requests wait for each other instead of failing.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, Result};
use rusqlite::Connection;

use crate::runtime_config::RuntimeConfig;

/// Spin's default file names.
pub const DEFAULT_KV_FILE: &str = "sqlite_key_value.db";
pub const DEFAULT_SQLITE_FILE: &str = "sqlite_db.db";

/// How long a statement waits for another connection's write lock.
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// The same table Spin's SQLite-backed key-value store uses, so a state
/// directory can move between this runner and `spin up`.
const KV_SCHEMA: &str = "CREATE TABLE IF NOT EXISTS spin_key_value (
    store TEXT NOT NULL,
    key   TEXT NOT NULL,
    value BLOB NOT NULL,
    PRIMARY KEY (store, key)
)";

#[derive(Debug)]
pub struct Stores {
    key_value: BTreeMap<String, PathBuf>,
    sqlite: BTreeMap<String, PathBuf>,
}

impl Stores {
    /// The default stores in `state_dir` (created if missing), and those
    /// the runtime config maps (which may also move the defaults).
    pub fn new(state_dir: &Path, config: &RuntimeConfig) -> Result<Self> {
        std::fs::create_dir_all(state_dir)
            .with_context(|| format!("cannot create state dir {}", state_dir.display()))?;
        let mut stores = Self {
            key_value: BTreeMap::from([("default".to_string(), state_dir.join(DEFAULT_KV_FILE))]),
            sqlite: BTreeMap::from([("default".to_string(), state_dir.join(DEFAULT_SQLITE_FILE))]),
        };
        stores.key_value.extend(config.key_value.clone());
        stores.sqlite.extend(config.sqlite.clone());
        for path in stores.key_value.values().chain(stores.sqlite.values()) {
            if let Some(dir) = path.parent() {
                std::fs::create_dir_all(dir)
                    .with_context(|| format!("cannot create {}", dir.display()))?;
            }
        }
        for path in stores.key_value.values() {
            open_connection(path)?
                .execute(KV_SCHEMA, [])
                .with_context(|| format!("cannot prepare key-value store {}", path.display()))?;
        }
        for path in stores.sqlite.values() {
            open_connection(path)?;
        }
        Ok(stores)
    }

    pub fn has_key_value(&self, label: &str) -> bool {
        self.key_value.contains_key(label)
    }

    pub fn has_sqlite(&self, label: &str) -> bool {
        self.sqlite.contains_key(label)
    }

    pub fn key_value_path(&self, label: &str) -> Option<&Path> {
        self.key_value.get(label).map(PathBuf::as_path)
    }

    pub fn sqlite_path(&self, label: &str) -> Option<&Path> {
        self.sqlite.get(label).map(PathBuf::as_path)
    }
}

/// A fresh connection with the settings every store uses.
pub fn open_connection(path: &Path) -> Result<Connection> {
    let conn = Connection::open(path)
        .with_context(|| format!("cannot open SQLite file {}", path.display()))?;
    conn.busy_timeout(BUSY_TIMEOUT)?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    Ok(conn)
}
