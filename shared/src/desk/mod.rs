//! The case as people work it: the staff's case file (`casefile`), a
//! staff action applied with its deadline consequences (`actions`), and the
//! submitter's rating and review request (`feedback`), a case taken in
//! (`submission`), and cases found by words, code, phone and more
//! (`search`), a caller's earlier cases (`callers`), and one move on many
//! cases (`batch`).

pub mod actions;
pub mod batch;
pub mod callers;
pub mod casefile;
pub mod feedback;
pub mod search;
pub mod submission;
