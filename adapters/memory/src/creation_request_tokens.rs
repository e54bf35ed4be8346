//! Account creation request tokens.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use flexiapi_domain::error::{Conflict, StoreError};
use flexiapi_domain::model::{
    AccountCreationRequestToken, AccountCreationRequestTokenId, AccountCreationToken,
    AccountCreationTokenId, Domain, NewAccountCreationRequestToken, NewAccountCreationToken,
};
use flexiapi_domain::ports::{AccountCreationRequestTokenRepository, StoreResult};

use crate::MemoryStorage;

#[async_trait]
impl AccountCreationRequestTokenRepository for MemoryStorage {
    async fn create_creation_request_token(
        &self,
        new: NewAccountCreationRequestToken,
        now: DateTime<Utc>,
    ) -> StoreResult<AccountCreationRequestToken> {
        let mut t = self.lock();
        if t.creation_request_tokens
            .values()
            .any(|r| r.token == new.token)
        {
            return Err(StoreError::Conflict(Conflict::AccountCreationRequestToken));
        }
        if !t.spaces.values().any(|s| s.domain == new.domain) {
            return Err(StoreError::NotFound);
        }
        let id = t.next_id();
        let token = AccountCreationRequestToken {
            id: AccountCreationRequestTokenId(id),
            token: new.token,
            domain: new.domain,
            used: false,
            validated_at: None,
            acc_creation_token_id: None,
            ip: new.ip,
            user_agent: new.user_agent,
            created_at: now,
        };
        t.creation_request_tokens.insert(id, token.clone());
        Ok(token)
    }

    async fn creation_request_token(
        &self,
        token: &str,
        domain: &Domain,
    ) -> StoreResult<Option<AccountCreationRequestToken>> {
        Ok(self
            .lock()
            .creation_request_tokens
            .values()
            .find(|r| r.token == token && &r.domain == domain)
            .cloned())
    }

    async fn validate_creation_request_token(
        &self,
        token: &str,
        domain: &Domain,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<AccountCreationRequestToken>> {
        let mut t = self.lock();
        Ok(t.creation_request_tokens
            .values_mut()
            .find(|r| r.token == token && &r.domain == domain && !r.used)
            .map(|r| {
                r.validated_at.get_or_insert(now);
                r.clone()
            }))
    }

    async fn exchange_creation_request_token(
        &self,
        token: &str,
        domain: &Domain,
        new: NewAccountCreationToken,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<AccountCreationToken>> {
        let mut t = self.lock();
        let Some(request_id) = t
            .creation_request_tokens
            .iter()
            .find(|(_, r)| {
                r.token == token && &r.domain == domain && !r.used && r.validated_at.is_some()
            })
            .map(|(id, _)| *id)
        else {
            return Ok(None);
        };
        if t.creation_tokens.values().any(|c| c.token == new.token) {
            return Err(StoreError::Conflict(Conflict::AccountCreationToken));
        }
        let id = t.next_id();
        let created = AccountCreationToken {
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
        t.creation_tokens.insert(id, created.clone());
        if let Some(request) = t.creation_request_tokens.get_mut(&request_id) {
            request.used = true;
            request.acc_creation_token_id = Some(created.id);
        }
        Ok(Some(created))
    }
}
