//! The deadline scan (Art. 6(二).1(6), 催办): run on a schedule (the cron
//! trigger) or over HTTP by the bureau or a scheduler, it
//! - writes one urge notice per running deadline past due (level
//!   `overdue`) and marks the case overdue, once;
//! - warns a unit (level `warning`) of a deadline falling due within the
//!   county's number of working days, once;
//! - drives again a case no stage took on (still `received`, or `accepted`
//!   with dispatch never tried) after a few minutes, never the bureau's
//!   triage queue.
//!
//! A second scan at the same moment writes nothing new. It reads only due
//! deadlines (through an index) and waiting cases (through another).

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use crate::base::clock;
use crate::base::db::Db;
use crate::base::rules::Rules;
use crate::base::rules::{self, Family, RuleFamily};
use crate::case::words::Status;
use crate::oversight::reminder_rows;
use crate::oversight::reminder_rows::UrgeLevel;
use crate::record::retention;
use crate::time::calendar::Calendar;
use crate::time::deadlines::{deadline, Milestone};
use crate::time::working_days;
use crate::triage::pipeline::{self, PipelineError};

const DEFAULTS: &str = include_str!("../../config/reminder.json");

/// How many due deadlines the scan writes for in one transaction.
const WRITE_CHUNK: usize = 500;

/// The scan's rules and the follow-up sample's rate, a county's to set
/// (Art. 12).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ScanRules {
    /// What the rules are, in words.
    #[serde(default)]
    pub about: String,
    /// How many working days before a deadline its unit is warned (0: on
    /// the day it falls due).
    pub warning_working_days: u32,
    /// After how many minutes a case no stage took on is driven again.
    pub stuck_after_minutes: u32,
    /// How many due deadlines (and waiting cases) one scan reads at most.
    pub batch: u32,
    /// The share of closed cases drawn for a follow-up call, 0 to 1 (the
    /// bureau's `follow_up` queue, Art. 6(一).3).
    #[serde(default = "default_follow_up_rate")]
    pub follow_up_rate: f64,
    /// Who follows up a late case of the service hall beside its unit
    /// (the hall's supervision section, Art. 6(三)).
    #[serde(default = "default_hall_supervision")]
    pub hall_supervision: String,
    /// When a unit needs attention (Art. 9's shift list).
    #[serde(default)]
    pub attention: crate::oversight::statistics::AttentionThresholds,
    /// How complaints are clustered into hotspots (Art. 7).
    #[serde(default)]
    pub hotspots: crate::oversight::hotspots::HotspotRules,
    /// How many days after a case is closed (or turned away) its
    /// submitter's personal data is kept before the scan anonymises it
    /// (Art. 11); at least 30.
    #[serde(default = "default_retention_days")]
    pub personal_data_retention_days: u32,
}

fn default_retention_days() -> u32 {
    1095
}

fn default_hall_supervision() -> String {
    "服务大厅督查科".to_string()
}

fn default_follow_up_rate() -> f64 {
    0.2
}

impl ScanRules {
    /// The defaults shipped in `shared/config/reminder.json`.
    pub fn defaults() -> Self {
        match Self::from_json(DEFAULTS) {
            Ok(r) => r,
            // Checked by this module's tests; never a user's input.
            Err(e) => panic!("built-in scan rules are invalid: {e}"),
        }
    }

    /// A county's scan rules, checked.
    pub fn from_json(text: &str) -> Result<Self, String> {
        let rules: Self = serde_json::from_str(text).map_err(|e| e.to_string())?;
        if rules.warning_working_days > 30 {
            return Err("warning_working_days is at most 30".into());
        }
        if !(1..=100_000).contains(&rules.batch) {
            return Err("batch is 1 to 100000".into());
        }
        if rules.stuck_after_minutes == 0 {
            return Err("stuck_after_minutes is at least 1".into());
        }
        if !(0.0..=1.0).contains(&rules.follow_up_rate) {
            return Err("follow_up_rate is a share from 0 to 1".into());
        }
        if rules.hall_supervision.trim().is_empty() {
            return Err("hall_supervision names who follows late hall cases up".into());
        }
        rules.hotspots.check()?;
        if rules.personal_data_retention_days < 30 {
            return Err("personal_data_retention_days is at least 30".into());
        }
        Ok(rules)
    }
}

/// What one scan did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ScanReport {
    /// Urge notices written for deadlines past due.
    pub urge_notices: u32,
    /// Warnings written for deadlines falling due soon.
    pub warnings: u32,
    /// Cases found overdue for the first time.
    pub overdue_marked: u32,
    /// Cases driven again through screening and dispatch.
    pub redriven: u32,
    /// Cases whose submitter's personal data was anonymised, the
    /// retention period having passed.
    pub anonymised: u32,
    /// Closed cases whose working days to close were counted (closed
    /// before they were kept, or their calendar year loaded since).
    pub closings_counted: u32,
    /// Cases the scan could not drive again, and why (they stay where they
    /// are; the next scan tries again).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub failed: Vec<String>,
}

