//! The case as people work it: the staff's case file (`casefile`), a
//! staff action applied with its deadline consequences (`actions`), and the
//! submitter's rating and review request (`feedback`).

pub mod actions;
pub mod casefile;
pub mod feedback;
