//! Rectification items against real SQLite: opened by the bureau from a
//! hotspot's complaints, followed by the owner unit, the cluster's
//! complaints shown before and after.

use super::*;
use crate::base::test_support::{seeded_db, store_case, t};
use serde_json::json;

fn who(role: Role, unit: Option<&str>, subject: &str) -> Principal {
    Principal {
        subject: subject.into(),
        role,
        unit: unit.map(|u| u.parse().expect("unit")),
        leader: false,
    }
}

fn bureau() -> Principal {
    who(Role::Bureau, None, "zhang.wei")
}

/// A complaint about night building work on 九州路, accepted.
fn noise(db: &crate::base::db::NativeDb, n: u8, at: &str) -> i64 {
    let id = store_case(
        db,
        n,
        json!({"channel": "hotline_web", "kind": "complaint", "title": "九州路工地夜间施工噪音扰民",
               "content": format!("九州路工地每天夜里施工到凌晨，噪音很大，影响休息（第{n}次反映）。"),
               "county": "410611000",
               "submitter": {"type": "individual", "name": "张三", "phone": format!("138123456{n:02}")}}),
        at,
    );
    db.execute(
        "UPDATE cases SET status = 'handling', lead_unit = 'qibin-urban' WHERE id = ?",
        &[id.get().into()],
    )
    .expect("accepted");
    id.get()
}

const OPENED: &str = "2026-11-10T09:00:00+08:00";

#[test]
fn the_bureau_opens_an_item_and_it_shows_the_clusters_complaints_before_and_after() {
    let db = seeded_db();
    let a = noise(&db, 1, "2026-11-02T10:00:00+08:00");
    let b = noise(&db, 2, "2026-11-03T10:00:00+08:00");
    let c = noise(&db, 3, "2026-11-05T10:00:00+08:00");
    let item = open(
        &db,
        &bureau(),
        &json!({"title": "九州路工地夜间施工扰民整改", "owner": "qibin-urban",
                "due_date": "2026-11-30", "cases": [a, b], "note": "限期整改"}),
        t(OPENED),
    )
    .expect("opened");
    assert_eq!(item.status, "open");
    assert_eq!(item.cases, vec![a, b]);
    assert_eq!(item.opened_by, "zhang.wei");
    assert_eq!(item.history[0].note.as_deref(), Some("限期整改"));
    let later = noise(&db, 4, "2026-11-20T10:00:00+08:00");
    let read = read(
        &db,
        &bureau(),
        item.id,
        &HotspotRules::default(),
        t("2026-11-28T10:00:00+08:00"),
    )
    .expect("read");
    let ids = |p: &Option<Period>| -> Vec<i64> {
        p.as_ref()
            .expect("period")
            .cases
            .iter()
            .map(|m| m.case_id.get())
            .collect()
    };
    assert_eq!(
        ids(&read.before),
        vec![a, b, c],
        "the linked two and one alike"
    );
    assert_eq!(ids(&read.after), vec![later]);
    assert_eq!(read.after.as_ref().map(|p| p.count), Some(1));
}

#[test]
fn a_complaint_received_in_the_second_the_item_is_opened_counts_as_before_and_one_a_second_later_as_after(
) {
    let db = seeded_db();
    let linked = noise(&db, 1, OPENED);
    let same_second = noise(&db, 2, OPENED);
    let next_second = noise(&db, 3, "2026-11-10T09:00:01+08:00");
    let item = open(
        &db,
        &bureau(),
        &json!({"title": "九州路工地夜间施工扰民整改", "owner": "qibin-urban",
                "due_date": "2026-11-30", "cases": [linked]}),
        t(OPENED),
    )
    .expect("opened");
    let read = read(
        &db,
        &bureau(),
        item.id,
        &HotspotRules::default(),
        t("2026-11-10T10:00:00+08:00"),
    )
    .expect("read");
    let ids = |p: &Option<Period>| -> Vec<i64> {
        p.as_ref()
            .expect("period")
            .cases
            .iter()
            .map(|m| m.case_id.get())
            .collect()
    };
    assert_eq!(ids(&read.before), vec![linked, same_second]);
    assert_eq!(ids(&read.after), vec![next_second]);
}

