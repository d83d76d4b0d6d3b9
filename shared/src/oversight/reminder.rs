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
    /// Cases stored before the search index existed, added to it.
    pub indexed: u32,
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

    // Cases older than the search index.
    match crate::record::search_index::catch_up(db, scan_rules.batch) {
        Ok(n) => report.indexed = n,
        Err(e) => report.failed.push(format!("search index: {e}")),
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
mod tests {
    //! The scan against real SQLite: warnings, urge notices and overdue marks
    //! once each, stuck cases driven again, the triage queue left alone.

    use super::*;
    use crate::base::db::NativeDb;
    use crate::base::ids::CaseId;
    use crate::base::test_support::{seeded_db, store_case, t};
    use crate::lifecycle::history;
    use crate::lifecycle::{Action, Actor};
    use crate::time::calendar::Calendar;
    use crate::time::deadline_rows;

    fn case(db: &NativeDb, n: u8, title: &str, content: &str, at: &str) -> CaseId {
        case_on(db, "hotline_web", n, title, content, at)
    }

    fn case_on(
        db: &NativeDb,
        channel: &str,
        n: u8,
        title: &str,
        content: &str,
        at: &str,
    ) -> CaseId {
        let body = serde_json::json!({
            "channel": channel, "kind": "complaint", "title": title, "content": content,
            "county": "410611000",
            "submitter": {"type": "individual", "name": "张三", "phone": format!("1381234560{n}")}
        });
        store_case(db, n, body, at)
    }

    /// A street-lamp complaint on `channel`, received 30 September and routed
    /// to 淇滨区城市管理局.
    fn routed_lamp(db: &NativeDb, n: u8, channel: &str) -> CaseId {
        let id = case_on(
            db,
            channel,
            n,
            "路灯不亮",
            "九州路路灯已坏一周，请尽快维修。",
            RECEIVED,
        );
        through_the_stages(db, id, RECEIVED);
        id
    }

    fn through_the_stages(db: &NativeDb, id: CaseId, at: &str) {
        let rules = Rules::defaults();
        pipeline::screen_case(db, id, &rules, t(at)).expect("screens");
        pipeline::dispatch_case(db, id, &rules, t(at)).expect("dispatches");
    }

    fn scan_at(db: &NativeDb, at: &str) -> ScanReport {
        scan(db, &Rules::defaults(), t(at).with_timezone(&Utc)).expect("scans")
    }

    fn counts(r: &ScanReport) -> (u32, u32, u32, u32) {
        (r.urge_notices, r.warnings, r.overdue_marked, r.redriven)
    }

    fn status(db: &NativeDb, id: CaseId) -> Status {
        history::load_lifecycle(db, id)
            .expect("loads")
            .lifecycle
            .status
    }

    const RECEIVED: &str = "2025-09-30T10:00:00+08:00";

    #[test]
    fn a_transfer_is_warned_the_day_before_and_urged_once_when_its_tenth_working_day_has_passed() {
        let db = seeded_db();
        let id = routed_lamp(&db, 1, "hotline_web");
        // 10 working days after 30 September, across the National Day holiday
        // and its make-up Saturday: 21 October. Warned from the day before.
        assert_eq!(
            counts(&scan_at(&db, "2025-10-19T12:00:00+08:00")),
            (0, 0, 0, 0)
        );
        assert_eq!(
            counts(&scan_at(&db, "2025-10-20T12:00:00+08:00")),
            (0, 1, 0, 0)
        );
        assert_eq!(
            counts(&scan_at(&db, "2025-10-21T23:00:00+08:00")),
            (0, 0, 0, 0)
        );
        assert_eq!(
            counts(&scan_at(&db, "2025-10-22T00:00:00+08:00")),
            (1, 0, 1, 0)
        );
        assert_eq!(
            counts(&scan_at(&db, "2025-10-23T09:00:00+08:00")),
            (0, 0, 0, 0)
        );
        let notices = reminder_rows::urge_notices(&db, id).expect("notices");
        let levels: Vec<(UrgeLevel, &str)> =
            notices.iter().map(|n| (n.level, n.unit.as_str())).collect();
        assert_eq!(
            levels,
            vec![
                (UrgeLevel::Warning, "qibin-urban"),
                (UrgeLevel::Overdue, "qibin-urban")
            ]
        );
        assert_eq!(
            notices[1].due_at.map(clock::format).as_deref(),
            Some("2025-10-21T23:59:59+08:00")
        );
        let overdue = db
            .execute(
                "SELECT overdue_at FROM cases WHERE id = ?",
                &[id.get().into()],
            )
            .expect("query");
        assert_eq!(
            overdue
                .row(0)
                .map(|r| r.text("overdue_at").map(str::to_string)),
            Some(Ok("2025-10-22T00:00:00+08:00".to_string()))
        );
    }

    #[test]
    fn a_case_closed_in_time_is_never_urged() {
        let db = seeded_db();
        let id = routed_lamp(&db, 1, "hotline_web");
        deadline_rows::end_running_deadlines(&db, id, true, t("2025-10-21T17:00:00+08:00"))
            .expect("met");
        assert_eq!(
            counts(&scan_at(&db, "2025-10-23T09:00:00+08:00")),
            (0, 0, 0, 0)
        );
    }

    #[test]
    fn a_case_no_stage_took_on_is_driven_again_after_a_few_minutes_and_only_once() {
        let db = seeded_db();
        let id = case(
            &db,
            1,
            "路灯不亮",
            "九州路路灯已坏一周，请尽快维修。",
            RECEIVED,
        );
        assert_eq!(
            counts(&scan_at(&db, "2025-09-30T10:04:00+08:00")),
            (0, 0, 0, 0)
        );
        assert_eq!(status(&db, id), Status::Received);
        assert_eq!(
            counts(&scan_at(&db, "2025-09-30T10:06:00+08:00")),
            (0, 0, 0, 1)
        );
        assert_eq!(status(&db, id), Status::Handling);
        assert_eq!(
            counts(&scan_at(&db, "2025-09-30T10:07:00+08:00")),
            (0, 0, 0, 0)
        );
    }

    #[test]
    fn the_bureaus_triage_queue_and_its_own_acceptances_are_left_to_the_bureau() {
        let db = seeded_db();
        // No competence entry matches: dispatch leaves it in triage.
        let triage = case(
            &db,
            1,
            "其他问题",
            "请问这个问题应该找哪个部门解决？",
            RECEIVED,
        );
        through_the_stages(&db, triage, RECEIVED);
        assert_eq!(status(&db, triage), Status::Accepted);
        // Rejected at once (no content), then accepted by the bureau: it
        // routes it itself.
        let overridden = case(&db, 2, "噪音", "你好，在吗？", RECEIVED);
        through_the_stages(&db, overridden, RECEIVED);
        assert_eq!(status(&db, overridden), Status::Rejected);
        let (calendar, deadlines) = (
            Calendar::official(),
            crate::time::deadlines::DeadlineRules::defaults(),
        );
        let version = history::load_lifecycle(&db, overridden)
            .expect("loads")
            .version;
        crate::desk::actions::apply(
            &db,
            overridden,
            version,
            Action::OverrideToAccept {
                reason: "实为噪音投诉".into(),
            },
            &Actor::bureau(),
            &crate::desk::actions::TimeRules {
                calendar: &calendar,
                deadlines: &deadlines,
            },
            t(RECEIVED),
        )
        .expect("overrides");
        assert_eq!(
            counts(&scan_at(&db, "2025-09-30T11:00:00+08:00")),
            (0, 0, 0, 0)
        );
        assert_eq!(status(&db, triage), Status::Accepted);
        assert_eq!(status(&db, overridden), Status::Accepted);
    }

    #[test]
    fn the_bureaus_own_urge_is_an_urge_notice_too() {
        let db = seeded_db();
        let id = routed_lamp(&db, 1, "hotline_web");
        let (calendar, deadlines) = (
            Calendar::official(),
            crate::time::deadlines::DeadlineRules::defaults(),
        );
        let v = history::load_lifecycle(&db, id).expect("loads");
        crate::desk::actions::apply(
            &db,
            id,
            v.version,
            Action::Urge {
                note: "请加快办理".into(),
            },
            &Actor::bureau(),
            &crate::desk::actions::TimeRules {
                calendar: &calendar,
                deadlines: &deadlines,
            },
            t(RECEIVED),
        )
        .expect("urges");
        let notices = reminder_rows::urge_notices(&db, id).expect("notices");
        assert_eq!(notices.len(), 1);
        assert_eq!(notices[0].level, UrgeLevel::Urge);
        assert_eq!(notices[0].acknowledged_at, None);
    }

    #[test]
    fn the_shipped_scan_rules_are_valid_and_bad_ones_refused() {
        let r = ScanRules::defaults();
        assert_eq!((r.warning_working_days, r.stuck_after_minutes), (1, 5));
        assert!(ScanRules::from_json(
            r#"{"warning_working_days": 1, "stuck_after_minutes": 5, "batch": 0}"#
        )
        .is_err());
        assert!(ScanRules::from_json(
            r#"{"warning_working_days": 31, "stuck_after_minutes": 5, "batch": 10}"#
        )
        .is_err());
    }

    #[test]
    fn only_the_unit_urged_acknowledges_its_notice_and_once() {
        use crate::access::Principal;
        use crate::oversight::reminder_rows;
        let db = seeded_db();
        let id = routed_lamp(&db, 1, "hotline_web");
        scan_at(&db, "2025-10-22T00:00:00+08:00");
        let notice = reminder_rows::urge_notices(&db, id).expect("notices")[0].id;
        let who = |role, unit: Option<&str>| Principal {
            subject: "someone".into(),
            name: "测试人员".into(),
            role,
            unit: unit.map(|u| u.parse().expect("unit")),
            leader: false,
        };
        let ack = |p: &Principal, at: &str| acknowledge(&db, notice, p, t(at));
        assert_eq!(
            ack(
                &who(crate::case::words::Role::Bureau, None),
                "2025-10-22T09:00:00+08:00"
            ),
            Err(AckError::NotYours)
        );
        assert_eq!(
            ack(
                &who(crate::case::words::Role::Unit, Some("qibin-water")),
                "2025-10-22T09:00:00+08:00"
            ),
            Err(AckError::NotYours)
        );
        let urban = who(crate::case::words::Role::Unit, Some("qibin-urban"));
        let first = ack(&urban, "2025-10-22T09:00:00+08:00").expect("acknowledged");
        let again = ack(&urban, "2025-10-23T09:00:00+08:00").expect("acknowledged");
        assert_eq!(
            again.acknowledged_at.map(clock::format).as_deref(),
            Some("2025-10-22T09:00:00+08:00")
        );
        assert_eq!(first, again);
        assert_eq!(
            acknowledge(&db, 999, &urban, t(RECEIVED)),
            Err(AckError::NotFound(999))
        );
    }

    fn scan_with(db: &NativeDb, rules: &Rules, at: &str) -> ScanReport {
        scan(db, rules, t(at).with_timezone(&Utc)).expect("scans")
    }

    #[test]
    fn a_backlog_larger_than_the_batch_is_worked_off_scan_by_scan() {
        let db = seeded_db();
        for n in 1..=3 {
            routed_lamp(&db, n, "hotline_web");
        }
        // A county reading one due deadline a scan.
        crate::county::families::set(
            &db,
            crate::base::rules::Family::Reminder,
            "",
            r#"{"warning_working_days": 0, "stuck_after_minutes": 5, "batch": 1}"#,
            "test.admin",
            t(RECEIVED),
        )
        .expect("set");
        let rules = Rules::current(&db, &crate::base::rules::NoCache).expect("rules");
        let at = "2025-10-23T09:00:00+08:00";
        for _ in 0..3 {
            assert_eq!(counts(&scan_with(&db, &rules, at)), (1, 0, 1, 0));
        }
        assert_eq!(counts(&scan_with(&db, &rules, at)), (0, 0, 0, 0));
    }

    #[test]
    fn the_contact_milestone_is_not_chased_until_contact_can_be_recorded() {
        let db = seeded_db();
        let id = routed_lamp(&db, 1, "online_platform");
        // Contact was due 9 October, the finish 14 October.
        assert_eq!(
            counts(&scan_at(&db, "2025-10-10T09:00:00+08:00")),
            (0, 0, 0, 0)
        );
        assert_eq!(
            counts(&scan_at(&db, "2025-10-15T09:00:00+08:00")),
            (1, 0, 1, 0)
        );
        let milestones: Vec<Option<crate::time::deadlines::Milestone>> =
            reminder_rows::urge_notices(&db, id)
                .expect("notices")
                .iter()
                .map(|n| n.milestone)
                .collect();
        assert_eq!(
            milestones,
            vec![Some(crate::time::deadlines::Milestone::Finish)]
        );
    }

    #[test]
    fn a_late_hall_case_gets_an_owner_in_the_halls_supervision_section() {
        let db = seeded_db();
        let body = serde_json::json!({
            "channel": "service_hall", "kind": "complaint", "form": "written", "title": "路灯不亮",
            "content": "九州路路灯已坏一周，请尽快维修。", "county": "410611000",
            "submitter": {"type": "individual", "name": "张三", "phone": "13812345601"}
        });
        let hall = store_case(&db, 1, body, RECEIVED);
        through_the_stages(&db, hall, RECEIVED);
        let phone = routed_lamp(&db, 2, "hotline_web");
        // The hall's complaint: 5 working days, due 14 October.
        assert_eq!(counts(&scan_at(&db, "2025-10-15T09:00:00+08:00")).0, 1);
        let owners = |id| -> Vec<(UrgeLevel, Option<String>)> {
            reminder_rows::urge_notices(&db, id)
                .expect("notices")
                .into_iter()
                .map(|n| (n.level, n.owner))
                .collect()
        };
        assert_eq!(
            owners(hall),
            vec![(UrgeLevel::Overdue, Some("服务大厅督查科".to_string()))]
        );
        // A hotline case late on 22 October has no hall owner.
        scan_at(&db, "2025-10-22T09:00:00+08:00");
        assert_eq!(owners(phone), vec![(UrgeLevel::Overdue, None)]);
    }

    #[test]
    fn a_proposal_nobody_decided_by_the_next_working_day_is_urged_to_the_bureau_once() {
        let db = seeded_db();
        let id = case(
            &db,
            1,
            "撤销判决",
            "法院判决不公，请撤销法院判决，重新审理。",
            RECEIVED,
        );
        through_the_stages(&db, id, RECEIVED);
        assert_eq!(status(&db, id), Status::Screening);
        // Received Tuesday 30 September: decided by 9 October (the holiday).
        assert_eq!(counts(&scan_at(&db, "2025-10-09T20:00:00+08:00")).0, 0);
        assert_eq!(
            counts(&scan_at(&db, "2025-10-10T09:00:00+08:00")),
            (1, 0, 1, 0)
        );
        assert_eq!(
            counts(&scan_at(&db, "2025-10-10T10:00:00+08:00")),
            (0, 0, 0, 0)
        );
        let notices = reminder_rows::urge_notices(&db, id).expect("notices");
        assert_eq!(notices.len(), 1);
        assert_eq!(
            (notices[0].unit.as_str(), notices[0].milestone),
            ("bureau", Some(Milestone::Decision))
        );
    }
}
