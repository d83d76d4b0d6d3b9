//! The casework domain library: every business rule of the back office lives
//! here, free of Spin types, so it builds natively (and is tested against
//! real SQLite) and for `wasm32-wasip1` inside the components.
//!
//! One folder a concern, each a layer: a module imports only from the
//! folders above it in this list (`tests/tests/e2e/layout.rs` reads the order
//! from `LAYERS` below and fails on any import upward or in a cycle).
//!
//! - [`base`]: the database seam and migrations, fields, ids, text, China
//!   time, CSV, cursors, the keyed hash, the county's rule texts.
//! - [`case`]: the words every concern shares (`Role`, `Status`,
//!   `Channel`, `Kind`, …), the submission, contact details and personal
//!   data sealed at rest (Art. 2, 11).
//! - [`access`]: who a principal is and what they may read (Art. 4, 8,
//!   11): tokens, clients behind proxies, guessing limits.
//! - [`time`]: the working-day calendar and the deadlines counted on it.
//! - [`lifecycle`]: the one state machine every case moves through, its
//!   table of moves and the history it records.
//! - [`record`]: the case on record: stored, read back, resealed,
//!   anonymised.
//! - [`directory`]: the handling units cases are sent to (Art. 3, 4).
//! - [`triage`]: screening (Art. 5), routing (Art. 6) and the pipeline.
//! - [`oversight`]: work lists, the deadline scan, sampling, statistics,
//!   hotspots and rectification (Art. 7, 9, 10).
//! - [`county`]: the county's rules and their families, intake rules,
//!   counties served, administration and the audit trail (Art. 12).
//! - [`desk`]: the case as people work it: the case file, staff actions,
//!   the submitter's rating and review request.

#![deny(missing_docs)]

#[macro_use]
pub mod base;
pub mod case;

pub mod access;
pub mod time;

pub mod lifecycle;
pub mod record;

pub mod directory;
pub mod triage;

pub mod oversight;

pub mod county;
pub mod desk;

/// The folders of this library from the bottom up: each may import only
/// from those before it. Read by the layout test, which checks every
/// `crate::` path of every module against it.
pub const LAYERS: &[&str] = &[
    "base",
    "case",
    "access",
    "time",
    "lifecycle",
    "record",
    "directory",
    "triage",
    "oversight",
    "county",
    "desk",
];
