//! The front half of a case's way (Art. 5, 6): screening, then dispatch.
//! Each step reads what it needs from the database, decides with the
//! library's rules, and records the lifecycle move (with its events and,
//! when routed, its deadlines). Each step is idempotent: run twice (a
//! retry after a failed hop), the second run changes nothing and reports
//! where the case stands.

use chrono::{DateTime, FixedOffset};
use serde::Serialize;
use thiserror::Error;

use crate::base::db::Db;
use crate::base::ids::CaseId;
use crate::base::ids::UnitId;
use crate::base::rules::{Rules, RulesError};
use crate::case::stored::StoreError;
use crate::case::words::Status;
use crate::directory::unit_rows;
use crate::lifecycle::history;
use crate::lifecycle::{transition, Action, Actor, TransitionError};
use crate::time::calendar::Calendar;
use crate::time::deadline_rows;
use crate::time::deadlines::DeadlineRules;
use crate::time::deadlines::{deadline, schedule, DeadlineError, Milestone};
use crate::triage::filter::Decision;
use crate::triage::filter::FilterRules;
use crate::triage::routing::RoutingTable;
use crate::triage::routing::{RouteDecision, TriageReason};
use crate::triage::triage_rows;

/// Why a move of a case (a pipeline step or a staff action) failed.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum PipelineError {
    /// Reading or writing the case failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The lifecycle does not allow the move.
    #[error(transparent)]
    Transition(#[from] TransitionError),
    /// A deadline could not be computed.
    #[error(transparent)]
    Deadline(#[from] DeadlineError),
    /// The county's rules could not be read.
    #[error(transparent)]
    Rules(#[from] RulesError),
    /// The action lacks what this case needs (named by field).
    #[error("the action is incomplete for this case")]
    Fields(Vec<crate::base::fields::FieldError>),
    /// The lead unit may no longer return the case as misrouted.
    #[error("a misrouted case is returned within its time: the last day was {until}")]
    ReturnWindowClosed {
        /// The last day it could be returned.
        until: chrono::NaiveDate,
    },
    /// A unit named is not in the directory.
    #[error("no unit {unit} in the directory ({field})")]
    UnknownUnit {
        /// The unit named.
        unit: UnitId,
        /// The field that named it.
        field: &'static str,
    },
}

impl From<crate::base::db::DbError> for PipelineError {
    fn from(e: crate::base::db::DbError) -> Self {
        Self::Store(e.into())
    }
}

/// What screening did.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Screened {
    /// Screened now, with the decision.
    Decided {
        /// What screening decided.
        decision: Decision,
    },
    /// Screened before: the case is already past this step.
    AlreadyScreened {
        /// Where the case stands.
        status: Status,
    },
}

/// What dispatch did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Dispatched {
    /// Sent to its unit, with its deadlines.
    Routed {
        /// The handling unit.
        lead: UnitId,
        /// The deadline rule that applied.
        rule: String,
        /// Each milestone's due instant.
        due: Vec<String>,
    },
    /// Left in the bureau's triage queue.
    Triage {
        /// Why no unit was chosen.
        reason: TriageReason,
    },
    /// A hotline case in escalation mode (呈办): reported to the city
    /// government, waiting for its instruction.
    Escalated,
    /// Not waiting for dispatch (not accepted, or routed before).
    NotWaiting {
        /// Where the case stands.
        status: Status,
    },
}

/// Screens a received case (Art. 5) and records what screening found: an
/// acceptance (with flags for the handler), a proposal that waits for a
/// person (with the bureau's decision deadline), or a rejection of the
/// narrow final class. On an agent's channel screening only advises.
pub fn screen_case(
    db: &impl Db,
    case: CaseId,
    rules: &Rules,
    at: DateTime<FixedOffset>,
) -> Result<Screened, PipelineError> {
    let (current, texts) = triage_rows::load_with_texts(db, case)?;
    if current.lifecycle.status != Status::Received {
        return Ok(Screened::AlreadyScreened {
            status: current.lifecycle.status,
        });
    }
    let prior = match &texts.submitter_key {
        Some(key) => triage_rows::prior_cases(db, case, key)?,
        None => Vec::new(),
    };
    let advisory = texts.facts.channel.needs_agent() || texts.facts.mode.is_some();
    let decision = rules.get::<FilterRules>()?.screen(
        &texts.title,
        &texts.content,
        texts.received_at,
        &prior,
        advisory,
    );
    let action = match &decision {
        Decision::Accept { flags } => Action::Accept {
            rule: "accepted".into(),
            flags: flags.clone(),
        },
        Decision::Propose(f) => Action::ProposeRejection {
            category: f.category,
            rule: f.rule.clone(),
            matched: f.matched.clone(),
            context: f.context.clone(),
            referral: f.referral.clone(),
        },
        Decision::Reject(f) => Action::Reject {
            category: f.category,
            rule: f.summary(),
            referral: f.referral.clone(),
        },
    };
    let stage = Actor::stage("screening");
    let t = transition(&current.lifecycle, action, &stage)?;
    let applied = db.transaction(|db| -> Result<(), PipelineError> {
        history::record_move(db, case, current.version, &t, &stage, at)?;
        if let Decision::Reject(crate::triage::filter::Finding {
            duplicate_of: Some(original),
            ..
        }) = &decision
        {
            triage_rows::merge_repeat(db, case, *original, at)?;
        }
        if let Decision::Propose(_) = decision {
            // The bureau decides within the county's limit; the scan
            // watches it like any other deadline.
            let days = rules.get::<DeadlineRules>()?.screening_decision_days;
            let due = deadline(
                rules.get::<Calendar>()?,
                Milestone::Decision,
                at.with_timezone(&chrono::Utc),
                days,
            )?;
            deadline_rows::set_deadlines(
                db,
                case,
                &[due],
                deadline_rows::DeadlineReason::Screening,
                at,
            )?;
        }
        Ok(())
    });
    match applied {
        Ok(()) => Ok(Screened::Decided { decision }),
        // Screened at the same moment by another run: that one stands.
        Err(PipelineError::Store(StoreError::Stale { .. })) => Ok(Screened::AlreadyScreened {
            status: history::load_lifecycle(db, case)?.lifecycle.status,
        }),
        Err(e) => Err(e),
    }
}

