//! Staff actions against real SQLite: parsing, concurrency, units, and
//! the deadlines that follow.

use super::*;
use crate::db::NativeDb;
use crate::lifecycle::Status;
use crate::test_support::{migrated_db, store_case, t};
use crate::units::{demo_directory, UnitId};
use serde_json::json;

const AT: &str = "2025-09-30T10:00:00+08:00";

fn setup() -> (NativeDb, CaseId) {
    let db = migrated_db();
    for unit in demo_directory() {
        store::upsert_unit(&db, &unit).expect("unit");
    }
    let body = json!({
        "channel": "hotline_web", "kind": "complaint", "title": "小区噪音",
        "content": "小区旁工地夜间施工，请处理。", "county": "410611000",
        "submitter": {"type": "individual", "name": "张三", "phone": "13812345678"}
    });
    let id = store_case(&db, 1, body, AT);
    (db, id)
}

fn rules() -> (Calendar, DeadlineRules) {
    (Calendar::official(), DeadlineRules::defaults())
}

fn act(
    db: &NativeDb,
    case: CaseId,
    body: serde_json::Value,
    actor: &Actor,
    at: &str,
) -> Result<(Transition, i64), ActionError> {
    let (cal, dl) = rules();
    let version = store::load_lifecycle(db, case).expect("loads").version;
    let action = parse(&body).expect("parses");
    apply(
        db,
        case,
        version,
        action,
        actor,
        &Rules {
            calendar: &cal,
            deadlines: &dl,
        },
        t(at),
    )
}

fn unit(s: &str) -> UnitId {
    s.parse().expect("unit")
}

fn accept(db: &NativeDb, case: CaseId) {
    let v = store::load_lifecycle(db, case).expect("loads");
    let tr = transition(
        &v.lifecycle,
        Action::Accept {
            rule: "accepted".into(),
        },
        &Actor::bureau(),
    )
    .expect("legal");
    store::apply(db, case, v.version, &tr, &Actor::bureau(), t(AT)).expect("applies");
}

/// Each problem of an action body, as (field, code).
fn errs(body: serde_json::Value) -> Vec<(String, &'static str)> {
    parse(&body)
        .unwrap_err()
        .into_iter()
        .map(|e| (e.field, e.code))
        .collect()
}

#[test]
fn every_field_problem_is_named() {
    assert_eq!(
        errs(json!({"action": "fly"})),
        vec![("action".to_string(), "unknown_value")]
    );
    assert_eq!(
        errs(json!({"action": "override_to_reject", "category": 7})),
        vec![
            ("category".to_string(), "invalid"),
            ("reason".to_string(), "missing")
        ]
    );
    assert_eq!(
        errs(json!({"action": "route", "lead": "Bad Unit", "co_units": ["ok-unit", 3]})),
        vec![
            ("lead".to_string(), "invalid"),
            ("co_units[1]".to_string(), "invalid")
        ]
    );
    assert_eq!(
        errs(json!({"action": "approve_extension", "approver": "市领导", "working_days": 0})),
        vec![("working_days".to_string(), "invalid")]
    );
    assert_eq!(errs(json!([1])), vec![(String::new(), "wrong_type")]);
}

#[test]
fn each_kind_of_bad_field_keeps_the_code_clients_switch_on() {
    let one = |field: &str, code: &'static str| vec![(field.to_string(), code)];
    assert_eq!(
        errs(json!({"action": "urge", "note": " "})),
        one("note", "invalid")
    );
    assert_eq!(
        errs(json!({"action": "urge", "note": "字".repeat(5001)})),
        one("note", "invalid")
    );
    assert_eq!(
        errs(json!({"action": "urge", "note": 3})),
        one("note", "wrong_type")
    );
    assert_eq!(errs(json!({"action": "urge"})), one("note", "missing"));
    assert_eq!(
        errs(json!({"action": "override_to_reject", "reason": "r"})),
        one("category", "invalid")
    );
    for days in [json!("5"), json!(-1), json!(1.5)] {
        assert_eq!(
            errs(json!({"action": "request_extension", "reason": "r", "working_days": days})),
            one("working_days", "missing")
        );
    }
    assert_eq!(
        errs(json!({"action": "request_extension", "reason": "r", "working_days": 61})),
        one("working_days", "invalid")
    );
    assert_eq!(
        errs(json!({"action": "leader_review", "leader": "王局长"})),
        one("approved", "wrong_type")
    );
    assert_eq!(
        errs(json!({"action": "follow_up"})),
        one("result", "unknown_value")
    );
    assert_eq!(
        errs(json!({"action": "route", "lead": 5})),
        one("lead", "wrong_type")
    );
    assert_eq!(
        errs(json!({"action": "route", "lead": "qibin-hr", "co_units": "qibin-water"})),
        one("co_units", "wrong_type")
    );
    assert_eq!(errs(json!({"action": " "})), one("action", "invalid"));
    assert_eq!(errs(json!({})), one("action", "missing"));
    assert_eq!(
        errs(json!({"action": "accept", "rule": "r"})),
        one("action", "unknown_value")
    );
    // Trimmed as always; an optional note is taken as written.
    assert_eq!(
        parse(&json!({"action": " route ", "lead": " qibin-hr "})),
        Ok(Action::Route {
            lead: unit("qibin-hr"),
            co_units: vec![]
        })
    );
    assert_eq!(
        parse(&json!({"action": "leader_review", "leader": "王局长", "approved": true, "note": 7})),
        Ok(Action::LeaderReview {
            leader: "王局长".into(),
            approved: true,
            note: String::new()
        })
    );
}

