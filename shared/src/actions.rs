//! Staff actions on a case, as the API takes them: parsed from JSON field
//! by field, checked against the lifecycle, and applied with what follows
//! from them (deadlines set, moved or met), under optimistic concurrency.

use chrono::{DateTime, FixedOffset, Utc};

use crate::calendar::Calendar;
use crate::db::Db;
use crate::deadlines::{deadline, extend, schedule, DeadlineRules, Milestone};
use crate::ids::CaseId;
pub use crate::lifecycle::parse;
use crate::lifecycle::{transition, Action, Actor, Event, Transition};
use crate::store::{self, StoreError};

/// The same failures as screening and dispatch: one error type for every
/// move of a case.
pub use crate::pipeline::PipelineError as ActionError;

/// What the case's deadline rules and calendar are, for the side effects.
pub struct Rules<'a> {
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
    rules: &Rules<'_>,
    at: DateTime<FixedOffset>,
) -> Result<(Transition, i64), ActionError> {
    for (field, unit) in action.named_units() {
        if !store::unit_exists(db, unit)? {
            return Err(ActionError::UnknownUnit {
                unit: unit.clone(),
                field,
            });
        }
    }
    let current = store::load_lifecycle(db, case)?;
    if current.version != expected_version {
        return Err(StoreError::Stale {
            case,
            expected: expected_version,
            actual: current.version,
        }
        .into());
    }
    let t = transition(&current.lifecycle, action, actor)?;
    let now = at.with_timezone(&Utc);
    let version = db.transaction(|db| -> Result<i64, ActionError> {
        let version = store::apply(db, case, expected_version, &t, actor, at)?;
        for event in &t.events {
            match event {
                Event::Routed { co_units, .. } | Event::Reassigned { co_units, .. } => {
                    let (mut facts, received) = store::case_facts(db, case)?;
                    // Co-units make a hotline case joint handling (协办).
                    let transfer = matches!(
                        facts.mode,
                        None | Some(crate::intake::HotlineMode::Transfer)
                    );
                    if !co_units.is_empty() && transfer {
                        facts.mode = Some(crate::intake::HotlineMode::Joint);
                    }
                    store::end_running_deadlines(db, case, false, at)?;
                    let (_, deadlines) =
                        schedule(rules.calendar, rules.deadlines, &facts, received)?;
                    store::set_deadlines(db, case, &deadlines, store::DeadlineReason::Routed, at)?;
                }
                Event::ExtensionApproved { working_days, .. } => {
                    if let Some(current) = store::running_finish(db, case)? {
                        let moved = extend(rules.calendar, &current, *working_days)?;
                        store::set_deadlines(
                            db,
                            case,
                            &[moved],
                            store::DeadlineReason::Extension,
                            at,
                        )?;
                    }
                }
                Event::QcFailed { .. } => {
                    let redo = deadline(
                        rules.calendar,
                        Milestone::Finish,
                        now,
                        rules.deadlines.qc_redo_days,
                    )?;
                    store::set_deadlines(db, case, &[redo], store::DeadlineReason::QcFailed, at)?;
                }
                Event::ReviewReturned { .. } => {
                    let redo = deadline(
                        rules.calendar,
                        Milestone::Finish,
                        now,
                        rules.deadlines.review_redo_days,
                    )?;
                    store::set_deadlines(
                        db,
                        case,
                        &[redo],
                        store::DeadlineReason::ReviewReturned,
                        at,
                    )?;
                }
                Event::Overridden { accepted: true, .. } => {
                    // Accepted by the bureau's own decision: it routes the
                    // case itself; the scan does not dispatch it.
                    store::mark_dispatch_tried(db, case, at)?;
                }
                Event::Urged { unit, note } => {
                    store::write_manual_urge(db, case, unit, note, at)?;
                }
                Event::ReplyDrafted { .. } => {
                    store::mark_met(db, case, Milestone::Investigate, at)?
                }
                Event::Closed => store::end_running_deadlines(db, case, true, at)?,
                _ => {}
            }
        }
        Ok(version)
    })?;
    Ok((t, version))
}

#[cfg(test)]
#[path = "actions_tests.rs"]
mod tests;
