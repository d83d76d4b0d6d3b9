//! Re-sealing: moving submitters' personal data, and the second-factor
//! secrets of staff's local accounts, to the key in force after a new
//! `pd_key` was put in force (the previous one kept in `pd_previous_keys`
//! until every row is moved).

use serde::Serialize;

use crate::base::db::{Db, SqlValue};
use crate::base::ids::CaseId;
use crate::case::contact::PhoneNumber;
use crate::case::personal::Keys;

use crate::case::stored::{corrupt, StoreError};

/// What one batch of re-sealing did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Resealed {
    /// The key every row is moved to (hex id).
    pub key_id: String,
    /// Rows moved by this batch.
    pub resealed: u64,
    /// Rows still sealed with another key.
    pub remaining: u64,
}

/// How many rows one batch re-seals: [`BatchSize::DEFAULT`] unless the
/// caller names a number from 1 to [`BatchSize::MAX`] (one transaction
/// each, so a batch stays short beside the desk's own writes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BatchSize(u32);

/// A batch size that is not a number of rows from 1 to [`BatchSize::MAX`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("a number of rows from 1 to {}", BatchSize::MAX)]
pub struct BadBatchSize;

impl BatchSize {
    /// Rows per batch when the caller names none.
    pub const DEFAULT: u32 = 500;
    /// The most rows one batch may take.
    pub const MAX: u32 = 5000;

    /// The size the caller's text names, or the default without one.
    pub fn parse(text: Option<&str>) -> Result<Self, BadBatchSize> {
        match text {
            None => Ok(Self(Self::DEFAULT)),
            Some(text) => text
                .parse::<u32>()
                .ok()
                .filter(|n| (1..=Self::MAX).contains(n))
                .map(Self)
                .ok_or(BadBatchSize),
        }
    }

    /// The number of rows.
    pub fn get(self) -> u32 {
        self.0
    }
}

/// Rows sealed with another key (an anonymised, emptied row has none).
const NOT_CURRENT: &str =
    "length(sealed) > 0 AND NOT (substr(sealed, 1, 1) = x'02' AND substr(sealed, 2, 8) = ?)";
/// Second-factor secrets sealed with another key (an account waiting for
/// its first sign-in has none).
const SECRET_NOT_CURRENT: &str = "totp_sealed IS NOT NULL AND length(totp_sealed) > 0 \
     AND NOT (substr(totp_sealed, 1, 1) = x'02' AND substr(totp_sealed, 2, 8) = ?)";

