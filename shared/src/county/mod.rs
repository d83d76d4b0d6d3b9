//! What the county's bureau sets (Art. 12): its rules and which type reads
//! each family (`families`), the intake rules (`intake_rules`), the
//! counties an instance serves (`counties`), setting rules and calendar
//! years at run time (`admin`), and the audit trail of who did what
//! (`audit`).

pub mod admin;
pub mod audit;
pub mod counties;
pub mod families;
pub mod intake_rules;
