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
    let current = history::load_lifecycle(db, case)?;
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
#[path = "actions_tests.rs"]
mod tests;
