//! Spaces: the tenants, each with its domain, host and settings.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::StoreResult;
use crate::model::{Domain, NewSpace, Space};

#[async_trait]
pub trait SpaceRepository: Send + Sync + 'static {
    /// Creates a space.
    ///
    /// # Errors
    /// MUST return `Conflict(SpaceDomain)`, `Conflict(SpaceHost)` or `Conflict(SpaceName)` when
    /// another space has that domain, host or name.
    async fn create_space(&self, new: NewSpace, now: DateTime<Utc>) -> StoreResult<Space>;

    async fn space_by_domain(&self, domain: &Domain) -> StoreResult<Option<Space>>;

    /// `host` is lower-case, without port.
    async fn space_by_host(&self, host: &str) -> StoreResult<Option<Space>>;

    /// All spaces, ordered by domain.
    async fn list_spaces(&self) -> StoreResult<Vec<Space>>;

    /// Replaces every field of the space with id `space.id` except `id`, `domain` and
    /// `created_at`; sets `updated_at = now`.
    ///
    /// # Errors
    /// `NotFound` for an unknown id; the `Conflict`s of `create_space` for host and name;
    /// `LastSuperSpace` when it would demote the only super space. The check and the write MUST
    /// be atomic: of concurrent demotions or deletions of the last two super spaces, one fails.
    async fn update_space(&self, space: Space, now: DateTime<Utc>) -> StoreResult<Space>;

    /// Deletes the space and, in the same transaction, all its accounts (with their passwords
    /// and keys), its contacts lists and its account types. Returns whether the space existed.
    ///
    /// # Errors
    /// `LastSuperSpace` when it is the only super space, checked atomically with the deletion
    /// (as `update_space`).
    async fn delete_space(&self, domain: &Domain) -> StoreResult<bool>;
}
