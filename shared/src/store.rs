//! Keeping the lifecycle in the database: loading a case's lifecycle,
//! applying a transition under optimistic concurrency (with its events),
//! setting deadlines (earlier ones stay on record), the deadline scan, and
//! the units directory.

use chrono::{DateTime, FixedOffset, Utc};
use thiserror::Error;

use crate::clock;
use crate::db::{Db, DbError, SqlValue};
use crate::deadlines::{Deadline, Milestone};
use crate::ids::{CaseId, CountyCode};
use crate::lifecycle::{Actor, Lifecycle, RejectCategory, Status, Transition};
use crate::units::{Unit, UnitId};

#[derive(Debug, Error, PartialEq, Eq)]
pub enum StoreError {
    #[error(transparent)]
    Db(#[from] DbError),
    #[error("no case {0}")]
    NotFound(CaseId),
    /// Someone else changed the case since it was read (HTTP 412).
    #[error("case {case} changed: expected version {expected}, it is at {actual}")]
    Stale {
        case: CaseId,
        expected: i64,
        actual: i64,
    },
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
}

fn corrupt(what: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(what.to_string())
}

/// A case's lifecycle and the version it was read at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Versioned {
    pub lifecycle: Lifecycle,
    pub version: i64,
}

pub fn load_lifecycle(db: &impl Db, case: CaseId) -> Result<Versioned, StoreError> {
    let rows = db.execute(
        "SELECT status, rejection_category, lead_unit, round, extension_pending, routed_before, version
         FROM cases WHERE id = ?",
        &[case.get().into()],
    )?;
    let row = rows.row(0).ok_or(StoreError::NotFound(case))?;
    let status: Status = row
        .text("status")?
        .parse()
        .map_err(|_| corrupt("unknown status"))?;
    let rejection = match row.get_opt_integer("rejection_category")? {
        Some(n) => Some(
            u8::try_from(n)
                .ok()
                .and_then(RejectCategory::from_number)
                .ok_or_else(|| corrupt("rejection category"))?,
        ),
        None => None,
    };
    let lead = row
        .opt_text("lead_unit")?
        .map(|u| u.parse::<UnitId>().map_err(corrupt))
        .transpose()?;
    let co_units = co_units(db, case)?;
    Ok(Versioned {
        lifecycle: Lifecycle {
            status,
            rejection,
            lead,
            co_units,
            round: u32::try_from(row.integer("round")?).map_err(corrupt)?,
            extension_pending: row.integer("extension_pending")? != 0,
            routed_before: row.integer("routed_before")? != 0,
        },
        version: row.integer("version")?,
    })
}

/// A case's co-units, in id order.
pub fn co_units(db: &impl Db, case: CaseId) -> Result<Vec<UnitId>, StoreError> {
    let rows = db.execute(
        "SELECT unit_id FROM case_co_units WHERE case_id = ? ORDER BY unit_id",
        &[case.get().into()],
    )?;
    rows.iter()
        .map(|r| {
            r.text("unit_id")
                .map_err(StoreError::from)?
                .parse()
                .map_err(corrupt)
        })
        .collect()
}

