//! The casework domain library: every business rule of the back office lives
//! here, free of Spin types, so it builds natively (and is tested against
//! real SQLite) and for `wasm32-wasip1` inside the components.
//!
//! - [`attempts`]: limits on guessing a tracking code's second factor.
//! - [`actions`]: applying a staff action, with its deadline consequences.
//! - [`access`]: who may read which case, and how they see personal data.
//! - [`ids`]: identifiers that can only hold valid values.
//! - [`contact`]: submitters' personal data (Art. 11).
//! - [`inbox`]: work lists: a unit's inbox, the bureau's queues (Art. 10).
//! - [`intake`]: a new case as submitted, parsed field by field (Art. 2).
//! - [`fields`]: reading a JSON body field by field, naming every bad field.
//! - [`db`]: the small database interface the components implement over Spin.
//! - [`schema`]: versioned migrations.
//! - [`client`]: who a client is for per-client limits (trusted proxies).
//! - [`clock`]: China time (UTC+8), in which every deadline is counted.
//! - [`calendar`]: the official working-day calendar (holidays and 调休).
//! - [`deadlines`]: time limits in working days and the rules that set them.
//! - [`hall`]: intake rules: public submission rate, hall opening hours.
//! - [`feedback`]: the submitter rates the released reply, asks for review.
//! - [`filter`]: screening (Art. 5), duplicates included.
//! - [`pipeline`]: screening then dispatch, each step recorded and idempotent.
//! - [`personal`]: personal data sealed at rest, masked by default.
//! - [`lifecycle`]: the one state machine every case moves through: the
//!   actions, the table of moves, the articles that allow them.
//! - [`keyed_hash`]: HMAC-SHA-256, for the submitter key.
//! - [`reminder`]: the deadline scan: urge notices, warnings, stuck cases.
//! - [`routing`]: locality first, then competence (Art. 6).
//! - [`rules`]: the county's rules (Art. 12) from one versioned source.
//! - [`sampling`]: reproducible follow-up sampling.
//! - [`stats`]: statistics (Art. 9) and hotspots (Art. 7), with their formulas.
//! - [`casefile`]: the case as staff work it: deadlines, history, reply, QC.
//! - [`store`]: every SQL statement about a case: the case and its
//!   submitter, lifecycle and events, deadlines, the unit directory.
//! - [`text`]: text in NFC; invisible and bidirectional controls refused.
//! - [`tokens`]: staff tokens verified with the sign-on's public keys.
//! - [`units`]: the handling units cases are sent to.

#![deny(missing_docs)]

#[macro_use]
mod text_enum;
#[cfg(test)]
mod test_support;

pub mod access;
pub mod actions;
pub mod admin;
pub mod attempts;
pub mod audit;
pub mod calendar;
pub mod casefile;
pub mod client;
pub mod clock;
pub mod contact;
pub mod counties;
pub mod csv;
pub mod cursor;
pub mod db;
pub mod deadlines;
pub mod directory;
pub mod feedback;
pub mod fields;
pub mod filter;
pub mod hall;
pub mod hotspots;
pub mod ids;
pub mod inbox;
pub mod intake;
pub mod keyed_hash;
pub mod lifecycle;
pub mod personal;
pub mod pipeline;
pub mod rectification;
pub mod reminder;
pub mod routing;
pub mod rules;
pub mod sampling;
pub mod schema;
pub mod statistics;
pub mod store;
pub mod text;
pub mod tokens;
pub mod units;
