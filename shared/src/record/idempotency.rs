//! Retried submissions (`Idempotency-Key`): whose retries a key holds for
//! (the person in the token, or else the client's address), the key as it
//! is kept, and the fast path that answers a retry from the key-value store
//! before the database is asked. The database stays the record
//! (`record::cases` refuses a key reused for another body); losing an entry
//! costs a query.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::access::attempts::counter_key;
use crate::access::Principal;
use crate::base::ids::IdempotencyKey;
use crate::base::kv::{KeyValue, KvError};
use crate::case::personal::Keys;
use crate::record::cases::{scoped_idempotency_key, Acknowledgement, IDEMPOTENCY_HOURS};

/// The key a client's `Idempotency-Key` is kept under: scoped to the staff
/// member in the token (`staff:` and their subject), or for the public to
/// the client (`client:` and its address bucket, asked only then), so one
/// client's key never answers another's retry.
pub fn scoped<E>(
    keys: &Keys,
    staff: Option<&Principal>,
    client: impl FnOnce() -> Result<String, E>,
    key: &IdempotencyKey,
) -> Result<String, E> {
    let scope = match staff {
        Some(person) => format!("staff:{}", person.subject),
        None => format!("client:{}", client()?),
    };
    Ok(scoped_idempotency_key(keys, &scope, key.as_str()))
}

/// Where a remembered answer to an `Idempotency-Key` (already scoped to
/// its client) is kept: under a key expiring at the end of the next UTC
/// day, so it outlives the key's day of validity and is then swept.
pub fn record_key(scoped: &str, at: DateTime<Utc>) -> String {
    let day = at.timestamp().div_euclid(86_400);
    counter_key((day + 2) * 86_400, &format!("idempotency/{scoped}"))
}

/// Where such an answer may be found at `now`: remembered today or
/// yesterday (the record itself says whether it is still valid).
pub fn lookup_keys(scoped: &str, now: DateTime<Utc>) -> [String; 2] {
    let yesterday = now - chrono::Duration::days(1);
    [record_key(scoped, now), record_key(scoped, yesterday)]
}

/// What is kept of a first answer for its retries.
#[derive(Serialize, Deserialize)]
struct Record {
    fingerprint: String,
    location: String,
    answer: serde_json::Value,
    /// Until when (Unix seconds) a retry gets this answer.
    valid_until: i64,
}

/// A first answer given again.
#[derive(Debug, Clone, PartialEq)]
pub struct Replay {
    /// The answer's body.
    pub answer: serde_json::Value,
    /// Where the case is followed (the answer's `Location`).
    pub location: String,
}

/// The first answer, if this (scoped) key was answered before for the same
/// body (`fingerprint`) and still holds at `now` (a different body under
/// the same key is the database's to refuse). A store that fails answers
/// nothing.
pub fn replay(
    kv: &impl KeyValue,
    scoped: &str,
    fingerprint: &str,
    now: DateTime<Utc>,
) -> Option<Replay> {
    let record: Record = lookup_keys(scoped, now)
        .iter()
        .find_map(|k| kv.get(k).ok().flatten())
        .and_then(|bytes| serde_json::from_slice(&bytes).ok())?;
    let holds = record.fingerprint == fingerprint && now.timestamp() < record.valid_until;
    holds.then_some(Replay {
        answer: record.answer,
        location: record.location,
    })
}

/// Keeps the answer `ack` (followed at `location`) for retries under the
/// (scoped) key, for as long as the key holds
/// ([`IDEMPOTENCY_HOURS`] from the receipt).
pub fn remember(
    kv: &impl KeyValue,
    scoped: &str,
    fingerprint: &str,
    ack: &Acknowledgement,
    location: &str,
    now: DateTime<Utc>,
) -> Result<(), KvError> {
    let record = Record {
        fingerprint: fingerprint.to_string(),
        location: location.to_string(),
        answer: serde_json::to_value(ack).map_err(|e| KvError(e.to_string()))?,
        valid_until: ack.receipt.received_at.timestamp() + IDEMPOTENCY_HOURS * 3600,
    };
    let bytes = serde_json::to_vec(&record).map_err(|e| KvError(e.to_string()))?;
    kv.set(&record_key(scoped, now), &bytes)
}

#[cfg(test)]
#[path = "idempotency_tests.rs"]
mod tests;
