//! Group commit: commits reach the disk together, and no answer leaves
//! before the fsync that covers its writes.
//!
//! Every store runs in WAL mode with `synchronous=NORMAL`: a `COMMIT`
//! appends its frames to the `-wal` file and returns without waiting for
//! the disk (the file stays consistent; only the latest commits could be
//! lost to a power cut). Each commit that wrote takes a *ticket* from one
//! counter. A syncer thread fsyncs every `-wal` written since its last pass
//! and then publishes the highest ticket issued before that pass began: one
//! fsync covers every transaction that committed in the meantime, however
//! many clients made them. A request's answer waits until the published
//! ticket reaches the highest one its instance (and every instance it
//! chained to) took — the durability barrier before the response head.
//!
//! An fsync that fails is fatal: the runner stops rather than acknowledge
//! anything after it (a failed fsync may have dropped dirty pages for good,
//! as PostgreSQL learnt).

use std::fs::File;
use std::io;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, Weak};
use std::time::Duration;

/// How a `-wal` file is made durable: `fdatasync`, or a test's recorder.
pub type SyncFn = dyn Fn(&File, &Path) -> io::Result<()> + Send + Sync;

/// The highest ticket one request (and the instances it chained to) took.
#[derive(Debug, Default)]
pub struct Needs(AtomicU64);

impl Needs {
    pub fn new() -> Arc<Self> {
        Arc::new(Self::default())
    }

    pub fn record(&self, ticket: u64) {
        self.0.fetch_max(ticket, Ordering::SeqCst);
    }

    pub fn ticket(&self) -> u64 {
        self.0.load(Ordering::SeqCst)
    }
}

/// One database file's write-ahead log, as the syncer sees it.
#[derive(Debug)]
pub struct Wal {
    database: PathBuf,
    path: PathBuf,
    dirty: AtomicBool,
    /// Written since the last checkpoint.
    unchecked: AtomicBool,
    /// The `-wal` file last synced, kept open (by inode).
    open: Mutex<Option<File>>,
    /// Held by the one guest connection of the runner that may write to
    /// the database (from its first write to its commit), and by the
    /// checkpointer when it restarts the log: writers queue here, awake
    /// and in order, instead of sleeping in SQLite's busy handler.
    writer: Arc<tokio::sync::Mutex<()>>,
}

impl Wal {
    fn new(database: &Path) -> Self {
        let mut name = database.as_os_str().to_owned();
        name.push("-wal");
        Self {
            database: database.to_path_buf(),
            path: PathBuf::from(name),
            dirty: AtomicBool::new(false),
            unchecked: AtomicBool::new(false),
            open: Mutex::new(None),
            writer: Arc::new(tokio::sync::Mutex::new(())),
        }
    }

    /// The database's writer lock.
    pub fn writer(&self) -> Arc<tokio::sync::Mutex<()>> {
        self.writer.clone()
    }

    /// Makes what has been written to the `-wal` durable. A log that does
    /// not exist holds nothing: SQLite checkpointed it into the database
    /// (with its own fsyncs) before removing it.
    fn sync(&self, sync: &SyncFn) -> io::Result<()> {
        let mut open = self.open.lock().unwrap_or_else(|p| p.into_inner());
        let current = match std::fs::metadata(&self.path) {
            Ok(m) => m,
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                *open = None;
                return Ok(());
            }
            Err(e) => return Err(e),
        };
        let same = match open.as_ref() {
            Some(f) => {
                let held = f.metadata()?;
                held.ino() == current.ino() && held.dev() == current.dev()
            }
            None => false,
        };
        if !same {
            *open = match File::open(&self.path) {
                Ok(f) => Some(f),
                // Removed since: checkpointed first, as above.
                Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
                Err(e) => return Err(e),
            };
            // A new log: its directory entry must survive a power cut too.
            // (Some file systems cannot fsync a directory: EINVAL, as
            // PostgreSQL also tolerates.)
            if let Some(dir) = self.path.parent() {
                match File::open(dir)?.sync_all() {
                    Err(e) if e.raw_os_error() == Some(22) => {}
                    other => other?,
                }
            }
        }
        match open.as_ref() {
            Some(f) => sync(f, &self.path),
            None => Ok(()),
        }
    }
}

