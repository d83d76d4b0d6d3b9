//! The key-value seam beside [`crate::base::db::Db`]: what the library keeps
//! between requests outside the database — limit counters, the fast path of
//! retried submissions. Every entry is disposable: losing one costs a query
//! or a recount, never a decision, so a store that fails is a store the
//! library works without. Inside the components the Spin key-value store
//! implements it (`common::kv`); natively [`MemoryKv`] does, for tests.

use std::cell::RefCell;
use std::collections::BTreeMap;

use thiserror::Error;

/// Why the store did not answer (its own words; it reports them itself).
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("key-value store: {0}")]
pub struct KvError(pub String);

/// A key-value store, as Spin's `key_value` and `wasi:keyvalue` give it.
pub trait KeyValue {
    /// The value under `key`, if any.
    fn get(&self, key: &str) -> Result<Option<Vec<u8>>, KvError>;
    /// Keeps `value` under `key`.
    fn set(&self, key: &str, value: &[u8]) -> Result<(), KvError>;
    /// Drops `key`.
    fn delete(&self, key: &str) -> Result<(), KvError>;
    /// Adds `delta` to the counter under `key` at once (a counter is 8
    /// bytes, little-endian, as Spin keeps them); its new value.
    fn increment(&self, key: &str, delta: i64) -> Result<i64, KvError>;
    /// One page of the keys, from `cursor` on; the cursor of the next page.
    fn keys(&self, cursor: Option<&str>) -> Result<(Vec<String>, Option<String>), KvError>;
}

/// A counter's value: 0 when absent, unreadable or the store fails.
pub fn counter(kv: &impl KeyValue, key: &str) -> i64 {
    kv.get(key)
        .ok()
        .flatten()
        .and_then(|v| <[u8; 8]>::try_from(v.as_slice()).ok())
        .map(i64::from_le_bytes)
        .unwrap_or(0)
}

/// A store in memory, for native tests; [`MemoryKv::failing`] answers
/// every call with an error, as a store that is down does.
#[derive(Debug, Default)]
pub struct MemoryKv {
    entries: RefCell<BTreeMap<String, Vec<u8>>>,
    down: bool,
}

impl MemoryKv {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// A store that fails every call.
    pub fn failing() -> Self {
        Self {
            down: true,
            ..Self::default()
        }
    }

    fn up(&self) -> Result<(), KvError> {
        if self.down {
            Err(KvError("down".into()))
        } else {
            Ok(())
        }
    }
}

/// How many keys a page of [`MemoryKv::keys`] holds (small, so that tests
/// walk several pages).
const PAGE: usize = 2;

impl KeyValue for MemoryKv {
    fn get(&self, key: &str) -> Result<Option<Vec<u8>>, KvError> {
        self.up()?;
        Ok(self.entries.borrow().get(key).cloned())
    }

    fn set(&self, key: &str, value: &[u8]) -> Result<(), KvError> {
        self.up()?;
        self.entries
            .borrow_mut()
            .insert(key.to_string(), value.to_vec());
        Ok(())
    }

    fn delete(&self, key: &str) -> Result<(), KvError> {
        self.up()?;
        self.entries.borrow_mut().remove(key);
        Ok(())
    }

    fn increment(&self, key: &str, delta: i64) -> Result<i64, KvError> {
        self.up()?;
        let value = counter(self, key) + delta;
        self.set(key, &value.to_le_bytes())?;
        Ok(value)
    }

    fn keys(&self, cursor: Option<&str>) -> Result<(Vec<String>, Option<String>), KvError> {
        self.up()?;
        let entries = self.entries.borrow();
        let from = cursor.unwrap_or("");
        let mut page: Vec<String> = entries
            .range::<str, _>((std::ops::Bound::Included(from), std::ops::Bound::Unbounded))
            .map(|(k, _)| k.clone())
            .take(PAGE + 1)
            .collect();
        let next = (page.len() > PAGE).then(|| page.remove(PAGE));
        Ok((page, next))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_counter_starts_at_zero_counts_up_and_reads_back_as_spin_stores_it() {
        let kv = MemoryKv::new();
        assert_eq!(counter(&kv, "c"), 0);
        assert_eq!(kv.increment("c", 1), Ok(1));
        assert_eq!(kv.increment("c", 2), Ok(3));
        assert_eq!(kv.get("c"), Ok(Some(3i64.to_le_bytes().to_vec())));
        assert_eq!(counter(&kv, "c"), 3);
    }

    #[test]
    fn the_keys_come_in_pages_until_the_last() {
        let kv = MemoryKv::new();
        for k in ["a", "b", "c", "d", "e"] {
            kv.set(k, b"x").expect("set");
        }
        let mut all = Vec::new();
        let mut cursor = None;
        loop {
            let (page, next) = kv.keys(cursor.as_deref()).expect("keys");
            assert!(page.len() <= PAGE);
            all.extend(page);
            match next {
                Some(n) => cursor = Some(n),
                None => break,
            }
        }
        assert_eq!(all, ["a", "b", "c", "d", "e"]);
    }

    #[test]
    fn a_failing_store_fails_every_call_and_its_counters_read_zero() {
        let kv = MemoryKv::failing();
        assert!(kv.set("c", b"x").is_err());
        assert!(kv.increment("c", 1).is_err());
        assert!(kv.keys(None).is_err());
        assert_eq!(counter(&kv, "c"), 0);
    }
}
