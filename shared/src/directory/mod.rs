//! The directories the bureau keeps (Art. 12): the people who work cases
//! (`staff`) and, here, the units: units added,
//! renamed and retired at run time — a retired unit gets no new cases and
//! cannot be named in a routing move, its old cases stay readable — each
//! change on record with the token subject; supervisors read.

use chrono::{DateTime, FixedOffset};
use serde::Serialize;
use serde_json::Value;

use crate::access::Principal;
use crate::base::clock;
use crate::base::db::{Db, SqlValue};
use crate::base::fields::{FieldError, Fields};
use crate::base::ids::CountyCode;
use crate::base::ids::UnitId;
use crate::case::stored::StoreError;
use crate::case::words::Role;
use crate::directory::units::Unit;

pub mod accounts;
pub mod sessions;
pub mod sign_on;
pub mod staff;
pub mod unit_rows;
pub mod units;

/// A unit as the directory lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Listed {
    /// The unit's stable id.
    pub id: UnitId,
    /// Its official name.
    pub name: String,
    /// Its county.
    pub county: String,
    /// Its type, as the routing table names it.
    pub unit_type: String,
    /// When it was retired (it gets no new cases), if it was.
    pub retired_at: Option<String>,
}

/// Why a directory change is refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum DirectoryError {
    /// The role may not do this (writes are the bureau's; reads the
    /// bureau's and supervisors').
    #[error("the {0} role may not do this")]
    Role(Role),
    /// Reading or writing the directory failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The body's fields, each problem named.
    #[error("invalid fields")]
    Fields(Vec<FieldError>),
    /// A unit with that id exists already.
    #[error("unit {0} exists already")]
    Exists(UnitId),
    /// No unit with that id.
    #[error("no unit {0}")]
    NotFound(UnitId),
    /// The county has a unit of that type already: routing resolves a
    /// unit type within a county to exactly one unit.
    #[error("county {county} already has a {unit_type} unit: {existing}")]
    TypeTaken {
        /// The county.
        county: String,
        /// The unit type.
        unit_type: String,
        /// The unit that has it.
        existing: String,
    },
}

impl From<crate::base::db::DbError> for DirectoryError {
    fn from(e: crate::base::db::DbError) -> Self {
        Self::from(StoreError::from(e))
    }
}

fn bureau(who: &Principal) -> Result<(), DirectoryError> {
    crate::access::may_change_county_data(who).map_err(DirectoryError::Role)
}

/// Every unit, retired ones included, by id (bureau and supervisors).
pub fn list(db: &impl Db, who: &Principal) -> Result<Vec<Listed>, DirectoryError> {
    crate::access::may_read_county_data(who).map_err(DirectoryError::Role)?;
    let rows = db.execute(
        "SELECT id, name, county, unit_type, retired_at FROM units ORDER BY id",
        &[],
    )?;
    rows.iter()
        .map(|r| {
            Ok(Listed {
                id: r
                    .text("id")?
                    .parse()
                    .map_err(|_| StoreError::Corrupt("unit id".into()))?,
                name: r.text("name")?.to_string(),
                county: r.text("county")?.to_string(),
                unit_type: r.text("unit_type")?.to_string(),
                retired_at: r.opt_text("retired_at")?.map(str::to_string),
            })
        })
        .collect()
}

/// Adds a unit: `id`, `name`, `county`, `unit_type` (lower-case letters
/// and `_`).
pub fn add(
    db: &impl Db,
    who: &Principal,
    body: &Value,
    at: DateTime<FixedOffset>,
) -> Result<Listed, DirectoryError> {
    bureau(who)?;
    let mut f = Fields::of(body).map_err(DirectoryError::Fields)?;
    let id = f.get::<UnitId>("id");
    let name = f.get::<crate::base::fields::Bounded<100>>("name");
    let county = f.get::<CountyCode>("county");
    let unit_type = f.get::<crate::base::fields::Bounded<40>>("unit_type");
    if let Some(t) = &unit_type {
        if !t.0.bytes().all(|b| b.is_ascii_lowercase() || b == b'_') {
            f.error(
                "unit_type",
                "invalid",
                "lower-case letters and _, e.g. housing",
            );
        }
    }
    let unit =
        f.finish(id.zip(name).zip(county).zip(unit_type).map(
            |(((id, name), county), unit_type)| Unit {
                id,
                name: name.0,
                county,
                unit_type: unit_type.0,
            },
        ))
        .map_err(DirectoryError::Fields)?;
    if db
        .execute(
            "SELECT 1 AS x FROM units WHERE id = ?",
            &[unit.id.as_str().into()],
        )?
        .row(0)
        .is_some()
    {
        return Err(DirectoryError::Exists(unit.id));
    }
    let same_type = db.execute(
        "SELECT id FROM units WHERE county = ? AND unit_type = ?",
        &[unit.county.as_str().into(), unit.unit_type.as_str().into()],
    )?;
    if let Some(row) = same_type.row(0) {
        return Err(DirectoryError::TypeTaken {
            county: unit.county.as_str().to_string(),
            unit_type: unit.unit_type.clone(),
            existing: row.text("id")?.to_string(),
        });
    }
    db.transaction(|db| -> Result<(), DirectoryError> {
        unit_rows::upsert_unit(db, &unit)?;
        record(db, &unit.id, "added", body, who, at)
    })?;
    one(db, who, &unit.id)
}

