//! The one database interface the library needs: run one SQL statement with
//! parameters and get rows back. Inside the components it is Spin's SQLite;
//! natively (tests, tools) it is rusqlite over a real file or memory.
//!
//! Transactions are plain `BEGIN IMMEDIATE` / `COMMIT` statements: under Spin
//! each opened connection is its own SQLite connection, so they hold for the
//! statements in between. `IMMEDIATE` takes the write lock at the start, so
//! two requests never both read and then fail to upgrade.

use std::cell::Cell;

use thiserror::Error;

/// A value bound to, or read from, a statement.
#[derive(Debug, Clone, PartialEq)]
pub enum SqlValue {
    /// An SQL INTEGER: ids, counts, versions and yes/no flags (0 or 1).
    Integer(i64),
    /// An SQL REAL: a floating-point number.
    Real(f64),
    /// SQL TEXT, instants included (RFC 3339 text in China time).
    Text(String),
    /// An SQL BLOB, e.g. sealed personal data.
    Blob(Vec<u8>),
    /// SQL NULL: an absent optional value.
    Null,
}

impl From<i64> for SqlValue {
    fn from(v: i64) -> Self {
        Self::Integer(v)
    }
}

impl From<&str> for SqlValue {
    fn from(v: &str) -> Self {
        Self::Text(v.to_string())
    }
}

impl From<String> for SqlValue {
    fn from(v: String) -> Self {
        Self::Text(v)
    }
}

impl From<Vec<u8>> for SqlValue {
    fn from(v: Vec<u8>) -> Self {
        Self::Blob(v)
    }
}

impl<T: Into<SqlValue>> From<Option<T>> for SqlValue {
    fn from(v: Option<T>) -> Self {
        v.map(Into::into).unwrap_or(Self::Null)
    }
}

/// The rows a statement returned.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Rows {
    /// The column names, in the statement's order.
    pub columns: Vec<String>,
    /// Each row's values, in column order.
    pub rows: Vec<Vec<SqlValue>>,
}

impl Rows {
    /// The row at `index` as a lookup by column name.
    pub fn row(&self, index: usize) -> Option<Row<'_>> {
        self.rows.get(index).map(|values| Row {
            columns: &self.columns,
            values,
        })
    }

    /// Every row, in order, each as a lookup by column name.
    pub fn iter(&self) -> impl Iterator<Item = Row<'_>> {
        self.rows.iter().map(|values| Row {
            columns: &self.columns,
            values,
        })
    }
}

/// One row, read by column name.
#[derive(Debug, Clone, Copy)]
pub struct Row<'a> {
    columns: &'a [String],
    values: &'a [SqlValue],
}

impl Row<'_> {
    fn get(&self, column: &str) -> Result<&SqlValue, DbError> {
        self.columns
            .iter()
            .position(|c| c == column)
            .and_then(|i| self.values.get(i))
            .ok_or_else(|| DbError::Column(column.to_string()))
    }

    /// The text in `column`; an error if the column is missing or holds anything
    /// else, NULL included.
    pub fn text(&self, column: &str) -> Result<&str, DbError> {
        match self.get(column)? {
            SqlValue::Text(s) => Ok(s),
            _ => Err(DbError::Column(column.to_string())),
        }
    }

    /// The text in `column`, or `None` for NULL; an error if the column is
    /// missing or holds another type.
    pub fn opt_text(&self, column: &str) -> Result<Option<&str>, DbError> {
        match self.get(column)? {
            SqlValue::Text(s) => Ok(Some(s)),
            SqlValue::Null => Ok(None),
            _ => Err(DbError::Column(column.to_string())),
        }
    }

    /// The integer in `column`; an error if the column is missing or holds
    /// anything else, NULL included.
    pub fn integer(&self, column: &str) -> Result<i64, DbError> {
        match self.get(column)? {
            SqlValue::Integer(i) => Ok(*i),
            _ => Err(DbError::Column(column.to_string())),
        }
    }

    /// The integer in `column`, or `None` for NULL; an error if the column is
    /// missing or holds another type.
    pub fn get_opt_integer(&self, column: &str) -> Result<Option<i64>, DbError> {
        match self.get(column)? {
            SqlValue::Integer(i) => Ok(Some(*i)),
            SqlValue::Null => Ok(None),
            _ => Err(DbError::Column(column.to_string())),
        }
    }

    /// The blob in `column`; an error if the column is missing or holds anything
    /// else, NULL included.
    pub fn blob(&self, column: &str) -> Result<&[u8], DbError> {
        match self.get(column)? {
            SqlValue::Blob(b) => Ok(b),
            _ => Err(DbError::Column(column.to_string())),
        }
    }
}

/// Why a statement failed, or a value could not be read from a row.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum DbError {
    /// The database refused or failed the statement.
    #[error("database error: {0}")]
    Statement(String),
    /// A UNIQUE (or other) constraint refused the change.
    #[error("constraint violated: {0}")]
    Constraint(String),
    /// A row lacked a column, or held an unexpected type there.
    #[error("unexpected value in column {0:?}")]
    Column(String),
}

