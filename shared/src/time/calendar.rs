//! The official Chinese working-day calendar: statutory holidays **and**
//! make-up working days (调休上班), from the State Council's yearly notices
//! (国务院办公厅关于YYYY年部分节假日安排的通知).
//!
//! The years 2020–2026 are built in (`shared/calendar/YYYY.json`, each citing
//! its notice). A bureau can load a further year at run time in the same
//! shape, without a redeploy. Any date can be asked about, without panicking:
//! for a date whose year is not loaded the answer counts weekends only and
//! says so with `verified: false`, and so does every deadline that depends on
//! such a date.

use std::borrow::Cow;
use std::collections::BTreeMap;

use crate::base::rules::{Family, RuleFamily};
use chrono::{Datelike, Duration, NaiveDate, Weekday};
use serde::{Deserialize, Serialize};
use thiserror::Error;

/// The built-in years, oldest first.
const BUILT_IN: &[&str] = &[
    include_str!("../../calendar/2020.json"),
    include_str!("../../calendar/2021.json"),
    include_str!("../../calendar/2022.json"),
    include_str!("../../calendar/2023.json"),
    include_str!("../../calendar/2024.json"),
    include_str!("../../calendar/2025.json"),
    include_str!("../../calendar/2026.json"),
];

/// The shipped data of `year`, if it is a built-in year.
pub fn built_in_year(year: i32) -> Option<&'static str> {
    BUILT_IN
        .iter()
        .copied()
        .find(|text| serde_json::from_str::<YearData>(text).is_ok_and(|data| data.year == year))
}

/// The largest number of working days one computation may count: far beyond
/// any time limit in the measures, and small enough that no date overflows.
pub const MAX_WORKING_DAYS: u32 = 3660;

/// Why a year's calendar data, or a count of working days, is refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum CalendarError {
    /// The data is not JSON of the year's shape, or a year or date is out of range.
    #[error("calendar data is not valid JSON of the expected shape: {0}")]
    Shape(String),
    /// An entry is neither a date nor a range (start first, at most 31 days apart).
    #[error("{0:?} is not a date (YYYY-MM-DD) or a range (YYYY-MM-DD/YYYY-MM-DD)")]
    Date(String),
    /// A listed date lies outside its year's window (1 December before to
    /// 31 January after).
    #[error("year {year}: {date} lies outside the year and the weeks around it")]
    OutOfYear {
        /// The year being loaded.
        year: i32,
        /// The date outside its window.
        date: NaiveDate,
    },
    /// A date is listed both as a day off and as a working day, in one year's
    /// data or against another loaded year.
    #[error("{date} is listed both as a day off and as a working day")]
    Conflict {
        /// The date listed both ways.
        date: NaiveDate,
    },
    /// A date is listed twice (two ranges overlap).
    #[error("{date} is listed twice: ranges overlap")]
    Overlap {
        /// The date listed twice.
        date: NaiveDate,
    },
    /// A make-up working day (调休上班) falls on a weekday.
    #[error("year {year}: make-up working day {date} is not a Saturday or Sunday")]
    MakeupOnWeekday {
        /// The year being loaded.
        year: i32,
        /// The make-up day that is not a Saturday or Sunday.
        date: NaiveDate,
    },
    /// The year's data cites no State Council notice.
    #[error("year {0} names no notice: every year's data must cite its source")]
    NoNotice(i32),
    /// More working days were asked for than [`MAX_WORKING_DAYS`].
    #[error("at most {MAX_WORKING_DAYS} working days can be counted, not {0}")]
    TooManyDays(u32),
}

/// One year's data as published: the notice(s) it comes from and, per
/// holiday, its days off and its make-up working days.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct YearData {
    /// The calendar year the data is for.
    pub year: i32,
    /// The notice(s) the data comes from, by title; at least one is required.
    pub notices: Vec<String>,
    /// Each holiday of the year, with its days off and make-up working days.
    pub holidays: Vec<HolidayData>,
}