/// Re-seals up to `limit` rows not sealed with the key in force, in one
/// transaction, each with a fresh nonce from `nonce`: submitters first
/// (their submitter keys for duplicate screening recomputed under the key
/// in force too), then staff's TOTP secrets. Run it
/// until `remaining` is 0; then the previous key can be dropped.
pub fn reseal(
    db: &impl Db,
    keys: &Keys,
    limit: BatchSize,
    nonce: &mut dyn FnMut() -> [u8; 12],
) -> Result<Resealed, StoreError> {
    let current = SqlValue::Blob(keys.key_id_bytes().to_vec());
    db.transaction(|db| {
        let rows = db.execute(
            &format!("SELECT case_id, sealed FROM case_submitters WHERE {NOT_CURRENT} ORDER BY case_id LIMIT ?"),
            &[current.clone(), i64::from(limit.get()).into()],
        )?;
        let mut resealed = 0;
        for row in rows.iter() {
            let case = CaseId::new(row.integer("case_id")?).map_err(corrupt)?;
            let data = keys.open(case, row.blob("sealed")?)?;
            let sealed = keys.seal(case, &data, nonce())?;
            let submitter_key = data
                .phone
                .parse::<PhoneNumber>()
                .map(|p| SqlValue::from(keys.submitter_key(&p)))
                .unwrap_or(SqlValue::Null);
            db.execute(
                "UPDATE case_submitters SET sealed = ?, submitter_key = ? WHERE case_id = ?",
                &[sealed.into(), submitter_key, case.get().into()],
            )?;
            resealed += 1;
        }
        // Then, with what is left of the batch, staff's TOTP secrets.
        let budget = i64::from(limit.get()) - i64::try_from(resealed).unwrap_or(0);
        let secrets = db.execute(
            &format!("SELECT person_id, totp_sealed FROM staff_accounts WHERE {SECRET_NOT_CURRENT} ORDER BY person_id LIMIT ?"),
            &[current.clone(), budget.max(0).into()],
        )?;
        for row in secrets.iter() {
            let person = row.text("person_id")?;
            let context = crate::access::totp::sealing_context(person);
            let plain = keys.open_secret(&context, row.blob("totp_sealed")?)?;
            let sealed = keys.seal_secret(&context, &plain, nonce())?;
            db.execute(
                "UPDATE staff_accounts SET totp_sealed = ? WHERE person_id = ?",
                &[sealed.into(), person.into()],
            )?;
            resealed += 1;
        }
        let left = db.execute(
            &format!(
                "SELECT (SELECT COUNT(*) FROM case_submitters WHERE {NOT_CURRENT})
                      + (SELECT COUNT(*) FROM staff_accounts WHERE {SECRET_NOT_CURRENT}) AS n"
            ),
            &[current.clone(), current.clone()],
        )?;
        let remaining = left.row(0).map(|r| r.integer("n")).transpose()?.unwrap_or(0);
        Ok(Resealed {
            key_id: keys.key_id(),
            resealed,
            remaining: u64::try_from(remaining).unwrap_or(0),
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::base::test_support::{complaint, keys, migrated_db, store_case};
    use crate::case::personal::SealError;
    use crate::record::cases::masked_personal_data;

    #[test]
    fn resealing_moves_every_row_to_the_new_key_in_batches_and_the_old_key_can_then_go() {
        let db = migrated_db();
        let a = store_case(
            &db,
            1,
            complaint("13812345678"),
            "2026-11-02T09:00:00+08:00",
        );
        let b = store_case(
            &db,
            2,
            complaint("13912345678"),
            "2026-11-02T09:05:00+08:00",
        );
        let rotated =
            Keys::with_previous("the new secret", ["test deployment secret"]).expect("keys");
        let new_only = Keys::from_secret("the new secret").expect("keys");
        assert!(matches!(
            masked_personal_data(&db, &new_only, a),
            Err(StoreError::Seal(SealError::UnknownKey(_)))
        ));
        let mut n = 0u8;
        let mut nonce = || {
            n += 1;
            [n; 12]
        };
        let size = |n: &str| BatchSize::parse(Some(n)).expect("a batch size");
        let first = reseal(&db, &rotated, size("1"), &mut nonce).expect("reseals");
        assert_eq!((first.resealed, first.remaining), (1, 1));
        assert_eq!(first.key_id, new_only.key_id());
        let second = reseal(&db, &rotated, size("100"), &mut nonce).expect("reseals");
        assert_eq!((second.resealed, second.remaining), (1, 0));
        let again = reseal(&db, &rotated, size("100"), &mut nonce).expect("reseals");
        assert_eq!((again.resealed, again.remaining), (0, 0));
        for case in [a, b] {
            let seen =
                masked_personal_data(&db, &new_only, case).expect("opens with the new key alone");
            assert_eq!(seen.name, "张*");
        }
        let phone: PhoneNumber = "13812345678".parse().expect("phone");
        let rows = db
            .execute(
                "SELECT submitter_key FROM case_submitters WHERE case_id = ?",
                &[a.get().into()],
            )
            .expect("query");
        assert_eq!(
            rows.row(0)
                .map(|r| r.text("submitter_key").map(str::to_string)),
            Some(Ok(new_only.submitter_key(&phone)))
        );
        assert_ne!(keys().submitter_key(&phone), new_only.submitter_key(&phone));
    }

    #[test]
    fn a_clerks_second_factor_secret_moves_to_the_new_key_with_the_cases_and_still_opens() {
        let db = migrated_db();
        store_case(
            &db,
            1,
            complaint("13812345678"),
            "2026-11-02T09:00:00+08:00",
        );
        let context = crate::access::totp::sealing_context("li.na");
        let secret = [9u8; 20];
        let sealed = keys()
            .seal_secret(&context, &secret, [3; 12])
            .expect("sealed");
        for sql in [
            "INSERT INTO staff (id, display_name, role, active, created_at, updated_at)
             VALUES ('li.na', '李娜', 'agent', 1, 'x', 'x')",
            "INSERT INTO staff (id, display_name, role, active, created_at, updated_at)
             VALUES ('new.one', '新人', 'agent', 1, 'x', 'x')",
        ] {
            db.execute(sql, &[]).expect("person");
        }
        db.execute(
            "INSERT INTO staff_accounts (person_id, username, password_hash, totp_sealed, updated_at)
             VALUES ('li.na', 'li.na', 'h', ?, 'x'), ('new.one', 'new.one', 'h', NULL, 'x')",
            &[sealed.into()],
        )
        .expect("accounts");
        let rotated =
            Keys::with_previous("the new secret", ["test deployment secret"]).expect("keys");
        let new_only = Keys::from_secret("the new secret").expect("keys");
        let mut n = 0u8;
        let mut nonce = || {
            n += 1;
            [n; 12]
        };
        let size = |n: &str| BatchSize::parse(Some(n)).expect("a batch size");
        let first = reseal(&db, &rotated, size("1"), &mut nonce).expect("reseals");
        assert_eq!((first.resealed, first.remaining), (1, 1), "the case first");
        let second = reseal(&db, &rotated, size("10"), &mut nonce).expect("reseals");
        assert_eq!(
            (second.resealed, second.remaining),
            (1, 0),
            "then the secret"
        );
        let rows = db
            .execute(
                "SELECT totp_sealed FROM staff_accounts WHERE person_id = 'li.na'",
                &[],
            )
            .expect("query");
        let stored = rows
            .row(0)
            .expect("row")
            .blob("totp_sealed")
            .expect("blob")
            .to_vec();
        assert_eq!(
            new_only.open_secret(&context, &stored).expect("opens"),
            secret
        );
        assert!(new_only
            .open_secret(&crate::access::totp::sealing_context("new.one"), &stored)
            .is_err());
    }

    #[test]
    fn a_batch_is_500_rows_unless_the_caller_names_1_to_5000() {
        assert_eq!(BatchSize::parse(None).map(BatchSize::get), Ok(500));
        assert_eq!(BatchSize::parse(Some("5000")).map(BatchSize::get), Ok(5000));
        assert_eq!(BatchSize::parse(Some("1")).map(BatchSize::get), Ok(1));
        for bad in ["0", "5001", "-1", "ten", ""] {
            assert_eq!(BatchSize::parse(Some(bad)), Err(BadBatchSize), "{bad:?}");
        }
        assert_eq!(BadBatchSize.to_string(), "a number of rows from 1 to 5000");
    }
}
