//! The case file through a whole handling: deadlines kept and superseded,
//! who did what, the reply and both QC rounds.

use super::*;
use crate::base::test_support::{migrated_db, store_case, t};
use crate::desk::actions::{apply, TimeRules};
use crate::lifecycle::history;
use crate::lifecycle::{Action, Actor};
use crate::time::calendar::Calendar;
use crate::time::deadline_rows;
use crate::time::deadlines::DeadlineRules;

fn unit(s: &str) -> UnitId {
    s.parse().expect("unit")
}

fn person(role: Role, unit_id: Option<&str>, subject: &str) -> Actor {
    Actor {
        role,
        unit: unit_id.map(unit),
        subject: subject.into(),
        leader: false,
    }
}

#[test]
fn a_reply_failed_then_passed_keeps_both_rounds_every_deadline_and_who_did_what() {
    let db = migrated_db();
    crate::base::test_support::seed_demo(&db);
    let body = serde_json::json!({
        "channel": "hotline_web", "kind": "complaint", "title": "噪音扰民",
        "content": "工地夜间施工噪音扰民，请处理。", "county": "410611000",
        "submitter": {"type": "individual", "name": "张三", "phone": "13812345678"}
    });
    // Tuesday 30 September 2025, before the National Day holiday.
    let case = store_case(&db, 1, body, "2025-09-30T10:00:00+08:00");
    let (calendar, deadlines) = (Calendar::official(), DeadlineRules::defaults());
    let rules = TimeRules {
        calendar: &calendar,
        deadlines: &deadlines,
    };
    let bureau = person(Role::Bureau, None, "zhang.wei");
    let clerk = person(Role::Unit, Some("qibin-environment"), "li.clerk");
    let leader = Actor {
        leader: true,
        ..person(Role::Unit, Some("qibin-environment"), "wang.juzhang")
    };
    let mut version = history::load_lifecycle(&db, case).expect("loads").version;
    let mut act = |action: Action, who: &Actor, at: &str| {
        version = apply(&db, case, version, action, who, &rules, t(at))
            .expect("legal")
            .1;
    };
    act(
        Action::Accept {
            rule: "accepted".into(),
            flags: vec![],
        },
        &Actor::stage("screening"),
        "2025-09-30T10:00:01+08:00",
    );
    act(
        Action::Route {
            lead: unit("qibin-environment"),
            co_units: vec![],
        },
        &bureau,
        "2025-09-30T10:05:00+08:00",
    );
    let draft = |text: &str| Action::DraftReply {
        text: text.into(),
        adoption: None,
        adoption_reason: None,
        written_reply: None,
    };
    let review = || Action::LeaderReview {
        approved: true,
        note: String::new(),
    };
    act(draft("已责令停工"), &clerk, "2025-10-09T09:00:00+08:00");
    act(review(), &leader, "2025-10-09T10:00:00+08:00");
    act(
        Action::QcFail {
            reasons: "未说明处罚依据".into(),
        },
        &bureau,
        "2025-10-09T15:00:00+08:00",
    );
    act(
        draft("已责令停工并依法处罚"),
        &clerk,
        "2025-10-10T09:00:00+08:00",
    );
    act(review(), &leader, "2025-10-10T10:00:00+08:00");
    act(Action::QcPass {}, &bureau, "2025-10-10T11:00:00+08:00");

    let now = t("2025-10-20T12:00:00+08:00").with_timezone(&Utc);
    let file = case_file(&db, case, &bureau, now).expect("reads");
    assert_eq!(
        file.allowed_actions,
        vec![ActionKind::FollowUp, ActionKind::RequestReview]
    );

    // Hotline transfer: 10 working days from 30 September skip the holiday
    // (1–8 October) and count the make-up Saturday 11 October: 21 October.
    // The failed QC set a new limit of 5 working days from 9 October, the
    // make-up Saturday counted again: 15 October, met when the reply passed
    // on 10 October.
    let finish: Vec<(NaiveDate, bool, bool, Option<String>)> = file
        .deadlines
        .iter()
        .map(|d| (d.due, d.superseded, d.overdue, d.met_at.map(clock::format)))
        .collect();
    let date = |s: &str| s.parse::<NaiveDate>().expect("date");
    assert_eq!(
        finish,
        vec![
            (date("2025-10-21"), true, false, None),
            (
                date("2025-10-15"),
                false,
                false,
                Some("2025-10-10T11:00:00+08:00".into())
            ),
        ]
    );

    let reply = file.reply.expect("a reply");
    assert_eq!(
        (reply.round, reply.text.as_str()),
        (2, "已责令停工并依法处罚")
    );
    assert_eq!(
        reply.released_at.map(clock::format).as_deref(),
        Some("2025-10-10T11:00:00+08:00")
    );
    assert_eq!(
        reply.leader_review.map(|r| r.leader),
        Some("wang.juzhang".into())
    );
    let rounds: Vec<(u32, bool)> = file.qc_rounds.iter().map(|q| (q.round, q.passed)).collect();
    assert_eq!(rounds, vec![(1, false), (2, true)]);
    assert_eq!(file.qc_rounds[0].reasons.as_deref(), Some("未说明处罚依据"));

    let routed = file
        .events
        .iter()
        .find(|e| e.event == "routed")
        .expect("routed");
    assert_eq!(routed.actor.subject.as_deref(), Some("zhang.wei"));
    assert_eq!(routed.action, Some(ActionKind::Route));
    assert_eq!(routed.article, "Art. 3, Art. 6");
    assert_eq!(routed.details["lead"], "qibin-environment");
    assert!(routed.details.get("type").is_none());
    let drafted = file
        .events
        .iter()
        .find(|e| e.event == "reply_drafted")
        .expect("drafted");
    assert_eq!(
        (
            drafted.actor.subject.as_deref(),
            drafted.actor.unit.as_ref()
        ),
        (Some("li.clerk"), Some(&unit("qibin-environment")))
    );
    assert_eq!(
        file.events[0].actor.subject.as_deref(),
        Some("stage:screening")
    );
    assert_eq!(file.rejection, None);
}

