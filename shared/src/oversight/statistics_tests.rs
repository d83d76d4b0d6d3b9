//! Statistics against real SQLite: cases with known outcomes counted by
//! hand, compared with the aggregates.

use super::*;

use crate::base::test_support::{migrated_db, store_case};
use crate::time::working_days;
use serde_json::json;

fn who(role: Role, unit: Option<&str>) -> Principal {
    Principal {
        subject: "x".into(),
        role,
        unit: unit.map(|u| u.parse().expect("unit")),
        leader: false,
    }
}

fn cal() -> crate::time::calendar::Calendar {
    crate::time::calendar::Calendar::official()
}

fn november(group_by: GroupBy) -> StatsQuery {
    StatsQuery {
        from: "2025-11-01".parse().expect("date"),
        to: "2025-11-30".parse().expect("date"),
        group_by,
        county: None,
        unit: None,
        channel: None,
        kind: None,
    }
}

/// A case received at `at`, then set as the test says.
fn case(db: &crate::base::db::NativeDb, n: u8, kind: &str, at: &str, set: &str) -> i64 {
    let body = json!({"channel": "online_platform", "kind": kind, "title": "路灯不亮",
        "content": format!("第{n}件：九州路路灯已坏一周，请尽快维修。"), "county": "410611000",
        "submitter": {"type": "individual", "name": "张三", "phone": format!("1381234{:04}", n)}});
    let id = store_case(db, n, body, at).get();
    if !set.is_empty() {
        db.execute(
            &format!("UPDATE cases SET {set} WHERE id = ?"),
            &[id.into()],
        )
        .expect("set");
    }
    id
}

fn due(db: &crate::base::db::NativeDb, case: i64, at: &str) {
    db.execute(
        "INSERT INTO case_deadlines (case_id, milestone, working_days, due_date, due_at, verified, reason, set_at)
         VALUES (?, 'finish', 5, substr(?, 1, 10), ?, 1, 'routed', ?)",
        &[case.into(), at.into(), at.into(), at.into()],
    )
    .expect("deadline");
}

fn event(db: &crate::base::db::NativeDb, case: i64, at: &str, kind: &str, data: serde_json::Value) {
    db.execute(
        "INSERT INTO case_events (case_id, at, actor_role, type, article, data) VALUES (?, ?, 'bureau', ?, 'Art. 6', ?)",
        &[case.into(), at.into(), kind.into(), data.to_string().into()],
    )
    .expect("event");
}

