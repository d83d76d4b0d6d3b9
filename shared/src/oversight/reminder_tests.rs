//! The scan against real SQLite: warnings, urge notices and overdue marks
//! once each, stuck cases driven again, the triage queue left alone.

use super::*;
use crate::base::db::NativeDb;
use crate::base::ids::CaseId;
use crate::base::test_support::{seeded_db, store_case, t};
use crate::lifecycle::history;
use crate::lifecycle::{Action, Actor};
use crate::time::calendar::Calendar;
use crate::time::deadline_rows;

fn case(db: &NativeDb, n: u8, title: &str, content: &str, at: &str) -> CaseId {
    case_on(db, "hotline_web", n, title, content, at)
}

fn case_on(db: &NativeDb, channel: &str, n: u8, title: &str, content: &str, at: &str) -> CaseId {
    let body = serde_json::json!({
        "channel": channel, "kind": "complaint", "title": title, "content": content,
        "county": "410611000",
        "submitter": {"type": "individual", "name": "张三", "phone": format!("1381234560{n}")}
    });
    store_case(db, n, body, at)
}

/// A street-lamp complaint on `channel`, received 30 September and routed
/// to 淇滨区城市管理局.
fn routed_lamp(db: &NativeDb, n: u8, channel: &str) -> CaseId {
    let id = case_on(
        db,
        channel,
        n,
        "路灯不亮",
        "九州路路灯已坏一周，请尽快维修。",
        RECEIVED,
    );
    through_the_stages(db, id, RECEIVED);
    id
}

fn through_the_stages(db: &NativeDb, id: CaseId, at: &str) {
    let rules = Rules::defaults();
    pipeline::screen_case(db, id, &rules, t(at)).expect("screens");
    pipeline::dispatch_case(db, id, &rules, t(at)).expect("dispatches");
}

fn scan_at(db: &NativeDb, at: &str) -> ScanReport {
    scan(db, &Rules::defaults(), t(at).with_timezone(&Utc)).expect("scans")
}

fn counts(r: &ScanReport) -> (u32, u32, u32, u32) {
    (r.urge_notices, r.warnings, r.overdue_marked, r.redriven)
}

fn status(db: &NativeDb, id: CaseId) -> Status {
    history::load_lifecycle(db, id)
        .expect("loads")
        .lifecycle
        .status
}

const RECEIVED: &str = "2025-09-30T10:00:00+08:00";

#[test]
fn a_transfer_is_warned_the_day_before_and_urged_once_when_its_tenth_working_day_has_passed() {
    let db = seeded_db();
    let id = routed_lamp(&db, 1, "hotline_web");
    // 10 working days after 30 September, across the National Day holiday
    // and its make-up Saturday: 21 October. Warned from the day before.
    assert_eq!(
        counts(&scan_at(&db, "2025-10-19T12:00:00+08:00")),
        (0, 0, 0, 0)
    );
    assert_eq!(
        counts(&scan_at(&db, "2025-10-20T12:00:00+08:00")),
        (0, 1, 0, 0)
    );
    assert_eq!(
        counts(&scan_at(&db, "2025-10-21T23:00:00+08:00")),
        (0, 0, 0, 0)
    );
    assert_eq!(
        counts(&scan_at(&db, "2025-10-22T00:00:00+08:00")),
        (1, 0, 1, 0)
    );
    assert_eq!(
        counts(&scan_at(&db, "2025-10-23T09:00:00+08:00")),
        (0, 0, 0, 0)
    );
    let notices = reminder_rows::urge_notices(&db, id).expect("notices");
    let levels: Vec<(UrgeLevel, &str)> =
        notices.iter().map(|n| (n.level, n.unit.as_str())).collect();
    assert_eq!(
        levels,
        vec![
            (UrgeLevel::Warning, "qibin-urban"),
            (UrgeLevel::Overdue, "qibin-urban")
        ]
    );
    assert_eq!(
        notices[1].due_at.map(clock::format).as_deref(),
        Some("2025-10-21T23:59:59+08:00")
    );
    let overdue = db
        .execute(
            "SELECT overdue_at FROM cases WHERE id = ?",
            &[id.get().into()],
        )
        .expect("query");
    assert_eq!(
        overdue
            .row(0)
            .map(|r| r.text("overdue_at").map(str::to_string)),
        Some(Ok("2025-10-22T00:00:00+08:00".to_string()))
    );
}

#[test]
fn a_case_closed_in_time_is_never_urged() {
    let db = seeded_db();
    let id = routed_lamp(&db, 1, "hotline_web");
    deadline_rows::end_running_deadlines(&db, id, true, t("2025-10-21T17:00:00+08:00"))
        .expect("met");
    assert_eq!(
        counts(&scan_at(&db, "2025-10-23T09:00:00+08:00")),
        (0, 0, 0, 0)
    );
}

