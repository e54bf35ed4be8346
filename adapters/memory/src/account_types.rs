//! Account types, per space, and their links to accounts.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use flexiapi_domain::error::{Conflict, StoreError};
use flexiapi_domain::model::{AccountId, AccountType, AccountTypeId, AccountTypeKey, Domain};
use flexiapi_domain::ports::{AccountTypeRepository, StoreResult};

use crate::{MemoryStorage, Tables};

impl Tables {
    /// Whether the type `id` exists and belongs to the space of `domain`.
    fn type_in(&self, domain: &Domain, id: AccountTypeId) -> bool {
        self.account_types
            .get(&id.0)
            .is_some_and(|(d, _)| d == domain)
    }
}

#[async_trait]
impl AccountTypeRepository for MemoryStorage {
    async fn create_account_type(
        &self,
        domain: &Domain,
        key: &AccountTypeKey,
        _now: DateTime<Utc>,
    ) -> StoreResult<AccountType> {
        let mut t = self.lock();
        if !t.spaces.values().any(|s| &s.domain == domain) {
            return Err(StoreError::NotFound);
        }
        if t.account_types
            .values()
            .any(|(d, a)| d == domain && &a.key == key)
        {
            return Err(StoreError::Conflict(Conflict::AccountTypeKey));
        }
        let id = t.next_id();
        let account_type = AccountType {
            id: AccountTypeId(id),
            key: key.clone(),
        };
        t.account_types
            .insert(id, (domain.clone(), account_type.clone()));
        Ok(account_type)
    }

    async fn list_account_types(&self, domain: &Domain) -> StoreResult<Vec<AccountType>> {
        Ok(self
            .lock()
            .account_types
            .values()
            .filter(|(d, _)| d == domain)
            .map(|(_, a)| a.clone())
            .collect())
    }

    async fn account_type(
        &self,
        domain: &Domain,
        id: AccountTypeId,
    ) -> StoreResult<Option<AccountType>> {
        Ok(self
            .lock()
            .account_types
            .get(&id.0)
            .filter(|(d, _)| d == domain)
            .map(|(_, a)| a.clone()))
    }

    async fn update_account_type(
        &self,
        domain: &Domain,
        id: AccountTypeId,
        key: &AccountTypeKey,
        _now: DateTime<Utc>,
    ) -> StoreResult<AccountType> {
        let mut t = self.lock();
        if !t.type_in(domain, id) {
            return Err(StoreError::NotFound);
        }
        if t.account_types
            .values()
            .any(|(d, a)| d == domain && a.id != id && &a.key == key)
        {
            return Err(StoreError::Conflict(Conflict::AccountTypeKey));
        }
        let updated = AccountType {
            id,
            key: key.clone(),
        };
        t.account_types
            .insert(id.0, (domain.clone(), updated.clone()));
        Ok(updated)
    }

    async fn delete_account_type(&self, domain: &Domain, id: AccountTypeId) -> StoreResult<bool> {
        let mut t = self.lock();
        if !t.type_in(domain, id) {
            return Ok(false);
        }
        t.account_type_links.retain(|(_, type_id)| *type_id != id.0);
        Ok(t.account_types.remove(&id.0).is_some())
    }

    async fn attach_account_type(
        &self,
        domain: &Domain,
        account_id: AccountId,
        type_id: AccountTypeId,
        _now: DateTime<Utc>,
    ) -> StoreResult<bool> {
        let mut t = self.lock();
        let account_there = t
            .accounts
            .get(&account_id.0)
            .is_some_and(|a| &a.domain == domain);
        let type_there = t.type_in(domain, type_id);
        if !account_there || !type_there {
            return Err(StoreError::NotFound);
        }
        Ok(t.account_type_links.insert((account_id.0, type_id.0)))
    }

    async fn detach_account_type(
        &self,
        domain: &Domain,
        account_id: AccountId,
        type_id: AccountTypeId,
    ) -> StoreResult<bool> {
        let mut t = self.lock();
        if !t.type_in(domain, type_id) {
            return Ok(false);
        }
        Ok(t.account_type_links.remove(&(account_id.0, type_id.0)))
    }

    async fn types_of(&self, account_id: AccountId) -> StoreResult<Vec<AccountType>> {
        let t = self.lock();
        Ok(t.account_type_links
            .range((account_id.0, i64::MIN)..=(account_id.0, i64::MAX))
            .filter_map(|(_, type_id)| t.account_types.get(type_id).map(|(_, a)| a.clone()))
            .collect())
    }
}