struct Progress {
    paused: bool,
}

/// The runner's commit counter and its syncer.
pub struct Durability {
    committed: AtomicU64,
    synced: tokio::sync::watch::Sender<u64>,
    progress: Mutex<Progress>,
    wake: Condvar,
    wals: Vec<Arc<Wal>>,
    sync: Box<SyncFn>,
}

impl std::fmt::Debug for Durability {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Durability")
            .field("committed", &self.committed)
            .field("synced", &*self.synced.borrow())
            .finish()
    }
}

/// How long the syncer sleeps before it looks whether it is still needed.
const IDLE_CHECK: Duration = Duration::from_millis(200);

impl Durability {
    /// A syncer for these database files, fsyncing with `fdatasync`.
    pub fn start(databases: &[PathBuf]) -> Arc<Self> {
        let durability = Self::start_with(
            databases,
            Box::new(|file: &File, _: &Path| file.sync_data()),
        );
        let weak = Arc::downgrade(&durability);
        std::thread::Builder::new()
            .name("wal-checkpointer".into())
            .spawn(move || checkpointer(weak))
            .expect("cannot start the WAL checkpointer thread");
        durability
    }

    /// A syncer that makes a log durable with `sync` (tests record it),
    /// and no checkpoints.
    pub fn start_with(databases: &[PathBuf], sync: Box<SyncFn>) -> Arc<Self> {
        let durability = Arc::new(Self {
            committed: AtomicU64::new(0),
            synced: tokio::sync::watch::Sender::new(0),
            progress: Mutex::new(Progress { paused: false }),
            wake: Condvar::new(),
            wals: databases.iter().map(|p| Arc::new(Wal::new(p))).collect(),
            sync,
        });
        let weak = Arc::downgrade(&durability);
        std::thread::Builder::new()
            .name("wal-syncer".into())
            .spawn(move || syncer(weak))
            .expect("cannot start the WAL syncer thread");
        durability
    }

    /// The log of a database file given to `start`.
    pub fn wal(&self, database: &Path) -> Option<Arc<Wal>> {
        let wanted = Wal::new(database).path;
        self.wals.iter().find(|w| w.path == wanted).cloned()
    }

    /// A transaction that wrote to `wal` has committed: its ticket.
    pub fn committed(&self, wal: &Wal) -> u64 {
        wal.dirty.store(true, Ordering::SeqCst);
        wal.unchecked.store(true, Ordering::Relaxed);
        let ticket = self.committed.fetch_add(1, Ordering::SeqCst) + 1;
        // Taken and released so the syncer is either past its check or
        // already waiting: the wake-up cannot be lost.
        drop(self.progress.lock().unwrap_or_else(|p| p.into_inner()));
        self.wake.notify_one();
        ticket
    }

    /// The highest ticket whose writes are on disk.
    pub fn synced(&self) -> u64 {
        *self.synced.borrow()
    }

    /// Waits until the writes of `ticket` (and every earlier one) are on
    /// disk. Ticket 0 (nothing written) returns at once.
    pub async fn wait(&self, ticket: u64) {
        if ticket == 0 {
            return;
        }
        let mut rx = self.synced.subscribe();
        // The sender lives as long as `self`, so this cannot fail.
        let _ = rx.wait_for(|synced| *synced >= ticket).await;
    }

    /// Holds every fsync back (a test's simulated stalled disk).
    pub fn pause(&self) {
        self.progress
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .paused = true;
    }

    pub fn resume(&self) {
        self.progress
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .paused = false;
        self.wake.notify_one();
    }

    /// One pass: waits for commits past the last synced ticket, syncs every
    /// log written to, publishes. False when it only timed out.
    fn pass(&self) -> bool {
        {
            let progress = self.progress.lock().unwrap_or_else(|p| p.into_inner());
            let (progress, _) = self
                .wake
                .wait_timeout_while(progress, IDLE_CHECK, |p| {
                    p.paused || self.committed.load(Ordering::SeqCst) == self.synced()
                })
                .unwrap_or_else(|p| p.into_inner());
            if progress.paused || self.committed.load(Ordering::SeqCst) == self.synced() {
                return false;
            }
        }
        // Every ticket up to `target` finished writing its frames before it
        // was issued, so the fsyncs below cover them all.
        let target = self.committed.load(Ordering::SeqCst);
        for wal in &self.wals {
            if wal.dirty.swap(false, Ordering::SeqCst) {
                if let Err(e) = wal.sync(&*self.sync) {
                    eprintln!(
                        "fsync of {} failed: {e}; stopping rather than acknowledge writes that may be lost",
                        wal.path.display()
                    );
                    std::process::abort();
                }
            }
        }
        self.synced.send_replace(target);
        true
    }
}

