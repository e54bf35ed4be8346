//! The per-account dictionary of free key/value entries.

use std::collections::BTreeMap;

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::StoreResult;
use crate::model::AccountId;

#[async_trait]
pub trait DictionaryRepository: Send + Sync + 'static {
    /// Every entry of the account, by key; empty for an unknown account.
    async fn dictionary_of(&self, account_id: AccountId) -> StoreResult<BTreeMap<String, String>>;

    /// Sets `key` to `value` (insert or replace), atomically: concurrent calls for one key leave
    /// exactly one entry.
    ///
    /// # Errors
    /// MUST return `NotFound` when the account does not exist.
    async fn set_dictionary_entry(
        &self,
        account_id: AccountId,
        key: &str,
        value: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<()>;

    /// Returns whether the entry existed.
    async fn delete_dictionary_entry(&self, account_id: AccountId, key: &str) -> StoreResult<bool>;

    /// Deletes every entry of the account; returns how many.
    async fn clear_dictionary(&self, account_id: AccountId) -> StoreResult<u64>;
}