#[test]
fn a_running_deadline_past_due_is_overdue_and_one_met_late_stays_overdue() {
    let d = StoredDeadline {
        id: 1,
        case_id: CaseId::new(1).expect("id"),
        milestone: Milestone::Finish,
        due_date: "2025-10-16".parse().expect("date"),
        due_at: t("2025-10-16T23:59:59+08:00"),
        verified: true,
        reason: deadline_rows::DeadlineReason::Routed,
        active: true,
        met: false,
        met_at: None,
    };
    let at = |s: &str| t(s).with_timezone(&Utc);
    assert!(!DeadlineState::of(&d, at("2025-10-16T23:00:00+08:00")).overdue);
    assert!(DeadlineState::of(&d, at("2025-10-17T00:00:00+08:00")).overdue);
    let late = StoredDeadline {
        met: true,
        met_at: Some(t("2025-10-17T09:00:00+08:00")),
        ..d.clone()
    };
    assert!(DeadlineState::of(&late, at("2025-12-01T00:00:00+08:00")).overdue);
    let superseded = StoredDeadline { active: false, ..d };
    assert!(!DeadlineState::of(&superseded, at("2025-12-01T00:00:00+08:00")).overdue);
}

#[test]
fn a_proposed_rejection_says_why_and_where_to_go_and_offers_the_bureau_both_decisions() {
    let db = migrated_db();
    let body = serde_json::json!({
        "channel": "hotline_web", "kind": "complaint", "title": "撤销判决",
        "content": "淇滨区法院判决不公，请撤销法院判决，重新审理。", "county": "410611000",
        "submitter": {"type": "individual", "name": "张三", "phone": "13812345678"}
    });
    let case = store_case(&db, 1, body, "2025-09-30T10:00:00+08:00");
    let rules = crate::base::rules::Rules::defaults();
    crate::triage::pipeline::screen_case(&db, case, &rules, t("2025-09-30T10:00:00+08:00"))
        .expect("screens");
    let file = case_file(&db, case, &Actor::bureau(), Utc::now()).expect("reads");
    let rejection = file.rejection.expect("proposed");
    assert_eq!(rejection.category, 3);
    assert!(rejection.referral.is_some_and(|r| r.contains("人民法院")));
    assert_eq!(
        file.allowed_actions,
        vec![ActionKind::ConfirmRejection, ActionKind::OverrideToAccept]
    );
    assert_eq!(
        file.deadlines[0].milestone,
        crate::time::deadlines::Milestone::Decision
    );
}
