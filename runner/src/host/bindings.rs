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

/// `fermyon:spin@2.0.0`.
pub mod v2 {
    pub use super::fermyon::fermyon::spin::{key_value, sqlite};
}

/// `spin:sqlite@3.0.0`.
pub mod v3 {
    pub use super::spin_sqlite::spin::sqlite::sqlite;
}
