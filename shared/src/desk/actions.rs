//! Staff actions on a case, as the API takes them: parsed from JSON field
//! by field, checked against the lifecycle, and applied with what follows
//! from them (deadlines set, moved or met), under optimistic concurrency.

use chrono::{DateTime, FixedOffset, Utc};

use crate::base::db::Db;
use crate::base::ids::CaseId;
use crate::case::stored::StoreError;
use crate::case::words::HotlineMode;
pub use crate::lifecycle::parse;
use crate::lifecycle::{
    reply_requirements, transition, Action, ActionKind, Actor, Event, Transition,
};
use crate::time::calendar::Calendar;
use crate::time::deadline_rows::DeadlineReason;
use crate::time::deadlines::{deadline, extend, schedule, DeadlineRules, Milestone};

use crate::directory::unit_rows;
use crate::lifecycle::history;
use crate::oversight::reminder_rows;
use crate::time::deadline_rows;
use crate::time::working_days;
/// The same failures as screening and dispatch: one error type for every
/// move of a case.
pub use crate::triage::pipeline::PipelineError as ActionError;
use crate::triage::triage_rows;

/// What the case's deadline rules and calendar are, for the side effects.
pub struct TimeRules<'a> {
    /// The working-day calendar.
    pub calendar: &'a Calendar,
    /// The time limits.
    pub deadlines: &'a DeadlineRules,
}

/// Applies `action` by `actor` to a case read at `expected_version`, with
/// its deadline consequences, in one transaction; returns the transition
/// and the new version.
pub fn apply(
    db: &impl Db,
    case: CaseId,
    expected_version: i64,
    action: Action,
    actor: &Actor,
    rules: &TimeRules<'_>,
    at: DateTime<FixedOffset>,
) -> Result<(Transition, i64), ActionError> {
    for (field, unit) in action.named_units() {
        if !unit_rows::unit_exists(db, unit)? {
            return Err(ActionError::UnknownUnit {
                unit: unit.clone(),
                field,
            });
        }
    }
    let mut current = history::load_lifecycle(db, case)?;
    current.lifecycle.sign_first = rules.deadlines.sign_for_first;
    if current.version != expected_version {
        return Err(StoreError::Stale {
            case,
            expected: expected_version,
            actual: current.version,
        }
        .into());
    }
    if action.kind() == ActionKind::ReturnMisrouted {
        return_window(db, case, rules, at)?;
    }
    if let Action::DraftReply {
        adoption,
        adoption_reason,
        written_reply,
        ..
    } = &action
    {
        let (facts, _) = deadline_rows::case_facts(db, case)?;
        reply_requirements(
            &facts,
            *adoption,
            adoption_reason.as_deref(),
            *written_reply,
        )
        .map_err(ActionError::Fields)?;
    }
    let t = transition(&current.lifecycle, action, actor)?;
    let version = db.transaction(|db| -> Result<i64, ActionError> {
        let version = history::record_move(db, case, expected_version, &t, actor, at)?;
        let instructed = t
            .events
            .iter()
            .any(|e| matches!(e, Event::InstructionReceived { .. }));
        for event in &t.events {
            consequences(db, case, event, instructed, rules, at)?;
        }
        Ok(version)
    })?;
    Ok((t, version))
}

/// A unit returns a misrouted case only within the county's
/// `misrouted_return_days` working days of receiving it (Art. 6).
fn return_window(
    db: &impl Db,
    case: CaseId,
    rules: &TimeRules<'_>,
    at: DateTime<FixedOffset>,
) -> Result<(), ActionError> {
    let Some(routed) = history::last_routed_at(db, case)? else {
        return Ok(());
    };
    let until = rules
        .calendar
        .add_working_days(routed.date_naive(), rules.deadlines.misrouted_return_days)
        .map_err(crate::time::deadlines::DeadlineError::from)?
        .date;
    if at.date_naive() > until {
        return Err(ActionError::ReturnWindowClosed { until });
    }
    Ok(())
}

