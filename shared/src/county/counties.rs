//! The counties an instance serves, as a citizen picks one when submitting:
//! every county with a unit that takes cases, and any the county's intake
//! rules name, each with its name from `county_names` (Art. 12: the bureau
//! changes it at run time).

use serde::Serialize;

use crate::base::db::Db;
use crate::case::stored::StoreError;
use crate::county::intake_rules::IntakeRules;

/// One county in the list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct County {
    /// The 9-digit administrative division code.
    pub code: String,
    /// Its name, when the intake rules give one.
    pub name: Option<String>,
}

/// The counties served, by code.
pub fn served(db: &impl Db, rules: &IntakeRules) -> Result<Vec<County>, StoreError> {
    let rows = db.execute(
        "SELECT DISTINCT county FROM units WHERE retired_at IS NULL ORDER BY county",
        &[],
    )?;
    let mut codes = std::collections::BTreeSet::new();
    for row in rows.iter() {
        codes.insert(row.text("county")?.to_string());
    }
    codes.extend(rules.county_names.keys().cloned());
    Ok(codes
        .into_iter()
        .map(|code| County {
            name: rules.county_names.get(&code).map(|n| n.trim().to_string()),
            code,
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::base::db::NativeDb;
    use crate::base::ids::CountyCode;

    use crate::base::ids::UnitId;
    use crate::base::test_support::migrated_db;
    use crate::directory::unit_rows;
    use crate::directory::units::Unit;

    fn unit(db: &NativeDb, id: &str, county: &str) {
        unit_rows::upsert_unit(
            db,
            &Unit {
                id: id.parse::<UnitId>().expect("unit id"),
                name: format!("{id} 局"),
                county: county.parse::<CountyCode>().expect("county"),
                unit_type: id.to_string(),
            },
        )
        .expect("unit");
    }

    #[test]
    fn the_counties_of_working_units_are_listed_once_each_named_where_the_rules_name_them() {
        let db = migrated_db();
        unit(&db, "a-urban", "410611000");
        unit(&db, "a-housing", "410611000");
        unit(&db, "b-urban", "410621000");
        db.execute(
            "UPDATE units SET retired_at = '2026-01-01T00:00:00+08:00' WHERE id = 'b-urban'",
            &[],
        )
        .expect("retire");
        let mut rules = IntakeRules::defaults();
        rules
            .county_names
            .insert("410611000".into(), "淇滨区".into());
        rules.county_names.insert("410622000".into(), "淇县".into());
        let listed = served(&db, &rules).expect("counties");
        assert_eq!(
            listed,
            vec![
                County {
                    code: "410611000".into(),
                    name: Some("淇滨区".into())
                },
                County {
                    code: "410622000".into(),
                    name: Some("淇县".into())
                },
            ]
        );
    }

    #[test]
    fn a_county_without_a_name_is_listed_by_its_code() {
        let db = migrated_db();
        unit(&db, "b-urban", "410621000");
        let listed = served(&db, &IntakeRules::defaults()).expect("counties");
        assert_eq!(
            listed,
            vec![County {
                code: "410621000".into(),
                name: None
            }]
        );
    }
}