/// Renames (`name`) or retires (`retired: true`; `false` reinstates) a unit.
pub fn change(
    db: &impl Db,
    who: &Principal,
    id: &UnitId,
    body: &Value,
    at: DateTime<FixedOffset>,
) -> Result<Listed, DirectoryError> {
    bureau(who)?;
    let mut f = Fields::of(body).map_err(DirectoryError::Fields)?;
    let name = f
        .raw("name")
        .map(|_| f.get::<crate::base::fields::Bounded<100>>("name"));
    let retired = f.raw("retired").map(|_| f.get::<bool>("retired"));
    if name.is_none() && retired.is_none() {
        f.error("name", "missing", "give name, retired or both");
    }
    f.finish(Some(())).map_err(DirectoryError::Fields)?;
    one(db, who, id)?;
    db.transaction(|db| -> Result<(), DirectoryError> {
        if let Some(Some(name)) = &name {
            db.execute(
                "UPDATE units SET name = ? WHERE id = ?",
                &[name.0.as_str().into(), id.as_str().into()],
            )?;
        }
        if let Some(Some(retired)) = retired {
            let when = retired.then(|| clock::format(at));
            db.execute(
                "UPDATE units SET retired_at = ? WHERE id = ?",
                &[SqlValue::from(when), id.as_str().into()],
            )?;
        }
        record(db, id, "changed", body, who, at)
    })?;
    one(db, who, id)
}

fn one(db: &impl Db, who: &Principal, id: &UnitId) -> Result<Listed, DirectoryError> {
    list(db, who)?
        .into_iter()
        .find(|u| &u.id == id)
        .ok_or_else(|| DirectoryError::NotFound(id.clone()))
}

/// The principal a row of `staff` names (columns `id`, `display_name`,
/// `role`, `unit_id`, `leader`): what the directory says someone may do,
/// read the same way for a sign-in identity and for a session.
pub(crate) fn staff_principal(row: &crate::base::db::Row<'_>) -> Result<Principal, StoreError> {
    let role: Role = row
        .text("role")?
        .parse()
        .map_err(|_| StoreError::Corrupt("staff role".into()))?;
    Ok(Principal {
        subject: row.text("id")?.to_string(),
        name: row.text("display_name")?.to_string(),
        role,
        unit: row
            .opt_text("unit_id")?
            .map(str::parse)
            .transpose()
            .map_err(crate::case::stored::corrupt)?,
        leader: role == Role::Unit && row.integer("leader")? != 0,
    })
}

/// Which directory a change is recorded in.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Ledger {
    /// `unit_changes`.
    Units,
    /// `staff_changes`.
    Staff,
}

/// Puts one change of a directory on record: what, the body as given,
/// who and when (the audit trail reads both ledgers).
pub(crate) fn record_change(
    db: &impl Db,
    ledger: Ledger,
    id: &str,
    change: &str,
    body: &Value,
    who: &Principal,
    at: DateTime<FixedOffset>,
) -> Result<(), StoreError> {
    let sql = match ledger {
        Ledger::Units => {
            "INSERT INTO unit_changes (unit_id, change, body, set_by, set_at) VALUES (?, ?, ?, ?, ?)"
        }
        Ledger::Staff => {
            "INSERT INTO staff_changes (person_id, change, body, set_by, set_at) VALUES (?, ?, ?, ?, ?)"
        }
    };
    db.execute(
        sql,
        &[
            id.into(),
            change.into(),
            body.to_string().into(),
            who.subject.as_str().into(),
            clock::format(at).into(),
        ],
    )?;
    Ok(())
}