/// Closes a case answered at intake (Art. 3's exception): an immediate
/// answer by the agent (即办, or the hall's on-the-spot answer) or a direct
/// transfer answered by the unit on the call (直办).
pub fn answer_at_intake(
    db: &impl Db,
    case: CaseId,
    new: &crate::case::intake::NewCase,
    agent: &Actor,
    at: DateTime<FixedOffset>,
) -> Result<Option<Status>, PipelineError> {
    use crate::case::words::HotlineMode;
    let answer = new.answer.clone().unwrap_or_default();
    let action = match (new.mode, &new.direct_unit) {
        (Some(HotlineMode::Immediate), _) => Action::AnswerImmediately { answer },
        (Some(HotlineMode::Direct), Some(unit)) => {
            if !unit_rows::unit_exists(db, unit)? {
                return Err(PipelineError::UnknownUnit {
                    unit: unit.clone(),
                    field: "unit",
                });
            }
            Action::TransferDirect {
                unit: unit.clone(),
                answer,
            }
        }
        _ => return Ok(None),
    };
    let current = history::load_lifecycle(db, case)?;
    let t = transition(&current.lifecycle, action, agent)?;
    history::record_move(db, case, current.version, &t, agent, at)?;
    Ok(Some(t.lifecycle.status))
}

/// Refuses a direct transfer (直办) to a unit not in the directory, before
/// anything is stored.
pub fn check_direct_unit(
    db: &impl Db,
    new: &crate::case::intake::NewCase,
) -> Result<(), PipelineError> {
    let Some(unit) = &new.direct_unit else {
        return Ok(());
    };
    if unit_rows::unit_exists(db, unit)? {
        Ok(())
    } else {
        Err(PipelineError::UnknownUnit {
            unit: unit.clone(),
            field: "unit",
        })
    }
}

/// Sends an accepted case to its unit (Art. 6) and sets its deadlines, or
/// leaves it in the bureau's triage queue with the reason.
pub fn dispatch_case(
    db: &impl Db,
    case: CaseId,
    rules: &Rules,
    at: DateTime<FixedOffset>,
) -> Result<Dispatched, PipelineError> {
    let (current, texts) = triage_rows::load_with_texts(db, case)?;
    if current.lifecycle.status != Status::Accepted || current.lifecycle.routed_before {
        return Ok(Dispatched::NotWaiting {
            status: current.lifecycle.status,
        });
    }
    if texts.facts.mode == Some(crate::case::words::HotlineMode::Escalate) {
        // 呈办: reported to the city government, not sent to a unit.
        let t = transition(
            &current.lifecycle,
            Action::Escalate {
                reason: "hotline mode escalate".into(),
            },
            &Actor::stage("dispatch"),
        )?;
        return match history::record_move(
            db,
            case,
            current.version,
            &t,
            &Actor::stage("dispatch"),
            at,
        ) {
            Ok(_) => Ok(Dispatched::Escalated),
            Err(StoreError::Stale { .. }) => Ok(Dispatched::NotWaiting {
                status: history::load_lifecycle(db, case)?.lifecycle.status,
            }),
            Err(e) => Err(e.into()),
        };
    }
    // Locality first: the units of the case's own county.
    let units = unit_rows::units_in(db, &texts.county)?;
    let lead = match rules.get::<RoutingTable>()?.route(
        &units,
        &texts.county,
        &texts.title,
        &texts.content,
    ) {
        RouteDecision::Unit { unit, .. } => unit,
        RouteDecision::Triage(reason) => {
            // The bureau's triage queue: the scan leaves it there.
            triage_rows::mark_dispatch_tried(db, case, at)?;
            return Ok(Dispatched::Triage { reason });
        }
    };
    let t = transition(
        &current.lifecycle,
        Action::Route {
            lead: lead.clone(),
            co_units: Vec::new(),
        },
        &Actor::stage("dispatch"),
    )?;
    let (rule, deadlines) = schedule(
        rules.get::<Calendar>()?,
        rules.get::<DeadlineRules>()?,
        &texts.facts,
        texts.received_at,
    )?;
    let stored = db.transaction(|db| -> Result<(), PipelineError> {
        history::record_move(db, case, current.version, &t, &Actor::stage("dispatch"), at)?;
        deadline_rows::set_deadlines(
            db,
            case,
            &deadlines,
            deadline_rows::DeadlineReason::Routed,
            at,
        )?;
        Ok(())
    });
    match stored {
        Ok(()) => {}
        // Dispatched at the same moment by another run: that one stands.
        Err(PipelineError::Store(StoreError::Stale { .. })) => {
            return Ok(Dispatched::NotWaiting {
                status: history::load_lifecycle(db, case)?.lifecycle.status,
            })
        }
        Err(e) => return Err(e),
    }
    Ok(Dispatched::Routed {
        lead,
        rule,
        due: deadlines
            .iter()
            .map(|d| format!("{}: {}", d.milestone, crate::base::clock::format(d.due_at)))
            .collect(),
    })
}

#[cfg(test)]
mod tests {
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
        dispatch_case(db, case, &Rules::defaults(), t("2025-09-30T10:01:00+08:00"))
            .expect("dispatches")
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
}