/// Writes a transition's new lifecycle and its events, if the case is still
/// at `expected_version`; returns the new version.
pub fn apply(
    db: &impl Db,
    case: CaseId,
    expected_version: i64,
    transition: &Transition,
    actor: &Actor,
    at: DateTime<FixedOffset>,
) -> Result<i64, StoreError> {
    db.transaction(|db| {
        let lc = &transition.lifecycle;
        let closed_at = (lc.status == Status::Closed).then(|| clock::format(at));
        let rows = db.execute(
            "UPDATE cases SET status = ?, rejection_category = ?, lead_unit = ?, round = ?,
                    extension_pending = ?, routed_before = ?,
                    closed_at = CASE WHEN ? IS NULL THEN NULL ELSE COALESCE(closed_at, ?) END,
                    version = version + 1
             WHERE id = ? AND version = ?
             RETURNING version",
            &[
                lc.status.as_str().into(),
                SqlValue::from(lc.rejection.map(|c| i64::from(c.number()))),
                SqlValue::from(lc.lead.as_ref().map(|u| u.as_str())),
                i64::from(lc.round).into(),
                i64::from(lc.extension_pending).into(),
                i64::from(lc.routed_before).into(),
                SqlValue::from(closed_at.clone()),
                SqlValue::from(closed_at),
                case.get().into(),
                expected_version.into(),
            ],
        )?;
        let Some(row) = rows.row(0) else {
            let current = db.execute(
                "SELECT version FROM cases WHERE id = ?",
                &[case.get().into()],
            )?;
            return Err(match current.row(0) {
                Some(r) => StoreError::Stale {
                    case,
                    expected: expected_version,
                    actual: r.integer("version")?,
                },
                None => StoreError::NotFound(case),
            });
        };
        let version = row.integer("version")?;
        db.execute(
            "DELETE FROM case_co_units WHERE case_id = ?",
            &[case.get().into()],
        )?;
        for unit in &lc.co_units {
            db.execute(
                "INSERT INTO case_co_units (case_id, unit_id) VALUES (?, ?)",
                &[case.get().into(), unit.as_str().into()],
            )?;
        }
        for event in &transition.events {
            let data = serde_json::to_value(event).map_err(corrupt)?;
            let kind = data
                .get("type")
                .and_then(|t| t.as_str())
                .unwrap_or("unknown")
                .to_string();
            db.execute(
                "INSERT INTO case_events (case_id, at, actor_role, actor_unit, type, article, data)
                 VALUES (?, ?, ?, ?, ?, ?, ?)",
                &[
                    case.get().into(),
                    clock::format(at).into(),
                    actor.role.as_str().into(),
                    SqlValue::from(actor.unit.as_ref().map(|u| u.as_str())),
                    kind.into(),
                    transition.article.to_string().into(),
                    data.to_string().into(),
                ],
            )?;
        }
        Ok(version)
    })
}

/// A recorded event, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredEvent {
    pub at: String,
    pub actor_role: String,
    pub kind: String,
    pub article: String,
    pub data: serde_json::Value,
}

pub fn events(db: &impl Db, case: CaseId) -> Result<Vec<StoredEvent>, StoreError> {
    let rows = db.execute(
        "SELECT at, actor_role, type, article, data FROM case_events WHERE case_id = ? ORDER BY id",
        &[case.get().into()],
    )?;
    rows.iter()
        .map(|r| {
            Ok(StoredEvent {
                at: r.text("at")?.to_string(),
                actor_role: r.text("actor_role")?.to_string(),
                kind: r.text("type")?.to_string(),
                article: r.text("article")?.to_string(),
                data: serde_json::from_str(r.text("data")?).map_err(corrupt)?,
            })
        })
        .collect()
}

