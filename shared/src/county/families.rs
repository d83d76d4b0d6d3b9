//! Which type reads each family of the county's rules, and setting a
//! family: its text is parsed by that type before it is written, so a
//! stored rule always parses.

use chrono::{DateTime, FixedOffset};

use crate::base::db::Db;
use crate::base::rules::{self, Family, RuleFamily, RulesError};
use crate::county::intake_rules::IntakeRules;
use crate::oversight::reminder::ScanRules;
use crate::time::calendar::Calendar;
use crate::time::deadlines::DeadlineRules;
use crate::triage::filter::FilterRules;
use crate::triage::routing::RoutingTable;

fn parses<T: RuleFamily>(body: &str) -> Result<T, RulesError> {
    T::from_texts(&[body.to_string()]).map_err(|reason| RulesError::Invalid {
        family: T::FAMILY,
        reason,
    })
}

/// Checks `body` as rules of `family` (for the calendar, `key` is the year).
pub fn check(family: Family, key: &str, body: &str) -> Result<(), RulesError> {
    match family {
        Family::Deadlines => parses::<DeadlineRules>(body).map(drop),
        Family::Filter => parses::<FilterRules>(body).map(drop),
        Family::Routing => parses::<RoutingTable>(body).map(drop),
        Family::Reminder => parses::<ScanRules>(body).map(drop),
        Family::Intake => parses::<IntakeRules>(body).map(drop),
        Family::Calendar => {
            let year =
                Calendar::official()
                    .load_year_json(body)
                    .map_err(|e| RulesError::Invalid {
                        family,
                        reason: e.to_string(),
                    })?;
            if key != year.to_string() {
                return Err(RulesError::Invalid {
                    family,
                    reason: format!("the data is for {year}, not {key}"),
                });
            }
            Ok(())
        }
    }
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
    rules::write(db, family, key, body, by, at)
}
