//! Account creation tokens.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use flexiapi_domain::error::{Conflict, StoreError};
use flexiapi_domain::model::{
    AccountCreationToken, AccountCreationTokenId, AccountId, Domain, NewAccountCreationToken,
};
use flexiapi_domain::ports::{AccountCreationTokenRepository, StoreResult};

use crate::MemoryStorage;

#[async_trait]
impl AccountCreationTokenRepository for MemoryStorage {
    async fn create_creation_token(
        &self,
        new: NewAccountCreationToken,
        now: DateTime<Utc>,
    ) -> StoreResult<AccountCreationToken> {
        let mut t = self.lock();
        if t.creation_tokens.values().any(|c| c.token == new.token) {
            return Err(StoreError::Conflict(Conflict::AccountCreationToken));
        }
        if !t.spaces.values().any(|s| s.domain == new.domain) {
            return Err(StoreError::NotFound);
        }
        let id = t.next_id();
        let token = AccountCreationToken {
            id: AccountCreationTokenId(id),
            token: new.token,
            domain: new.domain,
            used: false,
            account_id: None,
            ip: new.ip,
            user_agent: new.user_agent,
            created_at: now,
            expire_at: new.expire_at,
        };
        t.creation_tokens.insert(id, token.clone());
        Ok(token)
    }

    async fn creation_token(
        &self,
        token: &str,
        domain: &Domain,
    ) -> StoreResult<Option<AccountCreationToken>> {
        Ok(self
            .lock()
            .creation_tokens
            .values()
            .find(|c| c.token == token && &c.domain == domain)
            .cloned())
    }

    async fn spend_creation_token(
        &self,
        token: &str,
        domain: &Domain,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<AccountCreationToken>> {
        let mut t = self.lock();
        Ok(t.creation_tokens
            .values_mut()
            .find(|c| c.token == token && &c.domain == domain && !c.used && !c.is_expired(now))
            .map(|c| {
                c.used = true;
                c.clone()
            }))
    }

    async fn consume_creation_token(
        &self,
        token: &str,
        domain: &Domain,
        account_id: AccountId,
    ) -> StoreResult<Option<AccountCreationToken>> {
        let mut t = self.lock();
        if !t.accounts.contains_key(&account_id.0) {
            return Err(StoreError::NotFound);
        }
        Ok(t.creation_tokens
            .values_mut()
            .find(|c| c.token == token && &c.domain == domain && !c.used && c.account_id.is_none())
            .map(|c| {
                c.used = true;
                c.account_id = Some(account_id);
                c.clone()
            }))
    }

    async fn has_used_creation_token(&self, account_id: AccountId) -> StoreResult<bool> {
        Ok(self
            .lock()
            .creation_tokens
            .values()
            .any(|c| c.used && c.account_id == Some(account_id)))
    }
}
