//! Persistence of a case, in one place with one error type: the case
//! record and its submitter (`cases`), its lifecycle and events
//! (`lifecycle`), its deadlines (`deadlines`), what screening reads
//! (`screening`), and the unit directory (`units`). Every SQL statement
//! about a case is here.

use thiserror::Error;

use crate::db::DbError;
use crate::ids::CaseId;
use crate::personal::SealError;

mod cases;
mod deadlines;
mod lifecycle;
mod reminders;
mod screening;
mod units;

pub use cases::*;
pub use deadlines::*;
pub use lifecycle::*;
pub use reminders::*;
pub use screening::*;
pub use units::*;

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

fn corrupt(what: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(what.to_string())
}

#[cfg(test)]
mod tests;