#[test]
fn the_figures_of_a_month_match_the_cases_counted_by_hand() {
    let db = migrated_db();
    let lead = "lead_unit = 'qibin-urban', status = 'closed'";
    let a = case(
        &db,
        1,
        "complaint",
        "2025-11-03T09:00:00+08:00",
        &format!("{lead}, closed_at = '2025-11-05T10:00:00+08:00'"),
    );
    let b = case(
        &db,
        2,
        "complaint",
        "2025-11-03T10:00:00+08:00",
        &format!("{lead}, closed_at = '2025-11-12T10:00:00+08:00'"),
    );
    let c = case(
        &db,
        3,
        "consultation",
        "2025-11-04T09:00:00+08:00",
        "lead_unit = 'qibin-urban', status = 'handling'",
    );
    case(
        &db,
        4,
        "consultation",
        "2025-11-05T09:00:00+08:00",
        "status = 'rejected', rejection_category = 3",
    );
    case(
        &db,
        5,
        "complaint",
        "2025-11-06T09:00:00+08:00",
        &format!("status = 'rejected', rejection_category = 2, merged_into = {a}"),
    );
    case(
        &db,
        6,
        "complaint",
        "2025-10-15T09:00:00+08:00",
        "status = 'handling'",
    );
    due(&db, a, "2025-11-10T23:59:59+08:00");
    due(&db, b, "2025-11-10T23:59:59+08:00");
    due(&db, c, "2025-11-20T23:59:59+08:00");
    event(
        &db,
        a,
        "2025-11-04T09:00:00+08:00",
        "qc_failed",
        json!({"round": 1}),
    );
    event(
        &db,
        a,
        "2025-11-05T09:00:00+08:00",
        "qc_passed",
        json!({"round": 2}),
    );
    event(
        &db,
        b,
        "2025-11-11T09:00:00+08:00",
        "qc_passed",
        json!({"round": 1}),
    );
    event(
        &db,
        a,
        "2025-11-20T09:00:00+08:00",
        "followed_up",
        json!({"result": "satisfied"}),
    );
    event(
        &db,
        b,
        "2025-11-20T09:00:00+08:00",
        "followed_up",
        json!({"result": "unreachable"}),
    );

    let bureau = who(Role::Bureau, None);
    let county = rows(&db, &bureau, &november(GroupBy::County), &cal()).expect("counts");
    assert_eq!(county.len(), 1);
    let r = &county[0];
    assert_eq!(r.group, "410611000");
    assert_eq!(
        (
            r.received,
            r.duplicates,
            r.accepted,
            r.screening,
            r.rejected["3"],
            r.rejected["2"]
        ),
        (4, 1, 3, 0, 1, 0)
    );
    assert_eq!((r.closed, r.closed_on_time, r.overdue), (2, 1, 2));
    assert_eq!(
        r.on_time_rate,
        Rate {
            numerator: 1,
            denominator: 2,
            value: Some(0.5)
        }
    );
    assert_eq!(
        (
            r.qc_first_pass_rate.numerator,
            r.qc_first_pass_rate.denominator
        ),
        (1, 2)
    );
    assert_eq!(
        (
            r.satisfaction_rate.numerator,
            r.satisfaction_rate.denominator
        ),
        (1, 1)
    );
    assert_eq!((r.complaints, r.complaint_rate.value), (2, Some(0.5)));
    // Received Monday 11-03: closed Wednesday 11-05 after 2 working days,
    // the other on 11-12 after 7 (the weekend not counted).
    assert_eq!(
        r.working_days_to_close_avg,
        Rate {
            numerator: 9,
            denominator: 2,
            value: Some(4.5)
        }
    );

    // By week (Monday to Sunday, the first clipped to November) and by
    // month: each measure in the week it happened; open past the deadline
    // at a week's end counts in that week.
    let weeks = rows(&db, &bureau, &november(GroupBy::Week), &cal()).expect("weeks");
    let seen: Vec<(&str, i64, i64, i64)> = weeks
        .iter()
        .map(|w| (w.group.as_str(), w.received, w.closed, w.overdue))
        .collect();
    assert_eq!(
        seen,
        vec![
            ("2025-10-27", 0, 0, 0),
            ("2025-11-03", 4, 1, 0),
            ("2025-11-10", 0, 1, 1),
            ("2025-11-17", 0, 0, 1),
            ("2025-11-24", 0, 0, 1),
        ]
    );
    assert_eq!(
        weeks[0].on_time_rate.value, None,
        "an empty week has no data"
    );
    let months = rows(&db, &bureau, &november(GroupBy::Month), &cal()).expect("months");
    assert_eq!(months.len(), 1);
    assert_eq!(
        (
            months[0].group.as_str(),
            months[0].received,
            months[0].closed,
            months[0].overdue
        ),
        ("2025-11", 4, 2, 2)
    );
    // A unit gets its own weeks.
    let own_weeks = rows(
        &db,
        &who(Role::Unit, Some("qibin-water")),
        &november(GroupBy::Week),
        &cal(),
    )
    .expect("weeks");
    assert!(own_weeks.iter().all(|w| w.received == 0 && w.closed == 0));

    // Per unit: the rejected case has no unit.
    let units = rows(&db, &bureau, &november(GroupBy::Unit), &cal()).expect("counts");
    assert_eq!(
        (units.len(), units[0].group.as_str(), units[0].received),
        (1, "qibin-urban", 3)
    );
    // A unit reads its own row only; another unit has none.
    let own = rows(
        &db,
        &who(Role::Unit, Some("qibin-urban")),
        &november(GroupBy::County),
        &cal(),
    )
    .expect("counts");
    assert_eq!((own.len(), own[0].group.as_str()), (1, "qibin-urban"));
    assert!(rows(
        &db,
        &who(Role::Unit, Some("qibin-water")),
        &november(GroupBy::County),
        &cal()
    )
    .expect("counts")
    .is_empty());
    assert_eq!(
        rows(
            &db,
            &who(Role::Agent, None),
            &november(GroupBy::County),
            &cal()
        ),
        Err(StatsError::Role(Role::Agent))
    );
    // A month with nothing closed: no data, not 0 %.
    let october = StatsQuery {
        from: "2025-10-01".parse().expect("date"),
        to: "2025-10-31".parse().expect("date"),
        ..november(GroupBy::County)
    };
    let r = &rows(&db, &bureau, &october, &cal()).expect("counts")[0];
    assert_eq!((r.received, r.on_time_rate.value), (1, None));
    let doc = csv(&rows(&db, &bureau, &october, &cal()).expect("counts"));
    assert!(doc.starts_with("\u{FEFF}分组,受理量"), "{doc}");
    assert!(doc.contains("无数据"));
}

