//! The county's rules changed at run time against real SQLite: checked
//! with the field named, versioned, attributed, read back with history.

use super::*;
use crate::base::test_support::{seeded_db, t};
use crate::time::calendar::Calendar;
use crate::time::deadline_rows;
use serde_json::json;

fn who(role: Role, subject: &str) -> Principal {
    Principal {
        subject: subject.into(),
        role,
        unit: (role == Role::Unit).then(|| "qibin-urban".parse().expect("unit")),
        leader: false,
    }
}

const AT: &str = "2026-11-20T10:00:00+08:00";

fn year_2027() -> Value {
    json!({"year": 2027, "notices": ["国务院办公厅关于2027年部分节假日安排的通知（测试数据）"],
           "holidays": [{"name": "元旦", "days_off": ["2027-01-01/2027-01-03"], "working_days": []},
                        {"name": "春节", "days_off": ["2027-02-06/2027-02-13"],
                         "working_days": ["2027-02-14", "2027-02-20"]}]})
}

#[test]
fn the_bureau_loads_a_calendar_year_that_is_then_in_force_with_its_history() {
    let db = seeded_db();
    let bureau = who(Role::Bureau, "zhang.wei");
    assert_eq!(
        get(&db, &bureau, Target::Year(2027)),
        Err(AdminError::NoYear(2027))
    );
    let seeded = rules::version(&db).expect("version");
    let change = put(&db, &bureau, Target::Year(2027), &year_2027(), t(AT)).expect("loads");
    assert_eq!(
        (change.version, change.set_by.as_str()),
        (seeded + 1, "zhang.wei")
    );
    let rules = Rules::current(&db, &crate::base::rules::NoCache).expect("rules");
    let day = rules
        .get::<Calendar>()
        .expect("calendar")
        .day("2027-02-08".parse().expect("date"));
    assert!(day.verified && !day.working_day);
    let setting = get(&db, &who(Role::Supervisor, "sun"), Target::Year(2027)).expect("reads");
    assert!(setting.county_set);
    assert_eq!(setting.rules["year"], 2027);
    assert_eq!(setting.history.len(), 1);
    // A built-in year reads as shipped.
    let shipped = get(&db, &bureau, Target::Year(2025)).expect("reads");
    assert!(!shipped.county_set && shipped.history.is_empty());
}

#[test]
fn a_bad_calendar_year_is_refused_with_the_field_named() {
    let db = seeded_db();
    let seeded = rules::version(&db).expect("version");
    let bureau = who(Role::Bureau, "zhang.wei");
    let refused = |body: Value, target: Target| match put(&db, &bureau, target, &body, t(AT)) {
        Err(AdminError::Invalid { field, .. }) => field,
        other => panic!("expected a refusal, got {other:?}"),
    };
    let mut wednesday = year_2027();
    wednesday["holidays"][1]["working_days"] = json!(["2027-02-17"]);
    assert_eq!(refused(wednesday, Target::Year(2027)), "holidays");
    let mut overlap = year_2027();
    overlap["holidays"][1]["days_off"] = json!(["2027-02-06/2027-02-13", "2027-02-10"]);
    assert_eq!(refused(overlap, Target::Year(2027)), "holidays");
    let mut outside = year_2027();
    outside["holidays"][0]["days_off"] = json!(["2028-03-01"]);
    assert_eq!(refused(outside, Target::Year(2027)), "holidays");
    assert_eq!(refused(year_2027(), Target::Year(2028)), "year");
    let mut no_notice = year_2027();
    no_notice["notices"] = json!([]);
    assert_eq!(refused(no_notice, Target::Year(2027)), "notices");
    // Nothing was stored: the rules are still the seed's.
    assert_eq!(rules::version(&db), Ok(seeded));
}

