//! Fixtures the library's database tests share: a migrated in-memory
//! database, instants, and storing a case as intake would.

use chrono::{DateTime, FixedOffset};

use crate::db::NativeDb;
use crate::ids::{CaseId, TrackingCode};
use crate::intake::NewCase;
use crate::personal::Keys;
use crate::schema::migrate;
use crate::store::{insert_case, Sealing, Stored};

pub fn t(s: &str) -> DateTime<FixedOffset> {
    DateTime::parse_from_rfc3339(s).expect("test instant")
}

pub fn migrated_db() -> NativeDb {
    let db = NativeDb::in_memory().expect("db");
    migrate(&db).expect("migrates");
    db
}

pub fn keys() -> Keys {
    Keys::from_secret("test deployment secret").expect("keys")
}

/// Stores a submission (JSON as the API takes it) received at `at`; `n`
/// varies the tracking code and nonce between cases of one test.
pub fn store_case(db: &NativeDb, n: u8, body: serde_json::Value, at: &str) -> CaseId {
    let case = NewCase::parse(&body).expect("a valid submission");
    let keys = keys();
    let sealing = Sealing {
        keys: &keys,
        nonce: [n; 12],
    };
    match insert_case(
        db,
        &case,
        &TrackingCode::from_random([n; 8]),
        t(at),
        None,
        &sealing,
    )
    .expect("stored")
    {
        Stored::Created(r) | Stored::Replayed(r) => r.case_id,
    }
}
