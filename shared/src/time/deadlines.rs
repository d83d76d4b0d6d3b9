//! Deadlines in working days (Art. 6) and the rules that set them.
//!
//! **The rule.** A time limit of N working days for something received at
//! instant t ends at the end (23:59:59 +08:00) of the N-th working day after
//! the day of receipt; the day of receipt itself is not counted (Civil Code
//! Art. 201). The day of receipt is t's date in China time. With N = 0 the
//! limit ends at the end of the day of receipt ("the same day").
//!
//! **Beyond the calendar.** A deadline that counts any day of a year without
//! a loaded notice treats only weekends as days off and carries
//! `verified: false`.
//!
//! **The limits** per channel, kind, hotline mode and urgency are data
//! (`shared/config/deadlines.json`), so a county can replace them (Art. 12).

use std::collections::BTreeMap;

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveTime, TimeZone, Utc};
use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::base::clock;
use crate::base::rules::{self, Family, RuleFamily};
use crate::case::words::{Channel, HallForm, HotlineMode, Kind};
use crate::time::calendar::{Calendar, CalendarError};

const DEFAULT_RULES: &str = include_str!("../../config/deadlines.json");

/// What a deadline is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Milestone {
    /// Contact the submitter (1 working day on the online platform).
    Contact,
    /// Finish the investigation (5 working days for complex online cases).
    Investigate,
    /// Finish handling and reply.
    Finish,
    /// The bureau decides on screening's proposal (Art. 5).
    Decision,
}

text_enum!(Milestone {
    Contact = "contact",
    Investigate = "investigate",
    Finish = "finish",
    Decision = "decision",
});

/// Why a case's deadlines could not be set.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum DeadlineError {
    /// The deadline rules (county config) are invalid.
    #[error("deadline rules are invalid: {0}")]
    Rules(String),
    /// The calendar could not count the working days.
    #[error(transparent)]
    Calendar(#[from] CalendarError),
    /// No rule of the rule set matches the case's facts.
    #[error("no deadline rule matches this case")]
    NoRule,
}

/// The facts of a case that decide its time limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CaseFacts {
    /// Where the case came in.
    pub channel: Channel,
    /// Consultation, complaint or suggestion.
    pub kind: Kind,
    /// How the case is handled (Art. 6(二).1), if a mode was set: 即办, 直办,
    /// 转办, 协办 or 呈办.
    pub mode: Option<HotlineMode>,
    /// Oral or written, for a complaint at the service hall (Art. 6(三)).
    pub form: Option<HallForm>,
    /// Whether the case is complex; by default a complex online-platform case
    /// has 15 working days to finish instead of 5 (Art. 6(一).1, 1-5-15).
    pub complex: bool,
    /// Whether the case is urgent; by default an urgent online-platform case
    /// has 3 working days to finish (Art. 6(一).1).
    pub urgent: bool,
}

/// Conditions of a rule; an absent condition matches anything.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct When {
    /// Channels the rule applies to (`online_platform`, `hotline_phone`,
    /// `hotline_web`, `service_hall`); empty for any.
    #[serde(default)]
    pub channel: Vec<String>,
    /// Kinds it applies to (`consultation`, `complaint`, `suggestion`); empty for
    /// any.
    #[serde(default)]
    pub kind: Vec<String>,
    /// Hotline modes it applies to (`immediate`, `direct`, `transfer`, `joint`,
    /// `escalate`); empty for any, else a case without a mode does not match.
    #[serde(default)]
    pub mode: Vec<String>,
    /// Hall forms it applies to (`oral`, `written`); empty for any, else a case
    /// without a form does not match.
    #[serde(default)]
    pub form: Vec<String>,
    /// Only complex cases (`true`) or only the others (`false`); absent for both.
    #[serde(default)]
    pub complex: Option<bool>,
    /// Only urgent cases (`true`) or only the others (`false`); absent for both.
    #[serde(default)]
    pub urgent: Option<bool>,
}

/// One deadline rule: the cases it applies to and their time limits.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    /// The rule's name, reported when a case is routed, e.g. `hotline transfer`.
    pub name: String,
    /// The article of the measures (or local decision) behind the rule.
    pub basis: String,
    /// Which cases the rule applies to.
    #[serde(default)]
    pub when: When,
    /// The time limit of each milestone, in working days (0 = the same day); a
    /// milestone left out gets no deadline.
    pub milestones: BTreeMap<Milestone, u32>,
}

