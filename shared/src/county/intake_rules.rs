//! Intake rules (Art. 2): the public channels' submission rate and the
//! service hall's opening hours. The hall is open on working days of the
//! official calendar (make-up working days included), in the configured
//! intervals of China time; outside them hall intake is refused. Data in
//! `shared/config/intake.json`, replaceable per county.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveTime, Utc};
use serde::{Deserialize, Serialize};

use crate::base::clock;
use crate::base::kv::KeyValue;
use crate::base::rules::{self, Family, RuleFamily};
use crate::time::calendar::Calendar;

const DEFAULTS: &str = include_str!("../../config/intake.json");

/// One interval of the service hall's opening hours, in China time.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Interval {
    /// When the hall opens, `HH:MM` (included).
    pub from: String,
    /// When it closes, `HH:MM` (excluded); later than `from`.
    pub to: String,
}

/// The intake rules of one deployment (Art. 2), by default
/// `shared/config/intake.json`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct IntakeRules {
    /// A free-text note on the rules and where they come from.
    #[serde(default)]
    pub about: String,
    /// How many cases one client may submit per minute on the public channels
    /// (at least 1).
    pub public_submissions_per_minute: u32,
    /// The hall's opening hours on working days, in China time.
    pub hall_opening_hours: Vec<Interval>,
    /// Limits on wrong tracking lookups (guessing the phone's last four
    /// digits).
    #[serde(default)]
    pub tracking: crate::access::attempts::TrackingLimits,
    /// How long staff sessions live: idle minutes and the shift's hours.
    #[serde(default)]
    pub sessions: crate::directory::sessions::SessionLengths,
    /// Limits on failed staff sign-ins: per client, and the growing delay
    /// on an account under attack (never a lockout).
    #[serde(default)]
    pub sign_in: crate::access::attempts::SignInLimits,
    /// The names citizens pick their county by, per 9-digit code (the
    /// portal's list, `GET /api/counties`); a county with units but no name
    /// here is listed by its code.
    #[serde(default)]
    pub county_names: BTreeMap<String, String>,
}

/// The service hall is closed; says when it is open.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct HallClosed(pub String);

/// Too many public submissions from one client this minute.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("at most {per_minute} a minute from one address; try again in a minute")]
pub struct RateExceeded {
    /// The limit.
    pub per_minute: u32,
}

/// Where one client's submissions of one minute are counted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RateWindow {
    /// This minute's counter (it expires with the minute:
    /// [`crate::access::attempts::is_expired`]).
    pub key: String,
}

fn time(s: &str) -> Option<NaiveTime> {
    NaiveTime::parse_from_str(s, "%H:%M").ok()
}

impl IntakeRules {
    /// The rules shipped in `shared/config/intake.json`.
    pub fn defaults() -> Self {
        match Self::from_json(DEFAULTS) {
            Ok(r) => r,
            // Checked by this module's tests; never a user's input.
            Err(e) => panic!("built-in intake rules are invalid: {e}"),
        }
    }

    /// A county's own rules, checked before use: every interval `HH:MM` with
    /// `from` before `to`, and a rate of at least 1 a minute.
    pub fn from_json(text: &str) -> Result<Self, String> {
        let rules: Self = serde_json::from_str(text).map_err(|e| e.to_string())?;
        for i in &rules.hall_opening_hours {
            match (time(&i.from), time(&i.to)) {
                (Some(a), Some(b)) if a < b => {}
                _ => {
                    return Err(format!(
                        "opening hours {}–{} are not HH:MM with from before to",
                        i.from, i.to
                    ))
                }
            }
        }
        if rules.public_submissions_per_minute == 0 {
            return Err("public_submissions_per_minute must be at least 1".into());
        }
        rules.tracking.check()?;
        rules.sessions.check()?;
        rules.sign_in.check()?;
        for (code, name) in &rules.county_names {
            if code.parse::<crate::base::ids::CountyCode>().is_err() {
                return Err(format!("county_names: {code} is not a 9-digit county code"));
            }
            let chars = name.trim().chars().count();
            if chars == 0 || chars > 50 || name.chars().any(char::is_control) {
                return Err(format!(
                    "county_names: the name of {code} must be 1 to 50 characters"
                ));
            }
        }
        Ok(rules)
    }

