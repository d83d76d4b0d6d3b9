//! Nothing out of sight: work lists (`inbox`, Art. 10), the bureau's
//! queues they draw from (`queues`) and each case's state in them
//! (`desk_state`), the deadline scan
//! and its urge notices (`reminder`, `reminder_rows`), follow-up sampling
//! (`sampling`), statistics (`statistics`, Art. 9), hotspots and the
//! rectification items opened from them (`hotspots`, `rectification`,
//! Art. 7).

pub mod desk_state;
pub mod hotspots;
pub mod inbox;
pub mod queues;
pub mod rectification;
pub mod reminder;
pub mod reminder_rows;
pub mod sampling;
pub mod statistics;