#[test]
fn a_case_no_stage_took_on_is_driven_again_after_a_few_minutes_and_only_once() {
    let db = seeded_db();
    let id = case(
        &db,
        1,
        "路灯不亮",
        "九州路路灯已坏一周，请尽快维修。",
        RECEIVED,
    );
    assert_eq!(
        counts(&scan_at(&db, "2025-09-30T10:04:00+08:00")),
        (0, 0, 0, 0)
    );
    assert_eq!(status(&db, id), Status::Received);
    assert_eq!(
        counts(&scan_at(&db, "2025-09-30T10:06:00+08:00")),
        (0, 0, 0, 1)
    );
    assert_eq!(status(&db, id), Status::Handling);
    assert_eq!(
        counts(&scan_at(&db, "2025-09-30T10:07:00+08:00")),
        (0, 0, 0, 0)
    );
}

#[test]
fn the_bureaus_triage_queue_and_its_own_acceptances_are_left_to_the_bureau() {
    let db = seeded_db();
    // No competence entry matches: dispatch leaves it in triage.
    let triage = case(
        &db,
        1,
        "其他问题",
        "请问这个问题应该找哪个部门解决？",
        RECEIVED,
    );
    through_the_stages(&db, triage, RECEIVED);
    assert_eq!(status(&db, triage), Status::Accepted);
    // Rejected at once (no content), then accepted by the bureau: it
    // routes it itself.
    let overridden = case(&db, 2, "噪音", "你好，在吗？", RECEIVED);
    through_the_stages(&db, overridden, RECEIVED);
    assert_eq!(status(&db, overridden), Status::Rejected);
    let (calendar, deadlines) = (
        Calendar::official(),
        crate::time::deadlines::DeadlineRules::defaults(),
    );
    let version = history::load_lifecycle(&db, overridden)
        .expect("loads")
        .version;
    crate::desk::actions::apply(
        &db,
        overridden,
        version,
        Action::OverrideToAccept {
            reason: "实为噪音投诉".into(),
        },
        &Actor::bureau(),
        &crate::desk::actions::TimeRules {
            calendar: &calendar,
            deadlines: &deadlines,
        },
        t(RECEIVED),
    )
    .expect("overrides");
    assert_eq!(
        counts(&scan_at(&db, "2025-09-30T11:00:00+08:00")),
        (0, 0, 0, 0)
    );
    assert_eq!(status(&db, triage), Status::Accepted);
    assert_eq!(status(&db, overridden), Status::Accepted);
}

#[test]
fn the_bureaus_own_urge_is_an_urge_notice_too() {
    let db = seeded_db();
    let id = routed_lamp(&db, 1, "hotline_web");
    let (calendar, deadlines) = (
        Calendar::official(),
        crate::time::deadlines::DeadlineRules::defaults(),
    );
    let v = history::load_lifecycle(&db, id).expect("loads");
    crate::desk::actions::apply(
        &db,
        id,
        v.version,
        Action::Urge {
            note: "请加快办理".into(),
        },
        &Actor::bureau(),
        &crate::desk::actions::TimeRules {
            calendar: &calendar,
            deadlines: &deadlines,
        },
        t(RECEIVED),
    )
    .expect("urges");
    let notices = reminder_rows::urge_notices(&db, id).expect("notices");
    assert_eq!(notices.len(), 1);
    assert_eq!(notices[0].level, UrgeLevel::Urge);
    assert_eq!(notices[0].acknowledged_at, None);
}

#[test]
fn the_shipped_scan_rules_are_valid_and_bad_ones_refused() {
    let r = ScanRules::defaults();
    assert_eq!((r.warning_working_days, r.stuck_after_minutes), (1, 5));
    assert!(ScanRules::from_json(
        r#"{"warning_working_days": 1, "stuck_after_minutes": 5, "batch": 0}"#
    )
    .is_err());
    assert!(ScanRules::from_json(
        r#"{"warning_working_days": 31, "stuck_after_minutes": 5, "batch": 10}"#
    )
    .is_err());
}

#[test]
fn only_the_unit_urged_acknowledges_its_notice_and_once() {
    use crate::access::Principal;
    use crate::oversight::reminder_rows;
    let db = seeded_db();
    let id = routed_lamp(&db, 1, "hotline_web");
    scan_at(&db, "2025-10-22T00:00:00+08:00");
    let notice = reminder_rows::urge_notices(&db, id).expect("notices")[0].id;
    let who = |role, unit: Option<&str>| Principal {
        subject: "someone".into(),
        role,
        unit: unit.map(|u| u.parse().expect("unit")),
        leader: false,
    };
    let ack = |p: &Principal, at: &str| acknowledge(&db, notice, p, t(at));
    assert_eq!(
        ack(
            &who(crate::case::words::Role::Bureau, None),
            "2025-10-22T09:00:00+08:00"
        ),
        Err(AckError::NotYours)
    );
    assert_eq!(
        ack(
            &who(crate::case::words::Role::Unit, Some("qibin-water")),
            "2025-10-22T09:00:00+08:00"
        ),
        Err(AckError::NotYours)
    );
    let urban = who(crate::case::words::Role::Unit, Some("qibin-urban"));
    let first = ack(&urban, "2025-10-22T09:00:00+08:00").expect("acknowledged");
    let again = ack(&urban, "2025-10-23T09:00:00+08:00").expect("acknowledged");
    assert_eq!(
        again.acknowledged_at.map(clock::format).as_deref(),
        Some("2025-10-22T09:00:00+08:00")
    );
    assert_eq!(first, again);
    assert_eq!(
        acknowledge(&db, 999, &urban, t(RECEIVED)),
        Err(AckError::NotFound(999))
    );
}

