//! `wasi:keyvalue@0.2.0-draft2` (store, atomics, batch) as spin-sdk 5.2
//! imports it, over the same SQLite stores and grants as
//! `fermyon:spin/key-value`. `increment` runs in one `BEGIN IMMEDIATE`
//! transaction, so concurrent increments from any number of requests never
//! lose an update; numbers are stored as 8 little-endian bytes, as Spin
//! stores them.

use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};
use wasmtime::component::Resource;

use super::bindings::keyvalue::{atomics, batch, store};
use super::key_value::{KvStore, OpenFailure};
use super::State;
use crate::storage::stores::Cached;

/// A compare-and-swap handle: the key and the value it last saw.
pub struct Cas {
    store: Resource<KvStore>,
    key: String,
    seen: Option<Vec<u8>>,
}

const UPSERT: &str = "INSERT INTO spin_key_value (store, key, value) VALUES (?1, ?2, ?3)
     ON CONFLICT (store, key) DO UPDATE SET value = excluded.value";

fn get(c: &Connection, label: &str, key: &str) -> rusqlite::Result<Option<Vec<u8>>> {
    c.cached_query_row(
        "SELECT value FROM spin_key_value WHERE store = ?1 AND key = ?2",
        params![label, key],
        |row| row.get(0),
    )
    .optional()
}

fn store_error(e: String) -> store::Error {
    store::Error::Other(e)
}

impl State {
    fn bucket(&self, res: &Resource<KvStore>) -> wasmtime::Result<&KvStore> {
        Ok(self.table.get(res)?)
    }
}

impl store::Host for State {
    async fn open(
        &mut self,
        identifier: String,
    ) -> wasmtime::Result<Result<Resource<KvStore>, store::Error>> {
        Ok(self.open_key_value(identifier).await?.map_err(|f| match f {
            OpenFailure::AccessDenied => store::Error::AccessDenied,
            OpenFailure::NoSuchStore => store::Error::NoSuchStore,
            OpenFailure::Other(e) => store::Error::Other(e),
        }))
    }
}

impl store::HostBucket for State {
    async fn get(
        &mut self,
        b: Resource<KvStore>,
        key: String,
    ) -> wasmtime::Result<Result<Option<Vec<u8>>, store::Error>> {
        Ok(self
            .bucket(&b)?
            .run(move |c, l| get(c, l, &key))
            .await
            .map_err(store_error))
    }

    async fn set(
        &mut self,
        b: Resource<KvStore>,
        key: String,
        value: Vec<u8>,
    ) -> wasmtime::Result<Result<(), store::Error>> {
        Ok(self
            .bucket(&b)?
            .run(move |c, l| c.cached_execute(UPSERT, params![l, key, value]).map(|_| ()))
            .await
            .map_err(store_error))
    }

    async fn delete(
        &mut self,
        b: Resource<KvStore>,
        key: String,
    ) -> wasmtime::Result<Result<(), store::Error>> {
        Ok(self
            .bucket(&b)?
            .run(move |c, l| {
                c.cached_execute(
                    "DELETE FROM spin_key_value WHERE store = ?1 AND key = ?2",
                    params![l, key],
                )
                .map(|_| ())
            })
            .await
            .map_err(store_error))
    }

    async fn exists(
        &mut self,
        b: Resource<KvStore>,
        key: String,
    ) -> wasmtime::Result<Result<bool, store::Error>> {
        Ok(self
            .bucket(&b)?
            .run(move |c, l| get(c, l, &key).map(|v| v.is_some()))
            .await
            .map_err(store_error))
    }

    async fn list_keys(
        &mut self,
        b: Resource<KvStore>,
        _cursor: Option<String>,
    ) -> wasmtime::Result<Result<store::KeyResponse, store::Error>> {
        // Every key in one page, as Spin's SQLite store answers.
        Ok(self
            .bucket(&b)?
            .run(move |c, l| {
                let mut stmt = c.prepare_cached(
                    "SELECT key FROM spin_key_value WHERE store = ?1 ORDER BY key",
                )?;
                let keys = stmt
                    .query_map(params![l], |r| r.get::<_, String>(0))?
                    .collect::<rusqlite::Result<Vec<_>>>()?;
                Ok(store::KeyResponse { keys, cursor: None })
            })
            .await
            .map_err(store_error))
    }

    async fn drop(&mut self, b: Resource<KvStore>) -> wasmtime::Result<()> {
        self.table.delete(b)?;
        Ok(())
    }
}

