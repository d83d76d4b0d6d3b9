//! Fixtures the library's database tests share: a migrated in-memory
//! database, instants, and storing a case as intake would.

use chrono::{DateTime, FixedOffset};

use crate::base::db::{Db, NativeDb};
use crate::base::ids::{CaseId, TrackingCode};
use crate::base::schema::migrate;
use crate::case::intake::NewCase;
use crate::case::personal::Keys;
use crate::directory::units::Unit;
use crate::record::cases::{insert_case, Sealing, Stored};

pub fn t(s: &str) -> DateTime<FixedOffset> {
    DateTime::parse_from_rfc3339(s).expect("test instant")
}

pub fn migrated_db() -> NativeDb {
    let db = NativeDb::in_memory().expect("db");
    migrate(&db).expect("migrates");
    db
}

/// The demo county's seed (`seed/demo-county.sql`), as a deployment gives
/// it with `--sqlite @seed/demo-county.sql`.
pub const DEMO_SEED: &str = include_str!("../../../seed/demo-county.sql");

/// Runs a seed file's statements against `db`, as Spin's `--sqlite @FILE`.
pub fn run_seed(db: &NativeDb, sql: &str) {
    db.execute_batch(sql).expect("the seed runs");
}

/// Runs the demo county's seed against a migrated database.
pub fn seed_demo(db: &NativeDb) {
    run_seed(db, DEMO_SEED);
}

/// A migrated database with the demo county's seed.
pub fn seeded_db() -> NativeDb {
    let db = migrated_db();
    seed_demo(&db);
    db
}

/// The demo county's units, as its seed gives them.
pub fn demo_units() -> Vec<Unit> {
    let db = migrated_db();
    seed_demo(&db);
    let rows = db
        .execute(
            "SELECT id, name, county, unit_type FROM units ORDER BY id",
            &[],
        )
        .expect("units");
    rows.iter()
        .map(|r| Unit {
            id: r.text("id").expect("id").parse().expect("unit id"),
            name: r.text("name").expect("name").to_string(),
            county: r.text("county").expect("county").parse().expect("county"),
            unit_type: r.text("unit_type").expect("type").to_string(),
        })
        .collect()
}

pub fn keys() -> Keys {
    Keys::from_secret("test deployment secret").expect("keys")
}

/// A public complaint about a street lamp by 张三 with this phone, as the
/// API takes it.
pub fn complaint(phone: &str) -> serde_json::Value {
    serde_json::json!({"channel": "online_platform", "kind": "complaint", "title": "路灯不亮",
        "content": "九州路路灯坏了三天", "county": "410611000",
        "submitter": {"type": "individual", "name": "张三", "phone": phone}})
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

/// A staff member signed in as `role`: `zhang.wei`, of `qibin-urban` when
/// unit staff.
pub fn staff_member(role: crate::case::words::Role) -> crate::access::Principal {
    crate::access::Principal {
        subject: "zhang.wei".into(),
        name: "张伟".into(),
        role,
        unit: (role == crate::case::words::Role::Unit)
            .then(|| "qibin-urban".parse().expect("unit")),
        leader: false,
    }
}
