//! Where an app's state lives and how it is kept: the labelled key-value
//! stores and SQLite databases on disk (`stores`), with the group commit
//! (the `group-commit` crate) making each answer durable; what a guest's SQL
//! may not do on them (`sql_sandbox`); SQL run before serving (`statements`,
//! `up --sqlite`); and consistent copies while serving (`backup`).

pub mod backup;
pub mod sql_sandbox;
pub mod statements;
pub mod stores;
