//! A case's lifecycle in the database: loading it, applying a transition
//! under optimistic concurrency (with its events), and the events on record.

use chrono::{DateTime, FixedOffset};

use crate::base::clock;
use crate::base::db::{Db, SqlValue};
use crate::base::ids::CaseId;
use crate::base::ids::UnitId;
use crate::case::stored::{corrupt, Column, StoreError};
use crate::case::words::{Role, Status};
use crate::lifecycle::{Actor, Lifecycle, RejectCategory, Transition};

/// A case's lifecycle and the version it was read at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Versioned {
    /// The case's lifecycle.
    pub lifecycle: Lifecycle,
    /// The version it was read at (the `ETag`).
    pub version: i64,
}

/// The columns a case's [`Versioned`] lifecycle is read from (`cases c`),
/// co-units included, so that one statement reads it.
macro_rules! lifecycle_columns {
    () => {
        "c.status, c.rejection_category, c.lead_unit, c.round, c.extension_pending,
         c.routed_before, c.complex, c.clue_pending, c.signed, c.version,
         (SELECT json_group_array(unit_id) FROM case_co_units WHERE case_id = c.id) AS co_units"
    };
}
pub(crate) use lifecycle_columns;

/// A case's lifecycle and its version.
pub fn load_lifecycle(db: &impl Db, case: CaseId) -> Result<Versioned, StoreError> {
    let rows = db.execute(
        concat!(
            "SELECT ",
            lifecycle_columns!(),
            " FROM cases c WHERE c.id = ?"
        ),
        &[case.get().into()],
    )?;
    versioned(rows.row(0).ok_or(StoreError::NotFound(case))?)
}

/// The lifecycle off a row with [`lifecycle_columns`].
pub(crate) fn versioned(row: crate::base::db::Row<'_>) -> Result<Versioned, StoreError> {
    let status: Status = row.parsed("status")?;
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
    let mut co_units = serde_json::from_str::<Vec<&str>>(row.text("co_units")?)
        .map_err(corrupt)?
        .into_iter()
        .map(|u| u.parse::<UnitId>().map_err(corrupt))
        .collect::<Result<Vec<_>, _>>()?;
    co_units.sort();
    Ok(Versioned {
        lifecycle: Lifecycle {
            status,
            rejection,
            lead,
            co_units,
            round: u32::try_from(row.integer("round")?).map_err(corrupt)?,
            extension_pending: row.integer("extension_pending")? != 0,
            routed_before: row.integer("routed_before")? != 0,
            complex: row.integer("complex")? != 0,
            clue_pending: row.integer("clue_pending")? != 0,
            signed: row.integer("signed")? != 0,
            sign_first: true,
        },
        version: row.integer("version")?,
    })
}

/// When the case last went to a unit (routed, reassigned or sent on by
/// the city's instruction), if it ever did.
pub fn last_routed_at(
    db: &impl Db,
    case: CaseId,
) -> Result<Option<DateTime<FixedOffset>>, StoreError> {
    last_event_at(db, case, "'routed', 'reassigned'")
}

/// When the current unit's time limits started, if not at receipt: the
/// last reassignment or the city's instruction.
pub fn handling_start(
    db: &impl Db,
    case: CaseId,
) -> Result<Option<DateTime<FixedOffset>>, StoreError> {
    last_event_at(db, case, "'reassigned', 'instruction_received'")
}

/// When the last event of one of `types` (a fixed SQL list) was recorded.
fn last_event_at(
    db: &impl Db,
    case: CaseId,
    types: &'static str,
) -> Result<Option<DateTime<FixedOffset>>, StoreError> {
    let rows = db.execute(
        &format!(
            "SELECT at FROM case_events WHERE case_id = ? AND type IN ({types})
             ORDER BY id DESC LIMIT 1"
        ),
        &[case.get().into()],
    )?;
    rows.row(0).map(|row| row.instant("at")).transpose()
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
pub fn record_move(
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
                    extension_pending = ?, routed_before = ?, complex = ?, clue_pending = ?,
                    closed_at = CASE WHEN ?9 IS NULL THEN NULL ELSE COALESCE(closed_at, ?9) END,
                    working_days_to_close = CASE WHEN ?9 IS NULL THEN NULL
                        WHEN closed_at IS NULL AND substr(received_at, 1, 10) = substr(?9, 1, 10) THEN 0
                        ELSE working_days_to_close END,
                    signed = ?12,
                    version = version + 1
             WHERE id = ?10 AND version = ?11
             RETURNING version",
            &[
                lc.status.as_str().into(),
                SqlValue::from(lc.rejection.map(|c| i64::from(c.number()))),
                SqlValue::from(lc.lead.as_ref().map(|u| u.as_str())),
                i64::from(lc.round).into(),
                i64::from(lc.extension_pending).into(),
                i64::from(lc.routed_before).into(),
                i64::from(lc.complex).into(),
                i64::from(lc.clue_pending).into(),
                SqlValue::from(closed_at),
                case.get().into(),
                expected_version.into(),
                i64::from(lc.signed).into(),
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
        if transition.co_units_changed {
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
        }
        for event in &transition.events {
            let data = serde_json::to_value(event).map_err(corrupt)?;
            let kind = data
                .get("type")
                .and_then(|t| t.as_str())
                .unwrap_or("unknown")
                .to_string();
            db.execute(
                "INSERT INTO case_events (case_id, at, actor_role, actor_unit, actor_subject,
                                          actor_name, action, type, article, data)
                 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                &[
                    case.get().into(),
                    clock::format(at).into(),
                    actor.role.as_str().into(),
                    SqlValue::from(actor.unit.as_ref().map(|u| u.as_str())),
                    actor.subject.as_str().into(),
                    SqlValue::from(actor.name.clone()),
                    transition.action.as_str().into(),
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
    /// When it happened, China time.
    pub at: DateTime<FixedOffset>,
    /// The role of who did it.
    pub actor_role: Role,
    /// Their unit, for unit staff.
    pub actor_unit: Option<UnitId>,
    /// Who did it: the token's subject, or the stage acting for the bureau
    /// (none on events recorded before subjects were).
    pub actor_subject: Option<String>,
    /// Their name as it was then (none for a stage, or on events recorded
    /// before names were).
    pub actor_name: Option<String>,
    /// The action that made the move (none on events recorded before).
    pub action: Option<crate::lifecycle::ActionKind>,
    /// The event's type (`routed`, `qc_failed`, ...).
    pub kind: String,
    /// The articles that allowed the move.
    pub article: String,
    /// The event's fields.
    pub data: serde_json::Value,
}

/// Every event of a case, oldest first.
pub fn events(db: &impl Db, case: CaseId) -> Result<Vec<StoredEvent>, StoreError> {
    let rows = db.execute(
        "SELECT at, actor_role, actor_unit, actor_subject, actor_name, action, type, article, data
         FROM case_events WHERE case_id = ? ORDER BY id",
        &[case.get().into()],
    )?;
    rows.iter()
        .map(|r| {
            Ok(StoredEvent {
                at: r.instant("at")?,
                actor_role: r.parsed("actor_role")?,
                actor_unit: r.opt_parsed("actor_unit")?,
                actor_subject: r.opt_text("actor_subject")?.map(str::to_string),
                actor_name: r.opt_text("actor_name")?.map(str::to_string),
                action: r.opt_parsed("action")?,
                kind: r.text("type")?.to_string(),
                article: r.text("article")?.to_string(),
                data: serde_json::from_str(r.text("data")?).map_err(corrupt)?,
            })
        })
        .collect()
}
