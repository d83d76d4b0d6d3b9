//! The case as staff need it to work it: every deadline with its state
//! (earlier ones kept, marked superseded), the history of moves (who — the
//! token's subject, role, unit — when, which action, the article, the
//! details), the current reply with its leader review and release, and the
//! quality-check rounds. Read from the store, decided here.

use std::collections::BTreeMap;

use chrono::{DateTime, FixedOffset, NaiveDate, Utc};
use serde::Serialize;

use crate::base::clock;
use crate::base::db::Db;
use crate::base::ids::CaseId;
use crate::base::ids::UnitId;
use crate::case::stored::StoreError;
use crate::case::words::Role;
use crate::lifecycle::history;
use crate::lifecycle::history::StoredEvent;
use crate::lifecycle::{allowed_actions, ActionKind, Actor, Event};
use crate::oversight::reminder_rows;
use crate::oversight::reminder_rows::UrgeNotice;
use crate::record::cases;
use crate::record::cases::PublicRejection;
use crate::time::deadline_rows;
use crate::time::deadline_rows::StoredDeadline;
use crate::time::deadlines::Milestone;

/// One deadline and where it stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DeadlineState {
    /// What it is for.
    pub milestone: Milestone,
    /// The last day, China time.
    pub due: NaiveDate,
    /// The end of that day.
    #[serde(serialize_with = "clock::serialize")]
    pub due_at: DateTime<FixedOffset>,
    /// When it was met, if it was.
    #[serde(serialize_with = "clock::serialize_opt")]
    pub met_at: Option<DateTime<FixedOffset>>,
    /// Running and not met in time: past due now, or met after it.
    pub overdue: bool,
    /// Whether every day counted came from a loaded calendar notice.
    pub verified: bool,
    /// Replaced by a later deadline of the same milestone (kept on record).
    pub superseded: bool,
}

impl DeadlineState {
    /// A stored deadline's state at `now`.
    pub fn of(d: &StoredDeadline, now: DateTime<Utc>) -> Self {
        let superseded = !d.active;
        let reached = d.met_at.map(|m| m.with_timezone(&Utc)).unwrap_or(now);
        Self {
            milestone: d.milestone,
            due: d.due_date,
            due_at: d.due_at,
            met_at: d.met_at,
            overdue: !superseded && reached > d.due_at.with_timezone(&Utc),
            verified: d.verified,
            superseded,
        }
    }
}

/// Who made a move.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Who {
    /// The person's id in the staff directory, or the stage acting for
    /// the bureau.
    pub subject: Option<String>,
    /// The person's name as it was then (none for a stage).
    pub name: Option<String>,
    /// Their role.
    pub role: Role,
    /// Their unit, for unit staff.
    pub unit: Option<UnitId>,
    /// That unit's name in the directory.
    pub unit_name: Option<String>,
}

/// One recorded event of a move.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HistoryEntry {
    /// When, China time.
    #[serde(serialize_with = "clock::serialize")]
    pub at: DateTime<FixedOffset>,
    /// Who.
    pub actor: Who,
    /// The action that made the move.
    pub action: Option<ActionKind>,
    /// What was recorded (`routed`, `qc_failed`, ...).
    pub event: String,
    /// The articles that allowed it.
    pub article: String,
    /// The same in Chinese (`第四条、第五条`).
    pub article_name: String,
    /// The event's fields.
    pub details: serde_json::Value,
}

impl From<StoredEvent> for HistoryEntry {
    fn from(e: StoredEvent) -> Self {
        let mut details = e.data;
        if let Some(fields) = details.as_object_mut() {
            fields.remove("type");
        }
        Self {
            at: e.at,
            actor: Who {
                subject: e.actor_subject,
                name: e.actor_name,
                role: e.actor_role,
                unit: e.actor_unit,
                unit_name: None,
            },
            action: e.action,
            event: e.kind,
            article_name: crate::lifecycle::cited_in_chinese(&e.article),
            article: e.article,
            details,
        }
    }
}

/// The unit leader's review of a draft.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LeaderReview {
    /// The reviewing leader.
    pub leader: String,
    /// Their name as it was then.
    pub leader_name: Option<String>,
    /// Whether the draft went on to QC.
    pub approved: bool,
    /// The leader's note.
    pub note: String,
    /// The draft as the leader corrected it, if they did (approved, it is
    /// the reply's text; sent back, what the clerk redoes from).
    pub edited_text: Option<String>,
    /// When.
    #[serde(serialize_with = "clock::serialize")]
    pub at: DateTime<FixedOffset>,
}

