//! `runner backup`: a consistent copy of an app's stores, taken while it
//! serves. Each key-value store and database file is copied with SQLite's
//! online backup API, so every copy is the file as of one moment, with no
//! half-written transaction, whatever the app is doing. The default stores
//! keep their names (`sqlite_key_value.db`, `sqlite_db.db`), so a backup
//! directory is a state directory: restoring is starting the app with
//! `--state-dir` on (a copy of) it. Stores a runtime config maps elsewhere
//! are copied as `key_value-<label>.db` and `sqlite-<label>.db`; point a
//! runtime config at them to restore those.

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{bail, Context, Result};
use rusqlite::{Connection, OpenFlags};

use super::stores::{Stores, DEFAULT_KV_FILE, DEFAULT_SQLITE_FILE};
use crate::manifest::runtime_config::RuntimeConfig;

/// Pages copied per step, and the pause between steps, so a large copy
/// lets the app's writers in.
const PAGES_PER_STEP: std::ffi::c_int = 256;
const PAUSE: Duration = Duration::from_millis(5);

/// Where one store is copied to inside the backup directory.
fn target_name(kind: &str, label: &str, default: &str) -> String {
    if label == "default" {
        default.to_string()
    } else {
        format!("{kind}-{label}.db")
    }
}

/// Copies every store of `state_dir` (and of `config`) into `to`, which
/// must not exist yet or be empty; returns what was written.
pub fn backup(state_dir: &Path, config: &RuntimeConfig, to: &Path) -> Result<Vec<PathBuf>> {
    if to.exists() && std::fs::read_dir(to)?.next().is_some() {
        bail!(
            "{} is not empty: a backup goes into a new directory",
            to.display()
        );
    }
    std::fs::create_dir_all(to).with_context(|| format!("cannot create {}", to.display()))?;
    let (key_value, sqlite) = Stores::paths(state_dir, config);
    let mut written = Vec::new();
    let stores = key_value
        .iter()
        .map(|(l, p)| (target_name("key_value", l, DEFAULT_KV_FILE), p))
        .chain(
            sqlite
                .iter()
                .map(|(l, p)| (target_name("sqlite", l, DEFAULT_SQLITE_FILE), p)),
        );
    for (name, source) in stores {
        if !source.exists() {
            // A store no request has opened yet holds nothing to keep.
            continue;
        }
        let target = to.join(name);
        copy(source, &target).with_context(|| {
            format!(
                "cannot back up {} to {}",
                source.display(),
                target.display()
            )
        })?;
        written.push(target);
    }
    Ok(written)
}

/// One file, by SQLite's online backup.
fn copy(source: &Path, target: &Path) -> Result<()> {
    let src = Connection::open_with_flags(
        source,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    src.busy_timeout(Duration::from_secs(10))?;
    let mut dst = Connection::open(target)?;
    {
        let backup = rusqlite::backup::Backup::new(&src, &mut dst)?;
        backup.run_to_completion(PAGES_PER_STEP, PAUSE, None)?;
    }
    // The copy is a plain file: no WAL beside it to lose.
    dst.pragma_update(None, "journal_mode", "DELETE")?;
    let check: String = dst.query_row("PRAGMA integrity_check", [], |r| r.get(0))?;
    if check != "ok" {
        bail!(
            "the copy of {} fails its integrity check: {check}",
            source.display()
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_backup_holds_every_committed_row_and_opens_as_a_state_directory() {
        let state = tempfile::tempdir().expect("temp dir");
        let db = Connection::open(state.path().join(DEFAULT_SQLITE_FILE)).expect("db");
        db.pragma_update(None, "journal_mode", "WAL").expect("wal");
        db.execute_batch("CREATE TABLE t (n INTEGER); INSERT INTO t VALUES (1), (2);")
            .expect("rows");
        // A transaction still open at backup time is not in the copy.
        db.execute_batch("BEGIN; INSERT INTO t VALUES (3);")
            .expect("open tx");
        let out = tempfile::tempdir().expect("temp dir");
        let to = out.path().join("backup");
        let written = backup(state.path(), &RuntimeConfig::default(), &to).expect("backup");
        assert_eq!(written, vec![to.join(DEFAULT_SQLITE_FILE)]);
        let copy = Connection::open(to.join(DEFAULT_SQLITE_FILE)).expect("copy");
        let n: i64 = copy
            .query_row("SELECT COUNT(*) FROM t", [], |r| r.get(0))
            .expect("count");
        assert_eq!(n, 2);
        assert!(backup(state.path(), &RuntimeConfig::default(), &to).is_err());
    }
}
