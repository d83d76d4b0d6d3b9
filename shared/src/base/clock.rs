//! China time. Every deadline and every date shown to staff or citizens is
//! counted in UTC+8 (China has no daylight saving time), whatever the
//! server's own time zone.

use chrono::{DateTime, FixedOffset, SecondsFormat, Utc};

/// An instant in UTC, as clocks give it.
pub type Instant = DateTime<Utc>;

/// The current instant from the host's wall clock (inside a component, the
/// WASI clock the runner provides).
pub fn now() -> Instant {
    Utc::now()
}

/// UTC+8.
pub fn china() -> FixedOffset {
    // 8 hours is always within chrono's range; the fallback is never taken.
    FixedOffset::east_opt(8 * 3600)
        .unwrap_or_else(|| FixedOffset::east_opt(0).expect("zero offset"))
}

/// An instant as China time.
pub fn in_china(t: DateTime<Utc>) -> DateTime<FixedOffset> {
    t.with_timezone(&china())
}

/// The China day an instant falls on.
pub fn china_day(t: DateTime<FixedOffset>) -> chrono::NaiveDate {
    t.with_timezone(&china()).date_naive()
}

/// `2026-11-28T10:39:33+08:00`: how instants are stored and shown.
pub fn format(t: DateTime<FixedOffset>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, false)
}

/// Serializes an instant as [`format()`] writes it (for `serialize_with`).
pub fn serialize<S: serde::Serializer>(t: &DateTime<FixedOffset>, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&format(*t))
}

/// Serializes an optional instant as [`format()`] writes it, or null.
pub fn serialize_opt<S: serde::Serializer>(
    t: &Option<DateTime<FixedOffset>>,
    s: S,
) -> Result<S::Ok, S::Error> {
    match t {
        Some(t) => serialize(t, s),
        None => s.serialize_none(),
    }
}

/// Reads an instant as stored (RFC 3339 text).
pub fn parse(text: &str) -> Option<DateTime<FixedOffset>> {
    DateTime::parse_from_rfc3339(text).ok()
}

/// A day written exactly `YYYY-MM-DD` (what the API documents; chrono alone
/// would also take `2026-1-5` or a trailing space), if it is a real date.
pub fn day(text: &str) -> Option<chrono::NaiveDate> {
    let b = text.as_bytes();
    let shaped = b.len() == 10
        && b.iter().enumerate().all(|(i, c)| {
            if i == 4 || i == 7 {
                *c == b'-'
            } else {
                c.is_ascii_digit()
            }
        });
    shaped
        .then(|| chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d").ok())
        .flatten()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn an_instant_late_in_the_utc_day_is_the_next_day_in_china() {
        let t = Utc
            .with_ymd_and_hms(2025, 9, 30, 16, 0, 0)
            .single()
            .expect("valid");
        assert_eq!(format(in_china(t)), "2025-10-01T00:00:00+08:00");
    }

    #[test]
    fn a_day_is_written_exactly_as_documented_and_must_exist() {
        assert_eq!(
            day("2024-02-29"),
            chrono::NaiveDate::from_ymd_opt(2024, 2, 29)
        );
        for bad in [
            "2025-02-29",
            "2026-1-05",
            "2026-01-05 ",
            " 2026-01-05",
            "+2026-01-0",
            "2026/01/05",
            "",
        ] {
            assert_eq!(day(bad), None, "{bad:?}");
        }
    }
}