/// One holiday of a year's notice: its name, days off and make-up working days.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct HolidayData {
    /// The holiday's name as in the notice, e.g. 春节 or 国庆节、中秋节.
    pub name: String,
    /// Dates (`2025-10-01`) or inclusive ranges (`2025-10-01/2025-10-08`).
    #[serde(default)]
    pub days_off: Vec<String>,
    /// Make-up working days (调休上班), each a Saturday or Sunday.
    #[serde(default)]
    pub working_days: Vec<String>,
}

/// What kind of day a date is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DayKind {
    /// An ordinary working day, Monday to Friday.
    Workday,
    /// A Saturday or Sunday that is not a make-up working day.
    Weekend,
    /// A day off listed in a notice (weekday or weekend).
    Holiday,
    /// A Saturday or Sunday made a working day (调休上班).
    MakeupWorkday,
}

/// The answer about one date.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DayInfo {
    /// The date asked about.
    pub date: NaiveDate,
    /// Whether it is a working day: an ordinary working day or a make-up one.
    pub working_day: bool,
    /// What kind of day it is.
    pub kind: DayKind,
    /// The holiday's name, for a holiday or a make-up working day.
    pub name: Option<String>,
    /// False when the date's year has no loaded notice: weekends only.
    pub verified: bool,
}

/// A date reached by counting working days, and whether every day counted
/// came from a loaded notice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct CountedDate {
    /// The working day reached.
    pub date: NaiveDate,
    /// False when any day counted lies in a year without a loaded notice
    /// (weekends only).
    pub verified: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Special {
    off: bool,
    name: Cow<'static, str>,
}

/// A special day of a built-in year, as `build.rs` expands it.
struct BuiltInDay {
    /// The year whose data lists it.
    year: i32,
    /// The date (year, month, day).
    ymd: (i32, u32, u32),
    /// A day off, or a make-up working day.
    off: bool,
    /// The holiday.
    name: &'static str,
}

// The built-in years expanded at build time (`build.rs`).
include!(concat!(env!("OUT_DIR"), "/calendar_built_in.rs"));

/// The official working-day calendar: the loaded years' days off and make-up
/// working days, over the plain rule that Saturdays and Sundays are off.
#[derive(Debug, Clone, Default)]
pub struct Calendar {
    days: BTreeMap<NaiveDate, (i32, Special)>,
    years: BTreeMap<i32, Vec<String>>,
}

impl Calendar {
    /// The calendar with every built-in year (2020–2026), from the table
    /// the build expanded them into: no parsing when an instance starts
    /// (the tests check it against loading each year's JSON).
    pub fn official() -> Self {
        let days = BUILT_IN_DAYS
            .iter()
            .map(|day| {
                let (y, m, d) = day.ymd;
                let special = Special {
                    off: day.off,
                    name: Cow::Borrowed(day.name),
                };
                // Written by the build from valid dates: never a user's input.
                let date = NaiveDate::from_ymd_opt(y, m, d).expect("the build wrote a valid date");
                (date, (day.year, special))
            })
            .collect();
        let years = BUILT_IN_YEARS
            .iter()
            .map(|(year, notices)| (*year, notices.iter().map(|n| n.to_string()).collect()))
            .collect();
        Self { days, years }
    }

    /// Loads (or replaces) one year's data from its JSON form.
    pub fn load_year_json(&mut self, text: &str) -> Result<i32, CalendarError> {
        let data: YearData =
            serde_json::from_str(text).map_err(|e| CalendarError::Shape(e.to_string()))?;
        self.load_year(&data)?;
        Ok(data.year)
    }