impl atomics::Host for State {
    async fn increment(
        &mut self,
        b: Resource<KvStore>,
        key: String,
        delta: i64,
    ) -> wasmtime::Result<Result<i64, store::Error>> {
        Ok(self
            .bucket(&b)?
            .run(move |c, l| {
                // IMMEDIATE: the write lock is taken before the read, so no
                // other connection can increment in between.
                let tx = rusqlite::Transaction::new_unchecked(c, TransactionBehavior::Immediate)?;
                let current = match get(&tx, l, &key)? {
                    None => 0,
                    Some(bytes) => match <[u8; 8]>::try_from(bytes.as_slice()) {
                        Ok(b) => i64::from_le_bytes(b),
                        Err(_) => {
                            return Err(rusqlite::Error::InvalidColumnType(
                                0,
                                format!("{key:?} does not hold a number (8 bytes)"),
                                rusqlite::types::Type::Blob,
                            ))
                        }
                    },
                };
                let next = current
                    .checked_add(delta)
                    .ok_or(rusqlite::Error::IntegralValueOutOfRange(0, delta))?;
                tx.cached_execute(UPSERT, params![l, key, next.to_le_bytes().to_vec()])?;
                tx.commit()?;
                Ok(next)
            })
            .await
            .map_err(store_error))
    }

    async fn swap(
        &mut self,
        cas: Resource<Cas>,
        value: Vec<u8>,
    ) -> wasmtime::Result<Result<(), atomics::CasError>> {
        let handle = self.table.get(&cas)?;
        let (key, seen) = (handle.key.clone(), handle.seen.clone());
        let bucket = self.bucket(&handle.store)?;
        let swapped = bucket
            .run(move |c, l| {
                let changed = match &seen {
                    Some(old) => c.cached_execute(
                        "UPDATE spin_key_value SET value = ?4 WHERE store = ?1 AND key = ?2 AND value = ?3",
                        params![l, key, old, value],
                    )?,
                    None => c.cached_execute(
                        "INSERT INTO spin_key_value (store, key, value) VALUES (?1, ?2, ?3) ON CONFLICT DO NOTHING",
                        params![l, key, value],
                    )?,
                };
                Ok(changed == 1)
            })
            .await;
        match swapped {
            Ok(true) => {
                self.table.delete(cas)?;
                Ok(Ok(()))
            }
            Ok(false) => Ok(Err(atomics::CasError::CasFailed(cas))),
            Err(e) => Ok(Err(atomics::CasError::StoreError(store::Error::Other(e)))),
        }
    }
}

impl atomics::HostCas for State {
    async fn new(
        &mut self,
        b: Resource<KvStore>,
        key: String,
    ) -> wasmtime::Result<Result<Resource<Cas>, store::Error>> {
        let k = key.clone();
        let seen = match self.bucket(&b)?.run(move |c, l| get(c, l, &k)).await {
            Ok(v) => v,
            Err(e) => return Ok(Err(store_error(e))),
        };
        let store = Resource::new_borrow(b.rep());
        Ok(Ok(self.table.push(Cas { store, key, seen })?))
    }

    async fn current(
        &mut self,
        cas: Resource<Cas>,
    ) -> wasmtime::Result<Result<Option<Vec<u8>>, store::Error>> {
        let handle = self.table.get(&cas)?;
        let key = handle.key.clone();
        let value = self
            .bucket(&handle.store)?
            .run(move |c, l| get(c, l, &key))
            .await;
        match value {
            Ok(v) => {
                self.table.get_mut(&cas)?.seen = v.clone();
                Ok(Ok(v))
            }
            Err(e) => Ok(Err(store_error(e))),
        }
    }

    async fn drop(&mut self, cas: Resource<Cas>) -> wasmtime::Result<()> {
        self.table.delete(cas)?;
        Ok(())
    }
}

impl batch::Host for State {
    async fn get_many(
        &mut self,
        b: Resource<KvStore>,
        keys: Vec<String>,
    ) -> wasmtime::Result<Result<Vec<(String, Option<Vec<u8>>)>, store::Error>> {
        Ok(self
            .bucket(&b)?
            .run(move |c, l| {
                keys.into_iter()
                    .map(|k| get(c, l, &k).map(|v| (k, v)))
                    .collect::<rusqlite::Result<Vec<_>>>()
            })
            .await
            .map_err(store_error))
    }

    async fn set_many(
        &mut self,
        b: Resource<KvStore>,
        key_values: Vec<(String, Vec<u8>)>,
    ) -> wasmtime::Result<Result<(), store::Error>> {
        Ok(self
            .bucket(&b)?
            .run(move |c, l| {
                let tx = rusqlite::Transaction::new_unchecked(c, TransactionBehavior::Immediate)?;
                for (k, v) in key_values {
                    tx.cached_execute(UPSERT, params![l, k, v])?;
                }
                tx.commit()
            })
            .await
            .map_err(store_error))
    }

    async fn delete_many(
        &mut self,
        b: Resource<KvStore>,
        keys: Vec<String>,
    ) -> wasmtime::Result<Result<(), store::Error>> {
        Ok(self
            .bucket(&b)?
            .run(move |c, l| {
                let tx = rusqlite::Transaction::new_unchecked(c, TransactionBehavior::Immediate)?;
                for k in keys {
                    tx.cached_execute(
                        "DELETE FROM spin_key_value WHERE store = ?1 AND key = ?2",
                        params![l, k],
                    )?;
                }
                tx.commit()
            })
            .await
            .map_err(store_error))
    }
}