fn scan_with(db: &NativeDb, rules: &Rules, at: &str) -> ScanReport {
    scan(db, rules, t(at).with_timezone(&Utc)).expect("scans")
}

#[test]
fn a_backlog_larger_than_the_batch_is_worked_off_scan_by_scan() {
    let db = seeded_db();
    for n in 1..=3 {
        routed_lamp(&db, n, "hotline_web");
    }
    // A county reading one due deadline a scan.
    crate::county::families::set(
        &db,
        crate::base::rules::Family::Reminder,
        "",
        r#"{"warning_working_days": 0, "stuck_after_minutes": 5, "batch": 1}"#,
        "test.admin",
        t(RECEIVED),
    )
    .expect("set");
    let rules = Rules::current(&db, &crate::base::rules::NoCache).expect("rules");
    let at = "2025-10-23T09:00:00+08:00";
    for _ in 0..3 {
        assert_eq!(counts(&scan_with(&db, &rules, at)), (1, 0, 1, 0));
    }
    assert_eq!(counts(&scan_with(&db, &rules, at)), (0, 0, 0, 0));
}

#[test]
fn the_contact_milestone_is_not_chased_until_contact_can_be_recorded() {
    let db = seeded_db();
    let id = routed_lamp(&db, 1, "online_platform");
    // Contact was due 9 October, the finish 14 October.
    assert_eq!(
        counts(&scan_at(&db, "2025-10-10T09:00:00+08:00")),
        (0, 0, 0, 0)
    );
    assert_eq!(
        counts(&scan_at(&db, "2025-10-15T09:00:00+08:00")),
        (1, 0, 1, 0)
    );
    let milestones: Vec<Option<crate::time::deadlines::Milestone>> =
        reminder_rows::urge_notices(&db, id)
            .expect("notices")
            .iter()
            .map(|n| n.milestone)
            .collect();
    assert_eq!(
        milestones,
        vec![Some(crate::time::deadlines::Milestone::Finish)]
    );
}

#[test]
fn a_late_hall_case_gets_an_owner_in_the_halls_supervision_section() {
    let db = seeded_db();
    let body = serde_json::json!({
        "channel": "service_hall", "kind": "complaint", "form": "written", "title": "路灯不亮",
        "content": "九州路路灯已坏一周，请尽快维修。", "county": "410611000",
        "submitter": {"type": "individual", "name": "张三", "phone": "13812345601"}
    });
    let hall = store_case(&db, 1, body, RECEIVED);
    through_the_stages(&db, hall, RECEIVED);
    let phone = routed_lamp(&db, 2, "hotline_web");
    // The hall's complaint: 5 working days, due 14 October.
    assert_eq!(counts(&scan_at(&db, "2025-10-15T09:00:00+08:00")).0, 1);
    let owners = |id| -> Vec<(UrgeLevel, Option<String>)> {
        reminder_rows::urge_notices(&db, id)
            .expect("notices")
            .into_iter()
            .map(|n| (n.level, n.owner))
            .collect()
    };
    assert_eq!(
        owners(hall),
        vec![(UrgeLevel::Overdue, Some("服务大厅督查科".to_string()))]
    );
    // A hotline case late on 22 October has no hall owner.
    scan_at(&db, "2025-10-22T09:00:00+08:00");
    assert_eq!(owners(phone), vec![(UrgeLevel::Overdue, None)]);
}

#[test]
fn a_proposal_nobody_decided_by_the_next_working_day_is_urged_to_the_bureau_once() {
    let db = seeded_db();
    let id = case(
        &db,
        1,
        "撤销判决",
        "法院判决不公，请撤销法院判决，重新审理。",
        RECEIVED,
    );
    through_the_stages(&db, id, RECEIVED);
    assert_eq!(status(&db, id), Status::Screening);
    // Received Tuesday 30 September: decided by 9 October (the holiday).
    assert_eq!(counts(&scan_at(&db, "2025-10-09T20:00:00+08:00")).0, 0);
    assert_eq!(
        counts(&scan_at(&db, "2025-10-10T09:00:00+08:00")),
        (1, 0, 1, 0)
    );
    assert_eq!(
        counts(&scan_at(&db, "2025-10-10T10:00:00+08:00")),
        (0, 0, 0, 0)
    );
    let notices = reminder_rows::urge_notices(&db, id).expect("notices");
    assert_eq!(notices.len(), 1);
    assert_eq!(
        (notices[0].unit.as_str(), notices[0].milestone),
        ("bureau", Some(Milestone::Decision))
    );
}
