//! The county runs itself (Art. 12): its rules read and changed at run
//! time by the bureau — the time limits, screening, routing, intake, the
//! scan and a further calendar year — each change checked (the field at
//! fault named), versioned, effective at once for new decisions, and on
//! record with the token subject who made it; supervisors read.

use chrono::{DateTime, FixedOffset};
use serde::Serialize;
use serde_json::Value;
use thiserror::Error;

use crate::access::Principal;
use crate::base::clock;
use crate::base::db::Db;
use crate::base::rules::{self, Family, Rules, RulesError};
use crate::case::stored::StoreError;
use crate::case::words::Role;
use crate::county::intake_rules::IntakeRules;
use crate::directory::unit_rows;
use crate::oversight::reminder::ScanRules;
use crate::time::calendar::Calendar;
use crate::time::deadline_rows;
use crate::time::deadlines::deadline;
use crate::time::deadlines::DeadlineRules;
use crate::time::working_days;
use crate::triage::filter::FilterRules;
use crate::triage::routing::RoutingTable;

/// What is read or changed: a family of rules, or one calendar year.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// A family other than the calendar.
    Family(Family),
    /// One year of the official calendar.
    Year(i32),
}

/// The years the official calendar may be kept for.
pub const CALENDAR_YEARS: std::ops::RangeInclusive<i32> = 2000..=2100;

/// A path that names nothing the county can read or change.
#[derive(Debug, Clone, Copy, Error, PartialEq, Eq)]
pub enum NoSuchTarget {
    /// Not one of the families kept under `/api/admin/rules`.
    #[error("families: {}", Target::families().collect::<Vec<_>>().join(", "))]
    Family,
    /// Not a calendar year kept here.
    #[error("a calendar year from {} to {}", CALENDAR_YEARS.start(), CALENDAR_YEARS.end())]
    Year,
}

impl Target {
    /// The families kept under `/api/admin/rules/{family}`: all but the
    /// calendar, which goes by year.
    pub fn families() -> impl Iterator<Item = &'static str> {
        Family::ALL
            .iter()
            .copied()
            .filter(|name| *name != Family::Calendar.as_str())
    }

    /// The family named in `/api/admin/rules/{family}`.
    pub fn family(name: &str) -> Result<Self, NoSuchTarget> {
        match name.parse::<Family>() {
            Ok(Family::Calendar) | Err(_) => Err(NoSuchTarget::Family),
            Ok(family) => Ok(Self::Family(family)),
        }
    }

    /// The year named in `/api/admin/calendar/{year}` ([`CALENDAR_YEARS`]).
    pub fn year(text: &str) -> Result<Self, NoSuchTarget> {
        text.parse::<i32>()
            .ok()
            .filter(|y| CALENDAR_YEARS.contains(y))
            .map(Self::Year)
            .ok_or(NoSuchTarget::Year)
    }

    fn stored(self) -> (Family, String) {
        match self {
            Self::Family(f) => (f, String::new()),
            Self::Year(y) => (Family::Calendar, y.to_string()),
        }
    }
}

/// Why a change or a read is refused.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum AdminError {
    /// The role may not do this (writes are the bureau's; reads the
    /// bureau's and supervisors').
    #[error("the {0} role may not do this")]
    Role(Role),
    /// The rules given are not valid: the field at fault, and why.
    #[error("{field}: {reason}")]
    Invalid {
        /// The field at fault.
        field: String,
        /// What is wrong.
        reason: String,
    },
    /// No data for that calendar year (neither built in nor loaded).
    #[error("no calendar data for {0}")]
    NoYear(i32),
    /// Reading or writing the rules failed.
    #[error(transparent)]
    Rules(RulesError),
    /// Reading the unit directory failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<crate::base::db::DbError> for AdminError {
    fn from(e: crate::base::db::DbError) -> Self {
        Self::Store(e.into())
    }
}

impl From<RulesError> for AdminError {
    fn from(e: RulesError) -> Self {
        Self::Rules(e)
    }
}

/// One change on record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Change {
    /// The rules' version it made.
    pub version: i64,
    /// Who made it (the token subject).
    pub set_by: String,
    /// When, China time.
    pub set_at: String,
    /// For a calendar year: how many running deadlines, counted before
    /// over days no notice covered, were counted again.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recounted: Option<u32>,
}

/// A family (or year) as it stands: the rules in force and their history.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Setting {
    /// The deployment's rules version.
    pub version: i64,
    /// Whether the county set it (otherwise the shipped default is in force).
    pub county_set: bool,
    /// The rules in force.
    pub rules: Value,
    /// Every change, newest first.
    pub history: Vec<Change>,
}

fn may_read(who: &Principal) -> Result<(), AdminError> {
    crate::access::may_read_county_data(who).map_err(AdminError::Role)
}