/// The whole rule set of one deployment.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct DeadlineRules {
    /// A free-text note on the rule set and where it comes from.
    #[serde(default)]
    pub about: String,
    /// The rules, in order: the first that matches a case applies.
    pub rules: Vec<Rule>,
    /// How long a unit has to return a misrouted case (Art. 6).
    pub misrouted_return_days: u32,
    /// The new limit after a failed quality check (Art. 6(一).2).
    pub qc_redo_days: u32,
    /// The new limit after a review request returns a case (Art. 6(二).3).
    pub review_redo_days: u32,
    /// How long the bureau has to decide on screening's proposal (Art. 5).
    #[serde(default = "one_working_day")]
    pub screening_decision_days: u32,
    /// Whether the lead unit signs for a case (签收) before anything but
    /// returning it; the county may let its units work a case at once.
    #[serde(default = "yes")]
    pub sign_for_first: bool,
}

fn one_working_day() -> u32 {
    1
}

fn yes() -> bool {
    true
}

fn matches_list<T: Copy>(
    list: &[String],
    value: Option<T>,
    text: impl Fn(T) -> &'static str,
) -> bool {
    list.is_empty() || value.is_some_and(|v| list.iter().any(|s| s == text(v)))
}

impl When {
    fn matches(&self, f: &CaseFacts) -> bool {
        matches_list(&self.channel, Some(f.channel), Channel::as_str)
            && matches_list(&self.kind, Some(f.kind), Kind::as_str)
            && matches_list(&self.mode, f.mode, HotlineMode::as_str)
            && matches_list(&self.form, f.form, HallForm::as_str)
            && self.complex.is_none_or(|c| c == f.complex)
            && self.urgent.is_none_or(|u| u == f.urgent)
    }

    /// Every text names a real value, so a typo cannot silently never match.
    fn check(&self, rule: &str) -> Result<(), DeadlineError> {
        let lists: [(&str, &[String], &[&str]); 4] = [
            ("channel", &self.channel, Channel::ALL),
            ("kind", &self.kind, Kind::ALL),
            ("mode", &self.mode, HotlineMode::ALL),
            ("form", &self.form, HallForm::ALL),
        ];
        for (field, values, allowed) in lists {
            if let Some(bad) = values.iter().find(|v| !allowed.contains(&v.as_str())) {
                return Err(DeadlineError::Rules(format!(
                    "rule {rule:?}: {field} {bad:?} is not one of {}",
                    allowed.join(", ")
                )));
            }
        }
        Ok(())
    }
}

impl DeadlineRules {
    /// The defaults shipped in `shared/config/deadlines.json`.
    pub fn defaults() -> Self {
        match Self::from_json(DEFAULT_RULES) {
            Ok(rules) => rules,
            // Checked by this module's tests; never a user's input.
            Err(e) => panic!("built-in deadline rules are invalid: {e}"),
        }
    }

    /// A county's own rules, checked before use.
    pub fn from_json(text: &str) -> Result<Self, DeadlineError> {
        let rules: Self =
            serde_json::from_str(text).map_err(|e| DeadlineError::Rules(e.to_string()))?;
        for rule in &rules.rules {
            rule.when.check(&rule.name)?;
            if let Some((m, n)) = rule
                .milestones
                .iter()
                .find(|(_, n)| **n > crate::time::calendar::MAX_WORKING_DAYS)
            {
                return Err(DeadlineError::Rules(format!(
                    "rule {:?}: {m} of {n} working days is too long",
                    rule.name
                )));
            }
        }
        Ok(rules)
    }

    /// The first rule that matches the case.
    pub fn rule_for(&self, facts: &CaseFacts) -> Result<&Rule, DeadlineError> {
        self.rules
            .iter()
            .find(|r| r.when.matches(facts))
            .ok_or(DeadlineError::NoRule)
    }
}