    /// Whether the hall takes cases at `at`.
    pub fn hall_is_open(&self, calendar: &Calendar, at: DateTime<Utc>) -> bool {
        let local = clock::in_china(at);
        if !calendar.is_working_day(local.date_naive()) {
            return false;
        }
        let now = local.time();
        self.hall_opening_hours
            .iter()
            .filter_map(|i| Some((time(&i.from)?, time(&i.to)?)))
            .any(|(from, to)| now >= from && now < to)
    }

    /// Refuses a hall case outside the opening hours (Art. 2).
    pub fn admit_channel(
        &self,
        channel: crate::case::words::Channel,
        calendar: &Calendar,
        at: DateTime<Utc>,
    ) -> Result<(), HallClosed> {
        if channel.has_opening_hours() && !self.hall_is_open(calendar, at) {
            Err(HallClosed(self.describe_hours()))
        } else {
            Ok(())
        }
    }

    /// The counter one public client's submissions at `at` are counted
    /// under: one per client (its bucket) and minute, expiring with it.
    pub fn rate_window(&self, client: &str, at: DateTime<Utc>) -> RateWindow {
        let minute_end = (at.timestamp().div_euclid(60) + 1) * 60;
        RateWindow {
            key: crate::access::attempts::counter_key(minute_end, &format!("intake/{client}")),
        }
    }

    /// Refuses a public submission that is the `count`-th of its client in
    /// the window.
    pub fn admit_rate(&self, count: i64) -> Result<(), RateExceeded> {
        if count > i64::from(self.public_submissions_per_minute) {
            Err(RateExceeded {
                per_minute: self.public_submissions_per_minute,
            })
        } else {
            Ok(())
        }
    }

    /// Counts one public submission of `client` (its bucket) in the
    /// current minute: refused past the county's limit. A counter that
    /// fails never stops a citizen from reaching the bureau.
    pub fn count_public_submission(
        &self,
        kv: &impl KeyValue,
        client: &str,
        at: DateTime<Utc>,
    ) -> Result<(), RateExceeded> {
        match kv.increment(&self.rate_window(client, at).key, 1) {
            Ok(count) => self.admit_rate(count),
            Err(_) => Ok(()),
        }
    }

    /// The opening hours in words, for the refusal.
    pub fn describe_hours(&self) -> String {
        let spans: Vec<String> = self
            .hall_opening_hours
            .iter()
            .map(|i| format!("{}–{}", i.from, i.to))
            .collect();
        format!(
            "the service hall takes cases on working days, {} (China time)",
            spans.join(", ")
        )
    }
}

impl RuleFamily for IntakeRules {
    const FAMILY: Family = Family::Intake;

