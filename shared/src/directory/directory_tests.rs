//! The directory administered against real SQLite: added, renamed,
//! retired (no new cases, no routing move names it), on record.

use super::*;
use crate::base::test_support::{seeded_db, t};
use crate::directory::unit_rows;
use serde_json::json;

const AT: &str = "2026-11-20T10:00:00+08:00";

fn who(role: Role) -> Principal {
    Principal {
        subject: "zhang.wei".into(),
        role,
        unit: (role == Role::Unit).then(|| "qibin-urban".parse().expect("unit")),
        leader: false,
    }
}

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