#[test]
fn joint_handling_sets_lead_co_units_and_the_hotline_joint_deadline() {
    let (db, case) = setup();
    accept(&db, case);
    let (tr, version) = act(
        &db,
        case,
        json!({"action": "route", "lead": "qibin-environment", "co_units": ["qibin-urban", "qibin-housing"]}),
        &Actor::bureau(),
        AT,
    )
    .expect("routes");
    assert_eq!(tr.lifecycle.status, Status::Handling);
    assert_eq!(version, 3);
    let lc = store::load_lifecycle(&db, case).expect("loads").lifecycle;
    assert_eq!(
        lc.co_units,
        vec![unit("qibin-housing"), unit("qibin-urban")]
    );
    // Co-units make it joint handling: 15 working days (Art. 6(二).1(4)).
    let history = store::deadline_history(&db, case).expect("history");
    assert_eq!(
        history
            .iter()
            .map(|d| crate::clock::format(d.due_at))
            .collect::<Vec<_>>(),
        vec!["2025-10-28T23:59:59+08:00"]
    );
}

#[test]
fn a_returned_case_is_reassigned_and_gets_new_deadlines() {
    let (db, case) = setup();
    accept(&db, case);
    act(
        &db,
        case,
        json!({"action": "route", "lead": "qibin-urban"}),
        &Actor::bureau(),
        AT,
    )
    .expect("routes");
    act(
        &db,
        case,
        json!({"action": "return_misrouted", "reason": "属生态环境部门职责"}),
        &Actor::unit(unit("qibin-urban")),
        "2025-09-30T15:00:00+08:00",
    )
    .expect("returns");
    assert_eq!(
        store::load_lifecycle(&db, case)
            .expect("loads")
            .lifecycle
            .status,
        Status::Accepted
    );
    act(
        &db,
        case,
        json!({"action": "route", "lead": "qibin-environment"}),
        &Actor::bureau(),
        "2025-09-30T16:00:00+08:00",
    )
    .expect("reassigns");
    let lc = store::load_lifecycle(&db, case).expect("loads").lifecycle;
    assert_eq!(lc.lead, Some(unit("qibin-environment")));
    let events: Vec<String> = store::events(&db, case)
        .expect("events")
        .into_iter()
        .map(|e| e.kind)
        .collect();
    assert_eq!(
        events,
        vec!["accepted", "routed", "returned_misrouted", "reassigned"]
    );
    let history = store::deadline_history(&db, case).expect("history");
    assert_eq!(history.iter().filter(|d| d.active).count(), 1);
    assert_eq!(history.len(), 2);
}

#[test]
fn a_stale_version_or_an_unknown_unit_changes_nothing() {
    let (db, case) = setup();
    accept(&db, case);
    let (cal, dl) = rules();
    let r = Rules {
        calendar: &cal,
        deadlines: &dl,
    };
    let stale = apply(
        &db,
        case,
        1,
        parse(&json!({"action": "route", "lead": "qibin-urban"})).expect("parses"),
        &Actor::bureau(),
        &r,
        t(AT),
    );
    assert!(
        matches!(
            stale,
            Err(ActionError::Store(StoreError::Stale {
                expected: 1,
                actual: 2,
                ..
            }))
        ),
        "{stale:?}"
    );
    let unknown = apply(
        &db,
        case,
        2,
        parse(&json!({"action": "route", "lead": "nowhere"})).expect("parses"),
        &Actor::bureau(),
        &r,
        t(AT),
    );
    assert_eq!(
        unknown.map(|_| ()),
        Err(ActionError::UnknownUnit {
            unit: unit("nowhere"),
            field: "lead"
        })
    );
    assert_eq!(store::load_lifecycle(&db, case).expect("loads").version, 2);
}

