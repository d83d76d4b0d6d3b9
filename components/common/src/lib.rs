//! The handler kit every casework component is built from: the
//! per-request context ([`ctx::Ctx`]: principal, database, keys, county
//! rules, "now"), the one error answer ([`problem::Problem`], with the
//! library's errors converted once), the app's routes and chained stages
//! ([`routes`]), the staff actions' endpoint shared by the desks ([`act`]),
//! and the Spin adapters (database, key-value store, tokens, secrets).

pub mod act;
pub mod auth;
pub mod ctx;
pub mod db;
pub mod keys;
pub mod kv;
pub mod problem;
pub mod request;
pub mod routes;
pub mod sign_on;
pub mod tracking;

pub use ctx::Ctx;
pub use problem::{created, csv_download, json, respond, Answer, Problem};
