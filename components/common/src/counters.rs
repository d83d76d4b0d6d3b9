//! Limit counters in the key-value store `default`: read, incremented
//! atomically (`wasi:keyvalue/atomics`, 8 little-endian bytes, as Spin
//! stores them), and swept once their window has ended (the keys carry
//! their expiry: [`shared::access::attempts::counter_key`]).

use chrono::{DateTime, Utc};
use spin_sdk::wit::wasi::keyvalue::{atomics, store};

/// A counter's value (0 when absent or unreadable).
pub fn get(key: &str) -> i64 {
    store::open("default")
        .and_then(|b| b.get(key))
        .ok()
        .flatten()
        .and_then(|v| <[u8; 8]>::try_from(v.as_slice()).ok())
        .map(i64::from_le_bytes)
        .unwrap_or(0)
}

/// Adds one to a counter; its new value.
pub fn increment(key: &str) -> Result<i64, String> {
    store::open("default")
        .and_then(|b| atomics::increment(&b, key, 1))
        .map_err(|e| format!("{e:?}"))
}

/// Deletes every counter whose window ended by `now`; how many.
pub fn sweep(now: DateTime<Utc>) -> Result<u64, String> {
    let bucket = store::open("default").map_err(|e| format!("{e:?}"))?;
    let mut cursor = None;
    let mut deleted = 0;
    loop {
        let page = bucket
            .list_keys(cursor.as_deref())
            .map_err(|e| format!("{e:?}"))?;
        for key in page
            .keys
            .iter()
            .filter(|k| shared::access::attempts::is_expired(k, now))
        {
            bucket.delete(key).map_err(|e| format!("{e:?}"))?;
            deleted += 1;
        }
        match page.cursor {
            Some(next) => cursor = Some(next),
            None => return Ok(deleted),
        }
    }
}
