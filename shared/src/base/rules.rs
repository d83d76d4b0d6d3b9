//! County rules from one source (Art. 12): deadlines, screening, routing,
//! intake (rate and hall hours), the deadline scan and further calendar
//! years, as the county has set them in the database, falling back to the
//! defaults shipped in `shared/config/` and `shared/calendar/`. This module
//! keeps the texts; each family's own type ([`RuleFamily`], beside the
//! decision that reads it) parses them, so a decision names the rules it
//! reads (`rules.get::<FilterRules>()`) and nothing here knows their shape.
//!
//! Every write (`county::families::set`) is checked first and bumps one version number
//! (with a new random token), so a request pays one cheap read for the
//! version ([`Rules::current`]); the version's rule set (the county's text
//! of each family it set) is cached under its token ([`RulesCache`], the
//! key-value store inside the components) and read from the rows only when
//! the version changes. Each family is parsed on first use, so a request
//! pays only for the rules its decisions read. The unit directory lives in
//! its own table (`units`), read where routing needs it.

use std::str::FromStr;

use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};
use thiserror::Error;

use std::any::Any;
use std::cell::OnceCell;

use crate::base::clock;
use crate::base::db::{Db, DbError};

/// A family of rules a county can set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Family {
    /// Time limits (`deadlines.json`).
    Deadlines,
    /// Screening (`filter.json`).
    Filter,
    /// The competence table (`routing.json`).
    Routing,
    /// Public submission rate and hall opening hours (`intake.json`).
    Intake,
    /// One year of the official calendar (keyed by the year).
    Calendar,
    /// The deadline scan: warnings, stuck cases, batch (`reminder.json`).
    Reminder,
}

text_enum!(Family {
    Deadlines = "deadlines",
    Filter = "filter",
    Routing = "routing",
    Intake = "intake",
    Calendar = "calendar",
    Reminder = "reminder",
});

/// Why rules could not be read or set.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum RulesError {
    /// The database failed.
    #[error(transparent)]
    Db(#[from] DbError),
    /// The rules given (or stored) are not valid for their family.
    #[error("{family} rules are invalid: {reason}")]
    Invalid {
        /// Which family.
        family: Family,
        /// What is wrong.
        reason: String,
    },
    /// A stored row names no known family or key.
    #[error("stored rules are corrupt: {0}")]
    Corrupt(String),
}

/// A family's rules as a decision reads them: the type that parses the
/// county's texts of its family (none set: the shipped default).
pub trait RuleFamily: Sized + 'static {
    /// The family whose texts build it.
    const FAMILY: Family;
    /// Built from the county's texts of the family: none (the shipped
    /// default) or one, or for the calendar one a year.
    fn from_texts(texts: &[String]) -> Result<Self, String>;
}

/// The family's value from its one text if the county set it, else the
/// shipped default: how every family but the calendar's is built.
pub fn one_text<T, E: std::fmt::Display>(
    texts: &[String],
    from_json: impl FnOnce(&str) -> Result<T, E>,
    default: impl FnOnce() -> T,
) -> Result<T, String> {
    match texts.last() {
        Some(text) => from_json(text).map_err(|e| e.to_string()),
        None => Ok(default()),
    }
}

/// Every rule a decision of this deployment reads. Each family is parsed on
/// first use, from the county's text or the shipped default: a request pays
/// only for the families its decisions read.
#[derive(Default)]
pub struct Rules {
    /// The rules' version: 0 while the county has set nothing.
    pub version: i64,
    texts: Snapshot,
    parsed: [OnceCell<Box<dyn Any>>; Family::ALL.len()],
}

impl std::fmt::Debug for Rules {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Rules")
            .field("version", &self.version)
            .finish_non_exhaustive()
    }
}

/// The rule set of one version as cached: the county's text of each family
/// it has set (each checked when set), and its further calendar years.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct Snapshot {
    version: i64,
    deadlines: Option<String>,
    filter: Option<String>,
    routing: Option<String>,
    intake: Option<String>,
    #[serde(default)]
    reminder: Option<String>,
    years: Vec<String>,
}

/// Where rule sets are kept between requests (inside the components:
/// the key-value store). Losing an entry costs a rebuild, nothing else.
pub trait RulesCache {
    /// The entry under `key`, if any.
    fn get(&self, key: &str) -> Option<Vec<u8>>;
    /// Keeps `value` under `key` (failures are the cache's own business).
    fn put(&self, key: &str, value: &[u8]);
}

/// No cache: every changed version is rebuilt from the rows.
pub struct NoCache;

impl RulesCache for NoCache {
    fn get(&self, _: &str) -> Option<Vec<u8>> {
        None
    }
    fn put(&self, _: &str, _: &[u8]) {}
}

impl Snapshot {
    /// The county's texts of `family`, oldest year first for the calendar.
    fn of(&self, family: Family) -> &[String] {
        match family {
            Family::Deadlines => self.deadlines.as_slice(),
            Family::Filter => self.filter.as_slice(),
            Family::Routing => self.routing.as_slice(),
            Family::Intake => self.intake.as_slice(),
            Family::Reminder => self.reminder.as_slice(),
            Family::Calendar => &self.years,
        }
    }
}

