//! The audit trail against real SQLite: reads of personal data and admin
//! changes, newest first, filtered, paged; the bureau's alone.

use super::*;
use crate::base::test_support::{migrated_db, store_case, t};
use serde_json::json;

fn who(role: Role, subject: &str) -> Principal {
    Principal {
        subject: subject.into(),
        role,
        unit: (role == Role::Unit).then(|| "qibin-urban".parse().expect("unit")),
        leader: false,
    }
}

fn query(pairs: &[(&str, &str)]) -> AuditQuery {
    let map: BTreeMap<String, String> = pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    AuditQuery::from_query(&map).expect("a valid query")
}

#[test]
fn the_trail_lists_clear_reads_and_admin_changes_newest_first_with_who_and_why() {
    let db = migrated_db();
    let body = json!({"channel": "hotline_web", "kind": "complaint", "title": "路灯不亮",
        "content": "九州路路灯已坏一周，请尽快维修。", "county": "410611000",
        "submitter": {"type": "individual", "name": "张三", "phone": "13812345678"}});
    let case = store_case(&db, 1, body, "2026-11-18T09:00:00+08:00");
    db.execute(
        "INSERT INTO personal_data_reads (case_id, at, actor_role, actor_unit, actor_subject, purpose)
         VALUES (?, '2026-11-18T10:00:00+08:00', 'unit', 'qibin-urban', 'li.clerk', '电话联系投诉人')",
        &[case.get().into()],
    )
    .expect("read recorded");
    let bureau = who(Role::Bureau, "zhang.wei");
    crate::county::admin::put(
        &db,
        &bureau,
        crate::county::admin::Target::Family(crate::base::rules::Family::Reminder),
        &json!({"warning_working_days": 2, "stuck_after_minutes": 5, "batch": 100}),
        t("2026-11-19T10:00:00+08:00"),
    )
    .expect("rules set");
    crate::directory::add(
        &db,
        &bureau,
        &json!({"id": "qibin-culture", "name": "淇滨区文化和旅游局", "county": "410611000", "unit_type": "culture"}),
        t("2026-11-20T10:00:00+08:00"),
    )
    .expect("unit added");

    let page = entries(&db, &bureau, &query(&[])).expect("lists");
    let kinds: Vec<EntryKind> = page.entries.iter().map(|e| e.kind).collect();
    assert_eq!(
        kinds,
        vec![EntryKind::Units, EntryKind::Rules, EntryKind::PersonalData]
    );
    let read = &page.entries[2];
    assert_eq!(
        (read.subject.as_str(), read.case_id, read.what.as_str()),
        ("li.clerk", Some(case.get()), "电话联系投诉人")
    );
    assert_eq!(page.entries[1].what, "reminder (version 1)");
    // Filters and pages.
    let reads = entries(&db, &bureau, &query(&[("kind", "personal_data")])).expect("lists");
    assert_eq!(reads.entries.len(), 1);
    let day = entries(
        &db,
        &bureau,
        &query(&[("from", "2026-11-19"), ("to", "2026-11-19")]),
    )
    .expect("lists");
    assert_eq!(
        day.entries.iter().map(|e| e.kind).collect::<Vec<_>>(),
        vec![EntryKind::Rules]
    );
    let first = entries(&db, &bureau, &query(&[("limit", "2")])).expect("lists");
    let next = first.next.clone().expect("a next page");
    let rest = entries(&db, &bureau, &query(&[("limit", "2"), ("cursor", &next)])).expect("lists");
    assert_eq!(
        (rest.entries.len(), rest.entries[0].kind, rest.next),
        (1, EntryKind::PersonalData, None)
    );
    // CSV with the BOM and Chinese headers.
    assert!(csv(&page).starts_with("\u{FEFF}时间,类别,操作人"));
    // The bureau's alone.
    for role in [Role::Supervisor, Role::Unit, Role::Agent] {
        assert_eq!(
            entries(&db, &who(role, "x"), &query(&[])),
            Err(AuditError::Role(role))
        );
    }
    assert!(AuditQuery::from_query(&[("kind".to_string(), "weather".to_string())].into()).is_err());
}