    /// Loads (or replaces) one year. Nothing changes if the data is invalid.
    pub fn load_year(&mut self, data: &YearData) -> Result<(), CalendarError> {
        if data.notices.iter().all(|n| n.trim().is_empty()) {
            return Err(CalendarError::NoNotice(data.year));
        }
        let first = NaiveDate::from_ymd_opt(data.year - 1, 12, 1);
        let last = NaiveDate::from_ymd_opt(data.year + 1, 1, 31);
        let (Some(first), Some(last)) = (first, last) else {
            return Err(CalendarError::Shape(format!(
                "year {} is out of range",
                data.year
            )));
        };
        let mut entries: BTreeMap<NaiveDate, Special> = BTreeMap::new();
        for holiday in &data.holidays {
            for (list, off) in [(&holiday.days_off, true), (&holiday.working_days, false)] {
                for item in list {
                    for date in expand(item)? {
                        if date < first || date > last {
                            return Err(CalendarError::OutOfYear {
                                year: data.year,
                                date,
                            });
                        }
                        if !off && !is_weekend(date) {
                            return Err(CalendarError::MakeupOnWeekday {
                                year: data.year,
                                date,
                            });
                        }
                        let special = Special {
                            off,
                            name: Cow::Owned(holiday.name.clone()),
                        };
                        if let Some(existing) = entries.insert(date, special) {
                            return Err(if existing.off != off {
                                CalendarError::Conflict { date }
                            } else {
                                CalendarError::Overlap { date }
                            });
                        }
                    }
                }
            }
        }
        // Other years' entries must not contradict this one.
        for (date, special) in &entries {
            if let Some((year, other)) = self.days.get(date) {
                if *year != data.year && other.off != special.off {
                    return Err(CalendarError::Conflict { date: *date });
                }
            }
        }
        self.days.retain(|_, (year, _)| *year != data.year);
        for (date, special) in entries {
            self.days.insert(date, (data.year, special));
        }
        self.years.insert(data.year, data.notices.clone());
        Ok(())
    }

    /// The years with loaded notices, and the notices each cites.
    pub fn years(&self) -> impl Iterator<Item = (i32, &[String])> {
        self.years.iter().map(|(y, n)| (*y, n.as_slice()))
    }

    fn is_verified(&self, date: NaiveDate) -> bool {
        self.years.contains_key(&date.year())
    }

    /// What kind of day `date` is and whether it is a working day, for any year
    /// (`verified: false` outside the loaded years).
    pub fn day(&self, date: NaiveDate) -> DayInfo {
        let verified = self.is_verified(date);
        let (kind, name) = match self.days.get(&date) {
            Some((_, s)) if s.off => (DayKind::Holiday, Some(s.name.to_string())),
            Some((_, s)) => (DayKind::MakeupWorkday, Some(s.name.to_string())),
            None if is_weekend(date) => (DayKind::Weekend, None),
            None => (DayKind::Workday, None),
        };
        DayInfo {
            date,
            working_day: matches!(kind, DayKind::Workday | DayKind::MakeupWorkday),
            kind,
            name,
            verified,
        }
    }

    /// Whether `date` is a working day: a make-up working day, or a weekday that
    /// is not a day off. In a year without a loaded notice only weekends are off.
    pub fn is_working_day(&self, date: NaiveDate) -> bool {
        match self.days.get(&date) {
            Some((_, s)) => !s.off,
            None => !is_weekend(date),
        }
    }

    /// The `n`-th working day after `from` (`from` itself is not counted;
    /// with `n = 0` the answer is `from`). Verified only if every day looked
    /// at lies in a loaded year.
    pub fn add_working_days(&self, from: NaiveDate, n: u32) -> Result<CountedDate, CalendarError> {
        if n > MAX_WORKING_DAYS {
            return Err(CalendarError::TooManyDays(n));
        }
        let mut date = from;
        let mut verified = self.is_verified(from);
        let mut counted = 0;
        while counted < n {
            date = date
                .checked_add_signed(Duration::days(1))
                .ok_or_else(|| CalendarError::Shape("date out of range".into()))?;
            verified &= self.is_verified(date);
            if self.is_working_day(date) {
                counted += 1;
            }
        }
        Ok(CountedDate { date, verified })
    }

