//! From accepted to a unit's desk: screening proposes (`filter`, Art. 5),
//! routing names the unit (`routing`, Art. 6), and the pipeline records
//! each step idempotently (`pipeline`), reading what screening compares
//! (`triage_rows`).

pub mod filter;
pub mod pipeline;
pub mod routing;
pub mod triage_rows;
