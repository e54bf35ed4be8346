//! API keys (admin and user) and their usage.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use flexiapi_domain::error::{Conflict, StoreError};
use flexiapi_domain::model::{
    Account, AccountId, ApiKey, ApiKeyId, ApiKeyKind, ApiKeyUsage, NewApiKey,
};
use flexiapi_domain::ports::{AccountRepository, ApiKeyRepository, StoreResult};

use crate::{MemoryStorage, Tables};

#[async_trait]
impl ApiKeyRepository for MemoryStorage {
    async fn create_api_key(&self, new: NewApiKey) -> StoreResult<ApiKey> {
        let mut t = self.lock();
        insert_key(&mut t, new)
    }

    async fn replace_user_api_key(&self, new: NewApiKey) -> StoreResult<ApiKey> {
        let mut t = self.lock();
        let account_id = new.account_id;
        t.api_keys.retain(|_, k| {
            !(k.account_id == account_id && matches!(k.kind, ApiKeyKind::User { .. }))
        });
        insert_key(&mut t, new)
    }

    async fn api_key_by_hash(&self, key_hash: &str) -> StoreResult<Option<ApiKey>> {
        Ok(self
            .lock()
            .api_keys
            .values()
            .find(|k| k.key_hash == key_hash)
            .cloned())
    }

    async fn api_key_with_account(&self, key_hash: &str) -> StoreResult<Option<(ApiKey, Account)>> {
        let Some(key) = self.api_key_by_hash(key_hash).await? else {
            return Ok(None);
        };
        Ok(self
            .account_by_id(key.account_id)
            .await?
            .map(|account| (key, account)))
    }

    async fn api_keys_of(&self, account_id: AccountId) -> StoreResult<Vec<ApiKey>> {
        Ok(self
            .lock()
            .api_keys
            .values()
            .filter(|k| k.account_id == account_id)
            .cloned()
            .collect())
    }

    async fn delete_api_key(&self, id: ApiKeyId) -> StoreResult<bool> {
        Ok(self.lock().api_keys.remove(&id.0).is_some())
    }

    async fn record_api_key_usage(&self, usage: &[ApiKeyUsage]) -> StoreResult<()> {
        let mut t = self.lock();
        for u in usage {
            if let Some(key) = t.api_keys.get_mut(&u.id.0) {
                key.requests += u.requests;
                key.last_used_at = key.last_used_at.max(u.last_used_at);
            }
        }
        Ok(())
    }

    async fn purge_idle_user_api_keys(&self, idle_since: DateTime<Utc>) -> StoreResult<u64> {
        let mut t = self.lock();
        let len = t.api_keys.len();
        t.api_keys.retain(|_, k| {
            !(matches!(k.kind, ApiKeyKind::User { .. }) && k.last_used_at < idle_since)
        });
        Ok((len - t.api_keys.len()) as u64)
    }
}

fn insert_key(t: &mut Tables, new: NewApiKey) -> StoreResult<ApiKey> {
    if t.api_keys.values().any(|k| k.key_hash == new.key_hash) {
        return Err(StoreError::Conflict(Conflict::ApiKey));
    }
    let id = t.next_id();
    let key = ApiKey {
        id: ApiKeyId(id),
        account_id: new.account_id,
        key_hash: new.key_hash,
        name: new.name,
        kind: new.kind,
        last_used_at: new.created_at,
        requests: 0,
        created_at: new.created_at,
    };
    t.api_keys.insert(id, key.clone());
    Ok(key)
}
