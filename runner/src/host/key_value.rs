//! `fermyon:spin/key-value@2.0.0`, backed by SQLite as Spin's default store is.
//!
//! Each operation runs under the store file's writer lock (see
//! [`KvStore::run`]); the disk is waited for by the group commit, not here.

use std::sync::{Arc, Mutex};

use rusqlite::{params, Connection, OptionalExtension};
use wasmtime::component::Resource;

use super::bindings::v2::key_value::{Error, Host, HostStore};
use super::State;
use crate::storage::stores::{within, Cached, Leased, BUSY_TIMEOUT};
use group_commit::Needs;

/// An open key-value store: the label and its own connection.
pub struct KvStore {
    label: String,
    conn: Arc<Mutex<Leased>>,
    /// The request whose answer waits for this store's commits.
    needs: Arc<Needs>,
    /// The most one operation may take.
    limit: std::time::Duration,
}

impl KvStore {
    /// Runs `f` on the store's connection; failures come back as text for
    /// each interface's own error type. Every operation is one short
    /// statement or transaction, run under the file's writer lock (writers
    /// queue awake and in order, never in SQLite's busy handler) right
    /// here rather than on a blocking thread: commits neither fsync (the
    /// group commit does) nor checkpoint (the syncer does).
    pub(super) async fn run<T>(
        &self,
        f: impl FnOnce(&Connection, &str) -> rusqlite::Result<T>,
    ) -> Result<T, String> {
        let writer = match self.conn.lock() {
            Ok(c) => c.writer(),
            Err(_) => return Err("store connection poisoned".to_string()),
        };
        let Ok(_writing) = tokio::time::timeout(BUSY_TIMEOUT, writer.lock_owned()).await else {
            return Err("database is locked".to_string());
        };
        let Ok(mut conn) = self.conn.lock() else {
            return Err("store connection poisoned".to_string());
        };
        // Every write of a store changes a row: that is how a commit that
        // must reach the disk is told from a read.
        let before = conn.total_changes();
        let result = within(self.limit, || f(&conn, &self.label)).map_err(|e| e.to_string());
        let wrote = conn.total_changes() != before;
        if let Some(ticket) = conn.settle(wrote) {
            self.needs.record(ticket);
        }
        result
    }

    async fn with_conn<T>(
        &self,
        f: impl FnOnce(&Connection, &str) -> rusqlite::Result<T>,
    ) -> Result<T, Error> {
        self.run(f).await.map_err(Error::Other)
    }
}

/// Where `open` of either key-value interface looks: the store if this
/// component lists it, with its own leased connection.
pub(super) enum OpenFailure {
    AccessDenied,
    NoSuchStore,
    Other(String),
}

impl State {
    pub(super) async fn open_key_value(
        &mut self,
        label: String,
    ) -> wasmtime::Result<Result<Resource<KvStore>, OpenFailure>> {
        if !self.grants.key_value_stores.contains(&label) {
            return Ok(Err(OpenFailure::AccessDenied));
        }
        let Some(pool) = self.stores.lease_key_value(&label) else {
            return Ok(Err(OpenFailure::NoSuchStore));
        };
        let conn = match pool.lease_async().await {
            Ok(conn) => conn,
            Err(e) => return Ok(Err(OpenFailure::Other(format!("{e:#}")))),
        };
        let store = KvStore {
            label,
            conn: Arc::new(Mutex::new(conn)),
            needs: self.needs.clone(),
            limit: self.statement_limit,
        };
        Ok(Ok(self.table.push(store)?))
    }
}

impl Host for State {}

impl HostStore for State {
    async fn open(&mut self, label: String) -> wasmtime::Result<Result<Resource<KvStore>, Error>> {
        Ok(self.open_key_value(label).await?.map_err(|f| match f {
            OpenFailure::AccessDenied => Error::AccessDenied,
            OpenFailure::NoSuchStore => Error::NoSuchStore,
            OpenFailure::Other(e) => Error::Other(e),
        }))
    }

    async fn get(
        &mut self,
        store: Resource<KvStore>,
        key: String,
    ) -> wasmtime::Result<Result<Option<Vec<u8>>, Error>> {
        let store = self.table.get(&store)?;
        Ok(store
            .with_conn(move |c, label| {
                c.cached_query_row(
                    "SELECT value FROM spin_key_value WHERE store = ?1 AND key = ?2",
                    params![label, key],
                    |row| row.get::<_, Vec<u8>>(0),
                )
                .optional()
            })
            .await)
    }

    async fn set(
        &mut self,
        store: Resource<KvStore>,
        key: String,
        value: Vec<u8>,
    ) -> wasmtime::Result<Result<(), Error>> {
        let store = self.table.get(&store)?;
        Ok(store
            .with_conn(move |c, label| {
                c.cached_execute(
                    "INSERT INTO spin_key_value (store, key, value) VALUES (?1, ?2, ?3)
                     ON CONFLICT (store, key) DO UPDATE SET value = excluded.value",
                    params![label, key, value],
                )
                .map(|_| ())
            })
            .await)
    }

    async fn delete(
        &mut self,
        store: Resource<KvStore>,
        key: String,
    ) -> wasmtime::Result<Result<(), Error>> {
        let store = self.table.get(&store)?;
        Ok(store
            .with_conn(move |c, label| {
                c.cached_execute(
                    "DELETE FROM spin_key_value WHERE store = ?1 AND key = ?2",
                    params![label, key],
                )
                .map(|_| ())
            })
            .await)
    }

    async fn exists(
        &mut self,
        store: Resource<KvStore>,
        key: String,
    ) -> wasmtime::Result<Result<bool, Error>> {
        let store = self.table.get(&store)?;
        Ok(store
            .with_conn(move |c, label| {
                c.cached_query_row(
                    "SELECT EXISTS (SELECT 1 FROM spin_key_value WHERE store = ?1 AND key = ?2)",
                    params![label, key],
                    |row| row.get::<_, bool>(0),
                )
            })
            .await)
    }

    async fn get_keys(
        &mut self,
        store: Resource<KvStore>,
    ) -> wasmtime::Result<Result<Vec<String>, Error>> {
        let store = self.table.get(&store)?;
        Ok(store
            .with_conn(move |c, label| {
                let mut stmt =
                    c.prepare_cached("SELECT key FROM spin_key_value WHERE store = ?1")?;
                let keys = stmt
                    .query_map(params![label], |row| row.get::<_, String>(0))?
                    .collect::<rusqlite::Result<Vec<_>>>();
                keys
            })
            .await)
    }

    async fn drop(&mut self, store: Resource<KvStore>) -> wasmtime::Result<()> {
        self.table.delete(store)?;
        Ok(())
    }
}
