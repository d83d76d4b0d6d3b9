//! The bureau's queues: which cases each holds, so that every status that
//! is not final waits in a list of someone who must act next (a unit's
//! inbox holds the cases it handles; the bureau's queues hold the rest).

use chrono::{DateTime, Duration, FixedOffset};

use crate::base::clock;
use crate::base::db::SqlValue;

/// A bureau queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Queue {
    /// Accepted, never sent to a unit, automatic dispatch found none: the
    /// bureau routes it.
    Triage,
    /// Accepted, returned by its unit as not theirs (退回): the bureau
    /// sends it to the right one.
    Returned,
    /// Received or accepted, no stage took it on for a few minutes.
    Stuck,
    /// Reported to the city government (呈办): the bureau records its
    /// instruction.
    Escalated,
    /// A reply waits for the bureau's check.
    Qc,
    /// Open with a deadline past due.
    Overdue,
    /// Not accepted: to confirm or override.
    Rejected,
    /// Screening proposed not to accept: a person decides.
    Screening,
    /// The submitter asked for a review.
    Review,
    /// Closed cases drawn for a follow-up call at the county's rate, not
    /// yet called (Art. 6(一).3, 6(二).3).
    FollowUp,
    /// Units that did not open their inbox on a working day (`date`).
    Unseen,
}

text_enum!(Queue {
    Triage = "triage",
    Returned = "returned",
    Stuck = "stuck",
    Escalated = "escalated",
    Qc = "qc",
    Overdue = "overdue",
    Rejected = "rejected",
    Screening = "screening",
    Review = "review",
    FollowUp = "follow_up",
    Unseen = "unseen",
});

/// The condition on `cases c` of a queue at `at`, with its parameters.
pub(crate) fn clause(
    queue: Queue,
    at: DateTime<FixedOffset>,
    stuck_after: Duration,
) -> (&'static str, Vec<SqlValue>) {
    match queue {
        Queue::Triage => (
            "c.status = 'accepted' AND c.lead_unit IS NULL AND c.routed_before = 0
             AND c.dispatch_tried_at IS NOT NULL",
            vec![],
        ),
        // A unit's return clears the lead and keeps `routed_before`.
        Queue::Returned => (
            "c.status = 'accepted' AND c.lead_unit IS NULL AND c.routed_before = 1",
            vec![],
        ),
        Queue::Stuck => (
            "c.routed_before = 0 AND c.dispatch_tried_at IS NULL AND c.status IN ('received', 'accepted')
             AND c.received_at < ? AND (c.mode IS NULL OR c.mode NOT IN ('immediate', 'direct'))",
            vec![clock::format(at - stuck_after).into()],
        ),
        Queue::Escalated => ("c.status = 'escalated'", vec![]),
        Queue::Qc => ("c.status = 'awaiting_qc'", vec![]),
        Queue::Overdue => (
            "c.status NOT IN ('closed', 'rejected') AND EXISTS (SELECT 1 FROM case_deadlines d
               WHERE d.case_id = c.id AND d.active = 1 AND d.met_at IS NULL
                 AND d.milestone != 'contact' AND d.due_at < ?)",
            vec![clock::format(at).into()],
        ),
        Queue::Rejected => ("c.status = 'rejected'", vec![]),
        Queue::Screening => ("c.status = 'screening'", vec![]),
        Queue::Review => ("c.status = 'under_review'", vec![]),
        Queue::FollowUp => (
            "c.status = 'closed' AND c.closed_at IS NOT NULL AND NOT EXISTS (SELECT 1 FROM case_events e
               WHERE e.case_id = c.id AND e.type = 'followed_up')",
            vec![],
        ),
        // Not a list of cases (`inbox::unseen`).
        Queue::Unseen => ("0", vec![]),
    }
}

#[cfg(test)]
mod tests {
    //! Nothing out of sight: a case is brought to every status by real
    //! moves, and every list — each bureau queue and the lead unit's inbox —
    //! is asked whether it shows it.

