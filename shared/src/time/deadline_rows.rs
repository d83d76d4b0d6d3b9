//! Deadlines on record: set (earlier ones stay, deactivated), met, ended,
//! the history of a case, the scheduled scan, and the facts of a case that
//! decide its limits.

use chrono::{DateTime, FixedOffset, Utc};

use crate::base::clock;
use crate::base::db::{Db, SqlValue};
use crate::base::ids::CaseId;
use crate::case::stored::{corrupt, Column, StoreError};
use crate::time::deadlines::{Deadline, Milestone};

/// Why a deadline was set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DeadlineReason {
    /// The case was sent to its unit (or sent elsewhere).
    Routed,
    /// An extension was approved.
    Extension,
    /// A quality check failed: the reply is redone.
    QcFailed,
    /// A review returned the case to its unit.
    ReviewReturned,
    /// The lead unit marked the case complex.
    Complex,
    /// Screening proposed a rejection: the bureau decides.
    Screening,
    /// A calendar year was loaded: counted again over its notice.
    Calendar,
}

text_enum!(DeadlineReason {
    Routed = "routed",
    Extension = "extension",
    QcFailed = "qc_failed",
    ReviewReturned = "review_returned",
    Complex = "complex",
    Screening = "screening",
    Calendar = "calendar",
});

/// Sets deadlines; each replaces (deactivates, keeps on record) the
/// running deadline of its milestone; `reason` says why.
pub fn set_deadlines(
    db: &impl Db,
    case: CaseId,
    deadlines: &[Deadline],
    reason: DeadlineReason,
    at: DateTime<FixedOffset>,
) -> Result<(), StoreError> {
    db.transaction(|db| {
        for d in deadlines {
            db.execute(
                "UPDATE case_deadlines SET active = 0 WHERE case_id = ? AND milestone = ? AND active = 1",
                &[case.get().into(), d.milestone.as_str().into()],
            )?;
            db.execute(
                "INSERT INTO case_deadlines (case_id, milestone, working_days, due_date, due_at, verified, reason, set_at,
                                             counted_from)
                 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                &[
                    case.get().into(),
                    d.milestone.as_str().into(),
                    i64::from(d.working_days).into(),
                    d.due_date.to_string().into(),
                    clock::format(d.due_at).into(),
                    i64::from(d.verified).into(),
                    reason.as_str().into(),
                    clock::format(at).into(),
                    SqlValue::from(d.counted_from.map(clock::format)),
                ],
            )?;
        }
        Ok(())
    })
}

/// Marks the running deadline of a milestone as met.
pub fn mark_met(
    db: &impl Db,
    case: CaseId,
    milestone: Milestone,
    at: DateTime<FixedOffset>,
) -> Result<(), StoreError> {
    db.execute(
        "UPDATE case_deadlines SET met_at = ? WHERE case_id = ? AND milestone = ? AND active = 1 AND met_at IS NULL",
        &[clock::format(at).into(), case.get().into(), milestone.as_str().into()],
    )?;
    Ok(())
}

/// Ends every running deadline of a case: met when the case closes,
/// superseded when it is sent elsewhere (the new unit's deadlines follow).
pub fn end_running_deadlines(
    db: &impl Db,
    case: CaseId,
    met: bool,
    at: DateTime<FixedOffset>,
) -> Result<(), StoreError> {
    let sql = if met {
        "UPDATE case_deadlines SET met_at = ? WHERE case_id = ? AND active = 1 AND met_at IS NULL"
    } else {
        "UPDATE case_deadlines SET active = 0 WHERE case_id = ? AND active = 1 AND met_at IS NULL AND ? IS NOT NULL"
    };
    let params: [SqlValue; 2] = if met {
        [clock::format(at).into(), case.get().into()]
    } else {
        [case.get().into(), clock::format(at).into()]
    };
    db.execute(sql, &params)?;
    Ok(())
}

/// One deadline as stored, running or not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredDeadline {
    /// The row's id.
    pub id: i64,
    /// The case.
    pub case_id: CaseId,
    /// What it is for.
    pub milestone: Milestone,
    /// The last day, China time.
    pub due_date: chrono::NaiveDate,
    /// When it falls due: the end of that day.
    pub due_at: DateTime<FixedOffset>,
    /// Whether every day counted came from a loaded calendar notice.
    pub verified: bool,
    /// Why it was set.
    pub reason: DeadlineReason,
    /// Whether it is the milestone's running deadline (not superseded).
    pub active: bool,
    /// Whether it was met.
    pub met: bool,
    /// When it was met (the case closed, or the milestone was reached).
    pub met_at: Option<DateTime<FixedOffset>>,
}