    fn from_texts(texts: &[String]) -> Result<Self, String> {
        rules::one_text(texts, Self::from_json, Self::defaults)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_county_sets_its_sign_in_limits_and_a_delay_past_30_seconds_is_refused() {
        let mut rules: serde_json::Value =
            serde_json::from_str(DEFAULTS).expect("the shipped rules are JSON");
        assert_eq!(
            IntakeRules::defaults().sign_in,
            crate::access::attempts::SignInLimits::default()
        );
        rules["sign_in"]["per_client"] = 50.into();
        let own = IntakeRules::from_json(&rules.to_string()).expect("valid");
        assert_eq!(own.sign_in.per_client, 50);
        rules["sign_in"]["max_delay_seconds"] = 3600.into();
        let lockout = IntakeRules::from_json(&rules.to_string()).expect_err("refused");
        assert!(lockout.contains("max_delay_seconds"), "{lockout}");
    }

    #[test]
    fn a_client_past_the_minutes_limit_is_refused_until_the_next_minute_and_a_failing_store_refuses_none(
    ) {
        use crate::base::kv::MemoryKv;
        use chrono::TimeZone;
        let rules = IntakeRules::defaults();
        let limit = rules.public_submissions_per_minute;
        let kv = MemoryKv::new();
        let minute = Utc
            .with_ymd_and_hms(2025, 10, 21, 2, 0, 0)
            .single()
            .expect("time");
        for _ in 0..limit {
            assert_eq!(
                rules.count_public_submission(&kv, "203.0.113.7", minute),
                Ok(())
            );
        }
        assert!(rules
            .count_public_submission(&kv, "203.0.113.7", minute)
            .is_err());
        assert_eq!(
            rules.count_public_submission(&kv, "198.51.100.2", minute),
            Ok(())
        );
        let next = minute + chrono::Duration::seconds(60);
        assert_eq!(
            rules.count_public_submission(&kv, "203.0.113.7", next),
            Ok(())
        );
        let down = MemoryKv::failing();
        for _ in 0..=limit {
            assert_eq!(
                rules.count_public_submission(&down, "203.0.113.7", minute),
                Ok(())
            );
        }
    }

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s)
            .expect("instant")
            .with_timezone(&Utc)
    }

    fn open(s: &str) -> bool {
        IntakeRules::defaults().hall_is_open(&Calendar::official(), at(s))
    }

    #[test]
    fn the_hall_is_open_in_working_hours_of_working_days() {
        assert!(open("2025-11-28T09:00:00+08:00"));
        assert!(!open("2025-11-28T08:59:59+08:00"));
        assert!(!open("2025-11-28T12:30:00+08:00"));
        assert!(open("2025-11-28T16:59:00+08:00"));
        assert!(!open("2025-11-28T17:00:00+08:00"));
    }

    #[test]
    fn the_hall_is_closed_on_weekends_and_holidays_and_open_on_make_up_days() {
        assert!(!open("2025-11-29T10:00:00+08:00"));
        assert!(!open("2025-10-08T10:00:00+08:00"));
        assert!(open("2026-02-14T10:00:00+08:00"));
    }

    #[test]
    fn county_names_are_keyed_by_a_nine_digit_code_and_named_in_fifty_characters() {
        let with = |names: &str| {
            IntakeRules::from_json(&format!(
                r#"{{"public_submissions_per_minute": 1, "hall_opening_hours": [], "county_names": {names}}}"#
            ))
        };
        let rules = with(r#"{"410611000": "淇滨区"}"#).expect("valid");
        assert_eq!(rules.county_names["410611000"], "淇滨区");
        assert!(with(r#"{"4106": "淇滨区"}"#)
            .expect_err("short code")
            .contains("4106"));
        assert!(with(r#"{"410611000": " "}"#).is_err());
        assert!(with(&format!(r#"{{"410611000": "{}"}}"#, "区".repeat(51))).is_err());
        assert!(IntakeRules::defaults().county_names.is_empty());
    }

    #[test]
    fn opening_hours_are_china_time_whatever_the_servers_zone() {
        // 01:30 UTC is 09:30 in China.
        assert!(open("2025-11-28T01:30:00Z"));
    }

    #[test]
    fn a_client_is_counted_per_minute_and_refused_past_the_limit() {
        let rules = IntakeRules::defaults();
        let w = rules.rate_window("10.0.0.1", at("2025-11-28T09:00:30+08:00"));
        let next = rules.rate_window("10.0.0.1", at("2025-11-28T09:01:00+08:00"));
        assert_ne!(w.key, next.key);
        assert!(!crate::access::attempts::is_expired(
            &w.key,
            at("2025-11-28T09:00:59+08:00")
        ));
        assert!(crate::access::attempts::is_expired(
            &w.key,
            at("2025-11-28T09:01:00+08:00")
        ));
        assert_eq!(rules.admit_rate(20), Ok(()));
        assert_eq!(rules.admit_rate(21), Err(RateExceeded { per_minute: 20 }));
    }

    #[test]
    fn only_hall_cases_are_refused_when_the_hall_is_closed() {
        use crate::case::words::Channel;
        let rules = IntakeRules::defaults();
        let night = at("2025-11-28T22:00:00+08:00");
        let cal = Calendar::official();
        assert!(rules
            .admit_channel(Channel::ServiceHall, &cal, night)
            .is_err());
        assert!(rules
            .admit_channel(Channel::OnlinePlatform, &cal, night)
            .is_ok());
    }

    #[test]
    fn malformed_hours_are_refused() {
        assert!(IntakeRules::from_json(r#"{"public_submissions_per_minute": 5, "hall_opening_hours": [{"from": "17:00", "to": "09:00"}]}"#).is_err());
        assert!(IntakeRules::from_json(
            r#"{"public_submissions_per_minute": 0, "hall_opening_hours": []}"#
        )
        .is_err());
    }
}
