//! Server secrets every process sharing the database must agree on (the key the web pages
//! sign their forms with), generated once and kept in storage.

use async_trait::async_trait;

use super::StoreResult;

#[async_trait]
pub trait SecretStore: Send + Sync + 'static {
    /// The secret stored under `name`; when there is none yet, stores `candidate` and returns
    /// it. Of processes racing on an empty store, all MUST get the same value.
    async fn secret_or_insert(&self, name: &str, candidate: &str) -> StoreResult<String>;
}
