//! `fermyon:spin/variables@2.0.0` and `wasi:config/store`: a component
//! reads its own `variables` table, rendered at start-up.

use super::bindings::{config_store, v2::variables};
use super::State;
use crate::manifest::variables::is_valid_name;

impl variables::Host for State {
    async fn get(&mut self, name: String) -> wasmtime::Result<Result<String, variables::Error>> {
        if !is_valid_name(&name) {
            return Ok(Err(variables::Error::InvalidName(name)));
        }
        Ok(match self.grants.variables.get(&name) {
            Some(value) => Ok(value.clone()),
            None => Err(variables::Error::Undefined(name)),
        })
    }
}

impl config_store::Host for State {
    async fn get(
        &mut self,
        key: String,
    ) -> wasmtime::Result<Result<Option<String>, config_store::Error>> {
        Ok(Ok(self.grants.variables.get(&key).cloned()))
    }

    async fn get_all(
        &mut self,
    ) -> wasmtime::Result<Result<Vec<(String, String)>, config_store::Error>> {
        Ok(Ok(self
            .grants
            .variables
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect()))
    }
}
