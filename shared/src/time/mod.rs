//! Time limits in Chinese working days: the official calendar with its
//! holidays and make-up days (`calendar`), the deadlines a case runs
//! against and the rules that set them (`deadlines`), their rows
//! (`deadline_rows`), and the working days a case took to close
//! (`working_days`).

pub mod calendar;
pub mod deadline_rows;
pub mod deadlines;
pub mod working_days;