    use super::*;
    use crate::access::Principal;
    use crate::base::db::NativeDb;
    use crate::base::ids::{CaseId, UnitId};
    use crate::base::rules::Rules;
    use crate::base::test_support::{migrated_db, seed_demo, store_case, t};
    use crate::case::words::{Role, Status};
    use crate::desk::actions::{apply, TimeRules};
    use crate::lifecycle::{history, Action, Actor};
    use crate::oversight::inbox::{list, Filter, Settings, DEFAULT_LIMIT};
    use crate::time::calendar::Calendar;
    use crate::time::deadlines::DeadlineRules;

    const AT: &str = "2025-09-30T10:00:00+08:00";
    const LATER: &str = "2025-09-30T11:00:00+08:00";

    fn urban() -> UnitId {
        "qibin-urban".parse().expect("unit")
    }

    fn act(db: &NativeDb, case: CaseId, action: Action, actor: &Actor) {
        let (calendar, deadlines) = (Calendar::official(), DeadlineRules::defaults());
        let version = history::load_lifecycle(db, case).expect("loads").version;
        apply(
            db,
            case,
            version,
            action,
            actor,
            &TimeRules {
                calendar: &calendar,
                deadlines: &deadlines,
            },
            t(AT),
        )
        .unwrap_or_else(|e| panic!("case {case}: {e}"));
    }

    /// A case of its own (phone number `n`) brought to a named state by
    /// the moves staff and the stages make.
    fn case_in(db: &NativeDb, n: u8, state: &str) -> CaseId {
        let (title, content) = match state {
            "screening" => ("撤销判决", "法院判决不公，请撤销法院判决，重新审理。"),
            "triage" => ("其他问题", "请问这个问题应该找哪个部门解决？"),
            _ => ("路灯不亮", "九州路路灯已坏一周，请尽快维修。"),
        };
        let body = serde_json::json!({
            "channel": "online_platform", "kind": "complaint", "title": title,
            "content": content, "county": "410611000",
            "submitter": {"type": "individual", "name": "张三",
                          "phone": format!("138123456{n:02}")}
        });
        let id = store_case(db, n, body, AT);
        if state == "received" {
            return id;
        }
        let rules = Rules::defaults();
        crate::triage::pipeline::screen_case(db, id, &rules, t(AT)).expect("screens");
        if matches!(state, "screening" | "accepted_undispatched") {
            return id;
        }
        if state == "rejected" {
            act(
                db,
                id,
                Action::OverrideToReject {
                    category: crate::lifecycle::RejectCategory::from_number(3).expect("3"),
                    reason: "应通过诉讼解决".into(),
                },
                &Actor::bureau(),
            );
            return id;
        }
        if state == "escalated" {
            act(
                db,
                id,
                Action::Escalate {
                    reason: "涉及多个部门，报请市政府".into(),
                },
                &Actor::bureau(),
            );
            return id;
        }
        crate::triage::pipeline::dispatch_case(db, id, &rules, t(AT)).expect("dispatches");
        if state == "triage" {
            return id;
        }
        let unit = Actor::unit(urban());
        let path: &[Action] = match state {
            "handling" => &[],
            "returned" => &[Action::ReturnMisrouted {
                reason: "路灯归供电公司管理".into(),
            }],
            _ => &[Action::AcceptAssignment {
                note: String::new(),
            }],
        };
        for a in path {
            act(db, id, a.clone(), &unit);
        }
        if matches!(state, "handling" | "returned" | "assigned") {
            return id;
        }
        act(
            db,
            id,
            Action::DraftReply {
                text: "已安排维修，路灯于10月8日恢复。".into(),
                adoption: None,
                adoption_reason: None,
                written_reply: None,
            },
            &unit,
        );
        if state == "reply_drafted" {
            return id;
        }
        act(
            db,
            id,
            Action::LeaderReview {
                approved: true,
                note: "同意".into(),
                text: None,
            },
            &Actor::unit_leader(urban()),
        );
        if state == "awaiting_qc" {
            return id;
        }
        act(db, id, Action::QcPass {}, &Actor::bureau());
        if state == "closed" {
            return id;
        }
        act(
            db,
            id,
            Action::RequestReview {
                reason: "诉求人对答复不满意".into(),
            },
            &Actor::bureau(),
        );
        id
    }