/// One computed deadline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Deadline {
    /// What the deadline is for.
    pub milestone: Milestone,
    /// The time limit in working days, counted from the day of receipt (or of
    /// a failed quality check or returned review), extensions included.
    pub working_days: u32,
    /// The last day, in China time.
    pub due_date: NaiveDate,
    /// The end of that day: `YYYY-MM-DDT23:59:59+08:00`.
    pub due_at: DateTime<FixedOffset>,
    /// False when a day counted lies in a year without a loaded notice
    /// (weekends only).
    pub verified: bool,
    /// The instant the count starts from (receipt, reassignment, a failed
    /// QC...; an extension keeps its deadline's), to count it again when
    /// a calendar year is loaded. `None` for deadlines set before it was
    /// kept.
    pub counted_from: Option<DateTime<FixedOffset>>,
}

impl Deadline {
    /// Whether the deadline has passed at instant `now`.
    pub fn is_overdue_at(&self, now: DateTime<Utc>) -> bool {
        now > self.due_at
    }
}

/// The deadline `n` working days after the day of `received_at`.
pub fn deadline(
    calendar: &Calendar,
    milestone: Milestone,
    received_at: DateTime<Utc>,
    n: u32,
) -> Result<Deadline, DeadlineError> {
    let day_of_receipt = clock::in_china(received_at).date_naive();
    let counted = calendar.add_working_days(day_of_receipt, n)?;
    let end_of_day = counted.date.and_time(end_of_day());
    let due_at = clock::china()
        .from_local_datetime(&end_of_day)
        .single()
        .ok_or(DeadlineError::Calendar(CalendarError::Shape(
            "date out of range".into(),
        )))?;
    Ok(Deadline {
        milestone,
        working_days: n,
        due_date: counted.date,
        due_at,
        verified: counted.verified,
        counted_from: Some(clock::in_china(received_at)),
    })
}

fn end_of_day() -> NaiveTime {
    NaiveTime::from_hms_opt(23, 59, 59).unwrap_or(NaiveTime::MIN)
}

/// An approved extension (Art. 6(二).1(4)): the same milestone, `extra`
/// working days after the current due date. The earlier deadline is kept
/// on record by the caller ([`crate::time::deadline_rows::set_deadlines`]).
pub fn extend(
    calendar: &Calendar,
    current: &Deadline,
    extra: u32,
) -> Result<Deadline, DeadlineError> {
    let counted = calendar.add_working_days(current.due_date, extra)?;
    let due_at = clock::china()
        .from_local_datetime(&counted.date.and_time(end_of_day()))
        .single()
        .ok_or(DeadlineError::Calendar(CalendarError::Shape(
            "date out of range".into(),
        )))?;
    Ok(Deadline {
        milestone: current.milestone,
        working_days: current.working_days + extra,
        due_date: counted.date,
        due_at,
        verified: current.verified && counted.verified,
        counted_from: current.counted_from,
    })
}

/// The deadlines a case gets when it is routed, by the first matching rule.
pub fn schedule(
    calendar: &Calendar,
    rules: &DeadlineRules,
    facts: &CaseFacts,
    received_at: DateTime<Utc>,
) -> Result<(String, Vec<Deadline>), DeadlineError> {
    let rule = rules.rule_for(facts)?;
    let deadlines = rule
        .milestones
        .iter()
        .map(|(m, n)| deadline(calendar, *m, received_at, *n))
        .collect::<Result<Vec<_>, _>>()?;
    Ok((rule.name.clone(), deadlines))
}

impl RuleFamily for DeadlineRules {
    const FAMILY: Family = Family::Deadlines;

    fn from_texts(texts: &[String]) -> Result<Self, String> {
        rules::one_text(texts, Self::from_json, Self::defaults)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn china(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s)
            .expect("test instant")
            .with_timezone(&Utc)
    }

    fn due(received: &str, n: u32) -> Deadline {
        deadline(&Calendar::official(), Milestone::Finish, china(received), n).expect("computes")
    }

    fn facts(channel: Channel, kind: Kind) -> CaseFacts {
        CaseFacts {
            channel,
            kind,
            mode: None,
            form: None,
            complex: false,
            urgent: false,
        }
    }

    #[test]
    fn five_working_days_from_the_eve_of_national_day_2025_end_on_october_14() {
        let d = due("2025-09-30T10:00:00+08:00", 5);
        assert_eq!(d.due_date.to_string(), "2025-10-14");
        assert_eq!(clock::format(d.due_at), "2025-10-14T23:59:59+08:00");
        assert!(d.verified);
    }

