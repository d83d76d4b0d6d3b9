//! How reading or writing a case's rows fails ([`StoreError`], one type for
//! every concern's SQL) and typed values off a stored row: each concern
//! keeps its own statements beside it (`*_rows.rs`, `lifecycle::history`,
//! `record::cases`) and reads its columns through [`Column`].

use thiserror::Error;

use chrono::{DateTime, FixedOffset};

use crate::base::db::{DbError, Row};
use crate::base::ids::CaseId;
use crate::case::personal::SealError;

/// Why reading or writing a case failed.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum StoreError {
    /// The database failed or refused the statement.
    #[error(transparent)]
    Db(#[from] DbError),
    /// No such case.
    #[error("no case {0}")]
    NotFound(CaseId),
    /// Someone else changed the case since it was read (HTTP 412).
    #[error("case {case} changed: expected version {expected}, it is at {actual}")]
    Stale {
        /// The case.
        case: CaseId,
        /// The version it was read at.
        expected: i64,
        /// The version it is at.
        actual: i64,
    },
    /// The Idempotency-Key was used before for a different submission.
    #[error("this Idempotency-Key was already used for a different submission")]
    IdempotencyKeyReused,
    /// Personal data could not be sealed or opened.
    #[error(transparent)]
    Seal(#[from] SealError),
    /// A stored row no longer parses (e.g. an edited database).
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
}

pub(crate) fn corrupt(what: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(what.to_string())
}

/// Typed values off a stored row: a value that does not parse marks the
/// row corrupt, naming the column.
pub(crate) trait Column {
    fn parsed<T: std::str::FromStr>(&self, column: &str) -> Result<T, StoreError>;
    fn opt_parsed<T: std::str::FromStr>(&self, column: &str) -> Result<Option<T>, StoreError>;
    fn instant(&self, column: &str) -> Result<DateTime<FixedOffset>, StoreError>;
    fn opt_instant(&self, column: &str) -> Result<Option<DateTime<FixedOffset>>, StoreError>;
}

fn parse_text<T: std::str::FromStr>(text: &str, column: &str) -> Result<T, StoreError> {
    text.parse()
        .map_err(|_| corrupt(format!("{column} {text:?}")))
}

fn parse_instant(text: &str, column: &str) -> Result<DateTime<FixedOffset>, StoreError> {
    crate::base::clock::parse(text).ok_or_else(|| corrupt(format!("{column} {text:?}")))
}

impl Column for Row<'_> {
    fn parsed<T: std::str::FromStr>(&self, column: &str) -> Result<T, StoreError> {
        parse_text(self.text(column)?, column)
    }

    fn opt_parsed<T: std::str::FromStr>(&self, column: &str) -> Result<Option<T>, StoreError> {
        self.opt_text(column)?
            .map(|t| parse_text(t, column))
            .transpose()
    }

    fn instant(&self, column: &str) -> Result<DateTime<FixedOffset>, StoreError> {
        parse_instant(self.text(column)?, column)
    }

    fn opt_instant(&self, column: &str) -> Result<Option<DateTime<FixedOffset>>, StoreError> {
        self.opt_text(column)?
            .map(|t| parse_instant(t, column))
            .transpose()
    }
}

#[cfg(test)]
#[path = "stored_tests.rs"]
mod tests;
