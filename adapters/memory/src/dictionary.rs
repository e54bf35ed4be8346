//! Each account's dictionary.

use std::collections::BTreeMap;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use flexiapi_domain::error::StoreError;
use flexiapi_domain::model::AccountId;
use flexiapi_domain::ports::{DictionaryRepository, StoreResult};

use crate::MemoryStorage;

#[async_trait]
impl DictionaryRepository for MemoryStorage {
    async fn dictionary_of(&self, account_id: AccountId) -> StoreResult<BTreeMap<String, String>> {
        Ok(self
            .lock()
            .dictionary
            .get(&account_id.0)
            .cloned()
            .unwrap_or_default())
    }

    async fn set_dictionary_entry(
        &self,
        account_id: AccountId,
        key: &str,
        value: &str,
        _now: DateTime<Utc>,
    ) -> StoreResult<()> {
        let mut t = self.lock();
        if !t.accounts.contains_key(&account_id.0) {
            return Err(StoreError::NotFound);
        }
        t.dictionary
            .entry(account_id.0)
            .or_default()
            .insert(key.to_owned(), value.to_owned());
        Ok(())
    }

    async fn delete_dictionary_entry(&self, account_id: AccountId, key: &str) -> StoreResult<bool> {
        Ok(self
            .lock()
            .dictionary
            .get_mut(&account_id.0)
            .is_some_and(|d| d.remove(key).is_some()))
    }

    async fn clear_dictionary(&self, account_id: AccountId) -> StoreResult<u64> {
        Ok(self
            .lock()
            .dictionary
            .remove(&account_id.0)
            .map_or(0, |d| d.len() as u64))
    }
}