/// What `target` stands at: the county's text or the shipped default, and
/// every change with who made it.
pub fn get(db: &impl Db, who: &Principal, target: Target) -> Result<Setting, AdminError> {
    may_read(who)?;
    let (family, key) = target.stored();
    let rows = db.execute(
        "SELECT body, set_by, set_at, version FROM county_rules WHERE family = ? AND key = ?
         ORDER BY id DESC",
        &[family.as_str().into(), key.as_str().into()],
    )?;
    let mut history = Vec::new();
    let mut latest: Option<String> = None;
    for r in rows.iter() {
        if latest.is_none() {
            latest = Some(r.text("body")?.to_string());
        }
        history.push(Change {
            version: r.integer("version")?,
            set_by: r.text("set_by")?.to_string(),
            set_at: r.text("set_at")?.to_string(),
            recounted: None,
        });
    }
    let county_set = latest.is_some();
    let text = match (latest, target) {
        (Some(text), _) => text,
        (None, Target::Year(y)) => crate::time::calendar::built_in_year(y)
            .ok_or(AdminError::NoYear(y))?
            .to_string(),
        (None, Target::Family(f)) => default_text(f)?,
    };
    let rules = serde_json::from_str(&text)
        .map_err(|e| AdminError::Rules(RulesError::Corrupt(e.to_string())))?;
    Ok(Setting {
        version: rules::version(db)?,
        county_set,
        rules,
        history,
    })
}

fn default_text(family: Family) -> Result<String, AdminError> {
    let defaults = Rules::defaults();
    let value = match family {
        Family::Deadlines => serde_json::to_string(defaults.get::<DeadlineRules>()?),
        Family::Filter => serde_json::to_string(defaults.get::<FilterRules>()?),
        Family::Routing => serde_json::to_string(defaults.get::<RoutingTable>()?),
        Family::Intake => serde_json::to_string(defaults.get::<IntakeRules>()?),
        Family::Reminder => serde_json::to_string(defaults.get::<ScanRules>()?),
        Family::Calendar => return Err(AdminError::NoYear(0)),
    };
    value.map_err(|e| AdminError::Rules(RulesError::Corrupt(e.to_string())))
}

/// Sets `target` to `body` for the bureau: checked (the field at fault
/// named), then in force at once for new decisions, on record with the
/// token subject. Returns the change.
pub fn put(
    db: &impl Db,
    who: &Principal,
    target: Target,
    body: &Value,
    at: DateTime<FixedOffset>,
) -> Result<Change, AdminError> {
    crate::access::may_change_county_data(who).map_err(AdminError::Role)?;
    if !body.is_object() {
        return Err(invalid("body", "a JSON object of the rules"));
    }
    if let Target::Family(Family::Routing) = target {
        known_unit_types(db, body)?;
    }
    if let Target::Year(year) = target {
        if body.get("year").and_then(Value::as_i64) != Some(i64::from(year)) {
            return Err(invalid("year", format!("the data must be for {year}")));
        }
    }
    let (family, key) = target.stored();
    let version =
        crate::county::families::set(db, family, &key, &body.to_string(), &who.subject, at)
            .map_err(|e| match e {
                RulesError::Invalid { family, reason } => field_of(family, reason),
                other => AdminError::Rules(other),
            })?;
    let recounted = match target {
        Target::Year(year) => Some(recount(db, year, at)?),
        Target::Family(_) => None,
    };
    Ok(Change {
        version,
        set_by: who.subject.clone(),
        set_at: clock::format(at),
        recounted,
    })
}

/// Counts again, over the calendar now in force, every running deadline
/// that was counted over a day no notice covered; a changed one replaces
/// the old (kept on record, superseded). Deadlines already verified are
/// never rewritten. Returns how many changed. The working days closed
/// cases took over `year` are counted again too (by the scan, in batches).
fn recount(db: &impl Db, year: i32, at: DateTime<FixedOffset>) -> Result<u32, AdminError> {
    let rules = Rules::current(db, &rules::NoCache)?;
    let calendar = rules.get::<Calendar>()?;
    db.transaction(|db| -> Result<u32, AdminError> {
        working_days::forget_working_days_over(db, year)?;
        let mut changed = 0;
        for (case, old) in deadline_rows::unverified_running(db)? {
            let Some(from) = old.counted_from else {
                continue;
            };
            let new = deadline(
                calendar,
                old.milestone,
                from.with_timezone(&chrono::Utc),
                old.working_days,
            )
            .map_err(|e| AdminError::Rules(RulesError::Corrupt(e.to_string())))?;
            if new.due_date != old.due_date || new.verified {
                deadline_rows::set_deadlines(
                    db,
                    case,
                    &[new],
                    deadline_rows::DeadlineReason::Calendar,
                    at,
                )?;
                changed += 1;
            }
        }
        Ok(changed)
    })
}

fn invalid(field: &str, reason: impl Into<String>) -> AdminError {
    AdminError::Invalid {
        field: field.to_string(),
        reason: reason.into(),
    }
}

/// The field a family's complaint is about: a calendar's holidays or
/// notices, otherwise the family as a whole (the reason names the part).
fn field_of(family: Family, reason: String) -> AdminError {
    let field = match family {
        Family::Calendar if reason.contains("notice") => "notices",
        Family::Calendar => "holidays",
        other => other.as_str(),
    };
    invalid(field, reason)
}

/// Every routing entry must name a unit type the directory has.
fn known_unit_types(db: &impl Db, body: &Value) -> Result<(), AdminError> {
    let types = unit_rows::unit_types(db)?;
    let entries = body
        .get("entries")
        .and_then(Value::as_array)
        .ok_or_else(|| invalid("entries", "the competence table's entries"))?;
    for (i, entry) in entries.iter().enumerate() {
        let named = entry.get("unit_type").and_then(Value::as_str).unwrap_or("");
        if !types.iter().any(|t| t == named) {
            return Err(invalid(
                &format!("entries[{i}].unit_type"),
                format!(
                    "{named:?} is no unit type of the directory ({})",
                    types.join(", ")
                ),
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
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
            name: "测试人员".into(),
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
}
