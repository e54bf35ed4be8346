//! Contacts between accounts.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use flexiapi_domain::error::StoreError;
use flexiapi_domain::model::{Account, AccountId};
use flexiapi_domain::ports::{ContactRepository, StoreResult};

use crate::MemoryStorage;

#[async_trait]
impl ContactRepository for MemoryStorage {
    async fn add_contact(
        &self,
        account_id: AccountId,
        contact_id: AccountId,
        _now: DateTime<Utc>,
    ) -> StoreResult<bool> {
        let mut t = self.lock();
        if !t.accounts.contains_key(&account_id.0) || !t.accounts.contains_key(&contact_id.0) {
            return Err(StoreError::NotFound);
        }
        Ok(t.contacts.insert((account_id.0, contact_id.0)))
    }

    async fn remove_contact(
        &self,
        account_id: AccountId,
        contact_id: AccountId,
    ) -> StoreResult<bool> {
        Ok(self.lock().contacts.remove(&(account_id.0, contact_id.0)))
    }

    async fn contacts_of(&self, account_id: AccountId) -> StoreResult<Vec<Account>> {
        let t = self.lock();
        Ok(t.contacts
            .range((account_id.0, i64::MIN)..=(account_id.0, i64::MAX))
            .filter_map(|(_, contact)| t.accounts.get(contact).cloned())
            .collect())
    }
}
