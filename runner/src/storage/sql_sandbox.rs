//! What a guest's SQL may not do on a database it was granted: reach
//! another file (`ATTACH`, and `VACUUM INTO`, which attaches), leave state
//! on a pooled connection for the next request of another component
//! (setting a `PRAGMA`, temporary tables, views and triggers), or load code
//! (`load_extension`). Checked by SQLite's authorizer as each statement is
//! prepared; a refused statement fails with "not authorized".

use rusqlite::hooks::{AuthAction, AuthContext, Authorization};
use rusqlite::Connection;

/// The pragmas a guest may read (never set): schema and status questions
/// that reveal nothing outside its database.
const READABLE_PRAGMAS: &[&str] = &[
    "table_info",
    "table_xinfo",
    "table_list",
    "index_list",
    "index_info",
    "index_xinfo",
    "foreign_key_list",
    "foreign_key_check",
    "foreign_keys",
    "user_version",
    "schema_version",
    "data_version",
    "integrity_check",
    "quick_check",
    "page_count",
    "page_size",
    "freelist_count",
    "encoding",
    "journal_mode",
];

/// Refuses a statement the authorizer never sees: `VACUUM` (with `INTO`
/// it writes a copy of the database to a path of the guest's choosing).
/// A guest's statement is one statement (more is refused when prepared).
pub fn check_statement(sql: &str) -> Result<(), String> {
    if first_keyword(sql).eq_ignore_ascii_case("vacuum") {
        return Err("not authorized: VACUUM is the runtime's to run".to_string());
    }
    Ok(())
}

/// The statement's first word, after blanks and comments.
fn first_keyword(sql: &str) -> &str {
    let mut rest = sql;
    loop {
        let trimmed = rest.trim_start();
        if let Some(after) = trimmed.strip_prefix("--") {
            rest = after.split_once('\n').map_or("", |(_, r)| r);
        } else if let Some(after) = trimmed.strip_prefix("/*") {
            rest = after.split_once("*/").map_or("", |(_, r)| r);
        } else {
            let end = trimmed
                .find(|c: char| !c.is_ascii_alphabetic())
                .unwrap_or(trimmed.len());
            return &trimmed[..end];
        }
    }
}

/// Installs the checks on a connection guests will use (after the runner
/// has set its own pragmas).
pub fn install(conn: &Connection) {
    conn.authorizer(Some(decide));
}

fn decide(ctx: AuthContext<'_>) -> Authorization {
    match ctx.action {
        AuthAction::Attach { .. } | AuthAction::Detach { .. } => Authorization::Deny,
        AuthAction::Pragma {
            pragma_name,
            pragma_value,
        } => {
            let readable = READABLE_PRAGMAS.contains(&pragma_name.to_ascii_lowercase().as_str());
            if readable && pragma_value.is_none() {
                Authorization::Allow
            } else {
                Authorization::Deny
            }
        }
        AuthAction::Function { function_name }
            if function_name.eq_ignore_ascii_case("load_extension") =>
        {
            Authorization::Deny
        }
        AuthAction::CreateTempTable { .. }
        | AuthAction::CreateTempIndex { .. }
        | AuthAction::CreateTempTrigger { .. }
        | AuthAction::CreateTempView { .. } => Authorization::Deny,
        _ => Authorization::Allow,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sandboxed() -> (tempfile::TempDir, Connection) {
        let dir = tempfile::tempdir().unwrap();
        let conn = Connection::open(dir.path().join("db.sqlite")).unwrap();
        conn.pragma_update(None, "foreign_keys", "ON").unwrap();
        install(&conn);
        (dir, conn)
    }

    fn refused(conn: &Connection, sql: &str) -> bool {
        match conn.execute_batch(sql) {
            Err(e) => e.to_string().contains("not authorized"),
            Ok(()) => false,
        }
    }

    #[test]
    fn ordinary_sql_schema_changes_and_triggers_run() {
        let (_dir, conn) = sandboxed();
        conn.execute_batch(
            "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT);
             CREATE INDEX t_v ON t (v);
             CREATE TABLE log (v TEXT);
             CREATE TRIGGER t_added AFTER INSERT ON t BEGIN INSERT INTO log VALUES (NEW.v); END;
             INSERT INTO t (v) VALUES ('a');
             ALTER TABLE t ADD COLUMN w TEXT;
             BEGIN; SAVEPOINT s; RELEASE s; COMMIT;",
        )
        .unwrap();
        let n: i64 = conn
            .query_row("SELECT COUNT(*) FROM log", [], |r| r.get(0))
            .unwrap();
        assert_eq!(n, 1);
        let fk: i64 = conn
            .query_row("PRAGMA foreign_keys", [], |r| r.get(0))
            .unwrap();
        assert_eq!(fk, 1, "reading a pragma is allowed");
        conn.query_row("SELECT json_extract('{\"a\":1}', '$.a')", [], |r| {
            r.get::<_, i64>(0)
        })
        .unwrap();
    }

    #[test]
    fn another_file_a_pragma_set_temporary_objects_and_extensions_are_refused() {
        let (dir, conn) = sandboxed();
        let other = dir.path().join("other.sqlite");
        assert!(refused(
            &conn,
            &format!("ATTACH '{}' AS other", other.display())
        ));
        for vacuum in [
            format!("VACUUM INTO '{}'", other.display()),
            format!(
                "  /* copy */ -- all of it\n vacuum into '{}'",
                other.display()
            ),
        ] {
            assert!(check_statement(&vacuum).is_err(), "{vacuum}");
        }
        assert_eq!(check_statement("SELECT 'VACUUM'"), Ok(()));
        assert_eq!(check_statement("-- VACUUM\nSELECT 1"), Ok(()));
        assert!(!other.exists(), "no file was written");
        assert!(refused(&conn, "PRAGMA foreign_keys = OFF"));
        assert!(refused(&conn, "PRAGMA database_list"));
        assert!(refused(&conn, "CREATE TEMP TABLE scratch (x)"));
        assert!(refused(&conn, "SELECT load_extension('x')"));
        let fk: i64 = conn
            .query_row("PRAGMA foreign_keys", [], |r| r.get(0))
            .unwrap();
        assert_eq!(fk, 1, "the runner's setting stands");
    }
}