    fn principal(role: Role, unit: Option<UnitId>) -> Principal {
        Principal {
            subject: "someone".into(),
            name: "测试人员".into(),
            role,
            unit,
            leader: false,
        }
    }

    /// Every list that shows `case` an hour after it came in.
    fn lists_showing(db: &NativeDb, case: CaseId) -> Vec<String> {
        let settings = Settings {
            stuck_after: Duration::minutes(5),
            follow_up_rate: 1.0,
        };
        let now = t(LATER).with_timezone(&chrono::Utc);
        let shows = |who: &Principal, queue: Option<Queue>| {
            let filter = Filter {
                queue,
                limit: DEFAULT_LIMIT,
                ..Filter::default()
            };
            list(db, who, &filter, &settings, now)
                .expect("lists")
                .cases
                .iter()
                .any(|c| c.case_id == case)
        };
        let bureau = principal(Role::Bureau, None);
        let mut found: Vec<String> = Queue::ALL
            .iter()
            .filter_map(|q| q.parse::<Queue>().ok())
            .filter(|q| *q != Queue::Unseen && shows(&bureau, Some(*q)))
            .map(|q| q.as_str().to_string())
            .collect();
        if shows(&principal(Role::Unit, Some(urban())), None) {
            found.push("unit inbox".into());
        }
        found
    }

    #[test]
    fn every_status_that_is_not_final_waits_in_a_list_of_whoever_acts_next() {
        let db = migrated_db();
        seed_demo(&db);
        let cases: Vec<(&str, CaseId)> = [
            "received",
            "screening",
            "accepted_undispatched",
            "triage",
            "returned",
            "escalated",
            "handling",
            "assigned",
            "reply_drafted",
            "awaiting_qc",
            "closed",
            "rejected",
            "under_review",
        ]
        .iter()
        .zip(1u8..)
        .map(|(state, n)| (*state, case_in(&db, n, state)))
        .collect();
        let mut reached = Vec::new();
        for (state, case) in &cases {
            let status = history::load_lifecycle(&db, *case)
                .expect("loads")
                .lifecycle
                .status;
            reached.push(status);
            let shown = lists_showing(&db, *case);
            let expected: &[&str] = match *state {
                "received" | "accepted_undispatched" => &["stuck"],
                "screening" => &["screening"],
                "triage" => &["triage"],
                "returned" => &["returned"],
                "escalated" => &["escalated"],
                "handling" | "assigned" | "reply_drafted" => &["unit inbox"],
                "awaiting_qc" => &["qc", "unit inbox"],
                "closed" => &["follow_up"],
                "rejected" => &["rejected"],
                // The bureau decides; the unit still sees its case.
                "under_review" => &["review", "unit inbox"],
                other => panic!("no expectation for {other}"),
            };
            assert_eq!(shown, expected, "{state} (status {status:?})");
        }
        // The returned case says who returned it and why.
        let returned = cases
            .iter()
            .find(|(s, _)| *s == "returned")
            .expect("returned")
            .1;
        let page = list(
            &db,
            &principal(Role::Bureau, None),
            &Filter {
                queue: Some(Queue::Returned),
                limit: DEFAULT_LIMIT,
                ..Filter::default()
            },
            &Settings {
                stuck_after: Duration::minutes(5),
                follow_up_rate: 1.0,
            },
            t(LATER).with_timezone(&chrono::Utc),
        )
        .expect("lists");
        let by = page.cases[0].returned.as_ref().expect("who returned it");
        assert_eq!(
            (
                page.cases[0].case_id,
                by.unit.as_str(),
                by.unit_name.as_deref(),
                by.reason.as_str()
            ),
            (
                returned,
                "qibin-urban",
                Some("淇滨区城市管理局"),
                "路灯归供电公司管理"
            )
        );
        // Every status was reached, and every one that is not final is in
        // at least one list.
        for status in Status::ALL
            .iter()
            .map(|s| s.parse::<Status>().expect("status"))
        {
            assert!(reached.contains(&status), "no case reached {status:?}");
        }
    }
}