    /// Working days strictly after `from` up to and including `to` (0 when
    /// `to` is not after `from`): how late something is, in working days.
    pub fn working_days_between(&self, from: NaiveDate, to: NaiveDate) -> u32 {
        from.iter_days()
            .skip(1)
            .take_while(|d| *d <= to)
            .filter(|d| self.is_working_day(*d))
            .count() as u32
    }
}

fn is_weekend(date: NaiveDate) -> bool {
    matches!(date.weekday(), Weekday::Sat | Weekday::Sun)
}

fn parse_date(s: &str) -> Result<NaiveDate, CalendarError> {
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").map_err(|_| CalendarError::Date(s.to_string()))
}

/// A date, or every date of an inclusive `start/end` range.
fn expand(item: &str) -> Result<Vec<NaiveDate>, CalendarError> {
    let (start, end) = match item.split_once('/') {
        Some((a, b)) => (parse_date(a)?, parse_date(b)?),
        None => {
            let d = parse_date(item)?;
            (d, d)
        }
    };
    if end < start || (end - start).num_days() > 31 {
        return Err(CalendarError::Date(item.to_string()));
    }
    Ok(start.iter_days().take_while(|d| *d <= end).collect())
}

impl RuleFamily for Calendar {
    const FAMILY: Family = Family::Calendar;

    fn from_texts(texts: &[String]) -> Result<Self, String> {
        let mut calendar = Calendar::official();
        for year in texts {
            calendar.load_year_json(year).map_err(|e| e.to_string())?;
        }
        Ok(calendar)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        parse_date(s).expect("test date")
    }

    fn cal() -> Calendar {
        Calendar::official()
    }

    #[test]
    fn the_table_built_from_the_shipped_years_is_the_calendar_their_json_loads_into() {
        let mut loaded = Calendar::default();
        for text in BUILT_IN {
            loaded.load_year_json(text).expect("shipped data is valid");
        }
        let official = Calendar::official();
        assert_eq!(official.days, loaded.days);
        assert_eq!(official.years, loaded.years);
        assert_eq!(official.years().count(), BUILT_IN.len());
    }

    #[test]
    fn every_built_in_year_from_2020_to_2026_is_loaded_and_cites_its_notice() {
        let cal = cal();
        let years: Vec<i32> = cal.years().map(|(y, _)| y).collect();
        assert_eq!(years, (2020..=2026).collect::<Vec<_>>());
        for (year, notices) in cal.years() {
            assert!(
                notices
                    .iter()
                    .any(|n| n.contains(&format!("{year}年部分节假日安排的通知"))),
                "{year}: {notices:?}"
            );
        }
    }

    #[test]
    fn a_make_up_saturday_counts_as_a_working_day() {
        let info = cal().day(d("2026-02-14"));
        assert_eq!(info.kind, DayKind::MakeupWorkday);
        assert!(info.working_day);
        assert_eq!(info.name.as_deref(), Some("春节"));
        assert!(info.verified);
    }

    #[test]
    fn a_make_up_sunday_counts_as_a_working_day() {
        assert_eq!(cal().day(d("2025-09-28")).kind, DayKind::MakeupWorkday);
        assert_eq!(cal().day(d("2026-01-04")).kind, DayKind::MakeupWorkday);
    }

    #[test]
    fn a_holiday_on_a_weekday_is_a_day_off() {
        let info = cal().day(d("2025-10-08"));
        assert_eq!(info.kind, DayKind::Holiday);
        assert!(!info.working_day);
        assert_eq!(info.name.as_deref(), Some("国庆节、中秋节"));
    }

    #[test]
    fn an_ordinary_weekend_and_weekday() {
        assert_eq!(cal().day(d("2025-11-29")).kind, DayKind::Weekend);
        assert_eq!(cal().day(d("2025-11-28")).kind, DayKind::Workday);
    }