/// Runs one statement. Implemented over Spin's SQLite by the components and
/// over rusqlite natively.
pub trait Db {
    /// Runs `sql` with `params` bound to its `?` placeholders in order, and
    /// returns the rows it produced (none for a change).
    fn execute(&self, sql: &str, params: &[SqlValue]) -> Result<Rows, DbError>;

    /// How many transactions are open on this connection (kept by the
    /// implementation, so that transactions nest as savepoints).
    fn nesting(&self) -> &Cell<u32>;

    /// Runs `f` inside `BEGIN IMMEDIATE … COMMIT`, rolling back on error.
    /// Inside another transaction it is a savepoint, so steps that each
    /// keep themselves atomic compose into one atomic whole.
    fn transaction<T, E>(&self, f: impl FnOnce(&Self) -> Result<T, E>) -> Result<T, E>
    where
        E: From<DbError>,
        Self: Sized,
    {
        let depth = self.nesting().get();
        let (begin, commit, rollback) = if depth == 0 {
            (
                "BEGIN IMMEDIATE".to_string(),
                "COMMIT".to_string(),
                "ROLLBACK".to_string(),
            )
        } else {
            (
                format!("SAVEPOINT nested_{depth}"),
                format!("RELEASE nested_{depth}"),
                format!("ROLLBACK TO nested_{depth}; RELEASE nested_{depth}"),
            )
        };
        self.execute(&begin, &[])?;
        self.nesting().set(depth + 1);
        let result = f(self);
        self.nesting().set(depth);
        let rollback_all = || {
            // The error that made us roll back matters more than a
            // failure of the rollback itself.
            for statement in rollback.split("; ") {
                let _ = self.execute(statement, &[]);
            }
        };
        match result {
            Ok(v) => match self.execute(&commit, &[]) {
                Ok(_) => Ok(v),
                Err(e) => {
                    rollback_all();
                    Err(e.into())
                }
            },
            Err(e) => {
                rollback_all();
                Err(e)
            }
        }
    }
}

#[cfg(not(target_arch = "wasm32"))]
mod native {
    use super::{Db, DbError, Rows, SqlValue};
    use rusqlite::types::{Value, ValueRef};

    /// The native implementation, over a rusqlite connection.
    pub struct NativeDb {
        conn: rusqlite::Connection,
        nesting: std::cell::Cell<u32>,
    }

    impl NativeDb {
        /// Wraps an open rusqlite connection, with no transaction open.
        pub fn new(conn: rusqlite::Connection) -> Self {
            Self {
                conn,
                nesting: std::cell::Cell::new(0),
            }
        }

        /// Runs a script of statements (a seed file, in tests).
        pub fn execute_batch(&self, sql: &str) -> Result<(), DbError> {
            self.conn
                .execute_batch(sql)
                .map_err(|e| DbError::Statement(e.to_string()))
        }

        /// A fresh in-memory database, for tests.
        pub fn in_memory() -> Result<Self, DbError> {
            rusqlite::Connection::open_in_memory()
                .map(Self::new)
                .map_err(|e| DbError::Statement(e.to_string()))
        }
    }

    impl Db for NativeDb {
        fn nesting(&self) -> &std::cell::Cell<u32> {
            &self.nesting
        }

        fn execute(&self, sql: &str, params: &[SqlValue]) -> Result<Rows, DbError> {
            let run = || -> rusqlite::Result<Rows> {
                let mut stmt = self.conn.prepare_cached(sql)?;
                let columns: Vec<String> =
                    stmt.column_names().iter().map(|c| c.to_string()).collect();
                let values = params.iter().map(|p| match p {
                    SqlValue::Integer(i) => Value::Integer(*i),
                    SqlValue::Real(f) => Value::Real(*f),
                    SqlValue::Text(s) => Value::Text(s.clone()),
                    SqlValue::Blob(b) => Value::Blob(b.clone()),
                    SqlValue::Null => Value::Null,
                });
                let mut rows = stmt.query(rusqlite::params_from_iter(values))?;
                let mut out = Vec::new();
                while let Some(row) = rows.next()? {
                    let mut values = Vec::with_capacity(columns.len());
                    for i in 0..columns.len() {
                        values.push(match row.get_ref(i)? {
                            ValueRef::Integer(i) => SqlValue::Integer(i),
                            ValueRef::Real(f) => SqlValue::Real(f),
                            ValueRef::Text(t) => {
                                SqlValue::Text(String::from_utf8_lossy(t).into_owned())
                            }
                            ValueRef::Blob(b) => SqlValue::Blob(b.to_vec()),
                            ValueRef::Null => SqlValue::Null,
                        });
                    }
                    out.push(values);
                }
                Ok(Rows { columns, rows: out })
            };
            // Classified by SQLite's result code: a constraint failure is
            // a duplicate the caller may expect, anything else a fault.
            run().map_err(|e| match &e {
                rusqlite::Error::SqliteFailure(f, _)
                    if f.code == rusqlite::ErrorCode::ConstraintViolation =>
                {
                    DbError::Constraint(e.to_string())
                }
                _ => DbError::Statement(e.to_string()),
            })
        }
    }
}

#[cfg(not(target_arch = "wasm32"))]
pub use native::NativeDb;