#[test]
fn the_owner_unit_reports_progress_and_done_but_only_the_bureau_moves_the_due_date() {
    let db = seeded_db();
    let a = noise(&db, 1, "2026-11-02T10:00:00+08:00");
    let item = open(
        &db,
        &bureau(),
        &json!({"title": "整改", "owner": "qibin-urban", "due_date": "2026-11-30", "cases": [a]}),
        t(OPENED),
    )
    .expect("opened");
    let clerk = who(Role::Unit, Some("qibin-urban"), "li.na");
    let at = t("2026-11-12T09:00:00+08:00");
    let moved = update(&db, &clerk, item.id, &json!({"due_date": "2026-12-31"}), at);
    assert!(matches!(moved, Err(RectificationError::BureauOnly(_))));
    let done = update(
        &db,
        &clerk,
        item.id,
        &json!({"status": "done", "note": "已要求工地22点后停止施工"}),
        at,
    )
    .expect("done");
    assert_eq!(done.status, "done");
    let last = done.history.last().expect("note");
    assert_eq!(
        (last.by.as_str(), last.status.as_deref()),
        ("li.na", Some("done"))
    );
    // Another unit neither reads nor changes it; a supervisor reads only.
    let other = who(Role::Unit, Some("qibin-housing"), "wang");
    assert_eq!(
        update(&db, &other, item.id, &json!({"note": "x"}), at),
        Err(RectificationError::Role(Role::Unit))
    );
    let rules = HotspotRules::default();
    assert!(matches!(
        read(&db, &other, item.id, &rules, at),
        Err(RectificationError::Role(_))
    ));
    let supervisor = who(Role::Supervisor, None, "sun");
    assert!(read(&db, &supervisor, item.id, &rules, at).is_ok());
    assert!(update(&db, &supervisor, item.id, &json!({"note": "x"}), at).is_err());
    assert_eq!(list(&db, &other, None).map(|l| l.len()), Ok(0));
    assert_eq!(
        list(&db, &clerk, Some(ItemStatus::Done)).map(|l| l.len()),
        Ok(1)
    );
    // The bureau moves the due date.
    let moved = update(
        &db,
        &bureau(),
        item.id,
        &json!({"due_date": "2026-12-31"}),
        at,
    )
    .expect("moved");
    assert_eq!(moved.due_date, "2026-12-31");
}

#[test]
fn a_bad_item_is_refused_with_every_field_named_and_only_the_bureau_opens_one() {
    let db = seeded_db();
    let refused = open(
        &db,
        &bureau(),
        &json!({"title": "", "owner": "Nobody", "due_date": "2026-11-31", "cases": [0]}),
        t(OPENED),
    );
    let Err(RectificationError::Fields(errors)) = refused else {
        panic!("refused: {refused:?}");
    };
    let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
    for f in ["title", "owner", "due_date", "cases"] {
        assert!(fields.contains(&f), "{f} in {fields:?}");
    }
    // Well-formed, but naming what does not exist or a day gone by.
    let unprocessable = open(
        &db,
        &bureau(),
        &json!({"title": "整改", "owner": "nobody-here", "due_date": "2026-11-01", "cases": [999]}),
        t(OPENED),
    );
    let Err(RectificationError::Unprocessable(errors)) = unprocessable else {
        panic!("unprocessable: {unprocessable:?}");
    };
    let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
    assert_eq!(fields, vec!["owner", "cases[0]", "due_date"]);
    let clerk = who(Role::Unit, Some("qibin-urban"), "li.na");
    assert_eq!(
        open(&db, &clerk, &json!({}), t(OPENED)),
        Err(RectificationError::Role(Role::Unit))
    );
    assert_eq!(
        read(&db, &bureau(), 42, &HotspotRules::default(), t(OPENED)),
        Err(RectificationError::NotFound(42))
    );
}
