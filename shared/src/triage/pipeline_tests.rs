//! Screening and dispatch against real SQLite.

use super::*;
use crate::base::db::NativeDb;
use crate::base::ids::TrackingCode;
use crate::base::test_support::{migrated_db as db, store_case, t};
use crate::directory::unit_rows;
use crate::directory::units::Unit;
use crate::lifecycle::history;
use crate::record::cases;
use crate::time::deadline_rows;

fn submit(
    db: &NativeDb,
    n: u8,
    county: &str,
    phone: &str,
    title: &str,
    content: &str,
    at: &str,
) -> CaseId {
    let body = serde_json::json!({
        "channel": "online_platform", "kind": "complaint", "title": title, "content": content,
        "county": county, "submitter": {"type": "individual", "name": "张三", "phone": phone}
    });
    store_case(db, n, body, at)
}

fn units() -> Vec<Unit> {
    [
        ("qibin-urban", "410611000", "urban_management"),
        ("junxian-urban", "410621000", "urban_management"),
    ]
    .iter()
    .map(|(id, county, ty)| Unit {
        id: id.parse().expect("id"),
        name: id.to_string(),
        county: county.parse().expect("county"),
        unit_type: ty.to_string(),
    })
    .collect()
}

fn dispatch(db: &NativeDb, case: CaseId) -> Dispatched {
    for unit in units() {
        unit_rows::upsert_unit(db, &unit).expect("unit");
    }
    dispatch_case(db, case, &Rules::defaults(), t("2025-09-30T10:01:00+08:00")).expect("dispatches")
}

const AT: &str = "2025-09-30T10:00:00+08:00";

#[test]
fn an_accepted_case_goes_to_its_countys_unit_with_deadlines() {
    let db = db();
    let id = submit(
        &db,
        1,
        "410621000",
        "13812345678",
        "路灯不亮",
        "县城某路口路灯不亮，请尽快维修。",
        AT,
    );
    let screened = screen_case(&db, id, &Rules::defaults(), t(AT)).expect("screens");
    assert_eq!(
        screened,
        Screened::Decided {
            decision: Decision::Accept { flags: vec![] }
        }
    );
    let Dispatched::Routed { lead, due, .. } = dispatch(&db, id) else {
        panic!("expected routing")
    };
    assert_eq!(lead.as_str(), "junxian-urban");
    assert_eq!(
        due,
        vec![
            "contact: 2025-10-09T23:59:59+08:00",
            "finish: 2025-10-14T23:59:59+08:00"
        ]
    );
    let lc = history::load_lifecycle(&db, id).expect("loads");
    assert_eq!(
        (
            lc.lifecycle.status,
            lc.lifecycle.lead.map(|u| u.to_string())
        ),
        (Status::Handling, Some("junxian-urban".into()))
    );
    assert_eq!(
        deadline_rows::deadline_history(&db, id)
            .expect("history")
            .len(),
        2
    );
}

#[test]
fn a_case_for_another_channel_waits_for_a_person_with_its_referral_and_is_not_dispatched() {
    let db = db();
    let id = submit(
        &db,
        1,
        "410611000",
        "13812345678",
        "撤销判决",
        "淇滨区法院判决不公，请撤销法院判决，重新审理。",
        AT,
    );
    let Screened::Decided {
        decision: Decision::Propose(f),
    } = screen_case(&db, id, &Rules::defaults(), t(AT)).expect("screens")
    else {
        panic!("expected a proposal")
    };
    assert_eq!(f.category.number(), 3);
    assert!(f.referral.is_some());
    assert_eq!(
        dispatch(&db, id),
        Dispatched::NotWaiting {
            status: Status::Screening
        }
    );
    let events = history::events(&db, id).expect("events");
    assert_eq!(events[0].kind, "rejection_proposed");
    assert_eq!(events[0].data["rule"], "category3.litigation");
    assert_eq!(events[0].data["matched"], "撤销…判决");
    // The bureau decides by the next working day (30 September, then the
    // National Day holiday: 9 October).
    let decision: Vec<_> = deadline_rows::deadline_history(&db, id)
        .expect("history")
        .into_iter()
        .map(|d| (d.milestone.to_string(), d.due_date.to_string()))
        .collect();
    assert_eq!(
        decision,
        vec![("decision".to_string(), "2025-10-09".to_string())]
    );
}

