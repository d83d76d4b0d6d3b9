//! Benchmark of the Art. 9 statistics (goals: a county's year in under
//! 100 ms, a city's in under 2 s): a county's instance with 300,000 cases
//! of 2025 and a city's with 5,000,000 (16 counties), each county with 40
//! units, four channels and three kinds, most cases closed with a finish
//! deadline (every tenth late, every hundredth still open), a QC decision
//! each and a follow-up call for every fifth — inserted through the
//! triggers that keep the table by day, in a real SQLite file. Each query
//! runs three times; the best is shown. Run with
//! `cargo bench -p casework-shared --bench statistics`.

use std::time::Instant;

use shared::access::Principal;
use shared::base::db::{Db, NativeDb};
use shared::case::words::Role;
use shared::oversight::statistics::{rows, GroupBy, StatsQuery};
use shared::time::working_days;

fn main() {
    let only = std::env::args().nth(1).filter(|a| !a.starts_with('-'));
    for (instance, counties, per_county) in [("county", 1, 300_000), ("city", 16, 312_500)] {
        if only.as_deref().is_some_and(|o| o != instance) {
            continue;
        }
        run(instance, counties, per_county);
    }
}

fn run(instance: &str, counties: i64, per_county: i64) {
    let dir = std::env::temp_dir().join(format!(
        "casework-stats-bench-{instance}-{}",
        std::process::id()
    ));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let conn = rusqlite::Connection::open(dir.join("bench.db")).expect("database");
    conn.pragma_update(None, "journal_mode", "WAL")
        .expect("WAL");
    let db = NativeDb::new(conn);
    shared::base::schema::migrate(&db).expect("migrates");
    let started = Instant::now();
    let cases = counties * per_county;
    // The city's cases go in without the triggers, then are counted afresh
    // as the schema step that made the table counts an existing database.
    let step = shared::base::schema::stats_days::MIGRATION;
    let (afresh, triggers) = (&step[3..6], &step[6..11]);
    let bulk = counties > 1;
    if bulk {
        for name in ["received", "changed", "closing", "deleted"] {
            db.execute(&format!("DROP TRIGGER stats_days_case_{name}"), &[])
                .expect("drops");
        }
        db.execute("DROP TRIGGER stats_days_event", &[])
            .expect("drops");
    }
    // Case i is received on day i % 365 of 2025 in county i % counties,
    // at unit i % 40 of it, closed four days later (every tenth twelve).
    let day = |offset: &str| {
        format!("strftime('%Y-%m-%dT10:00:00+08:00', '2025-01-01', '+' || ((i % 365) {offset}) || ' days')")
    };
    let received = day("+ 0");
    let due =
        "strftime('%Y-%m-%dT23:59:59+08:00', '2025-01-01', '+' || ((i % 365) + 7) || ' days')";
    let (late, in_time) = (day("+ 12"), day("+ 4"));
    let closed =
        format!("CASE WHEN i % 100 = 0 THEN NULL WHEN i % 10 = 0 THEN {late} ELSE {in_time} END");
    db.transaction(|db| -> Result<(), shared::base::db::DbError> {
        db.execute(
            &format!(
                "INSERT INTO cases (id, tracking_code, channel, kind, title, content, county, status,
                                    received_at, closed_at, finish_due_at, lead_unit, round, routed_before)
                 WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {cases})
                 SELECT i, printf('CW-%012d', i),
                        CASE i % 4 WHEN 0 THEN 'hotline_phone' WHEN 1 THEN 'hotline_web'
                                   WHEN 2 THEN 'online_platform' ELSE 'service_hall' END,
                        CASE i % 3 WHEN 0 THEN 'consultation' WHEN 1 THEN 'complaint' ELSE 'suggestion' END,
                        '路灯不亮', '请维修', printf('4106%02d000', i % {counties}),
                        CASE WHEN i % 100 = 0 THEN 'handling' ELSE 'closed' END,
                        {received}, {closed}, {due},
                        printf('unit-%02d-%02d', i % {counties}, (i / {counties}) % 40), 1, 1
                 FROM n",
            ),
            &[],
        )?;
        db.execute(
            "INSERT INTO case_events (case_id, at, actor_role, type, article, data)
             SELECT id, closed_at, 'bureau', 'qc_passed', 'Art. 6', '{\"type\":\"qc_passed\",\"round\":1}'
             FROM cases WHERE closed_at IS NOT NULL",
            &[],
        )?;
        db.execute(
            "INSERT INTO case_events (case_id, at, actor_role, type, article, data)
             SELECT id, closed_at, 'bureau', 'followed_up', 'Art. 6',
                    '{\"type\":\"followed_up\",\"result\":\"satisfied\",\"note\":\"\"}'
             FROM cases WHERE id % 5 = 0 AND closed_at IS NOT NULL",
            &[],
        )?;
        Ok(())
    })
    .expect("data");
    let calendar = shared::time::calendar::Calendar::official();
    while working_days::count_working_days_to_close(&db, &calendar, None, 100_000).expect("counts")
        > 0
    {}
    println!(
        "  cases and events inserted, working days counted, in {:.1} s ({})",
        started.elapsed().as_secs_f64(),
        if bulk {
            "no triggers"
        } else {
            "through the triggers"
        }
    );
    if bulk {
        let counting = Instant::now();
        db.transaction(|db| -> Result<(), shared::base::db::DbError> {
            db.execute("DELETE FROM stats_days", &[])?;
            for sql in afresh.iter().chain(triggers) {
                db.execute(sql, &[])?;
            }
            Ok(())
        })
        .expect("counts afresh");
        println!(
            "  counted afresh (the schema step on an existing database) in {:.1} s",
            counting.elapsed().as_secs_f64()
        );
    }
    let daily = db
        .execute("SELECT COUNT(*) AS n FROM stats_days", &[])
        .expect("rows")
        .row(0)
        .map(|r| r.integer("n").expect("n"))
        .unwrap_or(0);
    println!(
        "{instance}: {cases} cases of 2025 ({daily} rows kept by day) set up in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    let bureau = Principal {
        subject: "bench".into(),
        name: "测试人员".into(),
        role: Role::Bureau,
        unit: None,
        leader: false,
    };
    let unit = Principal {
        subject: "bench".into(),
        name: "测试人员".into(),
        role: Role::Unit,
        unit: Some("unit-00-07".parse().expect("unit")),
        leader: false,
    };
    for (what, who, from, to, group_by, channel) in [
        (
            "the year per county",
            &bureau,
            "2025-01-01",
            "2025-12-31",
            GroupBy::County,
            None,
        ),
        (
            "the year per unit",
            &bureau,
            "2025-01-01",
            "2025-12-31",
            GroupBy::Unit,
            None,
        ),
        (
            "the year per month",
            &bureau,
            "2025-01-01",
            "2025-12-31",
            GroupBy::Month,
            None,
        ),
        (
            "the year per week",
            &bureau,
            "2025-01-01",
            "2025-12-31",
            GroupBy::Week,
            None,
        ),
        (
            "the year of one channel",
            &bureau,
            "2025-01-01",
            "2025-12-31",
            GroupBy::County,
            Some("hotline_phone"),
        ),
        (
            "a unit's own year",
            &unit,
            "2025-01-01",
            "2025-12-31",
            GroupBy::Unit,
            None,
        ),
        (
            "November per unit",
            &bureau,
            "2025-11-01",
            "2025-11-30",
            GroupBy::Unit,
            None,
        ),
    ] {
        let q = StatsQuery {
            from: from.parse().expect("date"),
            to: to.parse().expect("date"),
            group_by,
            county: None,
            unit: None,
            channel: channel.map(str::to_string),
            kind: None,
        };
        let mut best = f64::MAX;
        let mut result = Vec::new();
        for _ in 0..3 {
            let started = Instant::now();
            result = rows(&db, who, &q, &calendar).expect("counts");
            best = best.min(started.elapsed().as_secs_f64() * 1000.0);
        }
        println!(
            "  {what}: {} rows, {} received, {} closed, {} overdue, in {best:.0} ms",
            result.len(),
            result.iter().map(|r| r.received).sum::<i64>(),
            result.iter().map(|r| r.closed).sum::<i64>(),
            result.iter().map(|r| r.overdue).sum::<i64>(),
        );
    }
    drop(db);
    let _ = std::fs::remove_dir_all(&dir);
}
