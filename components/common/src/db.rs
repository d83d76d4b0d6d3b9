//! [`shared::base::db::Db`] over Spin's SQLite (`fermyon:spin/sqlite@2.0.0`, which
//! every Spin 2 and 3 host provides).

use shared::base::db::{Db, DbError, Rows, SqlValue};
use shared::base::rules::Stamp;
use spin_sdk::sqlite::{Connection, Error, Value};

/// The app's SQLite database, as labelled in `spin.toml`.
pub struct SpinDb {
    conn: Connection,
    nesting: std::cell::Cell<u32>,
    rules_stamp: std::cell::Cell<Option<Stamp>>,
}

impl SpinDb {
    /// Opens the `default` database and brings its schema up to date (one
    /// read when it is, which also reads the county rules' stamp).
    pub fn open_default() -> anyhow::Result<Self> {
        let conn = Connection::open("default")
            .map_err(|e| anyhow::anyhow!("cannot open database: {e:?}"))?;
        let db = Self {
            conn,
            nesting: std::cell::Cell::new(0),
            rules_stamp: std::cell::Cell::new(None),
        };
        db.rules_stamp
            .set(shared::base::schema::migrate_reading_rules_stamp(&db)?);
        Ok(db)
    }

    /// The rules' stamp read on opening, once: a later call reads afresh.
    pub fn take_rules_stamp(&self) -> Option<Stamp> {
        self.rules_stamp.take()
    }
}

/// Classifies an error of Spin's SQLite. Spin's API gives an error kind
/// and, for an I/O error, only SQLite's message (its result code is not
/// passed on), so this adapter is the one place that reads the message:
/// SQLite words every constraint failure "... constraint failed".
fn classify(e: Error) -> DbError {
    match e {
        Error::Io(message) if message.contains("constraint failed") => DbError::Constraint(message),
        Error::Io(message) => DbError::Statement(message),
        other => DbError::Statement(format!("{other:?}")),
    }
}

impl Db for SpinDb {
    fn nesting(&self) -> &std::cell::Cell<u32> {
        &self.nesting
    }

    fn execute(&self, sql: &str, params: &[SqlValue]) -> Result<Rows, DbError> {
        let params: Vec<Value> = params
            .iter()
            .map(|p| match p {
                SqlValue::Integer(i) => Value::Integer(*i),
                SqlValue::Real(f) => Value::Real(*f),
                SqlValue::Text(s) => Value::Text(s.clone()),
                SqlValue::Blob(b) => Value::Blob(b.clone()),
                SqlValue::Null => Value::Null,
            })
            .collect();
        let result = self.conn.execute(sql, &params).map_err(classify)?;
        Ok(Rows {
            columns: result.columns,
            rows: result
                .rows
                .into_iter()
                .map(|row| {
                    row.values
                        .into_iter()
                        .map(|v| match v {
                            Value::Integer(i) => SqlValue::Integer(i),
                            Value::Real(f) => SqlValue::Real(f),
                            Value::Text(s) => SqlValue::Text(s),
                            Value::Blob(b) => SqlValue::Blob(b),
                            Value::Null => SqlValue::Null,
                        })
                        .collect()
                })
                .collect(),
        })
    }
}
