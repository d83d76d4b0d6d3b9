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
use std::sync::{Arc, Mutex};
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
    pools: BTreeMap<PathBuf, Arc<Pool>>,
}

/// Label → file, for the key-value stores and for the databases.
pub type StorePaths = (BTreeMap<String, PathBuf>, BTreeMap<String, PathBuf>);

impl Stores {
    /// Where the stores live: the defaults in `state_dir`, and what the
    /// runtime config maps (which may move the defaults too).
    pub fn paths(state_dir: &Path, config: &RuntimeConfig) -> StorePaths {
        let mut key_value =
            BTreeMap::from([("default".to_string(), state_dir.join(DEFAULT_KV_FILE))]);
        let mut sqlite =
            BTreeMap::from([("default".to_string(), state_dir.join(DEFAULT_SQLITE_FILE))]);
        key_value.extend(config.key_value.clone());
        sqlite.extend(config.sqlite.clone());
        (key_value, sqlite)
    }

    /// The default stores in `state_dir` (created if missing), and those
    /// the runtime config maps (which may also move the defaults).
    pub fn new(state_dir: &Path, config: &RuntimeConfig) -> Result<Self> {
        std::fs::create_dir_all(state_dir)
            .with_context(|| format!("cannot create state dir {}", state_dir.display()))?;
        let (key_value, sqlite) = Self::paths(state_dir, config);
        let mut stores = Self {
            key_value,
            sqlite,
            pools: BTreeMap::new(),
        };
        for path in stores.key_value.values().chain(stores.sqlite.values()) {
            if let Some(dir) = path.parent() {
                std::fs::create_dir_all(dir)
                    .with_context(|| format!("cannot create {}", dir.display()))?;
            }
        }
        for path in stores.key_value.values() {
            let conn = open_connection(path)?;
            // WAL is a property of the file: set once, it stays.
            conn.pragma_update(None, "journal_mode", "WAL")?;
            conn.execute(KV_SCHEMA, [])
                .with_context(|| format!("cannot prepare key-value store {}", path.display()))?;
        }
        for path in stores.sqlite.values() {
            open_connection(path)?.pragma_update(None, "journal_mode", "WAL")?;
        }
        let paths: Vec<PathBuf> = stores
            .key_value
            .values()
            .chain(stores.sqlite.values())
            .cloned()
            .collect();
        for path in paths {
            stores.pools.insert(path.clone(), Arc::new(Pool::new(path)));
        }
        Ok(stores)
    }

    /// A connection of its own for one `open` of a key-value store.
    pub fn lease_key_value(&self, label: &str) -> Option<Arc<Pool>> {
        self.key_value
            .get(label)
            .and_then(|p| self.pools.get(p))
            .cloned()
    }

    /// A connection of its own for one `open` of a database.
    pub fn lease_sqlite(&self, label: &str) -> Option<Arc<Pool>> {
        self.sqlite
            .get(label)
            .and_then(|p| self.pools.get(p))
            .cloned()
    }

    pub fn has_key_value(&self, label: &str) -> bool {
        self.key_value.contains_key(label)
    }

    /// The file of a database, for the runner's own statements (`up
    /// --sqlite`), which run unsandboxed on a connection of their own.
    pub fn sqlite_path(&self, label: &str) -> Option<&Path> {
        self.sqlite.get(label).map(PathBuf::as_path)
    }

    pub fn has_sqlite(&self, label: &str) -> bool {
        self.sqlite.contains_key(label)
    }
}

/// A fresh connection with the settings every store uses.
pub fn open_connection(path: &Path) -> Result<Connection> {
    let conn = Connection::open(path)
        .with_context(|| format!("cannot open SQLite file {}", path.display()))?;
    conn.busy_timeout(BUSY_TIMEOUT)?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    Ok(conn)
}

/// Idle connections to one file, so an `open` need not reopen the file.
/// A connection is leased to one `open` at a time, and comes back only
/// outside any transaction: what one request began can never leak into
/// another's statements.
#[derive(Debug)]
pub struct Pool {
    path: PathBuf,
    idle: Mutex<Vec<Connection>>,
}

/// How many idle connections a pool keeps.
const POOL_IDLE_MAX: usize = 32;

impl Pool {
    fn new(path: PathBuf) -> Self {
        Self {
            path,
            idle: Mutex::new(Vec::new()),
        }
    }

    /// An idle connection, or a new one. Blocking: call off the async
    /// threads.
    pub fn lease(self: &Arc<Self>) -> Result<Leased> {
        let idle = self.idle.lock().ok().and_then(|mut v| v.pop());
        let conn = match idle {
            Some(c) => c,
            None => {
                // Pooled connections serve guests: sandboxed for good.
                let conn = open_connection(&self.path)?;
                crate::host::sql_sandbox::install(&conn);
                conn
            }
        };
        Ok(Leased {
            conn: Some(conn),
            pool: self.clone(),
        })
    }
}

/// A connection leased from a pool; it goes back when dropped.
#[derive(Debug)]
pub struct Leased {
    conn: Option<Connection>,
    pool: Arc<Pool>,
}

impl std::ops::Deref for Leased {
    type Target = Connection;

    fn deref(&self) -> &Connection {
        // Present from lease until drop.
        self.conn
            .as_ref()
            .expect("a leased connection is present until dropped")
    }
}

impl Drop for Leased {
    fn drop(&mut self) {
        let Some(conn) = self.conn.take() else { return };
        if !conn.is_autocommit() {
            // The guest left a transaction open: undo it rather than let it
            // reach the next request.
            let _ = conn.execute_batch("ROLLBACK");
        }
        if conn.is_autocommit() {
            if let Ok(mut idle) = self.pool.idle.lock() {
                if idle.len() < POOL_IDLE_MAX {
                    idle.push(conn);
                }
            }
        }
    }
}
