//! The submitter rates a released reply once per closure and may ask for a
//! review, which brings the case back before the bureau.

use super::*;
use crate::base::ids::CaseId;
use crate::base::test_support::{keys, migrated_db, store_case, t};
use crate::case::words::Role;
use crate::desk::actions::{apply, TimeRules};
use crate::lifecycle::history;
use crate::time::calendar::Calendar;
use crate::time::deadlines::DeadlineRules;
use serde_json::json;

fn close(db: &crate::base::db::NativeDb, case: CaseId, at: &str) {
    let (calendar, deadlines) = (Calendar::official(), DeadlineRules::defaults());
    let rules = TimeRules {
        calendar: &calendar,
        deadlines: &deadlines,
    };
    let clerk = Actor::unit("qibin-urban".parse().expect("unit"));
    let steps = [
        (
            Action::DraftReply {
                text: "已修复".into(),
                adoption: None,
                adoption_reason: None,
                written_reply: None,
            },
            clerk.clone(),
        ),
        (
            Action::LeaderReview {
                approved: true,
                note: String::new(),
            },
            Actor {
                leader: true,
                ..clerk
            },
        ),
        (Action::QcPass {}, Actor::bureau()),
    ];
    for (action, who) in steps {
        let version = history::load_lifecycle(db, case).expect("loads").version;
        apply(db, case, version, action, &who, &rules, t(at)).expect("legal");
    }
}

fn feedback(body: Value) -> Feedback {
    Feedback::parse(&body).expect("valid")
}

#[test]
fn the_submitter_rates_once_per_closure_and_a_review_brings_the_case_back() {
    let db = migrated_db();
    crate::base::test_support::seed_demo(&db);
    let body = json!({"channel": "hotline_web", "kind": "complaint", "title": "路灯不亮",
        "content": "九州路路灯已坏一周，请尽快维修。", "county": "410611000",
        "submitter": {"type": "individual", "name": "张三", "phone": "13812345678"}});
    let case = store_case(&db, 1, body, "2025-10-09T09:00:00+08:00");
    let rules = crate::base::rules::Rules::defaults();
    crate::triage::pipeline::screen_case(&db, case, &rules, t("2025-10-09T09:00:00+08:00"))
        .expect("screens");
    crate::triage::pipeline::dispatch_case(&db, case, &rules, t("2025-10-09T09:00:00+08:00"))
        .expect("routes");
    let code = TrackingCode::from_random([1; 8]);
    let at = t("2025-10-15T10:00:00+08:00");
    let dissatisfied = feedback(
        json!({"phone_last4": "5678", "satisfaction": "dissatisfied",
        "request_review": true, "reason": "路灯仍不亮"}),
    );

    // Not closed yet: nothing to rate.
    assert_eq!(
        rate(&db, &keys(), &code, &dissatisfied, at),
        Err(FeedbackError::NotClosed(Status::Handling))
    );
    close(&db, case, "2025-10-14T10:00:00+08:00");
    // The wrong phone looks like an unknown code.
    let wrong = feedback(json!({"phone_last4": "0000", "satisfaction": "satisfied"}));
    assert_eq!(
        rate(&db, &keys(), &code, &wrong, at),
        Err(FeedbackError::NotFound)
    );

    let rated = rate(&db, &keys(), &code, &dissatisfied, at).expect("rated");
    assert_eq!(
        (rated.status, rated.review_requested),
        (Status::UnderReview, true)
    );
    let events = history::events(&db, case).expect("events");
    let requested = events.last().expect("an event");
    assert_eq!(
        (
            requested.kind.as_str(),
            requested.actor_role,
            requested.actor_subject.as_deref()
        ),
        ("review_requested", Role::Citizen, Some("citizen"))
    );

    // The bureau returns it; the unit replies again; closed a second time.
    let (calendar, deadlines) = (Calendar::official(), DeadlineRules::defaults());
    let version = history::load_lifecycle(&db, case).expect("loads").version;
    apply(
        &db,
        case,
        version,
        Action::ReturnOnReview {
            reason: "需重新维修".into(),
        },
        &Actor::bureau(),
        &TimeRules {
            calendar: &calendar,
            deadlines: &deadlines,
        },
        at,
    )
    .expect("returned");
    close(&db, case, "2025-10-16T10:00:00+08:00");
    let satisfied = feedback(json!({"phone_last4": "5678", "satisfaction": "satisfied"}));
    let later = t("2025-10-17T10:00:00+08:00");
    assert_eq!(
        rate(&db, &keys(), &code, &satisfied, later).map(|r| r.status),
        Ok(Status::Closed)
    );
    assert_eq!(
        rate(&db, &keys(), &code, &satisfied, later),
        Err(FeedbackError::AlreadyRated)
    );
    let rows = db
        .execute(
            "SELECT closure, satisfaction FROM citizen_feedback ORDER BY id",
            &[],
        )
        .expect("rows");
    let got: Vec<(i64, String)> = rows
        .iter()
        .map(|r| {
            (
                r.integer("closure").expect("closure"),
                r.text("satisfaction").expect("text").to_string(),
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            (1, "dissatisfied".to_string()),
            (2, "satisfied".to_string())
        ]
    );
}

#[test]
fn a_review_needs_a_reason_and_a_rating_is_one_of_three() {
    let errs = |body: Value| -> Vec<(String, &'static str)> {
        Feedback::parse(&body)
            .unwrap_err()
            .into_iter()
            .map(|e| (e.field, e.code))
            .collect()
    };
    assert_eq!(
        errs(json!({"phone_last4": "5678", "satisfaction": "satisfied", "request_review": true})),
        vec![("reason".to_string(), "missing")]
    );
    assert_eq!(
        errs(
            json!({"phone_last4": "5678", "satisfaction": "satisfied", "request_review": true,
            "reason": " "})
        ),
        vec![("reason".to_string(), "invalid")]
    );
    assert_eq!(
        errs(json!({"phone_last4": "56", "satisfaction": "unreachable"})),
        vec![
            ("phone_last4".to_string(), "invalid"),
            ("satisfaction".to_string(), "unknown_value")
        ]
    );
}

#[test]
fn a_case_answered_at_once_has_no_released_reply_to_rate() {
    let db = migrated_db();
    let body = json!({"channel": "hotline_phone", "kind": "consultation", "title": "社保咨询",
        "content": "请问社保卡在哪里办理？", "county": "410611000", "mode": "immediate",
        "answer": "请到区政务服务中心社保窗口办理。",
        "submitter": {"type": "individual", "name": "张三", "phone": "13812345678"}});
    let case = store_case(&db, 1, body.clone(), "2025-10-09T09:00:00+08:00");
    let new = crate::case::intake::NewCase::parse(&body).expect("valid");
    crate::triage::pipeline::answer_at_intake(
        &db,
        case,
        &new,
        &Actor::agent(),
        t("2025-10-09T09:00:00+08:00"),
    )
    .expect("answered");
    let code = TrackingCode::from_random([1; 8]);
    let rating = feedback(json!({"phone_last4": "5678", "satisfaction": "satisfied"}));
    assert_eq!(
        rate(&db, &keys(), &code, &rating, t("2025-10-09T10:00:00+08:00")),
        Err(FeedbackError::NoReleasedReply)
    );
}
