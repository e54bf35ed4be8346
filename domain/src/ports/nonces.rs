//! Digest nonces and their counters.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::StoreResult;
use crate::model::DigestNonce;

#[async_trait]
pub trait NonceStore: Send + Sync + 'static {
    /// # Errors
    /// `Conflict(Nonce)` when the opaque exists.
    async fn insert_nonce(&self, nonce: DigestNonce) -> StoreResult<()>;

    async fn nonce_by_opaque(&self, opaque: &str) -> StoreResult<Option<DigestNonce>>;

    /// Sets the stored `nc` to `nc` and adds one use, only if the stored `nc` is lower. Returns
    /// whether it did. MUST be atomic: of several concurrent calls with the same `nc`, exactly one
    /// returns true, across processes sharing the database.
    async fn advance_nonce(&self, opaque: &str, nc: i64) -> StoreResult<bool>;

    async fn delete_nonce(&self, opaque: &str) -> StoreResult<()>;

    /// Deletes pairs created before `before`; returns how many.
    async fn purge_nonces(&self, before: DateTime<Utc>) -> StoreResult<u64>;
}
