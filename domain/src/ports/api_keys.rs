//! API keys, admin and user, stored as hashes.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::StoreResult;
use crate::model::{Account, AccountId, ApiKey, ApiKeyId, ApiKeyUsage, NewApiKey};

#[async_trait]
pub trait ApiKeyRepository: Send + Sync + 'static {
    /// # Errors
    /// `Conflict(ApiKey)` when the hash exists.
    async fn create_api_key(&self, new: NewApiKey) -> StoreResult<ApiKey>;

    /// Deletes the account's user keys and inserts `new`, in one transaction.
    async fn replace_user_api_key(&self, new: NewApiKey) -> StoreResult<ApiKey>;

    async fn api_key_by_hash(&self, key_hash: &str) -> StoreResult<Option<ApiKey>>;

    /// The key of `key_hash` with its account (and the account's passwords): what the API key
    /// path reads, in one query where the backend can join. `None` when no key has the hash.
    async fn api_key_with_account(&self, key_hash: &str) -> StoreResult<Option<(ApiKey, Account)>>;

    async fn api_keys_of(&self, account_id: AccountId) -> StoreResult<Vec<ApiKey>>;

    async fn delete_api_key(&self, id: ApiKeyId) -> StoreResult<bool>;

    /// Adds each usage: `requests += usage.requests`, `last_used_at = max(stored, usage)`. Keys
    /// deleted meanwhile are skipped silently.
    async fn record_api_key_usage(&self, usage: &[ApiKeyUsage]) -> StoreResult<()>;

    /// Deletes user keys whose `last_used_at` is before `idle_since`; returns how many.
    async fn purge_idle_user_api_keys(&self, idle_since: DateTime<Utc>) -> StoreResult<u64>;
}
