//! Personal data kept no longer than the county says (Art. 11): once a
//! case has been closed (or turned away) for the retention period, its
//! submitter's sealed record is emptied and the duplicate hash dropped.
//! The case, its history and its statistics stay; the citizen can no
//! longer follow it by phone digits, and staff see `（已匿名）`.

use chrono::{DateTime, FixedOffset};

use crate::base::clock;
use crate::base::db::Db;

use crate::case::stored::StoreError;

/// Empties the personal data of up to `limit` cases closed, or rejected
/// on receipt, before `cutoff`, in one transaction; how many.
pub fn anonymise_before(
    db: &impl Db,
    cutoff: DateTime<FixedOffset>,
    at: DateTime<FixedOffset>,
    limit: u32,
) -> Result<u32, StoreError> {
    let cutoff = clock::format(cutoff);
    db.transaction(|db| {
        let rows = db.execute(
            "UPDATE case_submitters SET sealed = X'', submitter_key = NULL, anonymised_at = ?
             WHERE case_id IN (
                SELECT s.case_id FROM case_submitters s JOIN cases c ON c.id = s.case_id
                WHERE s.anonymised_at IS NULL
                  AND ((c.closed_at IS NOT NULL AND c.closed_at < ?)
                       OR (c.status = 'rejected' AND c.received_at < ?))
                LIMIT ?)
             RETURNING case_id",
            &[
                clock::format(at).into(),
                cutoff.as_str().into(),
                cutoff.as_str().into(),
                i64::from(limit).into(),
            ],
        )?;
        Ok(u32::try_from(rows.rows.len()).unwrap_or(u32::MAX))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::base::test_support::{complaint, keys, migrated_db, store_case, t};
    use crate::record::cases::{find_public_status_for_submitter, masked_personal_data};

    #[test]
    fn a_case_closed_longer_than_the_retention_period_keeps_no_personal_data_but_stays() {
        let db = migrated_db();
        let old = store_case(
            &db,
            1,
            complaint("13812340001"),
            "2023-01-05T09:00:00+08:00",
        );
        let recent = store_case(
            &db,
            2,
            complaint("13812340002"),
            "2025-06-05T09:00:00+08:00",
        );
        let open = store_case(
            &db,
            3,
            complaint("13812340003"),
            "2022-06-05T09:00:00+08:00",
        );
        for (case, closed) in [
            (old, "2023-01-20T10:00:00+08:00"),
            (recent, "2025-06-20T10:00:00+08:00"),
        ] {
            db.execute(
                "UPDATE cases SET status = 'closed', closed_at = ? WHERE id = ?",
                &[closed.into(), case.get().into()],
            )
            .expect("closed");
        }
        let cutoff = t("2023-01-05T00:00:00+08:00") + chrono::Duration::days(365);
        let at = t("2026-01-05T00:00:00+08:00");
        assert_eq!(anonymise_before(&db, cutoff, at, 100), Ok(1));
        assert_eq!(anonymise_before(&db, cutoff, at, 100), Ok(0), "once");
        let gone = masked_personal_data(&db, &keys(), old).expect("reads");
        assert!(gone.anonymised);
        assert_eq!(gone.phone, "");
        assert!(
            !masked_personal_data(&db, &keys(), recent)
                .expect("reads")
                .anonymised
        );
        assert!(
            !masked_personal_data(&db, &keys(), open)
                .expect("reads")
                .anonymised
        );
        let code = db
            .execute(
                "SELECT tracking_code FROM cases WHERE id = ?",
                &[old.get().into()],
            )
            .expect("query");
        let code: crate::base::ids::TrackingCode = code
            .row(0)
            .and_then(|r| r.text("tracking_code").ok().map(str::to_string))
            .and_then(|c| c.parse().ok())
            .expect("a code");
        let last4 = "0001".parse().expect("digits");
        assert_eq!(
            find_public_status_for_submitter(&db, &keys(), &code, &last4),
            Ok(None),
            "no phone is left to match"
        );
        let left = db
            .execute(
                "SELECT COUNT(*) AS n FROM cases WHERE id = ? AND title = '路灯不亮'",
                &[old.get().into()],
            )
            .expect("query");
        assert_eq!(
            left.row(0).map(|r| r.integer("n")),
            Some(Ok(1)),
            "the case stays"
        );
    }
}
