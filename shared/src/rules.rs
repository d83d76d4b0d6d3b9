//! County rules from one source (Art. 12): deadlines, screening, routing,
//! intake (rate and hall hours) and further calendar years, as the county
//! has set them in the database, falling back to the defaults shipped in
//! `shared/config/` and `shared/calendar/`.
//!
//! Every write ([`set`]) is checked first and bumps one version number, so
//! a request pays one cheap read for the version ([`Rules::current`]); the
//! parsed rule set is cached by version ([`RulesCache`], the key-value
//! store inside the components) and rebuilt only when the version changes.
//! The unit directory lives in its own table (`units`), read where routing
//! needs it.

use std::str::FromStr;

use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::calendar::{Calendar, YearData};
use crate::clock;
use crate::db::{Db, DbError};
use crate::deadlines::DeadlineRules;
use crate::filter::FilterRules;
use crate::hall::IntakeRules;
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
}

text_enum!(Family {
    Deadlines = "deadlines",
    Filter = "filter",
    Routing = "routing",
    Intake = "intake",
    Calendar = "calendar",
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

/// Every rule a decision of this deployment reads.
#[derive(Debug, Clone)]
pub struct Rules {
    /// The rules' version: 0 while the county has set nothing.
    pub version: i64,
    /// The working-day calendar, with the county's further years.
    pub calendar: Calendar,
    /// Time limits.
    pub deadlines: DeadlineRules,
    /// Screening.
    pub filter: FilterRules,
    /// The competence table.
    pub routing: RoutingTable,
    /// Intake: public rate and hall hours.
    pub intake: IntakeRules,
}

/// The parsed rule set as cached: every family checked, calendar years as
/// published.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Snapshot {
    version: i64,
    deadlines: DeadlineRules,
    filter: FilterRules,
    routing: RoutingTable,
    intake: IntakeRules,
    years: Vec<YearData>,
}

/// Where parsed rule sets are kept between requests (inside the components:
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

/// The current version and its cache token: one read.
fn stamp(db: &impl Db) -> Result<(i64, String), RulesError> {
    let rows = db.execute("SELECT version, token FROM rules_version WHERE id = 1", &[])?;
    let row = rows
        .row(0)
        .ok_or_else(|| RulesError::Corrupt("no rules version row".into()))?;
    Ok((row.integer("version")?, row.text("token")?.to_string()))
}

/// The current version: 0 until the county sets a rule, then +1 for each.
pub fn version(db: &impl Db) -> Result<i64, RulesError> {
    stamp(db).map(|(version, _)| version)
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
        Self {
            version: 0,
            calendar: Calendar::official(),
            deadlines: DeadlineRules::defaults(),
            filter: FilterRules::defaults(),
            routing: RoutingTable::defaults(),
            intake: IntakeRules::defaults(),
        }
    }

    /// The rules in force: one read for the version; the parsed set from
    /// `cache` for that version, or rebuilt from the rows and cached.
    pub fn current(db: &impl Db, cache: &impl RulesCache) -> Result<Self, RulesError> {
        let (version, token) = stamp(db)?;
        if version == 0 {
            return Ok(Self::defaults());
        }
        let key = format!("rules/{token}");
        let cached = cache
            .get(&key)
            .and_then(|bytes| serde_json::from_slice::<Snapshot>(&bytes).ok())
            .filter(|s| s.version == version);
        let snapshot = match cached {
            Some(s) => s,
            None => {
                let s = Self::snapshot(db, version)?;
                if let Ok(bytes) = serde_json::to_vec(&s) {
                    cache.put(&key, &bytes);
                }
                s
            }
        };
        Self::from_snapshot(snapshot)
    }

    fn from_snapshot(s: Snapshot) -> Result<Self, RulesError> {
        let mut calendar = Calendar::official();
        for year in &s.years {
            calendar
                .load_year(year)
                .map_err(|e| invalid(Family::Calendar, e))?;
        }
        Ok(Self {
            version: s.version,
            calendar,
            deadlines: s.deadlines,
            filter: s.filter,
            routing: s.routing,
            intake: s.intake,
        })
    }

    /// Reads the newest row of every family (and calendar year) over the
    /// defaults.
    fn snapshot(db: &impl Db, version: i64) -> Result<Snapshot, RulesError> {
        let rows = db.execute(
            "SELECT family, key, body FROM county_rules
             WHERE id IN (SELECT MAX(id) FROM county_rules GROUP BY family, key)
             ORDER BY family, key",
            &[],
        )?;
        let d = Self::defaults();
        let mut s = Snapshot {
            version,
            deadlines: d.deadlines,
            filter: d.filter,
            routing: d.routing,
            intake: d.intake,
            years: Vec::new(),
        };
        for row in rows.iter() {
            let family = Family::from_str(row.text("family")?)
                .map_err(|_| RulesError::Corrupt("unknown family".into()))?;
            let body = row.text("body")?;
            let bad = |e: &dyn std::fmt::Display| invalid(family, e.to_string());
            match family {
                Family::Deadlines => {
                    s.deadlines = DeadlineRules::from_json(body).map_err(|e| bad(&e))?
                }
                Family::Filter => s.filter = FilterRules::from_json(body).map_err(|e| bad(&e))?,
                Family::Routing => {
                    s.routing = RoutingTable::from_json(body).map_err(|e| bad(&e))?
                }
                Family::Intake => s.intake = IntakeRules::from_json(body).map_err(|e| bad(&e))?,
                Family::Calendar => s
                    .years
                    .push(serde_json::from_str(body).map_err(|e| bad(&e))?),
            }
        }
        Ok(s)
    }
}

#[cfg(test)]
#[path = "rules_tests.rs"]
mod tests;
