//! Where the labelled key-value stores and SQLite databases live on disk.
//!
//! As in Spin, the `default` key-value store is `sqlite_key_value.db` and the
//! `default` database is `sqlite_db.db`, both in the state directory (`.spin`
//! beside `spin.toml` unless `--state-dir` says otherwise). Every `open` by a
//! guest gets its own connection, so one request's `BEGIN … COMMIT` never
//! interleaves with another's statements; WAL and a busy timeout let
//! concurrent requests wait for each other instead of failing.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::{Context, Result};
use rusqlite::Connection;

use crate::manifest::runtime_config::RuntimeConfig;
use group_commit::{Durability, Wal};

/// Spin's default file names.
pub const DEFAULT_KV_FILE: &str = "sqlite_key_value.db";
pub const DEFAULT_SQLITE_FILE: &str = "sqlite_db.db";

/// Prepared statements kept per pooled connection.
const STATEMENT_CACHE: usize = 256;

/// How long a statement waits for another connection's write lock.
pub const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// The same table Spin's SQLite-backed key-value store uses, so a state
/// directory can move between this runner and `spin up`.
const KV_SCHEMA: &str = "CREATE TABLE IF NOT EXISTS spin_key_value (
    store TEXT NOT NULL,
    key   TEXT NOT NULL,
    value BLOB NOT NULL,
    PRIMARY KEY (store, key)
)";

#[derive(Debug)]
pub struct Stores {
    key_value: BTreeMap<String, PathBuf>,
    sqlite: BTreeMap<String, PathBuf>,
    pools: BTreeMap<PathBuf, Arc<Pool>>,
    durability: Arc<Durability>,
}

/// Label → file, for the key-value stores and for the databases.
pub type StorePaths = (BTreeMap<String, PathBuf>, BTreeMap<String, PathBuf>);

impl Stores {
    /// Where the stores live: the defaults in `state_dir`, and what the
    /// runtime config maps (which may move the defaults too).
    pub fn paths(state_dir: &Path, config: &RuntimeConfig) -> StorePaths {
        let mut key_value =
            BTreeMap::from([("default".to_string(), state_dir.join(DEFAULT_KV_FILE))]);
        let mut sqlite =
            BTreeMap::from([("default".to_string(), state_dir.join(DEFAULT_SQLITE_FILE))]);
        key_value.extend(config.key_value.clone());
        sqlite.extend(config.sqlite.clone());
        (key_value, sqlite)
    }

    /// The default stores in `state_dir` (created if missing), and those
    /// the runtime config maps (which may also move the defaults).
    pub fn new(state_dir: &Path, config: &RuntimeConfig) -> Result<Self> {
        std::fs::create_dir_all(state_dir)
            .with_context(|| format!("cannot create state dir {}", state_dir.display()))?;
        let (mut key_value, mut sqlite) = Self::paths(state_dir, config);
        for path in key_value.values().chain(sqlite.values()) {
            if let Some(dir) = path.parent() {
                std::fs::create_dir_all(dir)
                    .with_context(|| format!("cannot create {}", dir.display()))?;
            }
        }
        for path in key_value.values() {
            let conn = open_connection(path)?;
            // WAL is a property of the file: set once, it stays.
            conn.pragma_update(None, "journal_mode", "WAL")?;
            conn.execute(KV_SCHEMA, [])
                .with_context(|| format!("cannot prepare key-value store {}", path.display()))?;
        }
        for path in sqlite.values() {
            open_connection(path)?.pragma_update(None, "journal_mode", "WAL")?;
        }
        // One name per file, however the config spelt it: one writer lock
        // and one log to sync per file.
        for path in key_value.values_mut().chain(sqlite.values_mut()) {
            *path = std::fs::canonicalize(&*path)
                .with_context(|| format!("cannot resolve {}", path.display()))?;
        }
        let mut files: Vec<PathBuf> = key_value.values().chain(sqlite.values()).cloned().collect();
        files.sort();
        files.dedup();
        let durability = Durability::start(&files);
        let mut pools = BTreeMap::new();
        for path in files {
            let wal = durability
                .wal(&path)
                .context("every store file has a log")?;
            let pool = Pool::new(path.clone(), durability.clone(), wal);
            pools.insert(path, Arc::new(pool));
        }
        let stores = Self {
            key_value,
            sqlite,
            pools,
            durability,
        };
        Ok(stores)
    }

