//! The library's key-value seam over Spin's key-value store `default`
//! (`wasi:keyvalue`: counters incremented atomically, 8 little-endian bytes,
//! as Spin stores them). A call that fails is logged here, by operation
//! only (a key may name a client or a tracking code), and the library goes
//! on without the store.

use shared::base::kv::{KeyValue, KvError};
use spin_sdk::wit::wasi::keyvalue::{atomics, store};

/// The store `default`, opened for each call.
#[derive(Debug, Clone, Copy, Default)]
pub struct SpinKv;

fn logged<T>(op: &str, result: Result<T, store::Error>) -> Result<T, KvError> {
    result.map_err(|e| {
        eprintln!("key-value store unavailable ({op}): {e:?}");
        KvError(format!("{e:?}"))
    })
}

impl KeyValue for SpinKv {
    fn get(&self, key: &str) -> Result<Option<Vec<u8>>, KvError> {
        logged("get", store::open("default").and_then(|b| b.get(key)))
    }

    fn set(&self, key: &str, value: &[u8]) -> Result<(), KvError> {
        logged(
            "set",
            store::open("default").and_then(|b| b.set(key, value)),
        )
    }

    fn delete(&self, key: &str) -> Result<(), KvError> {
        logged("delete", store::open("default").and_then(|b| b.delete(key)))
    }

    fn increment(&self, key: &str, delta: i64) -> Result<i64, KvError> {
        logged(
            "increment",
            store::open("default").and_then(|b| atomics::increment(&b, key, delta)),
        )
    }

    fn keys(&self, cursor: Option<&str>) -> Result<(Vec<String>, Option<String>), KvError> {
        let page = logged(
            "list",
            store::open("default").and_then(|b| b.list_keys(cursor)),
        )?;
        Ok((page.keys, page.cursor))
    }
}