fn stored_deadlines(rows: &crate::base::db::Rows) -> Result<Vec<StoredDeadline>, StoreError> {
    rows.iter()
        .map(|r| {
            Ok(StoredDeadline {
                id: r.integer("id")?,
                case_id: CaseId::new(r.integer("case_id")?).map_err(corrupt)?,
                milestone: r.parsed("milestone")?,
                due_date: r.parsed("due_date")?,
                due_at: r.instant("due_at")?,
                verified: r.integer("verified")? != 0,
                reason: r.parsed("reason")?,
                active: r.integer("active")? != 0,
                met: r.opt_text("met_at")?.is_some(),
                met_at: r.opt_instant("met_at")?,
            })
        })
        .collect()
}

/// Every deadline a case ever had, oldest first.
pub fn deadline_history(db: &impl Db, case: CaseId) -> Result<Vec<StoredDeadline>, StoreError> {
    let rows = db.execute(
        "SELECT id, case_id, milestone, due_date, due_at, verified, reason, active, met_at FROM case_deadlines
         WHERE case_id = ? ORDER BY id",
        &[case.get().into()],
    )?;
    stored_deadlines(&rows)
}

/// The scheduled scan: running deadlines due by `until` (near or past),
/// soonest first, at most `limit`. Reads only running deadlines, through
/// the partial index.
pub const DUE_SCAN_SQL: &str =
    "SELECT id, case_id, milestone, due_date, due_at, verified, reason, active, met_at FROM case_deadlines
     WHERE active = 1 AND met_at IS NULL AND due_at <= ? ORDER BY due_at LIMIT ?";

/// Running deadlines due by `until`, soonest first, at most `limit` (the scheduled scan).
pub fn due_by(
    db: &impl Db,
    until: DateTime<Utc>,
    limit: u32,
) -> Result<Vec<StoredDeadline>, StoreError> {
    let rows = db.execute(
        DUE_SCAN_SQL,
        &[
            clock::format(clock::in_china(until)).into(),
            i64::from(limit).into(),
        ],
    )?;
    stored_deadlines(&rows)
}

/// What decides a case's time limits, and when it was received.
pub fn case_facts(
    db: &impl Db,
    case: CaseId,
) -> Result<(crate::time::deadlines::CaseFacts, DateTime<Utc>), StoreError> {
    let rows = db.execute(
        "SELECT channel, kind, mode, hall_form, complex, urgent, received_at FROM cases WHERE id = ?",
        &[case.get().into()],
    )?;
    let row = rows.row(0).ok_or(StoreError::NotFound(case))?;
    let received = row.instant("received_at")?.with_timezone(&Utc);
    Ok((case_facts_of(row)?, received))
}

/// The facts that decide a case's time limits, off a row of `cases` with
/// `channel, kind, mode, hall_form, complex, urgent`.
pub(crate) fn case_facts_of(
    row: crate::base::db::Row<'_>,
) -> Result<crate::time::deadlines::CaseFacts, StoreError> {
    Ok(crate::time::deadlines::CaseFacts {
        channel: row.parsed("channel")?,
        kind: row.parsed("kind")?,
        mode: row.opt_parsed("mode")?,
        form: row.opt_parsed("hall_form")?,
        complex: row.integer("complex")? != 0,
        urgent: row.integer("urgent")? != 0,
    })
}

/// The finish deadline running now, if any.
pub fn running_finish(db: &impl Db, case: CaseId) -> Result<Option<Deadline>, StoreError> {
    let rows = db.execute(
        "SELECT working_days, due_date, due_at, verified, counted_from FROM case_deadlines
         WHERE case_id = ? AND milestone = 'finish' AND active = 1 ORDER BY id DESC LIMIT 1",
        &[case.get().into()],
    )?;
    let Some(row) = rows.row(0) else {
        return Ok(None);
    };
    Ok(Some(Deadline {
        milestone: Milestone::Finish,
        working_days: u32::try_from(row.integer("working_days")?)
            .map_err(|_| corrupt(format!("working_days of a deadline of case {case}")))?,
        due_date: row.parsed("due_date")?,
        due_at: row.instant("due_at")?,
        verified: row.integer("verified")? != 0,
        counted_from: row.opt_instant("counted_from")?,
    }))
}

/// Running deadlines counted over a day no notice covered, with where
/// their count starts: (case, deadline as set).
pub fn unverified_running(db: &impl Db) -> Result<Vec<(CaseId, Deadline)>, StoreError> {
    let rows = db.execute(
        "SELECT case_id, milestone, working_days, due_date, due_at, verified, counted_from
         FROM case_deadlines
         WHERE active = 1 AND met_at IS NULL AND verified = 0 AND counted_from IS NOT NULL
         ORDER BY id",
        &[],
    )?;
    rows.iter()
        .map(|row| {
            let case = CaseId::new(row.integer("case_id")?).map_err(corrupt)?;
            Ok((
                case,
                Deadline {
                    milestone: row.parsed("milestone")?,
                    working_days: u32::try_from(row.integer("working_days")?).map_err(corrupt)?,
                    due_date: row.parsed("due_date")?,
                    due_at: row.instant("due_at")?,
                    verified: false,
                    counted_from: row.opt_instant("counted_from")?,
                },
            ))
        })
        .collect()
}
