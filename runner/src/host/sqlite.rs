//! `fermyon:spin/sqlite@2.0.0` and `spin:sqlite/sqlite@3.0.0` over rusqlite.
//!
//! Both versions share one connection type and one executor; they differ
//! only in their generated value types and in v3's two extra functions.
//! As in Spin, `execute` runs exactly one statement.

use std::sync::{Arc, Mutex};

use rusqlite::types::ValueRef;
use rusqlite::Connection;
use wasmtime::component::Resource;

use super::bindings::{v2, v3};
use super::State;
use crate::storage::stores::{within, Leased, BUSY_TIMEOUT};

/// An open database: its own connection, shared by both interface versions.
pub struct SqlConnection {
    conn: Arc<Mutex<Leased>>,
    /// The database's writer lock, from the first statement that writes to
    /// the end of its transaction.
    writing: Option<tokio::sync::OwnedMutexGuard<()>>,
}

/// A column value, independent of the interface version.
enum Cell {
    Integer(i64),
    Real(f64),
    Text(String),
    Blob(Vec<u8>),
    Null,
}

struct Rows {
    columns: Vec<String>,
    rows: Vec<Vec<Cell>>,
}

enum OpenFailure {
    AccessDenied,
    NoSuchDatabase,
    Io(String),
}

impl State {
    async fn open_sqlite(
        &mut self,
        label: &str,
    ) -> wasmtime::Result<Result<Resource<SqlConnection>, OpenFailure>> {
        if !self.grants.sqlite_databases.iter().any(|l| l == label) {
            return Ok(Err(OpenFailure::AccessDenied));
        }
        let Some(pool) = self.stores.lease_sqlite(label) else {
            return Ok(Err(OpenFailure::NoSuchDatabase));
        };
        match pool.lease_async().await {
            Ok(conn) => Ok(Ok(self.table.push(SqlConnection {
                conn: Arc::new(Mutex::new(conn)),
                writing: None,
            })?)),
            Err(e) => Ok(Err(OpenFailure::Io(format!("{e:#}")))),
        }
    }

    fn sql_connection(
        &self,
        res: &Resource<SqlConnection>,
    ) -> wasmtime::Result<Arc<Mutex<Leased>>> {
        Ok(self.table.get(res)?.conn.clone())
    }

    /// Runs `f` on a guest's connection; `f` says whether it wrote, and a
    /// commit that results is recorded for this request's answer.
    ///
    /// Statements run right here, not on a blocking thread: a statement
    /// that may write first takes the database's writer lock (kept until
    /// the connection is back outside any transaction), so no other writer
    /// of this runner can make it wait; WAL readers never wait for writers;
    /// and commits neither fsync (the group commit does) nor checkpoint
    /// (the syncer does). A hop to a blocking thread per statement cost
    /// more than the statement, and stretched every write transaction.
    async fn on_connection<T>(
        &mut self,
        res: &Resource<SqlConnection>,
        statement: Option<&str>,
        f: impl FnOnce(&Connection, &mut bool) -> Result<T, String>,
    ) -> wasmtime::Result<Result<T, String>> {
        let conn = self.sql_connection(res)?;
        if let Some(statement) = statement {
            let writer = match conn.lock() {
                Ok(c) if takes_writer_lock(&c, statement) => Some(c.writer()),
                _ => None,
            };
            if let Some(writer) = writer {
                if self.table.get(res)?.writing.is_none() {
                    let Ok(guard) = tokio::time::timeout(BUSY_TIMEOUT, writer.lock_owned()).await
                    else {
                        return Ok(Err("database is locked".to_string()));
                    };
                    self.table.get_mut(res)?.writing = Some(guard);
                }
            }
        }
        let Ok(mut leased) = conn.lock() else {
            return Ok(Err("connection poisoned".to_string()));
        };
        let mut wrote = false;
        let result = within(self.statement_limit, || f(&leased, &mut wrote));
        if let Some(ticket) = leased.settle(wrote) {
            self.needs.record(ticket);
        }
        let idle = leased.is_autocommit();
        drop(leased);
        if idle {
            // The writer lock goes with the transaction.
            self.table.get_mut(res)?.writing = None;
        }
        Ok(result)
    }
}

/// Whether a statement writes or begins a write transaction (asked of
/// SQLite, for which `BEGIN IMMEDIATE` and `BEGIN EXCLUSIVE` are not
/// read-only: preparing is cheap, and cached for the execution that
/// follows). Only a matter of speed: SQLite's own locking keeps it correct.
fn takes_writer_lock(conn: &Connection, statement: &str) -> bool {
    conn.prepare_cached(statement)
        .map(|stmt| !stmt.readonly())
        .unwrap_or(false)
}

