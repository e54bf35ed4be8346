//! Auth tokens.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use flexiapi_domain::error::{Conflict, StoreError};
use flexiapi_domain::model::{AccountId, AuthToken, Domain};
use flexiapi_domain::ports::{AuthTokenRepository, StoreResult};

use crate::MemoryStorage;

#[async_trait]
impl AuthTokenRepository for MemoryStorage {
    async fn create_auth_token(&self, token: AuthToken) -> StoreResult<()> {
        let mut t = self.lock();
        if t.auth_tokens.contains_key(&token.token) {
            return Err(StoreError::Conflict(Conflict::AuthToken));
        }
        if !t.spaces.values().any(|s| s.domain == token.domain) {
            return Err(StoreError::NotFound);
        }
        t.auth_tokens.insert(token.token.clone(), token);
        Ok(())
    }

    async fn auth_token(&self, token: &str, domain: &Domain) -> StoreResult<Option<AuthToken>> {
        Ok(self
            .lock()
            .auth_tokens
            .get(token)
            .filter(|tok| &tok.domain == domain)
            .cloned())
    }

    async fn attach_auth_token(
        &self,
        token: &str,
        domain: &Domain,
        account_id: AccountId,
    ) -> StoreResult<bool> {
        let mut t = self.lock();
        match t.auth_tokens.get_mut(token) {
            Some(tok) if &tok.domain == domain && tok.account_id.is_none() => {
                tok.account_id = Some(account_id);
                Ok(true)
            }
            _ => Ok(false),
        }
    }

    async fn take_attached_auth_token(
        &self,
        token: &str,
        domain: &Domain,
    ) -> StoreResult<Option<AuthToken>> {
        let mut t = self.lock();
        if t.auth_tokens
            .get(token)
            .is_some_and(|tok| &tok.domain == domain && tok.account_id.is_some())
        {
            Ok(t.auth_tokens.remove(token))
        } else {
            Ok(None)
        }
    }

    async fn purge_auth_tokens(&self, before: DateTime<Utc>) -> StoreResult<u64> {
        let mut t = self.lock();
        let len = t.auth_tokens.len();
        t.auth_tokens.retain(|_, tok| tok.created_at >= before);
        Ok((len - t.auth_tokens.len()) as u64)
    }
}
