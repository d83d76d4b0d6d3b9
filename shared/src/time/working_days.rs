//! The working days a case took to close, counted on the county's
//! calendar (which only Rust knows): kept on the case row when it closes
//! (the Art. 9 statistics by day, `stats_days`, read them), forgotten when
//! it reopens or its calendar year is loaded, and filled again by the scan.

use chrono::NaiveDate;

use crate::base::db::Db;
use crate::base::ids::CaseId;
use crate::time::calendar::Calendar;

use crate::case::stored::{corrupt, StoreError};

/// Counts, on `calendar`, the working days each closed case took whose
/// count is not kept (closed before this was kept, on another day than it
/// was received by a path that did not count, or its calendar year loaded
/// since) — `case` alone if given — at most `limit`; returns how many.
pub fn count_working_days_to_close(
    db: &impl Db,
    calendar: &Calendar,
    case: Option<CaseId>,
    limit: u32,
) -> Result<u32, StoreError> {
    db.transaction(|db| count_working_days(db, calendar, case, limit))
}

fn count_working_days(
    db: &impl Db,
    calendar: &Calendar,
    case: Option<CaseId>,
    limit: u32,
) -> Result<u32, StoreError> {
    let rows = db.execute(
        "SELECT id, substr(received_at, 1, 10) AS rday, substr(closed_at, 1, 10) AS cday
         FROM cases
         WHERE closed_at IS NOT NULL AND working_days_to_close IS NULL AND (?1 IS NULL OR id = ?1)
         ORDER BY closed_at LIMIT ?2",
        &[case.map(CaseId::get).into(), i64::from(limit).into()],
    )?;
    let mut counted = 0;
    for r in rows.iter() {
        let day =
            |c: &str| -> Result<NaiveDate, StoreError> { r.text(c)?.parse().map_err(corrupt) };
        let days = calendar.working_days_between(day("rday")?, day("cday")?);
        db.execute(
            "UPDATE cases SET working_days_to_close = ? WHERE id = ? AND working_days_to_close IS NULL",
            &[i64::from(days).into(), r.integer("id")?.into()],
        )?;
        counted += 1;
    }
    Ok(counted)
}

/// Forgets the working days to close counted over `year` (its calendar
/// was just loaded): closed in it or later, received before its end.
pub fn forget_working_days_over(db: &impl Db, year: i32) -> Result<(), StoreError> {
    db.execute(
        "UPDATE cases SET working_days_to_close = NULL
         WHERE closed_at >= ? AND received_at < ? AND working_days_to_close IS NOT NULL",
        &[
            format!("{year}-01-01").into(),
            format!("{}-01-01", year + 1).into(),
        ],
    )?;
    Ok(())
}