#[test]
fn a_bad_period_is_refused_with_the_field_named() {
    let q = |pairs: &[(&str, &str)]| {
        StatsQuery::from_query(
            &pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        )
    };
    let fields = |r: Result<StatsQuery, Vec<FieldError>>| {
        r.err()
            .unwrap_or_default()
            .into_iter()
            .map(|e| e.field)
            .collect::<Vec<_>>()
    };
    assert_eq!(fields(q(&[("to", "2025-11-30")])), vec!["from"]);
    assert_eq!(
        fields(q(&[("from", "2025-12-01"), ("to", "2025-11-30")])),
        vec!["to"]
    );
    assert_eq!(
        fields(q(&[
            ("from", "2025-11-01"),
            ("to", "2025-11-30"),
            ("group_by", "fortnight")
        ])),
        vec!["group_by"]
    );
    assert!(q(&[("from", "2025-11-01"), ("to", "2025-11-30")]).is_ok());
}

#[test]
fn groups_tripping_the_countys_thresholds_need_attention_with_every_reason() {
    let rows_of = |complaints: i64, satisfied: i64, reached: i64, overdue: i64| {
        let mut row = StatsRow::empty("qibin-urban");
        row.received = complaints;
        row.accepted = complaints;
        row.complaints = complaints;
        row.overdue = overdue;
        row.satisfied = satisfied;
        row.reached = reached;
        row.finish()
    };
    let t = AttentionThresholds {
        max_complaints: 4,
        min_satisfaction_rate: 0.8,
        max_overdue: 3,
        min_on_time_rate: 0.9,
    };
    let list = attention(&[rows_of(4, 0, 1, 3)], &t);
    assert_eq!(
        list,
        vec![Attention {
            group: "qibin-urban".into(),
            reasons: vec![
                "concentrated_complaints",
                "low_satisfaction",
                "many_overdue"
            ],
        }]
    );
    // No follow-up reached anyone and nothing closed: no data trips nothing.
    assert_eq!(attention(&[rows_of(3, 0, 0, 2)], &t), vec![]);
}

/// The non-empty rows of the table kept by day.
fn daily(db: &crate::base::db::NativeDb) -> Vec<String> {
    db.execute(
        "SELECT day || ' ' || county || ' ' || unit || ' ' || channel || ' ' || kind || ': '
            || received || ' ' || duplicates || ' ' || accepted || ' ' || screening || ' '
            || rejected1 || rejected2 || rejected3 || rejected4 || ' ' || complaints || ' | '
            || closed || ' ' || closed_on_time || ' ' || working_days || ' | '
            || qc_first || ' ' || qc_first_pass || ' ' || reached || ' ' || satisfied || ' ' || returned AS line
         FROM stats_days
         WHERE received + duplicates + accepted + screening + rejected1 + rejected2 + rejected3
             + rejected4 + complaints + closed + closed_on_time + working_days + qc_first
             + qc_first_pass + reached + satisfied + returned != 0
         ORDER BY line",
        &[],
    )
    .expect("reads")
    .iter()
    .map(|r| r.text("line").expect("line").to_string())
    .collect()
}

