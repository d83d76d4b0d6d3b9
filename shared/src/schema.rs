//! Versioned migrations. Each migration runs once, in one transaction, and
//! is recorded in `schema_migrations`; a database is brought up to date on
//! first use by whichever request gets there first (the others wait on the
//! write lock, then find nothing to do).

use crate::db::{Db, DbError};

/// One step of the schema, in order. Never edit a released step: add one.
pub struct Migration {
    pub version: i64,
    pub name: &'static str,
    pub statements: &'static [&'static str],
}

pub const MIGRATIONS: &[Migration] = &[Migration {
    version: 1,
    name: "cases and their submitters",
    statements: &[
        // The case as the bureau and units see it. Instants are RFC 3339 text
        // in China time, which sorts correctly as text.
        "CREATE TABLE cases (
            id INTEGER PRIMARY KEY,
            tracking_code TEXT NOT NULL UNIQUE,
            channel TEXT NOT NULL,
            kind TEXT NOT NULL,
            title TEXT NOT NULL,
            content TEXT NOT NULL,
            county TEXT NOT NULL,
            status TEXT NOT NULL,
            received_at TEXT NOT NULL,
            idempotency_key TEXT UNIQUE,
            request_fingerprint TEXT
        )",
        "CREATE INDEX cases_county_received ON cases (county, received_at)",
        // Personal data (Art. 11) lives apart from the case content, so it can
        // be guarded, masked and audited on its own.
        "CREATE TABLE case_submitters (
            case_id INTEGER PRIMARY KEY REFERENCES cases (id),
            submitter_type TEXT NOT NULL,
            name TEXT NOT NULL,
            phone TEXT NOT NULL
        )",
    ],
}];

/// The newest schema version this library knows.
pub fn latest_version() -> i64 {
    MIGRATIONS.last().map(|m| m.version).unwrap_or(0)
}

fn current_version(db: &impl Db) -> Result<i64, DbError> {
    let rows = db.execute(
        "SELECT COALESCE(MAX(version), 0) AS v FROM schema_migrations",
        &[],
    )?;
    rows.row(0).map(|r| r.integer("v")).unwrap_or(Ok(0))
}

/// Brings the database up to date; returns the versions it applied.
pub fn migrate(db: &impl Db) -> Result<Vec<i64>, DbError> {
    db.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations (
            version INTEGER PRIMARY KEY,
            name TEXT NOT NULL,
            applied_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP
        )",
        &[],
    )?;
    if current_version(db)? >= latest_version() {
        return Ok(Vec::new());
    }
    db.transaction(|db| {
        // Checked again under the write lock: another request may have
        // migrated in the meantime.
        let current = current_version(db)?;
        let mut applied = Vec::new();
        for m in MIGRATIONS.iter().filter(|m| m.version > current) {
            for statement in m.statements {
                db.execute(statement, &[])?;
            }
            db.execute(
                "INSERT INTO schema_migrations (version, name) VALUES (?, ?)",
                &[m.version.into(), m.name.into()],
            )?;
            applied.push(m.version);
        }
        Ok(applied)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::NativeDb;

    #[test]
    fn a_new_database_gets_every_migration_once() {
        let db = NativeDb::in_memory().expect("db");
        let all: Vec<i64> = MIGRATIONS.iter().map(|m| m.version).collect();
        assert_eq!(migrate(&db), Ok(all));
        assert_eq!(migrate(&db), Ok(vec![]));
        assert_eq!(current_version(&db), Ok(latest_version()));
    }

    #[test]
    fn migration_versions_increase() {
        assert!(MIGRATIONS.windows(2).all(|w| w[0].version < w[1].version));
    }
}
