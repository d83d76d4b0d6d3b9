//! Host bindings for the Spin interfaces, generated from the WIT copied out
//! of the spin-sdk crate (see `runner/wit/`). Resources map to our own types.

mod fermyon {
    wasmtime::component::bindgen!({
        path: "wit/fermyon-spin",
        world: "fermyon:spin/host",
        imports: { default: async | trappable },
        with: {
            "fermyon:spin/key-value.store": crate::host::key_value::KvStore,
            "fermyon:spin/sqlite.connection": crate::host::sqlite::SqlConnection,
        },
    });
}

mod spin_sqlite {
    wasmtime::component::bindgen!({
        path: "wit/spin-sqlite",
        world: "spin:sqlite/host",
        imports: { default: async | trappable },
        with: {
            "spin:sqlite/sqlite.connection": crate::host::sqlite::SqlConnection,
        },
    });
}

mod wasi_config {
    wasmtime::component::bindgen!({
        path: "wit/wasi-config",
        world: "wasi:config/imports",
        imports: { default: async | trappable },
    });
}

mod wasi_keyvalue {
    wasmtime::component::bindgen!({
        path: "wit/wasi-keyvalue",
        world: "wasi:keyvalue/imports",
        imports: { default: async | trappable },
        with: {
            "wasi:keyvalue/store.bucket": crate::host::key_value::KvStore,
            "wasi:keyvalue/atomics.cas": crate::host::wasi_keyvalue::Cas,
        },
    });
}

/// `wasi:keyvalue@0.2.0-draft2`.
pub use wasi_keyvalue::wasi::keyvalue;

/// `fermyon:spin@2.0.0`.
pub mod v2 {
    pub use super::fermyon::fermyon::spin::{key_value, sqlite, variables};
}

/// `wasi:config/store@0.2.0-draft-2024-09-27`.
pub use wasi_config::wasi::config::store as config_store;

/// `spin:sqlite@3.0.0`.
pub mod v3 {
    pub use super::spin_sqlite::spin::sqlite::sqlite;
}