/// Runs the scan at `now` with the county's rules.
pub fn scan(db: &impl Db, rules: &Rules, now: DateTime<Utc>) -> Result<ScanReport, PipelineError> {
    let scan_rules = rules.get::<ScanRules>()?;
    let at = clock::in_china(now);
    let mut report = ScanReport::default();

    // The horizon: the end of the N-th working day after today.
    let horizon = deadline(
        rules.get::<Calendar>()?,
        Milestone::Finish,
        now,
        scan_rules.warning_working_days,
    )?
    .due_at;
    let due = reminder_rows::due_with_leads(db, horizon, scan_rules.batch)?;
    // Written in chunks, each one transaction: one durable commit per chunk
    // rather than per notice, and other writers wait at most one chunk.
    for chunk in due.chunks(WRITE_CHUNK) {
        // Counted per chunk and added once it committed.
        let written = db.transaction(|db| -> Result<ScanReport, PipelineError> {
            let mut counts = ScanReport::default();
            for due in chunk {
                if due.due_at.with_timezone(&Utc) < now {
                    // Past due: one notice to the unit handling it, if any
                    // (a case returned as misrouted has none), and the mark.
                    // A late hall case gets an owner in the hall's
                    // supervision section.
                    let owner = (due.channel == crate::case::words::Channel::ServiceHall)
                        .then_some(scan_rules.hall_supervision.as_str());
                    // The bureau's own deadline (its decision on a
                    // screening proposal) is urged to the bureau.
                    let addressee = due.lead.clone().or_else(|| {
                        (due.milestone == Milestone::Decision)
                            .then(crate::base::ids::UnitId::bureau)
                    });
                    if let Some(unit) = &addressee {
                        if reminder_rows::write_urge_notice(
                            db,
                            due,
                            unit,
                            UrgeLevel::Overdue,
                            owner,
                            at,
                        )? {
                            counts.urge_notices += 1;
                        }
                    }
                    if reminder_rows::mark_overdue(db, due.case_id, at)? {
                        counts.overdue_marked += 1;
                    }
                    reminder_rows::mark_notified(db, due.id, UrgeLevel::Overdue)?;
                } else if let (Some(unit), false) = (&due.lead, due.warned) {
                    if reminder_rows::write_urge_notice(
                        db,
                        due,
                        unit,
                        UrgeLevel::Warning,
                        None,
                        at,
                    )? {
                        counts.warnings += 1;
                    }
                    reminder_rows::mark_notified(db, due.id, UrgeLevel::Warning)?;
                }
            }
            Ok(counts)
        });
        match written {
            Ok(counts) => {
                report.urge_notices += counts.urge_notices;
                report.warnings += counts.warnings;
                report.overdue_marked += counts.overdue_marked;
            }
            // Nothing of this chunk was written; the next scan tries again.
            Err(e) => report.failed.push(format!("deadlines: {e}")),
        }
    }

    let before = at - Duration::minutes(i64::from(scan_rules.stuck_after_minutes));
    for (case, status) in reminder_rows::waiting_cases(db, before, scan_rules.batch)? {
        let driven = (|| -> Result<(), PipelineError> {
            if status == Status::Received {
                pipeline::screen_case(db, case, rules, at)?;
            }
            pipeline::dispatch_case(db, case, rules, at)?;
            Ok(())
        })();
        match driven {
            Ok(()) => report.redriven += 1,
            Err(e) => report.failed.push(format!("case {case}: {e}")),
        }
    }

    // Personal data past the retention period (calendar days).
    let cutoff = at - Duration::days(i64::from(scan_rules.personal_data_retention_days));
    match retention::anonymise_before(db, cutoff, at, scan_rules.batch) {
        Ok(n) => report.anonymised = n,
        Err(e) => report.failed.push(format!("retention: {e}")),
    }

    // Working days to close not counted yet, for the statistics.
    match working_days::count_working_days_to_close(
        db,
        rules.get::<Calendar>()?,
        None,
        scan_rules.batch,
    ) {
        Ok(n) => report.closings_counted = n,
        Err(e) => report.failed.push(format!("working days to close: {e}")),
    }
    Ok(report)
}

/// Why an urge notice cannot be acknowledged.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum AckError {
    /// No urge notice has this id.
    #[error("no urge notice {0}")]
    NotFound(i64),
    /// Only the unit urged acknowledges its notice.
    #[error("only the unit urged acknowledges its urge notice")]
    NotYours,
    /// Reading or writing failed.
    #[error(transparent)]
    Store(#[from] crate::case::stored::StoreError),
}

/// The unit urged acknowledges its urge notice (`POST
/// /api/urge-notices/{id}/ack`); a second acknowledgement keeps the first
/// time. Returns the notice as it now stands.
pub fn acknowledge(
    db: &impl Db,
    notice: i64,
    who: &crate::access::Principal,
    at: chrono::DateTime<chrono::FixedOffset>,
) -> Result<reminder_rows::UrgeNotice, AckError> {
    if who.role != crate::case::words::Role::Unit {
        return Err(AckError::NotYours);
    }
    let (case, unit) =
        reminder_rows::urge_notice_owner(db, notice)?.ok_or(AckError::NotFound(notice))?;
    if who.unit.as_ref() != Some(&unit) {
        return Err(AckError::NotYours);
    }
    reminder_rows::acknowledge_urge_notice(db, notice, at)?;
    reminder_rows::urge_notices(db, case)?
        .into_iter()
        .find(|n| n.id == notice)
        .ok_or(AckError::NotFound(notice))
}

impl RuleFamily for ScanRules {
    const FAMILY: Family = Family::Reminder;

    fn from_texts(texts: &[String]) -> Result<Self, String> {
        rules::one_text(texts, Self::from_json, Self::defaults)
    }
}

#[cfg(test)]
#[path = "reminder_tests.rs"]
mod tests;