    /// The runner's group commit: what a response waits for.
    pub fn durability(&self) -> &Arc<Durability> {
        &self.durability
    }

    /// A connection of its own for one `open` of a key-value store.
    pub fn lease_key_value(&self, label: &str) -> Option<Arc<Pool>> {
        self.key_value
            .get(label)
            .and_then(|p| self.pools.get(p))
            .cloned()
    }

    /// A connection of its own for one `open` of a database.
    pub fn lease_sqlite(&self, label: &str) -> Option<Arc<Pool>> {
        self.sqlite
            .get(label)
            .and_then(|p| self.pools.get(p))
            .cloned()
    }

    pub fn has_key_value(&self, label: &str) -> bool {
        self.key_value.contains_key(label)
    }

    /// The file of a database, for the runner's own statements (`up
    /// --sqlite`), which run unsandboxed on a connection of their own.
    pub fn sqlite_path(&self, label: &str) -> Option<&Path> {
        self.sqlite.get(label).map(PathBuf::as_path)
    }

    pub fn has_sqlite(&self, label: &str) -> bool {
        self.sqlite.contains_key(label)
    }
}

/// Process-wide SQLite settings, before the first connection opens: no
/// allocation statistics (they take one global mutex on every SQLite
/// allocation, which the request threads then queue on).
pub fn configure_sqlite() {
    // SAFETY: sqlite3_config is called before SQLite is initialised (the
    // first thing `main` does); afterwards it only returns SQLITE_MISUSE.
    let off: std::ffi::c_int = 0;
    let rc = unsafe { rusqlite::ffi::sqlite3_config(rusqlite::ffi::SQLITE_CONFIG_MEMSTATUS, off) };
    if rc != rusqlite::ffi::SQLITE_OK {
        eprintln!("SQLite's allocation statistics stay on (sqlite3_config: {rc})");
    }
}