/// What a body yields next: a frame, an error, or its end.
type Next<B> =
    Option<Result<http_body::Frame<<B as http_body::Body>::Data>, <B as http_body::Body>::Error>>;

/// A response body none of whose frames (nor its end) leaves before the
/// commits made for it so far are on disk, like its head: a guest that
/// commits while it streams its body (after the head left) cannot finish
/// the answer first — whether hyper ends it by its length, its trailers or
/// the end of the stream.
pub struct DurableEnd<B: http_body::Body> {
    inner: B,
    durability: Arc<Durability>,
    needs: Arc<Needs>,
    /// A frame (or the end) held back until `waiting` is over.
    held: Option<Next<B>>,
    waiting: Option<std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send>>>,
}

impl<B: http_body::Body> DurableEnd<B> {
    pub fn new(inner: B, durability: Arc<Durability>, needs: Arc<Needs>) -> Self {
        Self {
            inner,
            durability,
            needs,
            held: None,
            waiting: None,
        }
    }
}

impl<B> http_body::Body for DurableEnd<B>
where
    B: http_body::Body + Unpin,
    B::Data: Unpin,
    B::Error: Unpin,
{
    type Data = B::Data;
    type Error = B::Error;

    fn poll_frame(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<http_body::Frame<B::Data>, B::Error>>> {
        use std::task::Poll;
        let this = &mut *self;
        loop {
            if let Some(waiting) = this.waiting.as_mut() {
                if waiting.as_mut().poll(cx).is_pending() {
                    return Poll::Pending;
                }
                this.waiting = None;
                return Poll::Ready(this.held.take().flatten());
            }
            let next = match std::pin::Pin::new(&mut this.inner).poll_frame(cx) {
                Poll::Ready(next) => next,
                Poll::Pending => return Poll::Pending,
            };
            // Every commit the guest made before it wrote this frame has
            // its ticket recorded by now.
            let ticket = this.needs.ticket();
            if this.durability.synced() >= ticket {
                return Poll::Ready(next);
            }
            let durability = this.durability.clone();
            this.held = Some(next);
            this.waiting = Some(Box::pin(async move { durability.wait(ticket).await }));
        }
    }

    fn is_end_stream(&self) -> bool {
        self.held.is_none()
            && self.inner.is_end_stream()
            && self.durability.synced() >= self.needs.ticket()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.inner.size_hint()
    }
}

fn syncer(durability: Weak<Durability>) {
    while let Some(d) = durability.upgrade() {
        d.pass();
    }
}

/// How often the logs written to are checkpointed into their databases.
const CHECKPOINT_EVERY: Duration = Duration::from_millis(250);

/// Past this many frames (~16 MB of 4 KiB pages) the log is started over.
const RESTART_AFTER_FRAMES: i64 = 4096;

/// Guests' connections never checkpoint (`wal_autocheckpoint=0`): a
/// checkpoint fsyncs the log and the database, which would hold up the
/// request that happened to cross SQLite's threshold and every writer
/// queued behind it. This thread does it instead, a few times a second, on
/// connections of its own: `PASSIVE` (it waits for no one) to copy what is
/// committed into the database, and — when the log has grown long — a
/// `RESTART` under the database's writer lock, so that the next commit
/// writes the log from its start again. (Under steady writes a passive
/// checkpoint never catches up with the last commit, so the log would grow
/// without end: 266 MB in a five-second benchmark.) What it copies is
/// already durable in the log; SQLite fsyncs the log before and the
/// database after, so a crash mid-way loses nothing.
fn checkpointer(durability: Weak<Durability>) {
    let mut connections: Vec<Option<rusqlite::Connection>> = Vec::new();
    // For waiting on the writer lock with a time limit.
    let Ok(clock) = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
    else {
        eprintln!("cannot start the checkpointer's clock: checkpoints stay passive");
        return;
    };
    loop {
        std::thread::sleep(CHECKPOINT_EVERY);
        let Some(d) = durability.upgrade() else {
            return;
        };
        connections.resize_with(d.wals.len(), || None);
        for (wal, conn) in d.wals.iter().zip(connections.iter_mut()) {
            if !wal.unchecked.swap(false, Ordering::Relaxed) {
                continue;
            }
            if conn.is_none() {
                *conn = rusqlite::Connection::open(&wal.database)
                    .and_then(|c| c.busy_timeout(CHECKPOINT_WAIT).map(|()| c))
                    .ok();
            }
            let Some(c) = conn.as_ref() else { continue };
            if let Err(e) = checkpoint(c, wal, &clock) {
                // The log keeps growing until the next try; nothing is lost.
                eprintln!("checkpoint of {} failed: {e}", wal.database.display());
                wal.unchecked.store(true, Ordering::Relaxed);
            }
        }
    }
}

/// The longest the checkpointer waits for the writer lock, or (holding it)
/// for readers of an old snapshot: what a restart may cost the writers.
const CHECKPOINT_WAIT: Duration = Duration::from_millis(50);

/// One checkpoint of `wal`'s database; a restart of the log if it is long.
/// A restart that cannot have the writer lock soon, or whose readers keep
/// an old snapshot, is left for the next round (the log only grows).
fn checkpoint(
    conn: &rusqlite::Connection,
    wal: &Wal,
    clock: &tokio::runtime::Runtime,
) -> rusqlite::Result<()> {
    let frames: i64 = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |r| r.get(1))?;
    if frames > RESTART_AFTER_FRAMES {
        let writer = wal.writer.clone();
        // (The timer is made inside `block_on`, where the clock runs.)
        let locked = clock
            .block_on(async { tokio::time::timeout(CHECKPOINT_WAIT, writer.lock_owned()).await });
        let Ok(_writing) = locked else {
            wal.unchecked.store(true, Ordering::Relaxed);
            return Ok(());
        };
        // No guest writes meanwhile (they wait, awake, for this lock).
        let busy: i64 = conn.query_row("PRAGMA wal_checkpoint(RESTART)", [], |r| r.get(0))?;
        if busy != 0 {
            wal.unchecked.store(true, Ordering::Relaxed);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use rusqlite::Connection;

    fn wal_db(dir: &Path) -> PathBuf {
        let path = dir.join("db.sqlite");
        let conn = Connection::open(&path).expect("open");
        // Small pages: a log past the restart threshold in ~2 MB, not 40.
        conn.pragma_update(None, "page_size", 512)
            .expect("page size");
        conn.pragma_update(None, "journal_mode", "WAL")
            .expect("wal");
        conn.execute_batch("CREATE TABLE t (n INTEGER)")
            .expect("schema");
        path
    }

    /// A syncer that counts its fsyncs, over a log one open connection
    /// has written to (kept open, so the log stays).
    fn counted_syncs(db: &Path) -> (Arc<Durability>, Arc<AtomicU64>, Connection) {
        let syncs = Arc::new(AtomicU64::new(0));
        let counted = syncs.clone();
        let durability = Durability::start_with(
            &[db.to_path_buf()],
            Box::new(move |f: &File, _: &Path| {
                counted.fetch_add(1, Ordering::SeqCst);
                f.sync_data()
            }),
        );
        let conn = Connection::open(db).expect("open");
        conn.execute("INSERT INTO t VALUES (1)", [])
            .expect("insert");
        (durability, syncs, conn)
    }

    #[tokio::test]
    async fn a_ticket_is_released_only_after_the_log_that_holds_it_was_synced() {
        let dir = tempfile::tempdir().expect("dir");
        let db = wal_db(dir.path());
        let (durability, syncs, _conn) = counted_syncs(&db);
        let wal = durability.wal(&db).expect("known log");
        let ticket = durability.committed(&wal);
        durability.wait(ticket).await;
        assert!(durability.synced() >= ticket);
        assert_eq!(syncs.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn a_paused_syncer_holds_every_waiter_until_it_resumes() {
        let dir = tempfile::tempdir().expect("dir");
        let db = wal_db(dir.path());
        let durability = Durability::start(std::slice::from_ref(&db));
        durability.pause();
        let wal = durability.wal(&db).expect("known log");
        let ticket = durability.committed(&wal);
        let waited =
            tokio::time::timeout(Duration::from_millis(300), durability.wait(ticket)).await;
        assert!(waited.is_err(), "released without a sync");
        durability.resume();
        tokio::time::timeout(Duration::from_secs(5), durability.wait(ticket))
            .await
            .expect("released after the sync");
    }

    #[tokio::test]
    async fn no_byte_of_a_body_leaves_before_what_was_committed_while_it_streamed_is_synced() {
        use http_body_util::BodyExt;
        let dir = tempfile::tempdir().expect("dir");
        let db = wal_db(dir.path());
        let durability = Durability::start(std::slice::from_ref(&db));
        let wal = durability.wal(&db).expect("known log");
        let needs = Needs::new();
        durability.pause();
        // The head has left; the guest commits, then finishes its body.
        needs.record(durability.committed(&wal));
        let body = DurableEnd::new(
            http_body_util::Full::new(bytes::Bytes::from_static(b"done")),
            durability.clone(),
            needs,
        );
        let mut body = std::pin::pin!(body);
        // Not even its last bytes (hyper ends a body of known length by
        // its bytes, without asking for the end).
        assert!(
            tokio::time::timeout(Duration::from_millis(300), body.as_mut().frame())
                .await
                .is_err(),
            "a frame left before the commit was on disk"
        );
        durability.resume();
        let whole = tokio::time::timeout(Duration::from_secs(5), body.collect())
            .await
            .expect("ends once synced")
            .expect("body");
        assert_eq!(whole.to_bytes().as_ref(), b"done");
    }

    #[tokio::test]
    async fn one_sync_covers_every_commit_made_while_the_last_one_ran() {
        let dir = tempfile::tempdir().expect("dir");
        let db = wal_db(dir.path());
        let (durability, syncs, _conn) = counted_syncs(&db);
        let wal = durability.wal(&db).expect("known log");
        durability.pause();
        let tickets: Vec<u64> = (0..50).map(|_| durability.committed(&wal)).collect();
        durability.resume();
        for t in tickets {
            durability.wait(t).await;
        }
        assert_eq!(syncs.load(Ordering::SeqCst), 1, "fifty commits, one fsync");
    }

    /// A database whose log is longer than the restart threshold, written
    /// by a guest-like writer (one that never checkpoints), and the
    /// checkpointer's side of it.
    struct LongLog {
        db: PathBuf,
        writer: Connection,
        wal: Wal,
        checkpointer: Connection,
        clock: tokio::runtime::Runtime,
    }

    impl LongLog {
        fn new(dir: &Path) -> Self {
            let db = wal_db(dir);
            let writer = Connection::open(&db).expect("open");
            writer
                .pragma_update(None, "wal_autocheckpoint", 0)
                .expect("no checkpoints");
            let checkpointer = Connection::open(&db).expect("open");
            checkpointer
                .busy_timeout(CHECKPOINT_WAIT)
                .expect("busy timeout");
            let clock = tokio::runtime::Builder::new_current_thread()
                .enable_time()
                .build()
                .expect("clock");
            let wal = Wal::new(&db);
            let log = Self {
                db,
                writer,
                wal,
                checkpointer,
                clock,
            };
            // One transaction: each page goes to the log once.
            log.writer.execute_batch("BEGIN").expect("begin");
            log.write_pages(RESTART_AFTER_FRAMES as usize + 500);
            log.writer.execute_batch("COMMIT").expect("a long log");
            log
        }

        /// A passive checkpoint, as the checkpointer's first step: what
        /// it copies, and the frames in the log.
        fn passive(&self) -> i64 {
            self.checkpointer
                .query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |r| r.get(1))
                .expect("passive")
        }

        /// The checkpointer's round.
        fn checkpoint(&self) {
            checkpoint(&self.checkpointer, &self.wal, &self.clock).expect("checkpoints");
        }

        /// Whether the round was left for the next one.
        fn left(&self) -> bool {
            self.wal.unchecked.load(Ordering::Relaxed)
        }

        fn write_pages(&self, n: usize) {
            for _ in 0..n {
                self.writer
                    .execute("INSERT INTO t VALUES (zeroblob(400))", [])
                    .expect("insert");
            }
        }
    }

    fn log_bytes(db: &Path) -> u64 {
        let mut name = db.as_os_str().to_owned();
        name.push("-wal");
        std::fs::metadata(PathBuf::from(name)).expect("log").len()
    }

    /// A reader on a snapshot older than the last commit, as under steady
    /// writes (a checkpoint cannot copy past it); it ends when dropped.
    struct OldSnapshot(Connection);

    impl OldSnapshot {
        fn begin(log: &LongLog) -> Self {
            let reader = Connection::open(&log.db).expect("open");
            reader.execute_batch("BEGIN").expect("begin");
            let _: i64 = reader
                .query_row("SELECT COUNT(*) FROM t", [], |r| r.get(0))
                .expect("reads");
            log.write_pages(1);
            Self(reader)
        }

        /// Ends the snapshot from another thread after `ms`.
        fn end_after(self, ms: u64) -> std::thread::JoinHandle<()> {
            std::thread::spawn(move || {
                std::thread::sleep(Duration::from_millis(ms));
                self.0.execute_batch("COMMIT").expect("ends");
            })
        }
    }

    #[test]
    fn a_long_log_is_started_over_so_it_stops_growing() {
        let dir = tempfile::tempdir().expect("dir");
        let log = LongLog::new(dir.path());
        // Whatever this machine's speed, the restart outlasts the reader.
        log.checkpointer
            .busy_timeout(Duration::from_secs(10))
            .expect("busy timeout");
        let reader = OldSnapshot::begin(&log).end_after(20);
        let size = log_bytes(&log.db);
        log.checkpoint();
        reader.join().expect("reader");
        assert!(!log.left(), "done, not left for the next round");
        log.write_pages(100);
        let after = log.passive();
        assert!(after < 500, "the log started over: {after} frames");
        assert_eq!(
            log_bytes(&log.db),
            size,
            "written from its start, not grown"
        );
        let rows: i64 = log
            .writer
            .query_row("SELECT COUNT(*) FROM t", [], |r| r.get(0))
            .expect("count");
        assert_eq!(rows, RESTART_AFTER_FRAMES + 601, "nothing lost");
    }

    #[test]
    fn passive_checkpoints_alone_let_the_log_grow_under_steady_readers() {
        let dir = tempfile::tempdir().expect("dir");
        let log = LongLog::new(dir.path());
        let reader = OldSnapshot::begin(&log);
        let size = log_bytes(&log.db);
        log.passive();
        drop(reader);
        log.write_pages(100);
        assert!(
            log.passive() > RESTART_AFTER_FRAMES,
            "appended, not started over"
        );
        assert!(log_bytes(&log.db) > size, "the log grew");
    }

    #[test]
    fn a_restart_that_cannot_have_the_writer_lock_soon_is_left_for_the_next_round() {
        let dir = tempfile::tempdir().expect("dir");
        let log = LongLog::new(dir.path());
        // The log copied already: what is timed below is the wait alone.
        log.passive();
        let held = log
            .wal
            .writer
            .clone()
            .try_lock_owned()
            .expect("a writer holds it");
        let started = std::time::Instant::now();
        log.checkpoint();
        assert!(started.elapsed() < Duration::from_secs(1), "waited briefly");
        assert!(log.left(), "left for the next round");
        drop(held);
        log.wal.unchecked.store(false, Ordering::Relaxed);
        log.checkpoint();
        assert!(!log.left(), "done once the lock was free");
    }

    #[test]
    fn a_restart_is_left_for_the_next_round_while_a_reader_keeps_an_old_snapshot() {
        let dir = tempfile::tempdir().expect("dir");
        let log = LongLog::new(dir.path());
        let reader = OldSnapshot::begin(&log);
        log.checkpoint();
        assert!(log.left(), "left for the next round");
        drop(reader);
    }
}