#[test]
fn a_routing_table_naming_a_unit_type_the_directory_lacks_is_refused() {
    let db = seeded_db();
    let bureau = who(Role::Bureau, "zhang.wei");
    let routing = Target::Family(Family::Routing);
    let body = json!({"entries": [{"unit_type": "transport", "keywords": ["共享单车"]},
                                  {"unit_type": "space_agency", "keywords": ["火箭"]}]});
    assert_eq!(
        put(&db, &bureau, routing, &body, t(AT)),
        Err(AdminError::Invalid {
            field: "entries[1].unit_type".into(),
            reason: "\"space_agency\" is no unit type of the directory (environment, housing, human_resources, market_regulation, transport, urban_management, water)".into()
        })
    );
    let good = json!({"entries": [{"unit_type": "transport", "keywords": ["共享单车"]}]});
    put(&db, &bureau, routing, &good, t(AT)).expect("sets");
    let setting = get(&db, &bureau, routing).expect("reads");
    assert_eq!(setting.rules["entries"][0]["keywords"][0], "共享单车");
    // Invalid rules of another family name the family.
    let bad = json!({"warning_working_days": 99, "stuck_after_minutes": 5, "batch": 10});
    assert!(matches!(
        put(&db, &bureau, Target::Family(Family::Reminder), &bad, t(AT)),
        Err(AdminError::Invalid { field, .. }) if field == "reminder"
    ));
}

#[test]
fn only_the_bureau_changes_rules_and_units_and_agents_read_none() {
    let db = seeded_db();
    let deadlines = Target::Family(Family::Deadlines);
    for role in [Role::Unit, Role::Agent, Role::Supervisor, Role::Scheduler] {
        assert_eq!(
            put(&db, &who(role, "x"), deadlines, &json!({}), t(AT)),
            Err(AdminError::Role(role))
        );
    }
    for role in [Role::Unit, Role::Agent, Role::Scheduler] {
        assert_eq!(
            get(&db, &who(role, "x"), deadlines),
            Err(AdminError::Role(role))
        );
    }
    // Unchanged, the shipped defaults are in force and read as such.
    let shipped = get(&db, &who(Role::Supervisor, "sun"), deadlines).expect("reads");
    assert!(!shipped.county_set);
    assert_eq!(shipped.rules["qc_redo_days"], 5);
    assert_eq!(Target::family("calendar"), Err(NoSuchTarget::Family));
    assert_eq!(Target::year("1999"), Err(NoSuchTarget::Year));
    assert_eq!(Target::year("2100"), Ok(Target::Year(2100)));
    // What a caller is told lists what is there, from the same table.
    assert_eq!(
        NoSuchTarget::Family.to_string(),
        "families: deadlines, filter, routing, intake, reminder"
    );
    assert_eq!(
        NoSuchTarget::Year.to_string(),
        "a calendar year from 2000 to 2100"
    );
}

#[test]
fn loading_a_year_counts_unverified_deadlines_again_and_leaves_verified_ones_alone() {
    let db = seeded_db();
    crate::base::test_support::seed_demo(&db);
    let rules = Rules::defaults();
    let lamp = |n: u8, at: &str| {
        let body = json!({"channel": "hotline_web", "kind": "complaint", "title": "路灯不亮",
            "content": "九州路路灯已坏一周，请尽快维修。", "county": "410611000",
            "submitter": {"type": "individual", "name": "张三", "phone": format!("1381234567{n}")}});
        let case = crate::base::test_support::store_case(&db, n, body, at);
        crate::triage::pipeline::screen_case(&db, case, &rules, t(at)).expect("screens");
        crate::triage::pipeline::dispatch_case(&db, case, &rules, t(at)).expect("routes");
        case
    };
    let running = |case| -> Vec<(String, bool)> {
        deadline_rows::deadline_history(&db, case)
            .expect("history")
            .into_iter()
            .filter(|d| d.active)
            .map(|d| (d.due_date.to_string(), d.verified))
            .collect()
    };
    // 31 December 2026: ten working days run into 2027, counted on
    // weekends only until its notice is loaded.
    let crossing = lamp(1, "2026-12-31T10:00:00+08:00");
    let within = lamp(2, "2026-12-01T10:00:00+08:00");
    assert_eq!(running(crossing), vec![("2027-01-14".into(), false)]);
    assert_eq!(running(within), vec![("2026-12-15".into(), true)]);

    let change = put(
        &db,
        &who(Role::Bureau, "zhang.wei"),
        Target::Year(2027),
        &year_2027(),
        t(AT),
    )
    .expect("loads");
    assert_eq!(change.recounted, Some(1));
    // 元旦 1–3 January off: the tenth working day is the 15th.
    assert_eq!(running(crossing), vec![("2027-01-15".into(), true)]);
    assert_eq!(running(within), vec![("2026-12-15".into(), true)]);
    let history = deadline_rows::deadline_history(&db, crossing).expect("history");
    assert_eq!(history.len(), 2);
    assert_eq!(history[1].reason, deadline_rows::DeadlineReason::Calendar);
}