/// A connection's calls through its statement cache: the key-value host
/// runs the same few statements on every call, and preparing them afresh
/// each time cost ~3 % of the CPU of a submission.
pub trait Cached {
    /// [`Connection::query_row`], prepared once.
    fn cached_query_row<T, P, F>(&self, sql: &str, params: P, f: F) -> rusqlite::Result<T>
    where
        P: rusqlite::Params,
        F: FnOnce(&rusqlite::Row<'_>) -> rusqlite::Result<T>;

    /// [`Connection::execute`], prepared once.
    fn cached_execute<P: rusqlite::Params>(&self, sql: &str, params: P) -> rusqlite::Result<usize>;
}

impl Cached for Connection {
    fn cached_query_row<T, P, F>(&self, sql: &str, params: P, f: F) -> rusqlite::Result<T>
    where
        P: rusqlite::Params,
        F: FnOnce(&rusqlite::Row<'_>) -> rusqlite::Result<T>,
    {
        self.prepare_cached(sql)?.query_row(params, f)
    }

    fn cached_execute<P: rusqlite::Params>(&self, sql: &str, params: P) -> rusqlite::Result<usize> {
        self.prepare_cached(sql)?.execute(params)
    }
}

/// A fresh connection with the settings every store uses. Durable on its
/// own (`synchronous=FULL`): for the runner's statements outside requests.
pub fn open_connection(path: &Path) -> Result<Connection> {
    let conn = Connection::open(path)
        .with_context(|| format!("cannot open SQLite file {}", path.display()))?;
    conn.busy_handler(Some(busy))?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    Ok(conn)
}

/// A guest's connection: commits return without waiting for the disk
/// (`synchronous=NORMAL`, consistent in WAL mode) and the group commit
/// makes them durable before any answer leaves.
fn open_group_committed(path: &Path) -> Result<Connection> {
    let conn = open_connection(path)?;
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    // Checkpoints are the syncer's (group_commit), never a request's.
    conn.pragma_update(None, "wal_autocheckpoint", 0)?;
    // A stage runs a few dozen distinct statements; rusqlite keeps 16
    // prepared by default, so a request re-parsed most of its own.
    conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
    Ok(conn)
}

/// How many SQLite VM steps between looks at the statement's deadline.
const PROGRESS_EVERY: std::ffi::c_int = 10_000;

thread_local! {
    /// When the statement running on this thread must stop.
    static DEADLINE: std::cell::Cell<Option<std::time::Instant>> =
        const { std::cell::Cell::new(None) };
}

/// Runs a guest's statement (on the thread that serves its request) with
/// at most `limit` to finish: past it SQLite interrupts the statement, so
/// a runaway query fails instead of holding a worker thread for good.
pub fn within<T>(limit: Duration, f: impl FnOnce() -> T) -> T {
    let previous = DEADLINE.replace(Some(std::time::Instant::now() + limit));
    let out = f();
    DEADLINE.set(previous);
    out
}

fn past_deadline() -> bool {
    DEADLINE
        .get()
        .is_some_and(|d| std::time::Instant::now() > d)
}

/// Waiting for another connection's write lock: short sleeps that grow
/// (a commit holds the lock for well under a millisecond now that it does
/// not wait for the disk), for at most `BUSY_TIMEOUT` in all. SQLite's own
/// busy timeout sleeps 1, 2, 5, 10, 15, 20, 25 ms, which made the tail.
fn busy(tries: i32) -> bool {
    let tries = u32::try_from(tries).unwrap_or(0);
    let step = Duration::from_micros(50) * 2u32.saturating_pow(tries.min(6));
    let step = step.min(Duration::from_millis(2));
    // 2 ms steps after the first few: this many make up the whole timeout.
    let most = BUSY_TIMEOUT.as_millis() / 2 + 7;
    if u128::from(tries) >= most {
        return false;
    }
    std::thread::sleep(step);
    true
}

/// Idle connections to one file, so an `open` need not reopen the file.
/// A connection is leased to one `open` at a time, and comes back only
/// outside any transaction: what one request began can never leak into
/// another's statements.
#[derive(Debug)]
pub struct Pool {
    path: PathBuf,
    idle: Mutex<Vec<Connection>>,
    durability: Arc<Durability>,
    wal: Arc<Wal>,
}

/// How many idle connections a pool keeps.
const POOL_IDLE_MAX: usize = 32;

impl Pool {
    fn new(path: PathBuf, durability: Arc<Durability>, wal: Arc<Wal>) -> Self {
        Self {
            path,
            idle: Mutex::new(Vec::new()),
            durability,
            wal,
        }
    }

    /// An idle connection, or a new one; opening one blocks, so only that
    /// goes to a blocking thread (a hop costs two thread switches, and a
    /// stage opens its stores on every request).
    pub async fn lease_async(self: &Arc<Self>) -> Result<Leased> {
        if let Some(conn) = self.idle() {
            return Ok(self.leased(conn));
        }
        let pool = self.clone();
        tokio::task::spawn_blocking(move || pool.lease())
            .await
            .map_err(|e| anyhow::anyhow!("opening a connection stopped: {e}"))?
    }

    fn idle(&self) -> Option<Connection> {
        self.idle.lock().ok().and_then(|mut v| v.pop())
    }

    fn leased(self: &Arc<Self>, conn: Connection) -> Leased {
        Leased {
            conn: Some(conn),
            pool: self.clone(),
            wrote: false,
        }
    }

    /// An idle connection, or a new one. Blocking: call off the async
    /// threads.
    pub fn lease(self: &Arc<Self>) -> Result<Leased> {
        let idle = self.idle();
        let conn = match idle {
            Some(c) => c,
            None => {
                // Pooled connections serve guests: sandboxed for good.
                let conn = open_group_committed(&self.path)?;
                super::sql_sandbox::install(&conn);
                conn.progress_handler(PROGRESS_EVERY, Some(past_deadline));
                conn
            }
        };
        Ok(self.leased(conn))
    }
}

/// A connection leased from a pool; it goes back when dropped.
#[derive(Debug)]
pub struct Leased {
    conn: Option<Connection>,
    pool: Arc<Pool>,
    /// A statement wrote since the last commit.
    wrote: bool,
}

impl Leased {
    /// The lock a writer of this file holds until its commit.
    pub fn writer(&self) -> Arc<tokio::sync::Mutex<()>> {
        self.pool.wal.writer()
    }

