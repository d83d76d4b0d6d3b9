//! The end-to-end tests, one binary: the real `.wasm` components under the
//! runner, driven over HTTP, one module a concern (and `layout`, the
//! repository's shape). One binary links once and shares the two test
//! threads over every module, instead of 26 binaries run one after another
//! (BENCHMARKS.md has the before and after). Run one module with
//! `cargo test --release -p e2e --test e2e <module>::`.

mod actions;
mod admin;
mod authorization;
mod backup;
mod batch;
mod calendar;
mod channels;
mod citizen;
mod closure;
mod county_rules;
mod dispatch;
mod durability;
mod guessing;
mod hotspots;
mod idempotency;
mod keys;
mod layout;
mod openapi;
mod portal;
mod reminders;
mod runner;
mod search;
mod sign_in;
mod sign_on;
mod slow_clients;
mod staff_views;
mod stats;
mod text;
mod tls;
mod upgrade;
mod walking_skeleton;