#[test]
fn the_table_kept_by_day_equals_one_counted_afresh_after_every_kind_of_change() {
    let db = migrated_db();
    let set = |case: i64, set: &str| {
        db.execute(
            &format!("UPDATE cases SET {set} WHERE id = ?"),
            &[case.into()],
        )
        .expect("set");
    };
    let a = case(&db, 1, "complaint", "2025-11-03T09:00:00+08:00", "");
    let b = case(&db, 2, "consultation", "2025-11-03T10:00:00+08:00", "");
    let c = case(&db, 3, "complaint", "2025-11-04T09:00:00+08:00", "");
    // Screened, accepted, routed, reassigned; a proposal; a rejection; a
    // merged repeat.
    set(a, "status = 'accepted'");
    set(a, "status = 'handling', lead_unit = 'qibin-urban'");
    set(a, "lead_unit = 'qibin-water'");
    set(b, "status = 'screening'");
    set(b, "status = 'rejected', rejection_category = 3");
    set(
        c,
        &format!("status = 'rejected', rejection_category = 2, merged_into = {a}"),
    );
    // Closed late, given a later deadline (now on time), reopened by a
    // review, closed again on another day with its working days counted.
    set(
        a,
        "status = 'closed', closed_at = '2025-11-12T10:00:00+08:00'",
    );
    due(&db, a, "2025-11-10T23:59:59+08:00");
    due(&db, a, "2025-11-14T23:59:59+08:00");
    event(
        &db,
        a,
        "2025-11-11T09:00:00+08:00",
        "qc_passed",
        json!({"round": 1}),
    );
    set(a, "status = 'under_review', closed_at = NULL");
    event(
        &db,
        a,
        "2025-11-13T09:00:00+08:00",
        "review_returned",
        json!({}),
    );
    set(
        a,
        "status = 'closed', closed_at = '2025-11-17T10:00:00+08:00'",
    );
    working_days::count_working_days_to_close(&db, &cal(), None, 10).expect("counts");
    event(
        &db,
        a,
        "2025-11-20T09:00:00+08:00",
        "followed_up",
        json!({"result": "satisfied"}),
    );
    let kept = daily(&db);
    assert!(
        kept.iter().any(|l| l.starts_with(
            "2025-11-17 410611000 qibin-water online_platform complaint: 0 0 0 0 0000 0 | 1 0 10 |"
        )),
        "closed on 11-17 after 10 working days, late: {kept:#?}"
    );

    db.execute("DELETE FROM stats_days", &[]).expect("empties");
    for sql in &crate::base::schema::stats_days::MIGRATION[3..6] {
        db.execute(sql, &[]).expect("counts afresh");
    }
    assert_eq!(daily(&db), kept);
}

#[test]
fn working_days_to_close_are_kept_when_a_case_closes_and_counted_again_when_its_year_is_loaded() {
    let db = migrated_db();
    let a = case(
        &db,
        1,
        "complaint",
        "2025-11-03T09:00:00+08:00",
        "status = 'closed', lead_unit = 'qibin-urban', closed_at = '2025-11-12T10:00:00+08:00'",
    );
    let kept = |db: &crate::base::db::NativeDb| {
        db.execute(
            "SELECT working_days_to_close AS n FROM cases WHERE id = ?",
            &[a.into()],
        )
        .expect("reads")
        .row(0)
        .and_then(|r| r.get_opt_integer("n").expect("n"))
    };
    // The working days November's closings took, as the statistics say.
    let november_days = |db: &crate::base::db::NativeDb| {
        rows(
            db,
            &who(Role::Bureau, None),
            &november(GroupBy::County),
            &cal(),
        )
        .expect("counts")[0]
            .working_days_to_close_avg
            .numerator
    };
    assert_eq!(kept(&db), None, "closed by a path that did not count");
    assert_eq!(november_days(&db), 7, "counted when read");
    assert_eq!(
        working_days::count_working_days_to_close(&db, &cal(), None, 10),
        Ok(1)
    );
    assert_eq!(kept(&db), Some(7));
    assert_eq!(
        working_days::count_working_days_to_close(&db, &cal(), None, 10),
        Ok(0),
        "once"
    );
    // Loading 2026 leaves a 2025 closing alone; loading 2025 forgets it.
    working_days::forget_working_days_over(&db, 2026).expect("forgets");
    assert_eq!(kept(&db), Some(7));
    working_days::forget_working_days_over(&db, 2025).expect("forgets");
    assert_eq!(kept(&db), None);
    assert_eq!(november_days(&db), 7, "still counted when read");
}
