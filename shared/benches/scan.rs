//! Benchmark of the deadline scan: 1,000,000 open cases in a real SQLite
//! file, of which 10,000 have a deadline past due. The scan reads the due
//! deadlines through the partial index of running ones, so its time follows
//! the due cases, not the open ones. Run with
//! `cargo bench -p casework-shared --bench scan`.

use std::time::Instant;

use chrono::{DateTime, Utc};
use shared::base::db::{Db, NativeDb};
use shared::base::rules::Rules;
use shared::oversight::reminder::scan;

const OPEN: i64 = 1_000_000;
const DUE: i64 = 10_000;

fn main() {
    let dir = std::env::temp_dir().join(format!("casework-scan-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join("bench.db");
    let conn = rusqlite::Connection::open(&path).expect("database");
    conn.pragma_update(None, "journal_mode", "WAL")
        .expect("WAL");
    let db = NativeDb::new(conn);
    shared::base::schema::migrate(&db).expect("migrates");

    let started = Instant::now();
    db.transaction(|db| -> Result<(), shared::base::db::DbError> {
        db.execute(
            &format!(
                "INSERT INTO cases (id, tracking_code, channel, kind, title, content, county, status,
                                    received_at, lead_unit, round, routed_before)
                 WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {OPEN})
                 SELECT i, printf('CW-%012d', i), 'hotline_web', 'complaint', '路灯不亮', '请维修',
                        '410611000', 'handling', '2025-09-30T10:00:00+08:00', 'qibin-urban', 1, 1
                 FROM n"
            ),
            &[],
        )?;
        db.execute(
            &format!(
                "INSERT INTO case_deadlines (case_id, milestone, working_days, due_date, due_at,
                                             verified, reason, set_at)
                 WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {OPEN})
                 SELECT i, 'finish', 10,
                        CASE WHEN i <= {DUE} THEN '2025-10-21' ELSE '2099-12-31' END,
                        CASE WHEN i <= {DUE} THEN '2025-10-21T23:59:59+08:00'
                             ELSE '2099-12-31T23:59:59+08:00' END,
                        1, 'routed', '2025-09-30T10:05:00+08:00'
                 FROM n"
            ),
            &[],
        )?;
        Ok(())
    })
    .expect("data");
    println!(
        "  setup: {OPEN} open cases, {DUE} past due, in {:.1} s",
        started.elapsed().as_secs_f64()
    );

    let rules = Rules::defaults();
    let now: DateTime<Utc> = DateTime::parse_from_rfc3339("2025-10-22T09:00:00+08:00")
        .expect("instant")
        .with_timezone(&Utc);
    for run in [
        "first scan (writes every notice)",
        "second scan (writes nothing)",
    ] {
        let t = Instant::now();
        let report = scan(&db, &rules, now).expect("scans");
        println!(
            "  {run}: {:.0} ms — {} urge notices, {} marked overdue, {} warnings, {} driven again",
            t.elapsed().as_secs_f64() * 1000.0,
            report.urge_notices,
            report.overdue_marked,
            report.warnings,
            report.redriven
        );
    }
    drop(db);
    let _ = std::fs::remove_dir_all(&dir);
}
