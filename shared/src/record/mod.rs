//! The case on record: stored once with its submitter's data sealed, read
//! back for the submitter and for staff (`cases`), retried submissions
//! answered once (`idempotency`), resealed under a new key
//! (`reseal`), anonymised when its retention ends (`retention`), and its
//! words in the search index (`search_index`).

pub mod cases;
pub mod idempotency;
pub mod reseal;
pub mod retention;
pub mod search_index;
