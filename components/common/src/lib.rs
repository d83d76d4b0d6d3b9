//! What every casework component shares: the Spin implementation of the
//! library's [`shared::db::Db`], and the HTTP answers (JSON, RFC 9457
//! problem details) so every stage speaks the same way.

pub mod auth;
pub mod chain;
pub mod db;
pub mod keys;
pub mod request;
pub mod respond;