    #[test]
    fn the_2020_spring_festival_extension_made_the_first_of_february_a_day_off() {
        let cal = cal();
        assert_eq!(cal.day(d("2020-02-01")).kind, DayKind::Holiday);
        assert_eq!(cal.day(d("2020-02-02")).kind, DayKind::Holiday);
        assert_eq!(cal.day(d("2020-01-19")).kind, DayKind::MakeupWorkday);
        assert_eq!(cal.day(d("2020-02-03")).kind, DayKind::Workday);
    }

    #[test]
    fn new_years_eve_2022_belongs_to_the_2023_notice() {
        let info = cal().day(d("2022-12-31"));
        assert_eq!(info.kind, DayKind::Holiday);
        assert_eq!(info.name.as_deref(), Some("元旦"));
    }

    #[test]
    fn the_2024_new_years_eve_of_spring_festival_was_a_working_day() {
        // The notice only encouraged employers to give 2024-02-09 off.
        assert!(cal().is_working_day(d("2024-02-09")));
    }

    #[test]
    fn five_working_days_from_the_eve_of_national_day_2025() {
        // 10-01..10-08 off; 10-09 Thu, 10-10 Fri, 10-11 Sat (make-up),
        // 10-13 Mon, 10-14 Tue.
        let due = cal().add_working_days(d("2025-09-30"), 5).expect("counts");
        assert_eq!(
            due,
            CountedDate {
                date: d("2025-10-14"),
                verified: true
            }
        );
    }

    #[test]
    fn counting_through_spring_festival_2026() {
        let cal = cal();
        // 02-13 Fri; 02-14 Sat make-up (1); 02-15..02-23 off; 02-24 (2) ...
        assert_eq!(
            cal.add_working_days(d("2026-02-13"), 1).map(|c| c.date),
            Ok(d("2026-02-14"))
        );
        assert_eq!(
            cal.add_working_days(d("2026-02-13"), 2).map(|c| c.date),
            Ok(d("2026-02-24"))
        );
        // 02-24 (1), 25, 26, 27, 28 Sat make-up (5).
        assert_eq!(
            cal.add_working_days(d("2026-02-23"), 5).map(|c| c.date),
            Ok(d("2026-02-28"))
        );
    }

    #[test]
    fn receipt_on_a_make_up_saturday_is_not_itself_counted() {
        // 2025-10-11 is a make-up Saturday; the next working day is Monday.
        assert_eq!(
            cal().add_working_days(d("2025-10-11"), 1).map(|c| c.date),
            Ok(d("2025-10-13"))
        );
    }

    #[test]
    fn zero_working_days_is_the_day_itself() {
        assert_eq!(
            cal().add_working_days(d("2025-10-01"), 0).map(|c| c.date),
            Ok(d("2025-10-01"))
        );
    }

    #[test]
    fn past_the_last_loaded_year_only_weekends_count_and_the_answer_says_so() {
        let cal = cal();
        let info = cal.day(d("2027-10-01"));
        assert_eq!(info.kind, DayKind::Workday);
        assert!(!info.verified);
        let due = cal.add_working_days(d("2026-12-30"), 3).expect("counts");
        assert_eq!(
            due,
            CountedDate {
                date: d("2027-01-04"),
                verified: false
            }
        );
        let inside = cal.add_working_days(d("2026-12-28"), 2).expect("counts");
        assert!(inside.verified);
    }

