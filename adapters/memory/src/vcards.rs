//! Each account's stored vCards.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use flexiapi_domain::error::{Conflict, StoreError};
use flexiapi_domain::model::{AccountId, ParsedVcard, StoredVcard};
use flexiapi_domain::ports::{StoreResult, VcardRepository};

use crate::{MemoryStorage, Tables};

impl Tables {
    /// The account's rows with their ids, in id order.
    fn vcards_of(
        &self,
        account_id: AccountId,
    ) -> impl Iterator<Item = (&(i64, i64), &StoredVcard)> {
        self.vcards
            .range((account_id.0, i64::MIN)..=(account_id.0, i64::MAX))
    }

    fn vcard_key(&self, account_id: AccountId, uid: &str) -> Option<(i64, i64)> {
        self.vcards_of(account_id)
            .find(|(_, v)| v.uuid == uid)
            .map(|(k, _)| *k)
    }
}

#[async_trait]
impl VcardRepository for MemoryStorage {
    async fn vcards_of(&self, account_id: AccountId) -> StoreResult<Vec<StoredVcard>> {
        Ok(self
            .lock()
            .vcards_of(account_id)
            .map(|(_, v)| v.clone())
            .collect())
    }

    async fn vcard(&self, account_id: AccountId, uid: &str) -> StoreResult<Option<StoredVcard>> {
        let t = self.lock();
        Ok(t.vcard_key(account_id, uid)
            .and_then(|k| t.vcards.get(&k))
            .cloned())
    }

    async fn create_vcard(
        &self,
        account_id: AccountId,
        card: &ParsedVcard,
        now: DateTime<Utc>,
    ) -> StoreResult<StoredVcard> {
        let mut t = self.lock();
        if !t.accounts.contains_key(&account_id.0) {
            return Err(StoreError::NotFound);
        }
        if t.vcard_key(account_id, &card.uid).is_some() {
            return Err(StoreError::Conflict(Conflict::VcardUid));
        }
        let id = t.next_id();
        let stored = StoredVcard {
            account_id,
            uuid: card.uid.clone(),
            vcard: card.text.clone(),
            created_at: now,
            updated_at: now,
        };
        t.vcards.insert((account_id.0, id), stored.clone());
        Ok(stored)
    }

    async fn update_vcard(
        &self,
        account_id: AccountId,
        card: &ParsedVcard,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<StoredVcard>> {
        let mut t = self.lock();
        let Some(key) = t.vcard_key(account_id, &card.uid) else {
            return Ok(None);
        };
        let row = t.vcards.get_mut(&key).ok_or(StoreError::NotFound)?;
        row.vcard = card.text.clone();
        row.updated_at = now;
        Ok(Some(row.clone()))
    }

    async fn delete_vcard(&self, account_id: AccountId, uid: &str) -> StoreResult<bool> {
        let mut t = self.lock();
        Ok(match t.vcard_key(account_id, uid) {
            Some(key) => t.vcards.remove(&key).is_some(),
            None => false,
        })
    }
}
