//! What the deadline scan reads and writes: running deadlines due by an
//! instant (through the partial index), urge notices (one per deadline and
//! level), cases found overdue, and cases no stage took on.

use chrono::{DateTime, FixedOffset};
use serde::Serialize;

use crate::base::clock;
use crate::base::db::{Db, SqlValue};
use crate::base::ids::CaseId;
use crate::base::ids::UnitId;
use crate::case::stored::{corrupt, Column, StoreError};
use crate::case::words::Status;
use crate::time::deadlines::Milestone;

/// How pressing an urge notice (催办单) is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum UrgeLevel {
    /// Before the deadline: a reminder, needs no acknowledgement.
    Warning,
    /// Past the deadline: the unit must acknowledge it.
    Overdue,
    /// Issued by the bureau's staff (the `urge` action).
    Urge,
}

text_enum!(UrgeLevel {
    Warning = "warning",
    Overdue = "overdue",
    Urge = "urge",
});

/// A running deadline that falls due by the scan's horizon.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DueDeadline {
    /// The deadline's row.
    pub id: i64,
    /// Its case.
    pub case_id: CaseId,
    /// What it is for.
    pub milestone: Milestone,
    /// When it falls due.
    pub due_at: DateTime<FixedOffset>,
    /// The unit handling the case.
    pub lead: Option<UnitId>,
    /// Whether its warning was written.
    pub warned: bool,
    /// Where the case came in.
    pub channel: crate::case::words::Channel,
}

/// The scan's read of due deadlines (through `case_deadlines_to_chase`).
pub const DUE_WITH_LEADS_SQL: &str =
    "SELECT d.id, d.case_id, d.milestone, d.due_at, d.warning_notified, c.lead_unit, c.channel
     FROM case_deadlines d JOIN cases c ON c.id = d.case_id
     WHERE d.active = 1 AND d.met_at IS NULL AND d.overdue_notified = 0 AND d.milestone != 'contact'
       AND d.due_at <= ?
     ORDER BY d.due_at LIMIT ?";

/// The scan's read of waiting cases (through `cases_waiting`).
pub const WAITING_SQL: &str = "SELECT id, status FROM cases
     WHERE routed_before = 0 AND dispatch_tried_at IS NULL AND status IN ('received', 'accepted')
       AND received_at < ? AND (mode IS NULL OR mode NOT IN ('immediate', 'direct'))
     ORDER BY received_at LIMIT ?";

/// Running deadlines due by `until`, soonest first, at most `limit`, with
/// their cases' lead units (read through the partial index of running
/// deadlines: proportional to the due ones, not to all cases).
pub fn due_with_leads(
    db: &impl Db,
    until: DateTime<FixedOffset>,
    limit: u32,
) -> Result<Vec<DueDeadline>, StoreError> {
    let rows = db.execute(
        DUE_WITH_LEADS_SQL,
        &[clock::format(until).into(), i64::from(limit).into()],
    )?;
    rows.iter()
        .map(|r| {
            Ok(DueDeadline {
                id: r.integer("id")?,
                case_id: CaseId::new(r.integer("case_id")?).map_err(corrupt)?,
                milestone: r.parsed("milestone")?,
                due_at: r.instant("due_at")?,
                lead: r.opt_parsed("lead_unit")?,
                warned: r.integer("warning_notified")? != 0,
                channel: r.parsed("channel")?,
            })
        })
        .collect()
}

/// Records that the scan dealt with a deadline at `level` (it leaves the
/// read set once overdue).
pub fn mark_notified(db: &impl Db, deadline: i64, level: UrgeLevel) -> Result<(), StoreError> {
    let sql = match level {
        UrgeLevel::Warning => "UPDATE case_deadlines SET warning_notified = 1 WHERE id = ?",
        UrgeLevel::Overdue | UrgeLevel::Urge => {
            "UPDATE case_deadlines SET overdue_notified = 1 WHERE id = ?"
        }
    };
    db.execute(sql, &[deadline.into()])?;
    Ok(())
}

/// Writes the urge notice of `level` for a due deadline, unless it exists;
/// whether it was written. `owner`: who follows it up beside the unit.
pub fn write_urge_notice(
    db: &impl Db,
    deadline: &DueDeadline,
    unit: &UnitId,
    level: UrgeLevel,
    owner: Option<&str>,
    at: DateTime<FixedOffset>,
) -> Result<bool, StoreError> {
    let note = match level {
        UrgeLevel::Warning => "deadline near",
        UrgeLevel::Overdue | UrgeLevel::Urge => "deadline passed",
    };
    let rows = db.execute(
        "INSERT INTO urge_notices (case_id, unit_id, deadline_id, issued_at, note, level, milestone, due_at,
                                   owner)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (deadline_id, level) DO NOTHING RETURNING id",
        &[
            deadline.case_id.get().into(),
            unit.as_str().into(),
            deadline.id.into(),
            clock::format(at).into(),
            note.into(),
            level.as_str().into(),
            deadline.milestone.as_str().into(),
            clock::format(deadline.due_at).into(),
            SqlValue::from(owner),
        ],
    )?;
    Ok(!rows.rows.is_empty())
}

