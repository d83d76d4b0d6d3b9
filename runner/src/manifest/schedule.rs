//! A cron trigger's `cron_expression`, as the spin-trigger-cron plugin reads
//! it: exactly six fields, seconds first (`sec min hour dom month dow`).

use anyhow::{bail, Result};
use croner::Cron;

/// Parses a schedule, insisting on Spin's six fields.
pub fn parse_schedule(expression: &str) -> Result<Cron> {
    let fields = expression.split_whitespace().count();
    if fields != 6 {
        bail!(
            "cron_expression {expression:?} has {fields} fields; the cron trigger needs exactly 6, seconds first: \"sec min hour day-of-month month day-of-week\" (e.g. \"0 */5 * * * *\")"
        );
    }
    Cron::new(expression)
        .with_seconds_required()
        .parse()
        .map_err(|e| anyhow::anyhow!("cron_expression {expression:?}: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Utc;

    #[test]
    fn six_fields_seconds_first_parse() {
        let cron = parse_schedule("*/1 * * * * *").expect("parses");
        let t = chrono::DateTime::parse_from_rfc3339("2026-01-01T00:00:00Z")
            .expect("t")
            .with_timezone(&Utc);
        let next = cron.find_next_occurrence(&t, false).expect("next");
        assert_eq!((next - t).num_seconds(), 1);
        let daily = parse_schedule("0 30 1 * * *").expect("parses");
        let next = daily.find_next_occurrence(&t, false).expect("next");
        assert_eq!(next.to_rfc3339(), "2026-01-01T01:30:00+00:00");
    }

    #[test]
    fn five_or_seven_fields_are_refused_with_a_clear_message() {
        for bad in ["*/5 * * * *", "0 0 0 * * * 2026"] {
            let err = parse_schedule(bad).unwrap_err().to_string();
            assert!(err.contains("exactly 6"), "{err}");
        }
        assert!(parse_schedule("0 61 * * * *").is_err());
    }
}
