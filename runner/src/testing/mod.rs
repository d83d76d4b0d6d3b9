//! What the end-to-end tests drive and nothing else uses: a wall clock they
//! can set (`clock`, `up --test-clock`) and the loopback-only routes that
//! set it and pause the disk (`controls`, `up --test-clock`,
//! `up --test-disk`). Both are off unless asked for.

pub mod clock;
pub mod controls;