/// The reply of the current round.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Reply {
    /// The reply round.
    pub round: u32,
    /// The reply's text: the draft, or the leader's correction of it once
    /// approved.
    pub text: String,
    /// The clerk's own draft, where the leader corrected it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub drafted_text: Option<String>,
    /// For a suggestion: whether it is taken up, and why not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub adoption: Option<crate::lifecycle::Adoption>,
    /// Why a suggestion is not (wholly) taken up.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub adoption_reason: Option<String>,
    /// Whether the reply is issued in writing.
    pub written_reply: bool,
    /// When it was drafted.
    #[serde(serialize_with = "clock::serialize")]
    pub drafted_at: DateTime<FixedOffset>,
    /// The leader's review, once given.
    pub leader_review: Option<LeaderReview>,
    /// When the bureau's check released it to the submitter.
    #[serde(serialize_with = "clock::serialize_opt")]
    pub released_at: Option<DateTime<FixedOffset>>,
}

/// One quality check of a reply.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct QcRound {
    /// The reply round checked.
    pub round: u32,
    /// Whether it passed.
    pub passed: bool,
    /// What must be redone, when it failed.
    pub reasons: Option<String>,
    /// When.
    #[serde(serialize_with = "clock::serialize")]
    pub at: DateTime<FixedOffset>,
}

/// Everything staff need to work a case, beside its view.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CaseFile {
    /// What the reader may do to the case now (the staff actions the table
    /// of moves allows them).
    pub allowed_actions: Vec<ActionKind>,
    /// Every deadline, oldest first.
    pub deadlines: Vec<DeadlineState>,
    /// Every recorded move, oldest first.
    pub events: Vec<HistoryEntry>,
    /// The current round's reply, once drafted.
    pub reply: Option<Reply>,
    /// Every quality check, oldest first.
    pub qc_rounds: Vec<QcRound>,
    /// Why the case is not accepted, while it is rejected.
    pub rejection: Option<PublicRejection>,
    /// Every urge notice (催办单) and warning the case had, oldest first.
    pub urge_notices: Vec<UrgeNotice>,
    /// The submitter's own ratings of the released replies (诉求人评价),
    /// with what they said, oldest first.
    pub ratings: Vec<crate::desk::feedback::CitizenRating>,
    /// The directory's name of every unit the case's history names (who
    /// acted, and the units its moves name), by id.
    pub unit_names: BTreeMap<String, String>,
}

/// The reply and the QC rounds, as the events record them.
fn replies(events: &[StoredEvent]) -> (Option<Reply>, Vec<QcRound>) {
    let mut reply: Option<Reply> = None;
    let mut rounds = Vec::new();
    for e in events {
        let Ok(event) = serde_json::from_value::<Event>(e.data.clone()) else {
            continue;
        };
        match event {
            Event::ReplyDrafted {
                round,
                text,
                adoption,
                adoption_reason,
                written_reply,
            } => {
                reply = Some(Reply {
                    round,
                    text,
                    drafted_text: None,
                    adoption,
                    adoption_reason,
                    written_reply,
                    drafted_at: e.at,
                    leader_review: None,
                    released_at: None,
                })
            }
            Event::LeaderReviewed {
                round,
                leader,
                approved,
                note,
                edited_text,
            } => {
                if let Some(r) = reply.as_mut().filter(|r| r.round == round) {
                    if let Some(edited) = edited_text.clone().filter(|_| approved) {
                        r.drafted_text = Some(std::mem::replace(&mut r.text, edited));
                    }
                    r.leader_review = Some(LeaderReview {
                        leader,
                        leader_name: e.actor_name.clone(),
                        approved,
                        note,
                        edited_text,
                        at: e.at,
                    });
                }
            }
            Event::QcPassed { round } => {
                if let Some(r) = reply.as_mut().filter(|r| r.round == round) {
                    r.released_at = Some(e.at);
                }
                rounds.push(QcRound {
                    round,
                    passed: true,
                    reasons: None,
                    at: e.at,
                });
            }
            Event::QcFailed { round, reasons } => rounds.push(QcRound {
                round,
                passed: false,
                reasons: Some(reasons),
                at: e.at,
            }),
            _ => {}
        }
    }
    (reply, rounds)
}