    #[test]
    fn the_make_up_saturday_after_national_day_2025_is_counted() {
        // 10-09 (1), 10-10 (2), 10-11 Sat make-up (3).
        assert_eq!(
            due("2025-10-08T09:00:00+08:00", 3).due_date.to_string(),
            "2025-10-11"
        );
    }

    #[test]
    fn spring_festival_2026_with_its_two_make_up_saturdays() {
        // Received Fri 02-13: 02-14 Sat make-up (1), 02-24..02-27 (2..5).
        assert_eq!(
            due("2026-02-13T15:00:00+08:00", 5).due_date.to_string(),
            "2026-02-27"
        );
        // 02-28 Sat make-up is the 6th; 03-01 is a Sunday, so the 10th is 03-05.
        assert_eq!(
            due("2026-02-13T15:00:00+08:00", 6).due_date.to_string(),
            "2026-02-28"
        );
        assert_eq!(
            due("2026-02-13T15:00:00+08:00", 10).due_date.to_string(),
            "2026-03-05"
        );
    }

    #[test]
    fn receipt_on_a_make_up_saturday_starts_counting_the_next_working_day() {
        assert_eq!(
            due("2026-02-14T11:00:00+08:00", 1).due_date.to_string(),
            "2026-02-24"
        );
    }

    #[test]
    fn receipt_at_one_minute_to_midnight_china_time_counts_from_that_day() {
        // 2025-11-27 Thu 23:59 +08:00 is 15:59 UTC the same day.
        assert_eq!(
            due("2025-11-27T23:59:00+08:00", 1).due_date.to_string(),
            "2025-11-28"
        );
    }

    #[test]
    fn receipt_at_midnight_china_time_is_the_next_day_even_though_utc_is_the_day_before() {
        // 2025-11-28T00:00+08:00 is 2025-11-27T16:00Z.
        let d = deadline(
            &Calendar::official(),
            Milestone::Finish,
            china("2025-11-27T16:00:00Z"),
            1,
        )
        .expect("computes");
        assert_eq!(d.due_date.to_string(), "2025-12-01");
    }

    #[test]
    fn a_same_day_limit_ends_at_midnight_of_the_day_of_receipt() {
        let d = due("2025-10-01T09:00:00+08:00", 0);
        assert_eq!(clock::format(d.due_at), "2025-10-01T23:59:59+08:00");
    }

    #[test]
    fn a_deadline_in_a_year_without_a_notice_is_unverified() {
        assert!(!due("2026-12-25T09:00:00+08:00", 10).verified);
        assert!(due("2026-12-01T09:00:00+08:00", 10).verified);
    }

    #[test]
    fn an_approved_extension_counts_on_from_the_current_due_date() {
        // Due 2025-09-26 (Fri); 5 more working days: 09-28 Sun make-up (1),
        // 09-29 (2), 09-30 (3), National Day, 10-09 (4), 10-10 (5).
        let current = due("2025-09-19T10:00:00+08:00", 5);
        assert_eq!(current.due_date.to_string(), "2025-09-26");
        let extended = extend(&Calendar::official(), &current, 5).expect("extends");
        assert_eq!(extended.due_date.to_string(), "2025-10-10");
        assert_eq!(extended.working_days, 10);
        assert_eq!(clock::format(extended.due_at), "2025-10-10T23:59:59+08:00");
    }

    #[test]
    fn overdue_means_after_the_last_second_of_the_due_day() {
        let d = due("2025-09-30T10:00:00+08:00", 5);
        assert!(!d.is_overdue_at(china("2025-10-14T23:59:59+08:00")));
        assert!(d.is_overdue_at(china("2025-10-15T00:00:00+08:00")));
    }

    #[test]
    fn the_online_platform_gets_1_and_5_and_complex_cases_15() {
        let rules = DeadlineRules::defaults();
        let cal = Calendar::official();
        let at = china("2025-09-30T10:00:00+08:00");
        let f = facts(Channel::OnlinePlatform, Kind::Complaint);
        let (_, plain) = schedule(&cal, &rules, &f, at).expect("schedules");
        let days: Vec<(Milestone, u32)> = plain
            .iter()
            .map(|d| (d.milestone, d.working_days))
            .collect();
        assert_eq!(days, vec![(Milestone::Contact, 1), (Milestone::Finish, 5)]);
        assert_eq!(plain[0].due_date.to_string(), "2025-10-09");
        let complex = CaseFacts { complex: true, ..f };
        let (_, c) = schedule(&cal, &rules, &complex, at).expect("schedules");
        let days: Vec<(Milestone, u32)> = c.iter().map(|d| (d.milestone, d.working_days)).collect();
        assert_eq!(
            days,
            vec![
                (Milestone::Contact, 1),
                (Milestone::Investigate, 5),
                (Milestone::Finish, 15)
            ]
        );
    }

