//! Each account's external account, by account id.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use flexiapi_domain::error::{Conflict, StoreError};
use flexiapi_domain::model::{AccountId, ExternalAccount, ExternalAccountId, NewExternalAccount};
use flexiapi_domain::ports::{ExternalAccountRepository, StoreResult};

use crate::MemoryStorage;

#[async_trait]
impl ExternalAccountRepository for MemoryStorage {
    async fn external_account_of(
        &self,
        account: AccountId,
    ) -> StoreResult<Option<ExternalAccount>> {
        Ok(self.lock().external_accounts.get(&account.0).cloned())
    }

    async fn put_external_account(
        &self,
        account: AccountId,
        external: &NewExternalAccount,
        now: DateTime<Utc>,
    ) -> StoreResult<(ExternalAccount, bool)> {
        let mut t = self.lock();
        if !t.accounts.contains_key(&account.0) {
            return Err(StoreError::NotFound);
        }
        let taken = t.external_accounts.values().any(|e| {
            e.account_id != account
                && e.username == external.username
                && e.domain == external.domain
        });
        if taken {
            return Err(StoreError::Conflict(Conflict::ExternalAccountIdentity));
        }
        let existing = t.external_accounts.get(&account.0).cloned();
        let password = match (&external.password, &existing) {
            (Some(p), _) => p.clone(),
            (None, Some(e)) => e.password.clone(),
            (None, None) => return Err(StoreError::NotFound),
        };
        let (id, created_at) = match &existing {
            Some(e) => (e.id, e.created_at),
            None => (ExternalAccountId(t.next_id()), now),
        };
        let row = ExternalAccount {
            id,
            account_id: account,
            username: external.username.clone(),
            domain: external.domain.clone(),
            password,
            algorithm: external.algorithm,
            realm: external.realm.clone(),
            registrar: external.registrar.clone(),
            outbound_proxy: external.outbound_proxy.clone(),
            protocol: external.protocol,
            created_at,
            updated_at: now,
        };
        t.external_accounts.insert(account.0, row.clone());
        Ok((row, existing.is_none()))
    }

    async fn delete_external_account(
        &self,
        account: AccountId,
    ) -> StoreResult<Option<ExternalAccount>> {
        Ok(self.lock().external_accounts.remove(&account.0))
    }
}