    /// After each statement: whether it `wrote`. When that left the
    /// connection outside any transaction having written, a commit
    /// happened (or a rollback: a wasted fsync, never a missed one) and
    /// the ticket the answer must wait for comes back.
    pub fn settle(&mut self, wrote: bool) -> Option<u64> {
        self.wrote |= wrote;
        if self.wrote && self.is_autocommit() {
            self.wrote = false;
            return Some(self.pool.durability.committed(&self.pool.wal));
        }
        None
    }
}

impl std::ops::Deref for Leased {
    type Target = Connection;

    fn deref(&self) -> &Connection {
        // Present from lease until drop.
        self.conn
            .as_ref()
            .expect("a leased connection is present until dropped")
    }
}

impl Drop for Leased {
    fn drop(&mut self) {
        let Some(conn) = self.conn.take() else { return };
        if !conn.is_autocommit() {
            // The guest left a transaction open: undo it rather than let it
            // reach the next request.
            let _ = conn.execute_batch("ROLLBACK");
        }
        if conn.is_autocommit() {
            if let Ok(mut idle) = self.pool.idle.lock() {
                if idle.len() < POOL_IDLE_MAX {
                    idle.push(conn);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    //! A simulated power cut: the disk keeps only what was fsynced. The
    //! recorder below copies a `-wal` file at each fsync; the image of the
    //! disk at any moment is the database file (no checkpoint runs here,
    //! so it never changes) with the last copy as its log.

    use super::*;
    use std::fs::File;
    use std::sync::atomic::{AtomicU64, Ordering};

    struct Disk {
        dir: tempfile::TempDir,
        db: PathBuf,
        pool: Arc<Pool>,
        durability: Arc<Durability>,
    }

    impl Disk {
        fn new() -> Self {
            let dir = tempfile::tempdir().expect("dir");
            let db = dir.path().join("cases.db");
            let conn = open_connection(&db).expect("open");
            conn.pragma_update(None, "journal_mode", "WAL")
                .expect("wal");
            conn.execute_batch("CREATE TABLE cases (code TEXT PRIMARY KEY)")
                .expect("schema");
            drop(conn);
            let synced = dir.path().join("synced-wal");
            let durability = Durability::start_with(
                std::slice::from_ref(&db),
                Box::new(move |file: &File, path: &Path| {
                    file.sync_data()?;
                    // What the disk now holds of the log (replaced whole,
                    // so a power cut never sees half a copy).
                    let partial = synced.with_extension("partial");
                    let copied = std::fs::copy(path, &partial)
                        .and_then(|_| std::fs::rename(&partial, &synced));
                    match copied {
                        // The test is over and its directory gone.
                        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
                        other => other,
                    }
                }),
            );
            let wal = durability.wal(&db).expect("log");
            let pool = Arc::new(Pool::new(db.clone(), durability.clone(), wal));
            Self {
                dir,
                db,
                pool,
                durability,
            }
        }

        /// The codes a power cut right now would leave.
        fn after_power_cut(&self) -> Vec<String> {
            static CUTS: AtomicU64 = AtomicU64::new(0);
            let n = CUTS.fetch_add(1, Ordering::SeqCst);
            let image = self.dir.path().join(format!("cut-{n}.db"));
            std::fs::copy(&self.db, &image).expect("copy db");
            let synced = self.dir.path().join("synced-wal");
            if synced.exists() {
                let mut log = image.as_os_str().to_owned();
                log.push("-wal");
                std::fs::copy(&synced, PathBuf::from(log)).expect("copy log");
            }
            let conn = Connection::open(&image).expect("open image");
            let mut stmt = conn.prepare("SELECT code FROM cases").expect("query");
            let codes = stmt
                .query_map([], |r| r.get::<_, String>(0))
                .expect("rows")
                .collect::<rusqlite::Result<Vec<_>>>()
                .expect("codes");
            codes
        }

        /// Commits one row as a guest would (own transaction, pooled
        /// connection): the ticket its answer must wait for.
        fn commit(&self, code: &str) -> u64 {
            let mut conn = self.pool.lease().expect("lease");
            conn.execute_batch("BEGIN IMMEDIATE").expect("begin");
            conn.execute("INSERT INTO cases (code) VALUES (?1)", [code])
                .expect("insert");
            assert_eq!(conn.settle(true), None, "no commit yet");
            conn.execute_batch("COMMIT").expect("commit");
            conn.settle(false).expect("a commit takes a ticket")
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn every_answer_leaves_after_its_commit_would_survive_a_power_cut() {
        let disk = Arc::new(Disk::new());
        let mut clients = Vec::new();
        for client in 0..4 {
            let disk = disk.clone();
            clients.push(tokio::spawn(async move {
                for n in 0..25 {
                    let code = format!("c{client}-{n}");
                    let d = disk.clone();
                    let c = code.clone();
                    let ticket = tokio::task::spawn_blocking(move || d.commit(&c))
                        .await
                        .expect("commit");
                    disk.durability.wait(ticket).await;
                    // The answer leaves now: what it acknowledges must be on
                    // the disk.
                    assert!(
                        disk.after_power_cut().contains(&code),
                        "{code} acknowledged but lost to a power cut"
                    );
                }
            }));
        }
        for c in clients {
            c.await.expect("client");
        }
        assert_eq!(disk.after_power_cut().len(), 100);
    }

    #[test]
    fn a_commit_answered_without_waiting_is_lost_to_a_power_cut() {
        // The check above can fail: an answer that does not wait for the
        // sync acknowledges a case the disk does not have.
        let disk = Disk::new();
        disk.durability.pause();
        disk.commit("early");
        assert!(!disk.after_power_cut().contains(&"early".to_string()));
        let ticket = disk.commit("later");
        disk.durability.resume();
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime")
            .block_on(disk.durability.wait(ticket));
        let kept = disk.after_power_cut();
        assert!(kept.contains(&"early".to_string()) && kept.contains(&"later".to_string()));
    }

    #[test]
    fn a_runaway_statement_is_interrupted_at_its_time_limit() {
        let disk = Disk::new();
        let conn = disk.pool.lease().expect("lease");
        let started = std::time::Instant::now();
        let endless = within(Duration::from_millis(200), || {
            conn.query_row(
                "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c)
                 SELECT count(*) FROM c",
                [],
                |r| r.get::<_, i64>(0),
            )
        });
        let err = endless.expect_err("interrupted");
        assert!(err.to_string().contains("interrupt"), "{err}");
        assert!(started.elapsed() < Duration::from_secs(5));
        // The connection serves the next statement as usual.
        let n: i64 = within(Duration::from_millis(200), || {
            conn.query_row("SELECT count(*) FROM cases", [], |r| r.get(0))
        })
        .expect("a count");
        assert_eq!(n, 0);
    }

    #[test]
    fn a_read_takes_no_ticket_and_a_rollback_never_misses_one() {
        let disk = Disk::new();
        let mut conn = disk.pool.lease().expect("lease");
        conn.query_row("SELECT count(*) FROM cases", [], |r| r.get::<_, i64>(0))
            .expect("read");
        assert_eq!(conn.settle(false), None);
        conn.execute("INSERT INTO cases (code) VALUES ('x')", [])
            .expect("autocommit insert");
        assert!(conn.settle(true).is_some(), "an autocommit write commits");
        conn.execute_batch("BEGIN; INSERT INTO cases (code) VALUES ('y');")
            .expect("tx");
        assert_eq!(conn.settle(true), None, "still in the transaction");
        conn.execute_batch("ROLLBACK").expect("rollback");
        assert!(
            conn.settle(false).is_some(),
            "a wasted sync, never a missed one"
        );
    }
}