    #[test]
    fn hotline_modes_have_their_own_limits() {
        let rules = DeadlineRules::defaults();
        let finish = |mode| {
            let f = CaseFacts {
                mode: Some(mode),
                ..facts(Channel::HotlinePhone, Kind::Complaint)
            };
            rules
                .rule_for(&f)
                .map(|r| r.milestones.get(&Milestone::Finish).copied())
        };
        assert_eq!(finish(HotlineMode::Transfer), Ok(Some(10)));
        assert_eq!(finish(HotlineMode::Joint), Ok(Some(15)));
        assert_eq!(finish(HotlineMode::Immediate), Ok(Some(0)));
        assert_eq!(finish(HotlineMode::Direct), Ok(Some(0)));
        assert_eq!(finish(HotlineMode::Escalate), Ok(None));
    }

    #[test]
    fn hall_complaints_and_suggestions_have_5_and_consultations_are_same_day() {
        let rules = DeadlineRules::defaults();
        let finish = |kind| {
            rules
                .rule_for(&facts(Channel::ServiceHall, kind))
                .map(|r| r.milestones.get(&Milestone::Finish).copied())
        };
        assert_eq!(finish(Kind::Complaint), Ok(Some(5)));
        assert_eq!(finish(Kind::Suggestion), Ok(Some(5)));
        assert_eq!(finish(Kind::Consultation), Ok(Some(0)));
    }

    #[test]
    fn a_county_can_replace_the_rules() {
        let rules = DeadlineRules::from_json(
            r#"{"rules": [{"name": "all", "basis": "local", "milestones": {"finish": 7}}],
                "misrouted_return_days": 2, "qc_redo_days": 3, "review_redo_days": 4}"#,
        )
        .expect("valid");
        let f = facts(Channel::OnlinePlatform, Kind::Complaint);
        assert_eq!(
            rules.rule_for(&f).map(|r| r.milestones[&Milestone::Finish]),
            Ok(7)
        );
    }

    #[test]
    fn a_rule_naming_an_unknown_channel_is_refused() {
        let err = DeadlineRules::from_json(
            r#"{"rules": [{"name": "x", "basis": "b", "when": {"channel": ["fax"]}, "milestones": {}}],
                "misrouted_return_days": 1, "qc_redo_days": 5, "review_redo_days": 5}"#,
        )
        .unwrap_err();
        assert!(err.to_string().contains("fax"), "{err}");
    }

    mod properties {
        use super::*;
        use proptest::prelude::*;

        fn any_date() -> impl Strategy<Value = NaiveDate> {
            // 1970-01-01 .. 2100-12-31
            (0i64..47846).prop_map(|d| {
                NaiveDate::from_ymd_opt(1970, 1, 1).expect("epoch") + chrono::Duration::days(d)
            })
        }

        proptest! {
            #[test]
            fn a_due_date_is_always_a_working_day(from in any_date(), n in 1u32..60) {
                let cal = Calendar::official();
                let due = cal.add_working_days(from, n).expect("counts");
                prop_assert!(cal.is_working_day(due.date));
                prop_assert!(due.date > from);
            }

            #[test]
            fn more_working_days_never_give_an_earlier_date(from in any_date(), n in 0u32..60, extra in 0u32..20) {
                let cal = Calendar::official();
                let a = cal.add_working_days(from, n).expect("counts");
                let b = cal.add_working_days(from, n + extra).expect("counts");
                prop_assert!(b.date >= a.date);
            }

            #[test]
            fn no_date_from_1970_to_2100_panics(from in any_date(), n in 0u32..400) {
                let cal = Calendar::official();
                let _ = cal.day(from);
                let due = cal.add_working_days(from, n).expect("counts");
                prop_assert_eq!(cal.working_days_between(from, due.date), n);
            }
        }
    }
}