    #[test]
    fn a_year_loaded_at_run_time_is_used_and_verified() {
        let mut cal = cal();
        let year = cal
            .load_year_json(
                r#"{"year": 2027, "notices": ["测试通知"], "holidays": [
                    {"name": "元旦", "days_off": ["2027-01-01/2027-01-03"]},
                    {"name": "春节", "days_off": ["2027-02-06/2027-02-12"], "working_days": ["2027-02-13"]}
                ]}"#,
            )
            .expect("loads");
        assert_eq!(year, 2027);
        let info = cal.day(d("2027-02-13"));
        assert_eq!((info.kind, info.verified), (DayKind::MakeupWorkday, true));
        assert_eq!(
            cal.add_working_days(d("2026-12-31"), 1),
            Ok(CountedDate {
                date: d("2027-01-04"),
                verified: true
            })
        );
    }

    #[test]
    fn invalid_year_data_is_refused_and_changes_nothing() {
        let mut cal = cal();
        let weekday_makeup = r#"{"year": 2027, "notices": ["n"], "holidays": [{"name": "x", "working_days": ["2027-01-05"]}]}"#;
        assert!(matches!(
            cal.load_year_json(weekday_makeup),
            Err(CalendarError::MakeupOnWeekday { .. })
        ));
        let conflict = r#"{"year": 2027, "notices": ["n"], "holidays": [{"name": "x", "days_off": ["2027-01-02"], "working_days": ["2027-01-02"]}]}"#;
        assert!(matches!(
            cal.load_year_json(conflict),
            Err(CalendarError::Conflict { .. })
        ));
        let no_notice = r#"{"year": 2027, "notices": [], "holidays": []}"#;
        assert_eq!(
            cal.load_year_json(no_notice),
            Err(CalendarError::NoNotice(2027))
        );
        let far = r#"{"year": 2027, "notices": ["n"], "holidays": [{"name": "x", "days_off": ["2029-05-01"]}]}"#;
        assert!(matches!(
            cal.load_year_json(far),
            Err(CalendarError::OutOfYear { .. })
        ));
        assert!(matches!(
            cal.load_year_json("{"),
            Err(CalendarError::Shape(_))
        ));
        assert!(!cal.day(d("2027-01-01")).verified);
    }

    #[test]
    fn replacing_a_year_drops_its_old_entries() {
        let mut cal = cal();
        cal.load_year_json(r#"{"year": 2026, "notices": ["更正"], "holidays": [{"name": "元旦", "days_off": ["2026-01-01"]}]}"#)
            .expect("loads");
        assert_eq!(cal.day(d("2026-10-01")).kind, DayKind::Workday);
        assert_eq!(cal.day(d("2026-01-01")).kind, DayKind::Holiday);
    }

    #[test]
    fn too_many_working_days_is_an_error_not_a_hang() {
        assert_eq!(
            cal().add_working_days(d("2025-01-01"), u32::MAX),
            Err(CalendarError::TooManyDays(u32::MAX))
        );
    }

    #[test]
    fn lateness_in_working_days() {
        let cal = cal();
        assert_eq!(
            cal.working_days_between(d("2025-09-30"), d("2025-10-14")),
            5
        );
        assert_eq!(
            cal.working_days_between(d("2025-10-14"), d("2025-09-30")),
            0
        );
    }

    /// Each year has the expected count of days off and make-up days, a
    /// cross-check of the data against the notices' own totals.
    #[test]
    fn each_year_has_the_notices_counts() {
        let cal = cal();
        let count = |year: i32, off: bool| {
            cal.days
                .iter()
                .filter(|(_, (y, s))| *y == year && s.off == off)
                .count()
        };
        // (year, days off listed, make-up working days)
        let expected = [
            (2020, 1 + 10 + 3 + 5 + 3 + 8, 6),
            (2021, 3 + 7 + 3 + 5 + 3 + 3 + 7, 7),
            (2022, 3 + 7 + 3 + 5 + 3 + 3 + 7, 7),
            (2023, 3 + 7 + 1 + 5 + 3 + 8, 7),
            (2024, 1 + 8 + 3 + 5 + 1 + 3 + 7, 8),
            (2025, 1 + 8 + 3 + 5 + 3 + 8, 5),
            (2026, 3 + 9 + 3 + 5 + 3 + 3 + 7, 6),
        ];
        for (year, off, work) in expected {
            assert_eq!(
                (count(year, true), count(year, false)),
                (off, work),
                "{year}"
            );
        }
    }
}