/// Records an urge notice the bureau's staff issued (the `urge` action).
pub fn write_manual_urge(
    db: &impl Db,
    case: CaseId,
    unit: &UnitId,
    note: &str,
    at: DateTime<FixedOffset>,
) -> Result<(), StoreError> {
    db.execute(
        "INSERT INTO urge_notices (case_id, unit_id, issued_at, note, level) VALUES (?, ?, ?, ?, ?)",
        &[
            case.get().into(),
            unit.as_str().into(),
            clock::format(at).into(),
            note.into(),
            UrgeLevel::Urge.as_str().into(),
        ],
    )?;
    Ok(())
}

/// Marks a case as found overdue, once; whether it was marked now.
pub fn mark_overdue(
    db: &impl Db,
    case: CaseId,
    at: DateTime<FixedOffset>,
) -> Result<bool, StoreError> {
    let rows = db.execute(
        "UPDATE cases SET overdue_at = ? WHERE id = ? AND overdue_at IS NULL RETURNING id",
        &[clock::format(at).into(), case.get().into()],
    )?;
    Ok(!rows.rows.is_empty())
}

/// Cases received before `before` that no stage took on: still `received`,
/// or `accepted` with dispatch never tried (answers at intake excluded),
/// oldest first, at most `limit`.
pub fn waiting_cases(
    db: &impl Db,
    before: DateTime<FixedOffset>,
    limit: u32,
) -> Result<Vec<(CaseId, Status)>, StoreError> {
    let rows = db.execute(
        WAITING_SQL,
        &[clock::format(before).into(), i64::from(limit).into()],
    )?;
    rows.iter()
        .map(|r| {
            Ok((
                CaseId::new(r.integer("id")?).map_err(corrupt)?,
                r.parsed("status")?,
            ))
        })
        .collect()
}

/// One urge notice, as the unit and the bureau see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UrgeNotice {
    /// The notice's id (to acknowledge it).
    pub id: i64,
    /// The unit urged.
    pub unit: UnitId,
    /// The milestone it is about.
    pub milestone: Option<Milestone>,
    /// When that milestone fell (or falls) due.
    #[serde(serialize_with = "clock::serialize_opt")]
    pub due_at: Option<DateTime<FixedOffset>>,
    /// How pressing it is.
    pub level: UrgeLevel,
    /// When it was issued.
    #[serde(serialize_with = "clock::serialize")]
    pub issued_at: DateTime<FixedOffset>,
    /// When the unit acknowledged it.
    #[serde(serialize_with = "clock::serialize_opt")]
    pub acknowledged_at: Option<DateTime<FixedOffset>>,
    /// Who follows the late case up beside its unit (the hall's
    /// supervision section for the hall's cases).
    pub owner: Option<String>,
}

/// Every urge notice of a case, oldest first.
pub fn urge_notices(db: &impl Db, case: CaseId) -> Result<Vec<UrgeNotice>, StoreError> {
    let rows = db.execute(
        "SELECT id, unit_id, milestone, due_at, level, issued_at, acknowledged_at, owner
         FROM urge_notices WHERE case_id = ? ORDER BY id",
        &[SqlValue::from(case.get())],
    )?;
    rows.iter()
        .map(|r| {
            Ok(UrgeNotice {
                id: r.integer("id")?,
                unit: r.parsed("unit_id")?,
                milestone: r.opt_parsed("milestone")?,
                due_at: r.opt_instant("due_at")?,
                level: r.parsed("level")?,
                issued_at: r.instant("issued_at")?,
                acknowledged_at: r.opt_instant("acknowledged_at")?,
                owner: r.opt_text("owner")?.map(str::to_string),
            })
        })
        .collect()
}

/// The unit an urge notice is for, and whether (when) it was acknowledged.
pub fn urge_notice_owner(db: &impl Db, id: i64) -> Result<Option<(CaseId, UnitId)>, StoreError> {
    let rows = db.execute(
        "SELECT case_id, unit_id FROM urge_notices WHERE id = ?",
        &[id.into()],
    )?;
    rows.row(0)
        .map(|r| {
            Ok((
                CaseId::new(r.integer("case_id")?).map_err(corrupt)?,
                r.text("unit_id")?.parse().map_err(corrupt)?,
            ))
        })
        .transpose()
}

/// Records the acknowledgement of an urge notice, once (a second keeps
/// the first time).
pub fn acknowledge_urge_notice(
    db: &impl Db,
    id: i64,
    at: DateTime<FixedOffset>,
) -> Result<(), StoreError> {
    db.execute(
        "UPDATE urge_notices SET acknowledged_at = COALESCE(acknowledged_at, ?) WHERE id = ?",
        &[clock::format(at).into(), id.into()],
    )?;
    Ok(())
}