fn execute(
    conn: &Connection,
    wrote: &mut bool,
    statement: &str,
    params: Vec<Cell>,
) -> Result<Rows, String> {
    crate::storage::sql_sandbox::check_statement(statement)?;
    let mut stmt = conn.prepare_cached(statement).map_err(|e| e.to_string())?;
    let began_outside = conn.is_autocommit();
    let readonly = stmt.readonly();
    let columns: Vec<String> = stmt.column_names().iter().map(|c| c.to_string()).collect();
    let params: Vec<rusqlite::types::Value> = params
        .into_iter()
        .map(|c| match c {
            Cell::Integer(i) => rusqlite::types::Value::Integer(i),
            Cell::Real(f) => rusqlite::types::Value::Real(f),
            Cell::Text(s) => rusqlite::types::Value::Text(s),
            Cell::Blob(b) => rusqlite::types::Value::Blob(b),
            Cell::Null => rusqlite::types::Value::Null,
        })
        .collect();
    // Whatever happens next, a statement that may write counts as written
    // (a wasted fsync at worst), except one that only opened a transaction
    // (`BEGIN IMMEDIATE` is not read-only to SQLite, yet writes nothing).
    *wrote = !readonly;
    let mut rows = stmt
        .query(rusqlite::params_from_iter(params))
        .map_err(|e| e.to_string())?;
    let mut out = Vec::new();
    while let Some(row) = rows.next().map_err(|e| e.to_string())? {
        let mut values = Vec::with_capacity(columns.len());
        for i in 0..columns.len() {
            let cell = match row.get_ref(i).map_err(|e| e.to_string())? {
                ValueRef::Integer(i) => Cell::Integer(i),
                ValueRef::Real(f) => Cell::Real(f),
                ValueRef::Text(t) => Cell::Text(String::from_utf8_lossy(t).into_owned()),
                ValueRef::Blob(b) => Cell::Blob(b.to_vec()),
                ValueRef::Null => Cell::Null,
            };
            values.push(cell);
        }
        out.push(values);
    }
    if began_outside && !conn.is_autocommit() {
        // It opened a transaction: its writes, if any, come later.
        *wrote = false;
    }
    Ok(Rows { columns, rows: out })
}

macro_rules! value_conversions {
    ($m:ident) => {
        impl From<$m::Value> for Cell {
            fn from(v: $m::Value) -> Self {
                match v {
                    $m::Value::Integer(i) => Cell::Integer(i),
                    $m::Value::Real(f) => Cell::Real(f),
                    $m::Value::Text(s) => Cell::Text(s),
                    $m::Value::Blob(b) => Cell::Blob(b),
                    $m::Value::Null => Cell::Null,
                }
            }
        }

        impl From<Cell> for $m::Value {
            fn from(c: Cell) -> Self {
                match c {
                    Cell::Integer(i) => $m::Value::Integer(i),
                    Cell::Real(f) => $m::Value::Real(f),
                    Cell::Text(s) => $m::Value::Text(s),
                    Cell::Blob(b) => $m::Value::Blob(b),
                    Cell::Null => $m::Value::Null,
                }
            }
        }

        impl From<Rows> for $m::QueryResult {
            fn from(r: Rows) -> Self {
                $m::QueryResult {
                    columns: r.columns,
                    rows: r
                        .rows
                        .into_iter()
                        .map(|values| $m::RowResult {
                            values: values.into_iter().map(Into::into).collect(),
                        })
                        .collect(),
                }
            }
        }

        impl From<OpenFailure> for $m::Error {
            fn from(f: OpenFailure) -> Self {
                match f {
                    OpenFailure::AccessDenied => $m::Error::AccessDenied,
                    OpenFailure::NoSuchDatabase => $m::Error::NoSuchDatabase,
                    OpenFailure::Io(e) => $m::Error::Io(e),
                }
            }
        }
    };
}

value_conversions!(v2_sqlite);
value_conversions!(v3_sqlite);

use v2::sqlite as v2_sqlite;
use v3::sqlite as v3_sqlite;

impl v2_sqlite::Host for State {}

impl v2_sqlite::HostConnection for State {
    async fn open(
        &mut self,
        database: String,
    ) -> wasmtime::Result<Result<Resource<SqlConnection>, v2_sqlite::Error>> {
        Ok(self.open_sqlite(&database).await?.map_err(Into::into))
    }

    async fn execute(
        &mut self,
        conn: Resource<SqlConnection>,
        statement: String,
        parameters: Vec<v2_sqlite::Value>,
    ) -> wasmtime::Result<Result<v2_sqlite::QueryResult, v2_sqlite::Error>> {
        let params: Vec<Cell> = parameters.into_iter().map(Into::into).collect();
        Ok(self
            .on_connection(&conn, Some(&statement), |c, w| {
                execute(c, w, &statement, params)
            })
            .await?
            .map(Into::into)
            .map_err(v2_sqlite::Error::Io))
    }

    async fn drop(&mut self, conn: Resource<SqlConnection>) -> wasmtime::Result<()> {
        self.table.delete(conn)?;
        Ok(())
    }
}

impl v3_sqlite::Host for State {}

impl v3_sqlite::HostConnection for State {
    async fn open(
        &mut self,
        database: String,
    ) -> wasmtime::Result<Result<Resource<SqlConnection>, v3_sqlite::Error>> {
        Ok(self.open_sqlite(&database).await?.map_err(Into::into))
    }

    async fn execute(
        &mut self,
        conn: Resource<SqlConnection>,
        statement: String,
        parameters: Vec<v3_sqlite::Value>,
    ) -> wasmtime::Result<Result<v3_sqlite::QueryResult, v3_sqlite::Error>> {
        let params: Vec<Cell> = parameters.into_iter().map(Into::into).collect();
        Ok(self
            .on_connection(&conn, Some(&statement), |c, w| {
                execute(c, w, &statement, params)
            })
            .await?
            .map(Into::into)
            .map_err(v3_sqlite::Error::Io))
    }

    async fn last_insert_rowid(&mut self, conn: Resource<SqlConnection>) -> wasmtime::Result<i64> {
        self.on_connection(&conn, None, |c, _| Ok(c.last_insert_rowid()))
            .await?
            .map_err(wasmtime::Error::msg)
    }

    async fn changes(&mut self, conn: Resource<SqlConnection>) -> wasmtime::Result<u64> {
        self.on_connection(&conn, None, |c, _| Ok(c.changes()))
            .await?
            .map_err(wasmtime::Error::msg)
    }

    async fn drop(&mut self, conn: Resource<SqlConnection>) -> wasmtime::Result<()> {
        self.table.delete(conn)?;
        Ok(())
    }
}