/// Sets deadlines; each replaces (deactivates, keeps) the running deadline
/// of its milestone. `reason` says why: `routed`, `extension`, `qc_failed`,
/// `review_returned`.
pub fn set_deadlines(
    db: &impl Db,
    case: CaseId,
    deadlines: &[Deadline],
    reason: &str,
    at: DateTime<FixedOffset>,
) -> Result<(), StoreError> {
    db.transaction(|db| {
        for d in deadlines {
            db.execute(
                "UPDATE case_deadlines SET active = 0 WHERE case_id = ? AND milestone = ? AND active = 1",
                &[case.get().into(), d.milestone.as_str().into()],
            )?;
            db.execute(
                "INSERT INTO case_deadlines (case_id, milestone, working_days, due_date, due_at, verified, reason, set_at)
                 VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                &[
                    case.get().into(),
                    d.milestone.as_str().into(),
                    i64::from(d.working_days).into(),
                    d.due_date.to_string().into(),
                    clock::format(d.due_at).into(),
                    i64::from(d.verified).into(),
                    reason.into(),
                    clock::format(at).into(),
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
    pub id: i64,
    pub case_id: CaseId,
    pub milestone: Milestone,
    pub due_at: String,
    pub reason: String,
    pub active: bool,
    pub met: bool,
}

fn stored_deadlines(rows: &crate::db::Rows) -> Result<Vec<StoredDeadline>, StoreError> {
    rows.iter()
        .map(|r| {
            Ok(StoredDeadline {
                id: r.integer("id")?,
                case_id: CaseId::new(r.integer("case_id")?).map_err(corrupt)?,
                milestone: r
                    .text("milestone")?
                    .parse()
                    .map_err(|_| corrupt("milestone"))?,
                due_at: r.text("due_at")?.to_string(),
                reason: r.text("reason")?.to_string(),
                active: r.integer("active")? != 0,
                met: r.opt_text("met_at")?.is_some(),
            })
        })
        .collect()
}

/// Every deadline a case ever had, oldest first.
pub fn deadline_history(db: &impl Db, case: CaseId) -> Result<Vec<StoredDeadline>, StoreError> {
    let rows = db.execute(
        "SELECT id, case_id, milestone, due_at, reason, active, met_at FROM case_deadlines
         WHERE case_id = ? ORDER BY id",
        &[case.get().into()],
    )?;
    stored_deadlines(&rows)
}

/// The scheduled scan: running deadlines due by `until` (near or past),
/// soonest first, at most `limit`. Reads only running deadlines, through
/// the partial index.
pub const DUE_SCAN_SQL: &str =
    "SELECT id, case_id, milestone, due_at, reason, active, met_at FROM case_deadlines
     WHERE active = 1 AND met_at IS NULL AND due_at <= ? ORDER BY due_at LIMIT ?";

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

/// Adds or updates a unit in the directory.
pub fn upsert_unit(db: &impl Db, unit: &Unit) -> Result<(), StoreError> {
    db.execute(
        "INSERT INTO units (id, name, county, unit_type) VALUES (?, ?, ?, ?)
         ON CONFLICT (id) DO UPDATE SET name = excluded.name, county = excluded.county, unit_type = excluded.unit_type",
        &[
            unit.id.as_str().into(),
            unit.name.as_str().into(),
            unit.county.as_str().into(),
            unit.unit_type.as_str().into(),
        ],
    )?;
    Ok(())
}

/// What decides a case's time limits, and when it was received.
pub fn case_facts(
    db: &impl Db,
    case: CaseId,
) -> Result<(crate::deadlines::CaseFacts, DateTime<Utc>), StoreError> {
    let rows = db.execute(
        "SELECT channel, kind, mode, hall_form, complex, urgent, received_at FROM cases WHERE id = ?",
        &[case.get().into()],
    )?;
    let row = rows.row(0).ok_or(StoreError::NotFound(case))?;
    let bad = |w: &str| StoreError::Corrupt(format!("{w} of case {case}"));
    let facts = crate::deadlines::CaseFacts {
        channel: row.text("channel")?.parse().map_err(|_| bad("channel"))?,
        kind: row.text("kind")?.parse().map_err(|_| bad("kind"))?,
        mode: row
            .opt_text("mode")?
            .map(|m| m.parse().map_err(|_| bad("mode")))
            .transpose()?,
        form: row
            .opt_text("hall_form")?
            .map(|m| m.parse().map_err(|_| bad("hall_form")))
            .transpose()?,
        complex: row.integer("complex")? != 0,
        urgent: row.integer("urgent")? != 0,
    };
    let received = DateTime::parse_from_rfc3339(row.text("received_at")?)
        .map_err(|_| bad("received_at"))?
        .with_timezone(&Utc);
    Ok((facts, received))
}

/// A fresh deployment starts with the demo county's unit directory
/// (`shared/config/units.json`); a directory once filled is left alone.
pub fn ensure_units(db: &impl Db) -> Result<(), StoreError> {
    if unit_count(db)? == 0 {
        for unit in crate::units::demo_directory() {
            upsert_unit(db, &unit)?;
        }
    }
    Ok(())
}

/// Whether a unit is in the directory.
pub fn unit_exists(db: &impl Db, unit: &UnitId) -> Result<bool, StoreError> {
    let rows = db.execute(
        "SELECT 1 AS x FROM units WHERE id = ?",
        &[unit.as_str().into()],
    )?;
    Ok(!rows.rows.is_empty())
}

/// How many units the directory holds.
pub fn unit_count(db: &impl Db) -> Result<i64, StoreError> {
    let rows = db.execute("SELECT COUNT(*) AS n FROM units", &[])?;
    Ok(rows
        .row(0)
        .map(|r| r.integer("n"))
        .transpose()?
        .unwrap_or(0))
}

/// The units of one county (routing is local first).
pub fn units_in(db: &impl Db, county: &CountyCode) -> Result<Vec<Unit>, StoreError> {
    let rows = db.execute(
        "SELECT id, name, county, unit_type FROM units WHERE county = ? ORDER BY id",
        &[county.as_str().into()],
    )?;
    rows.iter()
        .map(|r| {
            Ok(Unit {
                id: r.text("id")?.parse().map_err(corrupt)?,
                name: r.text("name")?.to_string(),
                county: r.text("county")?.parse().map_err(corrupt)?,
                unit_type: r.text("unit_type")?.to_string(),
            })
        })
        .collect()
}

#[cfg(test)]
#[path = "store_tests.rs"]
mod tests;
