//! Provisioning tokens.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use flexiapi_domain::error::{Conflict, StoreError};
use flexiapi_domain::model::{
    AccountId, NewProvisioningToken, ProvisioningToken, ProvisioningTokenId,
};
use flexiapi_domain::ports::{ProvisioningTokenRepository, StoreResult};

use crate::MemoryStorage;

#[async_trait]
impl ProvisioningTokenRepository for MemoryStorage {
    async fn create_provisioning_token(
        &self,
        new: NewProvisioningToken,
        now: DateTime<Utc>,
    ) -> StoreResult<ProvisioningToken> {
        let mut t = self.lock();
        if !t.accounts.contains_key(&new.account_id.0) {
            return Err(StoreError::NotFound);
        }
        if t.provisioning_tokens.values().any(|p| p.token == new.token) {
            return Err(StoreError::Conflict(Conflict::ProvisioningToken));
        }
        for p in t.provisioning_tokens.values_mut() {
            if p.account_id == new.account_id {
                p.used = true;
            }
        }
        let id = t.next_id();
        let token = ProvisioningToken {
            id: ProvisioningTokenId(id),
            account_id: new.account_id,
            token: new.token,
            used: false,
            ip: new.ip,
            user_agent: new.user_agent,
            created_at: now,
        };
        t.provisioning_tokens.insert(id, token.clone());
        Ok(token)
    }

    async fn current_provisioning_token(
        &self,
        account_id: AccountId,
    ) -> StoreResult<Option<ProvisioningToken>> {
        Ok(self
            .lock()
            .provisioning_tokens
            .values()
            .rev()
            .find(|p| p.account_id == account_id && !p.used)
            .cloned())
    }

    async fn provisioning_token(&self, token: &str) -> StoreResult<Option<ProvisioningToken>> {
        Ok(self
            .lock()
            .provisioning_tokens
            .values()
            .find(|p| p.token == token)
            .cloned())
    }

    async fn use_provisioning_token(
        &self,
        token: &str,
        issued_after: Option<DateTime<Utc>>,
    ) -> StoreResult<Option<ProvisioningToken>> {
        let mut t = self.lock();
        Ok(t.provisioning_tokens
            .values_mut()
            .find(|p| {
                p.token == token && !p.used && issued_after.is_none_or(|after| p.created_at > after)
            })
            .map(|p| {
                p.used = true;
                p.clone()
            }))
    }
}
