//! The unit directory: the handling units cases are sent to.

use crate::base::db::Db;
use crate::base::ids::CountyCode;
use crate::base::ids::UnitId;
use crate::case::stored::{corrupt, StoreError};
use crate::directory::units::Unit;

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

/// The unit types the directory has, sorted.
pub fn unit_types(db: &impl Db) -> Result<Vec<String>, StoreError> {
    let rows = db.execute(
        "SELECT DISTINCT unit_type FROM units ORDER BY unit_type",
        &[],
    )?;
    rows.iter()
        .map(|r| Ok(r.text("unit_type")?.to_string()))
        .collect()
}

/// The directory's names of the units `ids` (retired ones too), by id;
/// an id the directory lacks is left out.
pub fn names<'a>(
    db: &impl Db,
    ids: impl IntoIterator<Item = &'a str>,
) -> Result<std::collections::BTreeMap<String, String>, StoreError> {
    let ids: std::collections::BTreeSet<&str> = ids.into_iter().collect();
    if ids.is_empty() {
        return Ok(Default::default());
    }
    let marks = vec!["?"; ids.len()].join(", ");
    let params: Vec<crate::base::db::SqlValue> = ids.iter().map(|u| (*u).into()).collect();
    let rows = db.execute(
        &format!("SELECT id, name FROM units WHERE id IN ({marks})"),
        &params,
    )?;
    rows.iter()
        .map(|r| Ok((r.text("id")?.to_string(), r.text("name")?.to_string())))
        .collect()
}

/// Whether a unit is in the directory and not retired (it may be given
/// cases).
pub fn unit_exists(db: &impl Db, unit: &UnitId) -> Result<bool, StoreError> {
    let rows = db.execute(
        "SELECT 1 AS x FROM units WHERE id = ? AND retired_at IS NULL",
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

/// The units of one county that take cases (routing is local first;
/// retired units get none).
pub fn units_in(db: &impl Db, county: &CountyCode) -> Result<Vec<Unit>, StoreError> {
    let rows = db.execute(
        "SELECT id, name, county, unit_type FROM units WHERE county = ? AND retired_at IS NULL
         ORDER BY id",
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