/// The case file of `case` as `reader` sees it at `now`, where the county
/// does or does not ask its units to sign for a case first (`sign_first`).
pub fn case_file(
    db: &impl Db,
    case: CaseId,
    reader: &Actor,
    sign_first: bool,
    now: DateTime<Utc>,
) -> Result<CaseFile, StoreError> {
    let mut lifecycle = history::load_lifecycle(db, case)?.lifecycle;
    lifecycle.sign_first = sign_first;
    let deadlines = deadline_rows::deadline_history(db, case)?
        .iter()
        .map(|d| DeadlineState::of(d, now))
        .collect();
    let stored = history::events(db, case)?;
    let (reply, qc_rounds) = replies(&stored);
    let unit_names = unit_names(db, &stored)?;
    let events = stored
        .into_iter()
        .map(HistoryEntry::from)
        .map(|mut e| {
            e.actor.unit_name = e
                .actor
                .unit
                .as_ref()
                .and_then(|u| unit_names.get(u.as_str()).cloned());
            e
        })
        .collect();
    Ok(CaseFile {
        allowed_actions: allowed_actions(&lifecycle, reader),
        deadlines,
        events,
        reply,
        qc_rounds,
        rejection: lifecycle
            .rejection
            .map(|category| cases::rejection_of(db, case, category))
            .transpose()?,
        urge_notices: reminder_rows::urge_notices(db, case)?,
        ratings: crate::desk::feedback::ratings(db, case)?,
        unit_names,
    })
}

/// The names of the units `events` name: who acted, and every unit a
/// move names (`unit`, `lead`, `from`, `co_units`).
fn unit_names(
    db: &impl Db,
    events: &[StoredEvent],
) -> Result<BTreeMap<String, String>, StoreError> {
    let mut ids: Vec<&str> = Vec::new();
    for e in events {
        ids.extend(e.actor_unit.as_ref().map(|u| u.as_str()));
        for key in ["unit", "lead", "from"] {
            ids.extend(e.data.get(key).and_then(|v| v.as_str()));
        }
        if let Some(list) = e.data.get("co_units").and_then(|v| v.as_array()) {
            ids.extend(list.iter().filter_map(|v| v.as_str()));
        }
    }
    crate::directory::unit_rows::names(db, ids)
}

#[cfg(test)]
mod tests {
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
            name: None,
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
        act(
            Action::AcceptAssignment {
                note: String::new(),
            },
            &clerk,
            "2025-09-30T10:06:00+08:00",
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
            text: None,
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
        // The leader corrects the redone draft as they approve it.
        act(
            Action::LeaderReview {
                approved: true,
                note: "补上法条".into(),
                text: Some("已责令停工并依《噪声污染防治法》第八十七条处罚".into()),
            },
            &leader,
            "2025-10-10T10:00:00+08:00",
        );
        act(Action::QcPass {}, &bureau, "2025-10-10T11:00:00+08:00");

        let now = t("2025-10-20T12:00:00+08:00").with_timezone(&Utc);
        let file = case_file(&db, case, &bureau, true, now).expect("reads");
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
        // The leader's correction is the reply, the clerk's draft kept
        // beside it, the change on record as the leader's.
        assert_eq!(
            (
                reply.round,
                reply.text.as_str(),
                reply.drafted_text.as_deref()
            ),
            (
                2,
                "已责令停工并依《噪声污染防治法》第八十七条处罚",
                Some("已责令停工并依法处罚")
            )
        );
        assert_eq!(
            cases::released_reply(&db, case)
                .expect("reads")
                .map(|r| r.text),
            Some("已责令停工并依《噪声污染防治法》第八十七条处罚".to_string()),
            "what the submitter is given"
        );
        let edit = file
            .events
            .iter()
            .find(|e| e.event == "leader_reviewed" && e.details.get("edited_text").is_some())
            .expect("the edit on record");
        assert_eq!(edit.actor.subject.as_deref(), Some("wang.juzhang"));
        // Names and articles as a Chinese reader reads them.
        assert_eq!(
            edit.actor.unit_name.as_deref(),
            Some("鹤壁市生态环境局淇滨分局")
        );
        assert_eq!(edit.article_name, "第六条第（一）项第2目");
        assert_eq!(
            file.unit_names.get("qibin-environment").map(String::as_str),
            Some("鹤壁市生态环境局淇滨分局"),
            "the unit the routing names"
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
        let file = case_file(&db, case, &Actor::bureau(), true, Utc::now()).expect("reads");
        let rejection = file.rejection.expect("proposed");
        assert_eq!(rejection.category, 3);
        assert!(rejection.referral.is_some_and(|r| r.contains("人民法院")));
        assert_eq!(
            file.allowed_actions,
            vec![
                ActionKind::ConfirmRejection,
                ActionKind::OverrideToAccept,
                ActionKind::AddToCase
            ]
        );
        assert_eq!(
            file.deadlines[0].milestone,
            crate::time::deadlines::Milestone::Decision
        );
    }
}