#[test]
fn an_approved_extension_moves_and_a_failed_qc_resets_the_finish_deadline() {
    let (db, case) = setup();
    accept(&db, case);
    act(
        &db,
        case,
        json!({"action": "route", "lead": "qibin-urban"}),
        &Actor::bureau(),
        AT,
    )
    .expect("routes");
    let lead = Actor::unit(unit("qibin-urban"));
    act(
        &db,
        case,
        json!({"action": "request_extension", "working_days": 5, "reason": "需现场勘查"}),
        &lead,
        AT,
    )
    .expect("requests");
    act(
        &db,
        case,
        json!({"action": "approve_extension", "approver": "市领导", "working_days": 5}),
        &Actor::bureau(),
        AT,
    )
    .expect("approves");
    let active = |db: &NativeDb| {
        store::deadline_history(db, case)
            .expect("history")
            .into_iter()
            .filter(|d| d.active)
            .map(|d| {
                (
                    crate::clock::format(d.due_at),
                    d.reason.as_str().to_string(),
                )
            })
            .collect::<Vec<_>>()
    };
    // 10 working days from 2025-09-30 end 10-21; 5 more: 10-28.
    assert_eq!(
        active(&db),
        vec![(
            "2025-10-28T23:59:59+08:00".to_string(),
            "extension".to_string()
        )]
    );

    act(
        &db,
        case,
        json!({"action": "draft_reply", "text": "已处理"}),
        &lead,
        "2025-10-20T10:00:00+08:00",
    )
    .expect("drafts");
    act(
        &db,
        case,
        json!({"action": "leader_review", "leader": "王局长", "approved": true}),
        &lead,
        "2025-10-20T11:00:00+08:00",
    )
    .expect("reviews");
    act(
        &db,
        case,
        json!({"action": "qc_fail", "reasons": "答复不具体"}),
        &Actor::bureau(),
        "2025-10-21T09:00:00+08:00",
    )
    .expect("fails");
    // 5 working days (qc_redo_days) from 2025-10-21.
    assert_eq!(
        active(&db),
        vec![(
            "2025-10-28T23:59:59+08:00".to_string(),
            "qc_failed".to_string()
        )]
    );
    assert_eq!(
        store::deadline_history(&db, case).expect("history").len(),
        3
    );
}

#[test]
fn closing_ends_every_running_deadline_so_the_scan_never_reports_a_closed_case() {
    let (db, case) = setup();
    accept(&db, case);
    act(
        &db,
        case,
        json!({"action": "route", "lead": "qibin-urban"}),
        &Actor::bureau(),
        AT,
    )
    .expect("routes");
    let lead = Actor::unit(unit("qibin-urban"));
    act(
        &db,
        case,
        json!({"action": "draft_reply", "text": "已处理"}),
        &lead,
        AT,
    )
    .expect("drafts");
    act(
        &db,
        case,
        json!({"action": "leader_review", "leader": "王局长", "approved": true}),
        &lead,
        AT,
    )
    .expect("reviews");
    act(
        &db,
        case,
        json!({"action": "qc_pass"}),
        &Actor::bureau(),
        AT,
    )
    .expect("passes");
    let far = t("2030-01-01T00:00:00+08:00").with_timezone(&Utc);
    assert!(store::due_by(&db, far, 100).expect("scans").is_empty());
}

#[test]
fn a_reassignment_supersedes_the_earlier_units_deadlines() {
    let (db, case) = setup();
    accept(&db, case);
    act(
        &db,
        case,
        json!({"action": "route", "lead": "qibin-urban"}),
        &Actor::bureau(),
        AT,
    )
    .expect("routes");
    act(
        &db,
        case,
        json!({"action": "reassign", "lead": "qibin-housing", "reason": "调整"}),
        &Actor::bureau(),
        AT,
    )
    .expect("reassigns");
    let running: Vec<_> = store::deadline_history(&db, case)
        .expect("history")
        .into_iter()
        .filter(|d| d.active)
        .collect();
    assert_eq!(running.len(), 1);
}
