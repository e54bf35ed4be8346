//! Account creation tokens.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use flexiapi_domain::error::{Conflict, StoreError};
use flexiapi_domain::model::{
    AccountCreationToken, AccountCreationTokenId, AccountId, Domain, NewAccountCreationToken,
    PushTarget,
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
            pn_provider: new.push.as_ref().map(|p| p.provider.as_str().to_owned()),
            pn_param: new.push.as_ref().map(|p| p.param.as_str().to_owned()),
            pn_prid: new.push.as_ref().map(|p| p.prid.as_str().to_owned()),
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

    async fn latest_pushed_creation_token(
        &self,
        domain: &Domain,
        target: &PushTarget,
        since: DateTime<Utc>,
    ) -> StoreResult<Option<DateTime<Utc>>> {
        Ok(self
            .lock()
            .creation_tokens
            .values()
            .filter(|c| {
                &c.domain == domain
                    && c.created_at >= since
                    && c.pn_provider.as_deref() == Some(target.provider.as_str())
                    && c.pn_param.as_deref() == Some(target.param.as_str())
                    && c.pn_prid.as_deref() == Some(target.prid.as_str())
            })
            .map(|c| c.created_at)
            .max())
    }

    async fn delete_unused_creation_token(
        &self,
        token: &str,
        domain: &Domain,
    ) -> StoreResult<bool> {
        let mut t = self.lock();
        let before = t.creation_tokens.len();
        t.creation_tokens
            .retain(|_, c| !(c.token == token && &c.domain == domain && !c.used));
        let deleted = t.creation_tokens.len() != before;
        t.drop_orphan_request_tokens();
        Ok(deleted)
    }

    async fn has_used_creation_token(&self, account_id: AccountId) -> StoreResult<bool> {
        Ok(self
            .lock()
            .creation_tokens
            .values()
            .any(|c| c.used && c.account_id == Some(account_id)))
    }
}
