//! County rules from one source (Art. 12): deadlines, screening, routing,
//! intake (rate and hall hours) and further calendar years, as the county
//! has set them in the database, falling back to the defaults shipped in
//! `shared/config/` and `shared/calendar/`.
//!
//! Every write ([`set`]) is checked first and bumps one version number
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

use std::cell::OnceCell;

use crate::calendar::Calendar;
use crate::clock;
use crate::db::{Db, DbError};
use crate::deadlines::DeadlineRules;
use crate::filter::FilterRules;
use crate::hall::IntakeRules;
use crate::reminder::ScanRules;
use crate::routing::RoutingTable;

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

/// Every rule a decision of this deployment reads. Each family is parsed on
/// first use, from the county's text or the shipped default: a request pays
/// only for the families its decisions read.
#[derive(Debug, Default)]
pub struct Rules {
    /// The rules' version: 0 while the county has set nothing.
    pub version: i64,
    texts: Snapshot,
    calendar: OnceCell<Calendar>,
    deadlines: OnceCell<DeadlineRules>,
    filter: OnceCell<FilterRules>,
    routing: OnceCell<RoutingTable>,
    intake: OnceCell<IntakeRules>,
    reminder: OnceCell<ScanRules>,
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

/// The family's value, parsed once: from the county's text if it set one,
/// else the shipped default.
fn parsed<'a, T, E: std::fmt::Display>(
    cell: &'a OnceCell<T>,
    family: Family,
    text: Option<&str>,
    from_json: impl FnOnce(&str) -> Result<T, E>,
    default: impl FnOnce() -> T,
) -> Result<&'a T, RulesError> {
    if let Some(v) = cell.get() {
        return Ok(v);
    }
    let value = match text {
        Some(text) => from_json(text).map_err(|e| invalid(family, e))?,
        None => default(),
    };
    Ok(cell.get_or_init(|| value))
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

fn invalid(family: Family, reason: impl ToString) -> RulesError {
    RulesError::Invalid {
        family,
        reason: reason.to_string(),
    }
}

/// Checks `body` as rules of `family` (for the calendar, `key` is the year).
fn check(family: Family, key: &str, body: &str) -> Result<(), RulesError> {
    match family {
        Family::Deadlines => DeadlineRules::from_json(body)
            .map(drop)
            .map_err(|e| invalid(family, e)),
        Family::Filter => FilterRules::from_json(body)
            .map(drop)
            .map_err(|e| invalid(family, e)),
        Family::Routing => RoutingTable::from_json(body)
            .map(drop)
            .map_err(|e| invalid(family, e)),
        Family::Reminder => ScanRules::from_json(body)
            .map(drop)
            .map_err(|e| invalid(family, e)),
        Family::Intake => IntakeRules::from_json(body)
            .map(drop)
            .map_err(|e| invalid(family, e)),
        Family::Calendar => {
            let mut calendar = Calendar::official();
            let year = calendar
                .load_year_json(body)
                .map_err(|e| invalid(family, e))?;
            if key != year.to_string() {
                return Err(invalid(
                    family,
                    format!("the data is for {year}, not {key}"),
                ));
            }
            Ok(())
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

/// Sets one family's rules (for the calendar, one year: `key` is the year;
/// otherwise `key` is empty) after checking them; the earlier rows stay on
/// record. Returns the new version. `by` is who set them.
pub fn set(
    db: &impl Db,
    family: Family,
    key: &str,
    body: &str,
    by: &str,
    at: DateTime<FixedOffset>,
) -> Result<i64, RulesError> {
    check(family, key, body)?;
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

    /// The working-day calendar, with the county's further years.
    pub fn calendar(&self) -> Result<&Calendar, RulesError> {
        if let Some(c) = self.calendar.get() {
            return Ok(c);
        }
        let mut calendar = Calendar::official();
        for year in &self.texts.years {
            calendar
                .load_year_json(year)
                .map_err(|e| invalid(Family::Calendar, e))?;
        }
        Ok(self.calendar.get_or_init(|| calendar))
    }

    /// Time limits.
    pub fn deadlines(&self) -> Result<&DeadlineRules, RulesError> {
        let text = self.texts.deadlines.as_deref();
        parsed(
            &self.deadlines,
            Family::Deadlines,
            text,
            DeadlineRules::from_json,
            DeadlineRules::defaults,
        )
    }

    /// Screening.
    pub fn filter(&self) -> Result<&FilterRules, RulesError> {
        let text = self.texts.filter.as_deref();
        parsed(
            &self.filter,
            Family::Filter,
            text,
            FilterRules::from_json,
            FilterRules::defaults,
        )
    }

    /// The competence table.
    pub fn routing(&self) -> Result<&RoutingTable, RulesError> {
        let text = self.texts.routing.as_deref();
        parsed(
            &self.routing,
            Family::Routing,
            text,
            RoutingTable::from_json,
            RoutingTable::defaults,
        )
    }

    /// Intake: the public rate and the hall's hours.
    pub fn intake(&self) -> Result<&IntakeRules, RulesError> {
        let text = self.texts.intake.as_deref();
        parsed(
            &self.intake,
            Family::Intake,
            text,
            IntakeRules::from_json,
            IntakeRules::defaults,
        )
    }

    /// The deadline scan's rules.
    pub fn reminder(&self) -> Result<&ScanRules, RulesError> {
        let text = self.texts.reminder.as_deref();
        parsed(
            &self.reminder,
            Family::Reminder,
            text,
            ScanRules::from_json,
            ScanRules::defaults,
        )
    }

    /// The rules in force: one read for the version; the version's rule set
    /// from `cache`, or read from the rows (newest per family) and cached.
    pub fn current(db: &impl Db, cache: &impl RulesCache) -> Result<Self, RulesError> {
        Self::at(db, cache, stamp(db)?)
    }

    /// The rules of the version `stamp` names (read just before, as
    /// [`crate::schema::migrate_reading_rules_stamp`] does).
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
#[path = "rules_tests.rs"]
mod tests;
