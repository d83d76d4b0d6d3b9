//! The triggers that run an app's components: HTTP (`http`: the server,
//! Spin's routing and request headers, service chaining) and cron (`cron`,
//! as the spin-trigger-cron plugin).

pub mod cron;
pub mod http;
