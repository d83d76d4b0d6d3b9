//! The case as people work it: the staff's case file (`casefile`), a
//! staff action applied with its deadline consequences (`actions`), and the
//! submitter's rating and review request (`feedback`), and a case taken in
//! (`submission`).

pub mod actions;
pub mod casefile;
pub mod feedback;
pub mod submission;
