//! A changed rule row changes the next decision, family by family, without
//! a rebuild; the parsed set is cached by version.

use std::cell::RefCell;
use std::collections::HashMap;

use chrono::{NaiveDate, Utc};
use serde_json::{json, Value};

use super::*;
use crate::base::db::NativeDb;
use crate::base::test_support::{migrated_db, t};
use crate::case::words::{Channel, Kind};
use crate::county::families::set;
use crate::county::intake_rules::IntakeRules;
use crate::directory::unit_rows;
use crate::time::calendar::Calendar;
use crate::time::calendar::DayKind;
use crate::time::deadlines::DeadlineRules;
use crate::time::deadlines::{schedule, CaseFacts, Milestone};
use crate::triage::filter::Decision;
use crate::triage::filter::FilterRules;
use crate::triage::routing::RouteDecision;
use crate::triage::routing::RoutingTable;

const AT: &str = "2026-03-02T10:00:00+08:00";

fn rules(db: &NativeDb) -> Rules {
    Rules::current(db, &NoCache).expect("rules")
}

fn set_json(db: &NativeDb, family: Family, key: &str, body: Value) -> i64 {
    set(db, family, key, &body.to_string(), "test.admin", t(AT)).expect("set")
}

fn as_json(value: &impl serde::Serialize) -> Value {
    serde_json::to_value(value).expect("json")
}

#[test]
fn a_fresh_database_has_version_0_and_the_shipped_defaults() {
    let db = migrated_db();
    assert_eq!(version(&db), Ok(0));
    let r = rules(&db);
    assert_eq!(r.version, 0);
    assert_eq!(
        r.get::<IntakeRules>()
            .expect("intake")
            .public_submissions_per_minute,
        20
    );
}

#[test]
fn a_changed_deadline_rule_changes_the_next_cases_deadline() {
    let db = migrated_db();
    let facts = CaseFacts {
        channel: Channel::OnlinePlatform,
        kind: Kind::Complaint,
        mode: None,
        form: None,
        complex: false,
        urgent: false,
    };
    let received = t(AT).with_timezone(&Utc);
    let finish = |r: &Rules| {
        let (_, ds) = schedule(
            r.get::<Calendar>().expect("calendar"),
            r.get::<DeadlineRules>().expect("deadlines"),
            &facts,
            received,
        )
        .expect("schedules");
        ds.into_iter()
            .find(|d| d.milestone == Milestone::Finish)
            .map(|d| d.due_date)
    };
    // Monday 2 March 2026: 5 working days → Monday 9 March.
    assert_eq!(finish(&rules(&db)), NaiveDate::from_ymd_opt(2026, 3, 9));
    let mut body = as_json(&DeadlineRules::defaults());
    for rule in body["rules"].as_array_mut().expect("rules") {
        if rule["name"] == "online platform" {
            rule["milestones"]["finish"] = json!(10);
        }
    }
    assert_eq!(set_json(&db, Family::Deadlines, "", body), 1);
    assert_eq!(finish(&rules(&db)), NaiveDate::from_ymd_opt(2026, 3, 16));
}

#[test]
fn a_new_screening_rule_holds_the_next_case_for_a_person() {
    let db = migrated_db();
    let screen = |r: &Rules| {
        r.get::<FilterRules>().expect("filter").screen(
            "共享单车",
            "请处理乱停放的共享单车问题。",
            Utc::now(),
            &[],
            false,
        )
    };
    assert_eq!(screen(&rules(&db)), Decision::Accept { flags: vec![] });
    let mut body = as_json(&FilterRules::defaults());
    body["rules"] = json!([{"name": "category4.bikes", "category": 4, "patterns": ["乱停放"],
        "examples": {"matching": ["乱停放"], "not_matching": ["停放整齐"]}}]);
    set_json(&db, Family::Filter, "", body);
    assert!(matches!(
        screen(&rules(&db)),
        Decision::Propose(f) if f.category == crate::lifecycle::RejectCategory::Unlawful
    ));
}

#[test]
fn a_new_routing_entry_sends_the_next_case_to_that_unit_type() {
    let db = migrated_db();
    let units = crate::base::test_support::demo_units();
    let county = "410611000".parse().expect("county");
    let route = |r: &Rules| {
        r.get::<RoutingTable>().expect("routing").route(
            &units,
            &county,
            "共享单车",
            "请清理乱停放的共享单车。",
        )
    };
    assert!(matches!(route(&rules(&db)), RouteDecision::Triage(_)));
    let mut body = as_json(&RoutingTable::defaults());
    body["entries"]
        .as_array_mut()
        .expect("entries")
        .push(json!({"unit_type": "transport", "keywords": ["共享单车"]}));
    set_json(&db, Family::Routing, "", body);
    assert!(matches!(
        route(&rules(&db)),
        RouteDecision::Unit { unit, .. } if unit.as_str() == "qibin-transport"
    ));
}

#[test]
fn changed_hall_hours_open_the_hall_in_the_evening() {
    let db = migrated_db();
    let evening = t("2026-03-02T18:30:00+08:00").with_timezone(&Utc);
    let open = |r: &Rules| {
        r.get::<IntakeRules>()
            .expect("intake")
            .hall_is_open(r.get::<Calendar>().expect("calendar"), evening)
    };
    assert!(!open(&rules(&db)));
    set_json(
        &db,
        Family::Intake,
        "",
        json!({"public_submissions_per_minute": 20,
               "hall_opening_hours": [{"from": "09:00", "to": "20:00"}]}),
    );
    assert!(open(&rules(&db)));
}

