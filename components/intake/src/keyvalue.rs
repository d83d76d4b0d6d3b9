//! What intake keeps in the key-value store: the per-client counters of
//! public submissions, and the Idempotency-Key fast path for retries (the
//! database stays the record; losing an entry costs a query), each under a
//! key that carries its expiry, swept by the deadline scan.

use common::{Ctx, Problem};
use serde::{Deserialize, Serialize};
use shared::access::attempts;
use shared::base::ids::IdempotencyKey;
use shared::county::intake_rules::IntakeRules;
use shared::record::cases;
use shared::record::cases::Acknowledgement;
use spin_sdk::http::Response;
use spin_sdk::key_value::Store;

const IDEMPOTENCY_HEADER: &str = "idempotency-key";

/// Counts one public submission of this client in the current minute
/// (the key-value store's atomic increment): 429 past the county's limit.
/// A failing counter must not stop citizens from reaching us.
pub fn count_public_submission(ctx: &Ctx, rules: &IntakeRules) -> Result<(), Box<Problem>> {
    let window = rules.rate_window(&ctx.client_bucket()?, ctx.now());
    match common::counters::increment(&window.key) {
        Ok(n) => Ok(rules.admit_rate(n)?),
        Err(e) => {
            eprintln!("rate counter unavailable: {e}");
            Ok(())
        }
    }
}

/// The request's Idempotency-Key, if it sent one (400 if it is not one).
pub fn idempotency_key(ctx: &Ctx) -> Result<Option<IdempotencyKey>, Box<Problem>> {
    let Some(value) = ctx.req.header(IDEMPOTENCY_HEADER) else {
        return Ok(None);
    };
    value
        .as_str()
        .and_then(|key| key.parse().ok())
        .map(Some)
        .ok_or_else(|| {
            Problem::new(400, "invalid_header", "Invalid Idempotency-Key")
                .field("Idempotency-Key")
                .detail("1 to 200 visible ASCII characters")
                .boxed()
        })
}

#[derive(Serialize, Deserialize)]
struct Record {
    fingerprint: String,
    location: String,
    answer: serde_json::Value,
    /// Until when (Unix seconds) a retry gets this answer.
    valid_until: i64,
}

/// The first answer, if this (scoped) key was answered before for the
/// same body and is still valid (a different body under the same key is
/// decided by the database).
pub fn replay(ctx: &Ctx, scoped: &str, fingerprint: &str) -> Option<Response> {
    let store = Store::open_default().ok()?;
    let now = ctx.now();
    let record: Record = attempts::idempotency_lookup_keys(scoped, now)
        .iter()
        .find_map(|k| store.get(k).ok().flatten())
        .and_then(|bytes| serde_json::from_slice(&bytes).ok())?;
    (record.fingerprint == fingerprint && now.timestamp() < record.valid_until).then(|| {
        let mut resp = common::json(201, &record.answer).ok()?;
        resp.set_header("location", record.location);
        Some(resp)
    })?
}

/// Keeps the answer for retries under the (scoped) key, for as long as
/// the key holds.
pub fn remember(ctx: &Ctx, scoped: &str, fingerprint: &str, ack: &Acknowledgement) {
    let valid_until = ack.receipt.received_at.timestamp() + cases::IDEMPOTENCY_HOURS * 3600;
    let record = serde_json::to_value(ack).map(|answer| Record {
        fingerprint: fingerprint.to_string(),
        location: common::routes::track_location(&ack.receipt.tracking_code),
        answer,
        valid_until,
    });
    let key = attempts::idempotency_record_key(scoped, ctx.now());
    let stored = record
        .map_err(|e| e.to_string())
        .and_then(|r| serde_json::to_vec(&r).map_err(|e| e.to_string()))
        .and_then(|bytes| {
            Store::open_default()
                .and_then(|s| s.set(&key, &bytes))
                .map_err(|e| format!("{e:?}"))
        });
    if let Err(e) = stored {
        // Only the fast path is lost; the database still answers retries.
        eprintln!("cannot cache idempotency record: {e}");
    }
}