/// Which rules are in force: their version (0 until the county sets a
/// rule, then +1 for each) and its cache token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stamp {
    /// The version.
    pub version: i64,
    /// The token the version's rule set is cached under.
    pub token: String,
}

/// The current version and its cache token: one read.
fn stamp(db: &impl Db) -> Result<Stamp, RulesError> {
    let rows = db.execute("SELECT version, token FROM rules_version WHERE id = 1", &[])?;
    let row = rows
        .row(0)
        .ok_or_else(|| RulesError::Corrupt("no rules version row".into()))?;
    Ok(Stamp {
        version: row.integer("version")?,
        token: row.text("token")?.to_string(),
    })
}

/// The current version: 0 until the county sets a rule, then +1 for each.
pub fn version(db: &impl Db) -> Result<i64, RulesError> {
    stamp(db).map(|s| s.version)
}

/// Writes one family's rules (for the calendar, one year: `key` is the
/// year; otherwise `key` is empty), checked before by their type
/// (`county::families::set`); the earlier rows stay on record. Returns the
/// new version. `by` is who set them.
pub(crate) fn write(
    db: &impl Db,
    family: Family,
    key: &str,
    body: &str,
    by: &str,
    at: DateTime<FixedOffset>,
) -> Result<i64, RulesError> {
    db.transaction(|db| {
        let rows = db.execute(
            "UPDATE rules_version SET version = version + 1, token = lower(hex(randomblob(16)))
             WHERE id = 1 RETURNING version",
            &[],
        )?;
        let version = rows
            .row(0)
            .map(|r| r.integer("version"))
            .transpose()?
            .ok_or_else(|| RulesError::Corrupt("no rules version row".into()))?;
        db.execute(
            "INSERT INTO county_rules (family, key, body, set_by, set_at, version)
             VALUES (?, ?, ?, ?, ?, ?)",
            &[
                family.as_str().into(),
                key.into(),
                body.into(),
                by.into(),
                clock::format(at).into(),
                version.into(),
            ],
        )?;
        Ok(version)
    })
}

impl Rules {
    /// The shipped defaults, version 0.
    pub fn defaults() -> Self {
        Self::default()
    }

    /// The family `T`'s rules, parsed on first use.
    pub fn get<T: RuleFamily>(&self) -> Result<&T, RulesError> {
        let cell = &self.parsed[T::FAMILY as usize];
        if cell.get().is_none() {
            let value =
                T::from_texts(self.texts.of(T::FAMILY)).map_err(|reason| RulesError::Invalid {
                    family: T::FAMILY,
                    reason,
                })?;
            // Set only here, once per family, so the cell now holds a `T`.
            let _ = cell.set(Box::new(value));
        }
        cell.get()
            .and_then(|value| value.downcast_ref::<T>())
            .ok_or_else(|| RulesError::Corrupt(format!("two types read the {} rules", T::FAMILY)))
    }

    /// The rules in force: one read for the version; the version's rule set
    /// from `cache`, or read from the rows (newest per family) and cached.
    pub fn current(db: &impl Db, cache: &impl RulesCache) -> Result<Self, RulesError> {
        Self::at(db, cache, stamp(db)?)
    }

    /// The rules of the version `stamp` names (read just before, as
    /// [`crate::base::schema::migrate_reading_rules_stamp`] does).
    pub fn at(db: &impl Db, cache: &impl RulesCache, given: Stamp) -> Result<Self, RulesError> {
        let version = given.version;
        if version == 0 {
            return Ok(Self::defaults());
        }
        let key = format!("rules/{}", given.token);
        let cached = cache
            .get(&key)
            .and_then(|bytes| serde_json::from_slice::<Snapshot>(&bytes).ok())
            .filter(|s| s.version == version);
        let texts = match cached {
            Some(s) => s,
            None => {
                let s = Self::snapshot(db, version)?;
                // Cached only if no change came between the two reads, so
                // an entry always holds exactly its token's rules.
                if stamp(db)? == given {
                    if let Ok(bytes) = serde_json::to_vec(&s) {
                        cache.put(&key, &bytes);
                    }
                }
                s
            }
        };
        Ok(Self {
            version,
            texts,
            ..Self::default()
        })
    }

    /// Reads the newest row of every family (and calendar year).
    fn snapshot(db: &impl Db, version: i64) -> Result<Snapshot, RulesError> {
        let rows = db.execute(
            "SELECT family, key, body FROM county_rules
             WHERE id IN (SELECT MAX(id) FROM county_rules GROUP BY family, key)
             ORDER BY family, key",
            &[],
        )?;
        let mut s = Snapshot {
            version,
            ..Snapshot::default()
        };
        for row in rows.iter() {
            let family = Family::from_str(row.text("family")?)
                .map_err(|_| RulesError::Corrupt("unknown family".into()))?;
            let body = Some(row.text("body")?.to_string());
            match family {
                Family::Deadlines => s.deadlines = body,
                Family::Filter => s.filter = body,
                Family::Routing => s.routing = body,
                Family::Intake => s.intake = body,
                Family::Reminder => s.reminder = body,
                Family::Calendar => s.years.extend(body),
            }
        }
        Ok(s)
    }
}

#[cfg(test)]
mod tests {
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
}