#[test]
fn on_an_agents_channel_screening_advises_and_the_case_goes_on() {
    let db = db();
    let body = serde_json::json!({
        "channel": "hotline_phone", "kind": "complaint", "mode": "transfer", "title": "撤销判决",
        "content": "来电人要求撤销法院判决，重新审理。", "county": "410611000",
        "submitter": {"type": "individual", "name": "张三", "phone": "13812345678"}
    });
    let id = store_case(&db, 1, body, AT);
    let Screened::Decided {
        decision: Decision::Accept { flags },
    } = screen_case(&db, id, &Rules::defaults(), t(AT)).expect("screens")
    else {
        panic!("the agent decides")
    };
    assert!(
        flags[0].starts_with("advice: category3.litigation"),
        "{flags:?}"
    );
    let events = history::events(&db, id).expect("events");
    assert_eq!(
        (events[0].kind.as_str(), &events[0].data["flags"][0]),
        ("accepted", &serde_json::json!(flags[0]))
    );
}

#[test]
fn the_same_submitter_repeating_a_case_is_a_duplicate_but_another_submitter_is_not() {
    let db = db();
    let text = ("路灯不亮", "淇滨区某小区路灯已坏两周，请尽快维修。");
    let first = submit(&db, 1, "410611000", "13812345678", text.0, text.1, AT);
    screen_case(&db, first, &Rules::defaults(), t(AT)).expect("screens");
    let again = submit(
        &db,
        2,
        "410611000",
        "13812345678",
        text.0,
        text.1,
        "2025-10-02T10:00:00+08:00",
    );
    let Screened::Decided {
        decision: Decision::Reject(f),
    } = screen_case(&db, again, &Rules::defaults(), t(AT)).expect("screens")
    else {
        panic!("expected a duplicate")
    };
    assert_eq!(
        (f.rule.as_str(), f.duplicate_of),
        ("category2.duplicate", Some(first))
    );
    // Merged (并单): the repeat points to the original, whose history
    // records the repeat; the submitter is told to follow the original.
    let original_code = TrackingCode::from_random([1; 8]);
    let public = cases::find_public_status(&db, &TrackingCode::from_random([2; 8]))
        .expect("reads")
        .expect("the repeat");
    assert_eq!(public.merged_into, Some(original_code));
    let events = history::events(&db, first).expect("events");
    let merged = events.last().expect("an event");
    assert_eq!(merged.kind, "repeat_merged");
    assert_eq!(merged.data["repeat"], again.get());
    let other = submit(
        &db,
        3,
        "410611000",
        "13912345678",
        text.0,
        text.1,
        "2025-10-02T11:00:00+08:00",
    );
    assert_eq!(
        screen_case(&db, other, &Rules::defaults(), t(AT)).expect("screens"),
        Screened::Decided {
            decision: Decision::Accept { flags: vec![] }
        }
    );
}

#[test]
fn a_case_no_unit_can_take_waits_in_triage() {
    let db = db();
    let id = submit(
        &db,
        1,
        "410611000",
        "13812345678",
        "咨询",
        "请问市长信箱的地址是什么？",
        AT,
    );
    screen_case(&db, id, &Rules::defaults(), t(AT)).expect("screens");
    assert_eq!(
        dispatch(&db, id),
        Dispatched::Triage {
            reason: TriageReason::NoCompetentType
        }
    );
    assert_eq!(
        history::load_lifecycle(&db, id)
            .expect("loads")
            .lifecycle
            .status,
        Status::Accepted
    );
}

#[test]
fn running_a_step_twice_changes_nothing_the_second_time() {
    let db = db();
    let id = submit(
        &db,
        1,
        "410611000",
        "13812345678",
        "路灯不亮",
        "某路口路灯不亮，请维修。",
        AT,
    );
    screen_case(&db, id, &Rules::defaults(), t(AT)).expect("screens");
    assert_eq!(
        screen_case(&db, id, &Rules::defaults(), t(AT)).expect("screens"),
        Screened::AlreadyScreened {
            status: Status::Accepted
        }
    );
    assert!(matches!(dispatch(&db, id), Dispatched::Routed { .. }));
    assert_eq!(
        dispatch(&db, id),
        Dispatched::NotWaiting {
            status: Status::Handling
        }
    );
    assert_eq!(history::events(&db, id).expect("events").len(), 2);
    assert_eq!(
        deadline_rows::deadline_history(&db, id)
            .expect("history")
            .len(),
        2
    );
}

#[test]
fn a_hotline_case_in_escalation_mode_is_escalated_not_sent_to_a_unit() {
    let db = db();
    let body = serde_json::json!({
        "channel": "hotline_phone", "kind": "complaint", "title": "路灯不亮", "mode": "escalate",
        "content": "某路口路灯不亮，请尽快维修。", "county": "410611000",
        "submitter": {"type": "individual", "name": "张三", "phone": "13812345678"}
    });
    let id = store_case(&db, 9, body, AT);
    screen_case(&db, id, &Rules::defaults(), t(AT)).expect("screens");
    assert_eq!(dispatch(&db, id), Dispatched::Escalated);
    assert_eq!(
        history::load_lifecycle(&db, id)
            .expect("loads")
            .lifecycle
            .status,
        Status::Escalated
    );
}
