//! What a component exports for the triggers that run it: the cron
//! trigger's `handle-cron-event` (`fermyon:spin-cron@2.0.0`), bound here so
//! an app is checked against it when loaded. (`wasi:http/incoming-handler`
//! is wasmtime-wasi-http's `ProxyPre`.)

mod bindings {
    wasmtime::component::bindgen!({
        path: "wit/spin-cron",
        world: "fermyon:spin-cron/spin-cron",
        exports: { default: async },
    });
}

pub use bindings::fermyon::spin_cron::cron_types::{Error as CronError, Metadata};
pub use bindings::SpinCronPre;
