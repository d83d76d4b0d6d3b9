//! Benchmark of the Art. 9 statistics: a county's year — 300,000 cases
//! spread over 2025, most closed with a finish deadline, a QC decision and
//! some follow-up calls — in a real SQLite file; the year's figures per
//! county and per unit, then one month's. Run with
//! `cargo bench -p casework-shared --bench statistics`.

use std::time::Instant;

use shared::access::Principal;
use shared::db::{Db, NativeDb};
use shared::lifecycle::Role;
use shared::statistics::{rows, GroupBy, Query};

const CASES: i64 = 300_000;

fn main() {
    let dir = std::env::temp_dir().join(format!("casework-stats-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let conn = rusqlite::Connection::open(dir.join("bench.db")).expect("database");
    conn.pragma_update(None, "journal_mode", "WAL")
        .expect("WAL");
    let db = NativeDb::new(conn);
    shared::schema::migrate(&db).expect("migrates");
    let started = Instant::now();
    // Case i is received on day i % 365 of 2025, at unit i % 7, closed
    // four days later (every tenth one late), QC'd, every fifth one called.
    let day = |offset: &str| {
        format!("strftime('%Y-%m-%dT10:00:00+08:00', '2025-01-01', '+' || ((i % 365) {offset}) || ' days')")
    };
    let received = day("+ 0");
    let (late, in_time) = (day("+ 12"), day("+ 4"));
    let closed = format!("CASE WHEN i % 10 = 0 THEN {late} ELSE {in_time} END");
    db.transaction(|db| -> Result<(), shared::db::DbError> {
        db.execute(
            &format!(
                "INSERT INTO cases (id, tracking_code, channel, kind, title, content, county, status,
                                    received_at, closed_at, lead_unit, round, routed_before)
                 WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {CASES})
                 SELECT i, printf('CW-%012d', i), 'hotline_web',
                        CASE WHEN i % 3 = 0 THEN 'consultation' ELSE 'complaint' END,
                        '路灯不亮', '请维修', '410611000', 'closed', {received}, {closed},
                        'qibin-unit-' || (i % 7), 1, 1
                 FROM n",
            ),
            &[],
        )?;
        db.execute(
            "INSERT INTO case_deadlines (case_id, milestone, working_days, due_date, due_at,
                                         verified, reason, set_at)
             SELECT id, 'finish', 5, substr(received_at, 1, 10),
                    strftime('%Y-%m-%dT23:59:59+08:00', received_at, '+7 days'), 1, 'routed', received_at
             FROM cases",
            &[],
        )?;
        db.execute(
            "INSERT INTO case_events (case_id, at, actor_role, type, article, data)
             SELECT id, closed_at, 'bureau', 'qc_passed', 'Art. 6', '{\"type\":\"qc_passed\",\"round\":1}'
             FROM cases",
            &[],
        )?;
        db.execute(
            "INSERT INTO case_events (case_id, at, actor_role, type, article, data)
             SELECT id, closed_at, 'bureau', 'followed_up', 'Art. 6',
                    '{\"type\":\"followed_up\",\"result\":\"satisfied\",\"note\":\"\"}'
             FROM cases WHERE id % 5 = 0",
            &[],
        )?;
        Ok(())
    })
    .expect("data");
    println!(
        "  setup: {CASES} cases of 2025 in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    let calendar = shared::calendar::Calendar::official();
    let bureau = Principal {
        subject: "bench".into(),
        role: Role::Bureau,
        unit: None,
        leader: false,
    };
    for (what, from, to, group_by) in [
        (
            "the year per county",
            "2025-01-01",
            "2025-12-31",
            GroupBy::County,
        ),
        (
            "the year per unit",
            "2025-01-01",
            "2025-12-31",
            GroupBy::Unit,
        ),
        (
            "the year per month",
            "2025-01-01",
            "2025-12-31",
            GroupBy::Month,
        ),
        (
            "the year per week",
            "2025-01-01",
            "2025-12-31",
            GroupBy::Week,
        ),
        (
            "November per unit",
            "2025-11-01",
            "2025-11-30",
            GroupBy::Unit,
        ),
    ] {
        let q = Query {
            from: from.parse().expect("date"),
            to: to.parse().expect("date"),
            group_by,
            county: None,
            unit: None,
            channel: None,
            kind: None,
        };
        let started = Instant::now();
        let result = rows(&db, &bureau, &q, &calendar).expect("counts");
        println!(
            "  {what}: {} rows, {} received, in {:.0} ms",
            result.len(),
            result.iter().map(|r| r.received).sum::<i64>(),
            started.elapsed().as_secs_f64() * 1000.0
        );
    }
    drop(db);
    let _ = std::fs::remove_dir_all(&dir);
}
