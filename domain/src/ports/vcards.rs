//! Each account's stored vCards (`vcards_storage`), keyed by their `UID`.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::StoreResult;
use crate::model::{AccountId, ParsedVcard, StoredVcard};

#[async_trait]
pub trait VcardRepository: Send + Sync + 'static {
    /// The account's vCards, oldest first; empty for an unknown account.
    async fn vcards_of(&self, account_id: AccountId) -> StoreResult<Vec<StoredVcard>>;

    /// The account's vCard of that `UID`; `None` when unknown or another account's.
    async fn vcard(&self, account_id: AccountId, uid: &str) -> StoreResult<Option<StoredVcard>>;

    /// Stores `card` for the account.
    ///
    /// # Errors
    /// MUST return `Conflict(VcardUid)` when the account has a vCard of that `UID` (another
    /// account's does not count), `NotFound` when the account does not exist.
    async fn create_vcard(
        &self,
        account_id: AccountId,
        card: &ParsedVcard,
        now: DateTime<Utc>,
    ) -> StoreResult<StoredVcard>;

    /// Replaces the text of the account's vCard of `card.uid` (`created_at` stays); `None` when
    /// the account has none of that `UID`.
    async fn update_vcard(
        &self,
        account_id: AccountId,
        card: &ParsedVcard,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<StoredVcard>>;

    /// Returns whether the account had a vCard of that `UID`.
    async fn delete_vcard(&self, account_id: AccountId, uid: &str) -> StoreResult<bool>;
}
