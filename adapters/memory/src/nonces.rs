//! Digest nonces.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use flexiapi_domain::error::{Conflict, StoreError};
use flexiapi_domain::model::DigestNonce;
use flexiapi_domain::ports::{NonceStore, StoreResult};

use crate::MemoryStorage;

#[async_trait]
impl NonceStore for MemoryStorage {
    async fn insert_nonce(&self, nonce: DigestNonce) -> StoreResult<()> {
        let mut t = self.lock();
        if t.nonces.contains_key(&nonce.opaque) {
            return Err(StoreError::Conflict(Conflict::Nonce));
        }
        t.nonces.insert(nonce.opaque.clone(), nonce);
        Ok(())
    }

    async fn nonce_by_opaque(&self, opaque: &str) -> StoreResult<Option<DigestNonce>> {
        Ok(self.lock().nonces.get(opaque).cloned())
    }

    async fn advance_nonce(&self, opaque: &str, nc: i64) -> StoreResult<bool> {
        let mut t = self.lock();
        match t.nonces.get_mut(opaque) {
            Some(n) if n.nc < nc => {
                n.nc = nc;
                n.uses += 1;
                Ok(true)
            }
            _ => Ok(false),
        }
    }

    async fn delete_nonce(&self, opaque: &str) -> StoreResult<()> {
        self.lock().nonces.remove(opaque);
        Ok(())
    }

    async fn purge_nonces(&self, before: DateTime<Utc>) -> StoreResult<u64> {
        let mut t = self.lock();
        let len = t.nonces.len();
        t.nonces.retain(|_, n| n.created_at >= before);
        Ok((len - t.nonces.len()) as u64)
    }
}