#[test]
fn a_further_calendar_year_makes_its_holidays_verified() {
    let db = migrated_db();
    let new_year = NaiveDate::from_ymd_opt(2027, 1, 1).expect("date");
    let before = rules(&db)
        .get::<Calendar>()
        .expect("calendar")
        .day(new_year);
    assert_eq!((before.kind, before.verified), (DayKind::Workday, false));
    set_json(
        &db,
        Family::Calendar,
        "2027",
        json!({"year": 2027, "notices": ["国务院办公厅关于2027年部分节假日安排的通知（测试）"],
               "holidays": [{"name": "元旦", "days_off": ["2027-01-01"]}]}),
    );
    let after = rules(&db)
        .get::<Calendar>()
        .expect("calendar")
        .day(new_year);
    assert_eq!((after.kind, after.verified), (DayKind::Holiday, true));
}

#[test]
fn a_changed_unit_row_receives_the_next_case() {
    use crate::triage::pipeline::{dispatch_case, screen_case, Dispatched};

    let db = migrated_db();
    crate::base::test_support::seed_demo(&db);
    let dispatch = |n: u8| {
        let body = json!({"channel": "online_platform", "kind": "complaint", "title": "路灯不亮",
            "content": "九州路路灯已坏一周，请尽快维修。", "county": "410611000",
            "submitter": {"type": "individual", "name": "张三", "phone": format!("1381234567{n}")}});
        let case = crate::base::test_support::store_case(&db, n, body, AT);
        let r = rules(&db);
        screen_case(&db, case, &r, t(AT)).expect("screens");
        match dispatch_case(&db, case, &r, t(AT)) {
            Ok(Dispatched::Routed { lead, .. }) => lead.to_string(),
            other => panic!("not routed: {other:?}"),
        }
    };
    assert_eq!(dispatch(1), "qibin-urban");
    // The county splits street lighting off to a new office.
    let mut old: crate::directory::units::Unit =
        unit_rows::units_in(&db, &"410611000".parse().expect("county"))
            .expect("units")
            .into_iter()
            .find(|u| u.id.as_str() == "qibin-urban")
            .expect("unit");
    old.unit_type = "city_appearance".into();
    unit_rows::upsert_unit(&db, &old).expect("updated");
    let new = crate::directory::units::Unit {
        id: "qibin-lighting".parse().expect("id"),
        name: "淇滨区路灯管理所".into(),
        county: "410611000".parse().expect("county"),
        unit_type: "urban_management".into(),
    };
    unit_rows::upsert_unit(&db, &new).expect("added");
    assert_eq!(dispatch(2), "qibin-lighting");
}

#[test]
fn invalid_rules_are_refused_and_change_nothing() {
    let db = migrated_db();
    let refused = set(
        &db,
        Family::Intake,
        "",
        r#"{"public_submissions_per_minute": 0, "hall_opening_hours": []}"#,
        "x",
        t(AT),
    );
    assert!(matches!(
        refused,
        Err(RulesError::Invalid {
            family: Family::Intake,
            ..
        })
    ));
    let wrong_year = set(
        &db,
        Family::Calendar,
        "2028",
        &json!({"year": 2027, "notices": ["n"], "holidays": []}).to_string(),
        "x",
        t(AT),
    );
    assert!(matches!(wrong_year, Err(RulesError::Invalid { .. })));
    assert_eq!(version(&db), Ok(0));
}

#[derive(Default)]
struct CountingCache {
    entries: RefCell<HashMap<String, Vec<u8>>>,
    puts: RefCell<u32>,
}

impl RulesCache for CountingCache {
    fn get(&self, key: &str) -> Option<Vec<u8>> {
        self.entries.borrow().get(key).cloned()
    }
    fn put(&self, key: &str, value: &[u8]) {
        *self.puts.borrow_mut() += 1;
        self.entries.borrow_mut().insert(key.into(), value.to_vec());
    }
}

#[test]
fn the_parsed_rules_are_built_once_per_version_then_come_from_the_cache() {
    let db = migrated_db();
    let cache = CountingCache::default();
    Rules::current(&db, &cache).expect("defaults");
    assert_eq!(*cache.puts.borrow(), 0, "the defaults need no cache");
    set_json(
        &db,
        Family::Intake,
        "",
        json!({"public_submissions_per_minute": 7, "hall_opening_hours": []}),
    );
    for _ in 0..3 {
        let r = Rules::current(&db, &cache).expect("rules");
        assert_eq!(
            (
                r.version,
                r.get::<IntakeRules>()
                    .expect("intake")
                    .public_submissions_per_minute
            ),
            (1, 7)
        );
    }
    assert_eq!(*cache.puts.borrow(), 1);
    // The row changes behind the cache's back: the version says so.
    set_json(
        &db,
        Family::Intake,
        "",
        json!({"public_submissions_per_minute": 9, "hall_opening_hours": []}),
    );
    let r = Rules::current(&db, &cache).expect("rules");
    assert_eq!(
        (
            r.version,
            r.get::<IntakeRules>()
                .expect("intake")
                .public_submissions_per_minute
        ),
        (2, 9)
    );
    assert_eq!(*cache.puts.borrow(), 2);
}