fn record(
    db: &impl Db,
    id: &UnitId,
    change: &str,
    body: &Value,
    who: &Principal,
    at: DateTime<FixedOffset>,
) -> Result<(), DirectoryError> {
    Ok(record_change(
        db,
        Ledger::Units,
        id.as_str(),
        change,
        body,
        who,
        at,
    )?)
}

#[cfg(test)]
mod tests {
    //! The directory administered against real SQLite: added, renamed,
    //! retired (no new cases, no routing move names it), on record.

    use super::*;
    use crate::base::test_support::{seeded_db, staff_member as who, t};
    use crate::directory::unit_rows;
    use serde_json::json;

    const AT: &str = "2026-11-20T10:00:00+08:00";

    #[test]
    fn the_bureau_adds_renames_and_retires_a_unit_and_a_retired_one_gets_no_cases() {
        let db = seeded_db();
        let bureau = who(Role::Bureau);
        let added = add(
            &db,
            &bureau,
            &json!({"id": "qibin-culture", "name": "淇滨区文化广电和旅游局",
                "county": "410611000", "unit_type": "culture"}),
            t(AT),
        )
        .expect("adds");
        assert_eq!(added.retired_at, None);
        let unit: UnitId = "qibin-culture".parse().expect("id");
        assert!(unit_rows::unit_exists(&db, &unit).expect("reads"));
        let renamed = change(
            &db,
            &bureau,
            &unit,
            &json!({"name": "淇滨区文化和旅游局"}),
            t(AT),
        )
        .expect("renames");
        assert_eq!(renamed.name, "淇滨区文化和旅游局");
        // Retired: no new cases, not in the county's routing set, still listed.
        let urban: UnitId = "qibin-urban".parse().expect("id");
        change(&db, &bureau, &urban, &json!({"retired": true}), t(AT)).expect("retires");
        assert!(!unit_rows::unit_exists(&db, &urban).expect("reads"));
        let county: CountyCode = "410611000".parse().expect("county");
        assert!(!unit_rows::units_in(&db, &county)
            .expect("units")
            .iter()
            .any(|u| u.id == urban));
        let listed = list(&db, &who(Role::Supervisor)).expect("lists");
        assert!(listed
            .iter()
            .any(|u| u.id == urban && u.retired_at.is_some()));
        // On record, with who did it.
        let changes = db
        .execute(
            "SELECT unit_id, change, set_by FROM unit_changes WHERE set_by != 'seed' ORDER BY id",
            &[],
        )
        .expect("changes");
        assert_eq!(changes.rows.len(), 3);
        assert_eq!(
            changes.row(2).expect("row").text("set_by").expect("by"),
            "zhang.wei"
        );
    }

    #[test]
    fn bad_or_duplicate_units_are_refused_with_the_field_named_and_only_the_bureau_changes() {
        let db = seeded_db();
        let bureau = who(Role::Bureau);
        let fields = |body: serde_json::Value| match add(&db, &bureau, &body, t(AT)) {
            Err(DirectoryError::Fields(errors)) => {
                errors.into_iter().map(|e| e.field).collect::<Vec<_>>()
            }
            other => panic!("expected field errors: {other:?}"),
        };
        assert_eq!(
            fields(json!({"id": "Bad Id", "name": "x", "county": "41", "unit_type": "Culture"})),
            vec!["id", "county", "unit_type"]
        );
        assert!(matches!(
            add(
                &db,
                &bureau,
                &json!({"id": "qibin-urban", "name": "x", "county": "410611000", "unit_type": "x"}),
                t(AT)
            ),
            Err(DirectoryError::Exists(_))
        ));
        // A second unit of a type the county has: refused, not a constraint error.
        let second = json!({"id": "qibin-urban-2", "name": "淇滨区城市管理二局", "county": "410611000",
                        "unit_type": "urban_management"});
        assert!(matches!(
            add(&db, &bureau, &second, t(AT)),
            Err(DirectoryError::TypeTaken { existing, .. }) if existing == "qibin-urban"
        ));
        let ghost: UnitId = "qibin-ghost".parse().expect("id");
        assert!(matches!(
            change(&db, &bureau, &ghost, &json!({"retired": true}), t(AT)),
            Err(DirectoryError::NotFound(_))
        ));
        for role in [Role::Unit, Role::Agent, Role::Supervisor] {
            assert_eq!(
                add(&db, &who(role), &json!({}), t(AT)),
                Err(DirectoryError::Role(role))
            );
        }
        assert!(list(&db, &who(Role::Unit)).is_err());
    }
}
