//! Server secrets.

use async_trait::async_trait;
use flexiapi_domain::ports::{SecretStore, StoreResult};

use crate::MemoryStorage;

#[async_trait]
impl SecretStore for MemoryStorage {
    async fn secret_or_insert(&self, name: &str, candidate: &str) -> StoreResult<String> {
        Ok(self
            .lock()
            .secrets
            .entry(name.to_owned())
            .or_insert_with(|| candidate.to_owned())
            .clone())
    }
}