/// What one event changes beyond the lifecycle: deadlines set, moved or
/// met, urge notices written. `instructed`: the city's instruction came in
/// the same move (its routing counts from now, as a transfer).
fn consequences(
    db: &impl Db,
    case: CaseId,
    event: &Event,
    instructed: bool,
    rules: &TimeRules<'_>,
    at: DateTime<FixedOffset>,
) -> Result<(), ActionError> {
    let now = at.with_timezone(&Utc);
    match event {
        Event::Routed { co_units, .. } | Event::Reassigned { co_units, .. } => {
            let (mut facts, received) = deadline_rows::case_facts(db, case)?;
            let escalated = facts.mode == Some(HotlineMode::Escalate);
            // Co-units make a hotline case joint handling (协办); an
            // escalated case is handled as the instruction says.
            if matches!(facts.mode, None | Some(HotlineMode::Transfer)) || instructed || escalated {
                if !co_units.is_empty() {
                    facts.mode = Some(HotlineMode::Joint);
                } else if escalated {
                    facts.mode = Some(HotlineMode::Transfer);
                }
            }
            // The first unit counts from receipt; a reassigned unit, or one
            // the city's instruction names, from now.
            let first = matches!(event, Event::Routed { .. }) && !instructed;
            let start = if first { received } else { now };
            deadline_rows::end_running_deadlines(db, case, false, at)?;
            let (_, deadlines) = schedule(rules.calendar, rules.deadlines, &facts, start)?;
            deadline_rows::set_deadlines(db, case, &deadlines, DeadlineReason::Routed, at)?;
        }
        Event::MarkedComplex { .. } => {
            let (facts, received) = deadline_rows::case_facts(db, case)?;
            let start =
                history::handling_start(db, case)?.map_or(received, |at| at.with_timezone(&Utc));
            let (_, deadlines) = schedule(rules.calendar, rules.deadlines, &facts, start)?;
            let longer: Vec<_> = deadlines
                .into_iter()
                .filter(|d| d.milestone != Milestone::Contact)
                .collect();
            deadline_rows::set_deadlines(db, case, &longer, DeadlineReason::Complex, at)?;
        }
        Event::ExtensionApproved { working_days, .. } => {
            if let Some(current) = deadline_rows::running_finish(db, case)? {
                let moved = extend(rules.calendar, &current, *working_days)?;
                deadline_rows::set_deadlines(db, case, &[moved], DeadlineReason::Extension, at)?;
            }
        }
        Event::QcFailed { .. } | Event::ReviewReturned { .. } => {
            let (days, reason) = match event {
                Event::QcFailed { .. } => (rules.deadlines.qc_redo_days, DeadlineReason::QcFailed),
                _ => (
                    rules.deadlines.review_redo_days,
                    DeadlineReason::ReviewReturned,
                ),
            };
            let redo = deadline(rules.calendar, Milestone::Finish, now, days)?;
            deadline_rows::set_deadlines(db, case, &[redo], reason, at)?;
        }
        Event::Overridden {
            accepted: true,
            proposal,
            ..
        } => {
            if *proposal {
                // A person decided on screening's proposal: the case goes
                // on to routing (the scan drives it if that hop fails).
                deadline_rows::mark_met(db, case, Milestone::Decision, at)?;
            } else {
                // Accepted against screening's decision: the bureau routes
                // it itself; the scan does not dispatch it.
                triage_rows::mark_dispatch_tried(db, case, at)?;
            }
        }
        Event::RejectionConfirmed { .. } => {
            deadline_rows::mark_met(db, case, Milestone::Decision, at)?
        }
        Event::Urged { unit, note } => reminder_rows::write_manual_urge(db, case, unit, note, at)?,
        Event::SubmitterContacted { .. } => {
            deadline_rows::mark_met(db, case, Milestone::Contact, at)?
        }
        Event::ReplyDrafted { .. } => {
            deadline_rows::mark_met(db, case, Milestone::Investigate, at)?
        }
        Event::Closed => {
            deadline_rows::end_running_deadlines(db, case, true, at)?;
            working_days::count_working_days_to_close(db, rules.calendar, Some(case), 1)?;
        }
        _ => {}
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    //! Staff actions against real SQLite: parsing, concurrency, units, and
    //! the deadlines that follow.

    use super::*;
    use crate::base::db::NativeDb;
    use crate::base::ids::UnitId;
    use crate::base::test_support::{migrated_db, seed_demo, store_case, t};
    use crate::case::words::Status;
    use crate::lifecycle::history;
    use crate::time::deadline_rows;
    use serde_json::json;

    const AT: &str = "2025-09-30T10:00:00+08:00";

    fn setup() -> (NativeDb, CaseId) {
        let db = migrated_db();
        seed_demo(&db);
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
        let version = history::load_lifecycle(db, case).expect("loads").version;
        let action = parse(&body).expect("parses");
        apply(
            db,
            case,
            version,
            action,
            actor,
            &TimeRules {
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
        let v = history::load_lifecycle(db, case).expect("loads");
        let tr = transition(
            &v.lifecycle,
            Action::Accept {
                rule: "accepted".into(),
                flags: vec![],
            },
            &Actor::bureau(),
        )
        .expect("legal");
        history::record_move(db, case, v.version, &tr, &Actor::bureau(), t(AT)).expect("applies");
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
        // A whole number as JSON Schema's integer: 5.0 is 5.
        assert!(
            parse(&json!({"action": "request_extension", "reason": "r", "working_days": 5.0}))
                .is_ok()
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
            parse(
                &json!({"action": "leader_review", "leader": "王局长", "approved": true, "note": 7})
            ),
            Ok(Action::LeaderReview {
                approved: true,
                note: String::new(),
                text: None,
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
        let lc = history::load_lifecycle(&db, case).expect("loads").lifecycle;
        assert_eq!(
            lc.co_units,
            vec![unit("qibin-housing"), unit("qibin-urban")]
        );
        // Co-units make it joint handling: 15 working days (Art. 6(二).1(4)).
        let history = deadline_rows::deadline_history(&db, case).expect("history");
        assert_eq!(
            history
                .iter()
                .map(|d| crate::base::clock::format(d.due_at))
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
            history::load_lifecycle(&db, case)
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
        let lc = history::load_lifecycle(&db, case).expect("loads").lifecycle;
        assert_eq!(lc.lead, Some(unit("qibin-environment")));
        let events: Vec<String> = history::events(&db, case)
            .expect("events")
            .into_iter()
            .map(|e| e.kind)
            .collect();
        assert_eq!(
            events,
            vec!["accepted", "routed", "returned_misrouted", "reassigned"]
        );
        let history = deadline_rows::deadline_history(&db, case).expect("history");
        assert_eq!(history.iter().filter(|d| d.active).count(), 1);
        assert_eq!(history.len(), 2);
    }

    #[test]
    fn a_stale_version_or_an_unknown_unit_changes_nothing() {
        let (db, case) = setup();
        accept(&db, case);
        let (cal, dl) = rules();
        let r = TimeRules {
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
        assert_eq!(
            history::load_lifecycle(&db, case).expect("loads").version,
            2
        );
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
        act(&db, case, json!({"action": "accept_assignment"}), &lead, AT).expect("signs");
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
            deadline_rows::deadline_history(db, case)
                .expect("history")
                .into_iter()
                .filter(|d| d.active)
                .map(|d| {
                    (
                        crate::base::clock::format(d.due_at),
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
            json!({"action": "leader_review", "approved": true}),
            &Actor::unit_leader(unit("qibin-urban")),
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
            deadline_rows::deadline_history(&db, case)
                .expect("history")
                .len(),
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
        act(&db, case, json!({"action": "accept_assignment"}), &lead, AT).expect("signs");
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
            json!({"action": "leader_review", "approved": true}),
            &Actor::unit_leader(unit("qibin-urban")),
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
        assert!(deadline_rows::due_by(&db, far, 100)
            .expect("scans")
            .is_empty());
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
        let running: Vec<_> = deadline_rows::deadline_history(&db, case)
            .expect("history")
            .into_iter()
            .filter(|d| d.active)
            .collect();
        assert_eq!(running.len(), 1);
    }

    /// A case from `body`'s channel (and mode), otherwise the street-noise
    /// complaint of `setup`, accepted.
    fn accepted_case(db: &NativeDb, n: u8, extra: serde_json::Value, at: &str) -> CaseId {
        let mut body = json!({
            "channel": "hotline_web", "kind": "complaint", "title": "小区噪音",
            "content": "小区旁工地夜间施工，请处理。", "county": "410611000",
            "submitter": {"type": "individual", "name": "张三", "phone": "13812345678"}
        });
        for (k, v) in extra.as_object().expect("an object") {
            body[k] = v.clone();
        }
        let case = store_case(db, n, body, at);
        accept(db, case);
        case
    }

    /// The running deadlines, as (milestone, due date, met).
    fn running(db: &NativeDb, case: CaseId) -> Vec<(String, String, bool)> {
        deadline_rows::deadline_history(db, case)
            .expect("history")
            .into_iter()
            .filter(|d| d.active)
            .map(|d| (d.milestone.to_string(), d.due_date.to_string(), d.met))
            .collect()
    }

    #[test]
    fn a_reassigned_unit_counts_its_ten_working_days_from_the_reassignment() {
        let (db, case) = setup();
        accept(&db, case);
        let bureau = Actor::bureau();
        act(
            &db,
            case,
            json!({"action": "route", "lead": "qibin-urban"}),
            &bureau,
            AT,
        )
        .expect("routes");
        // Received Tue 2025-09-30: the National Day holiday, then the make-up
        // Saturday 10-11 counts.
        assert_eq!(
            running(&db, case),
            vec![("finish".into(), "2025-10-21".into(), false)]
        );
        act(
            &db,
            case,
            json!({"action": "reassign", "lead": "qibin-housing", "reason": "属住建部门职责"}),
            &bureau,
            "2025-10-20T09:00:00+08:00",
        )
        .expect("reassigns");
        assert_eq!(
            running(&db, case),
            vec![("finish".into(), "2025-11-03".into(), false)]
        );
    }

    #[test]
    fn a_misrouted_case_goes_back_only_within_one_working_day_of_receiving_it() {
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
        let unit_staff = Actor::unit(unit("qibin-urban"));
        let back = json!({"action": "return_misrouted", "reason": "不属本单位职责"});
        // Routed Tue 2025-09-30; the next working day is Thu 10-09.
        match act(
            &db,
            case,
            back.clone(),
            &unit_staff,
            "2025-10-10T08:30:00+08:00",
        ) {
            Err(ActionError::ReturnWindowClosed { until }) => {
                assert_eq!(until.to_string(), "2025-10-09")
            }
            other => panic!("expected the window to be closed: {other:?}"),
        }
        act(&db, case, back, &unit_staff, "2025-10-09T17:00:00+08:00").expect("returns in time");
    }

    #[test]
    fn an_escalated_case_gets_a_deadline_once_the_instruction_names_its_unit() {
        let db = migrated_db();
        seed_demo(&db);
        let case = accepted_case(
            &db,
            2,
            json!({"channel": "hotline_phone", "mode": "escalate"}),
            AT,
        );
        let bureau = Actor::bureau();
        act(
            &db,
            case,
            json!({"action": "escalate", "reason": "涉及多个区县"}),
            &bureau,
            AT,
        )
        .expect("escalates");
        assert_eq!(running(&db, case), vec![]);
        act(
            &db,
            case,
            json!({"action": "receive_instruction", "instruction": "由市城管局牵头办理",
               "lead": "qibin-urban"}),
            &bureau,
            "2025-10-20T09:00:00+08:00",
        )
        .expect("instruction");
        // Handled as a transfer from the instruction: 10 working days.
        assert_eq!(
            running(&db, case),
            vec![("finish".into(), "2025-11-03".into(), false)]
        );
    }

    #[test]
    fn recording_contact_meets_the_contact_milestone_and_a_complex_case_gets_1_5_15() {
        let db = migrated_db();
        seed_demo(&db);
        let received = "2025-09-29T10:00:00+08:00";
        let case = accepted_case(&db, 3, json!({"channel": "online_platform"}), received);
        act(
            &db,
            case,
            json!({"action": "route", "lead": "qibin-urban"}),
            &Actor::bureau(),
            received,
        )
        .expect("routes");
        assert_eq!(
            running(&db, case),
            vec![
                ("contact".into(), "2025-09-30".into(), false),
                ("finish".into(), "2025-10-13".into(), false)
            ]
        );
        let lead = Actor::unit(unit("qibin-urban"));
        act(
            &db,
            case,
            json!({"action": "accept_assignment"}),
            &lead,
            "2025-09-30T09:00:00+08:00",
        )
        .expect("signs");
        act(
            &db,
            case,
            json!({"action": "record_contact", "note": "电话联系张先生"}),
            &lead,
            "2025-09-30T09:00:00+08:00",
        )
        .expect("contact");
        act(
            &db,
            case,
            json!({"action": "mark_complex", "reason": "需多部门现场核查"}),
            &lead,
            "2025-09-30T10:00:00+08:00",
        )
        .expect("complex");
        // 1-5-15 across the National Day holiday and its make-up Saturday.
        assert_eq!(
            running(&db, case),
            vec![
                ("contact".into(), "2025-09-30".into(), true),
                ("investigate".into(), "2025-10-13".into(), false),
                ("finish".into(), "2025-10-27".into(), false)
            ]
        );
    }

    #[test]
    fn a_hall_suggestions_reply_says_whether_it_is_taken_up_and_why_not() {
        use crate::case::words::{Channel, HallForm, Kind};
        use crate::lifecycle::Adoption;
        use crate::time::deadlines::CaseFacts;
        let facts = |channel, kind, form| CaseFacts {
            channel,
            kind,
            mode: None,
            form,
            complex: false,
            urgent: false,
        };
        let fields =
            |channel, kind, adoption, reason: Option<&str>| -> Vec<(String, &'static str)> {
                reply_requirements(&facts(channel, kind, None), adoption, reason, None)
                    .err()
                    .unwrap_or_default()
                    .into_iter()
                    .map(|e| (e.field, e.code))
                    .collect()
            };
        let hall = Channel::ServiceHall;
        assert_eq!(
            fields(hall, Kind::Suggestion, None, None),
            vec![("adoption".into(), "missing")]
        );
        assert_eq!(
            fields(hall, Kind::Suggestion, Some(Adoption::PartlyAdopted), None),
            vec![("adoption_reason".into(), "missing")]
        );
        assert!(fields(hall, Kind::Suggestion, Some(Adoption::Adopted), None).is_empty());
        assert!(fields(
            hall,
            Kind::Suggestion,
            Some(Adoption::NotAdopted),
            Some("已有规划")
        )
        .is_empty());
        // Elsewhere adoption is optional for suggestions and not for complaints.
        assert!(fields(Channel::OnlinePlatform, Kind::Suggestion, None, None).is_empty());
        assert_eq!(
            fields(hall, Kind::Complaint, Some(Adoption::Adopted), None),
            vec![("adoption".into(), "not_for_kind")]
        );
        // A written complaint at the hall is answered in writing.
        let written = facts(hall, Kind::Complaint, Some(HallForm::Written));
        let oral = facts(hall, Kind::Complaint, Some(HallForm::Oral));
        assert_eq!(
            reply_requirements(&written, None, None, None).map_err(|e| e[0].field.clone()),
            Err("written_reply".to_string())
        );
        assert!(reply_requirements(&written, None, None, Some(true)).is_ok());
        assert!(reply_requirements(&oral, None, None, None).is_ok());
        // Parsed from the API's names.
        assert_eq!(
            parse(
                &json!({"action": "draft_reply", "text": "感谢建议", "adoption": "partly_adopted",
                      "adoption_reason": "部分已在实施"})
            ),
            Ok(Action::DraftReply {
                text: "感谢建议".into(),
                adoption: Some(Adoption::PartlyAdopted),
                adoption_reason: Some("部分已在实施".into()),
                written_reply: None
            })
        );
        assert_eq!(
            errs(json!({"action": "draft_reply", "text": "x", "adoption": "maybe"})),
            vec![("adoption".into(), "unknown_value")]
        );
    }
}
