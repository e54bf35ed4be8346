//! Account recovery tokens.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use flexiapi_domain::error::StoreError;
use flexiapi_domain::model::{
    AccountId, AccountRecoveryToken, AccountRecoveryTokenId, Domain, NewAccountRecoveryToken,
    PushTarget,
};
use flexiapi_domain::ports::{AccountRecoveryTokenRepository, StoreResult};

use crate::MemoryStorage;

#[async_trait]
impl AccountRecoveryTokenRepository for MemoryStorage {
    async fn create_account_recovery_token(
        &self,
        new: NewAccountRecoveryToken,
        now: DateTime<Utc>,
    ) -> StoreResult<AccountRecoveryToken> {
        let mut t = self.lock();
        if !t.spaces.values().any(|s| s.domain == new.domain) {
            return Err(StoreError::NotFound);
        }
        if t.account_recovery_tokens
            .values()
            .any(|r| r.token == new.token)
        {
            return Err(StoreError::Backend(
                "duplicate account recovery token".into(),
            ));
        }
        let id = t.next_id();
        let token = AccountRecoveryToken {
            id: AccountRecoveryTokenId(id),
            token: new.token,
            domain: new.domain,
            used: false,
            account_id: None,
            pn_provider: new.pn_provider,
            pn_param: new.pn_param,
            pn_prid: new.pn_prid,
            ip: new.ip,
            user_agent: new.user_agent,
            created_at: now,
        };
        t.account_recovery_tokens.insert(id, token.clone());
        Ok(token)
    }

    async fn account_recovery_token(
        &self,
        token: &str,
        domain: &Domain,
    ) -> StoreResult<Option<AccountRecoveryToken>> {
        Ok(self
            .lock()
            .account_recovery_tokens
            .values()
            .find(|r| r.token == token && &r.domain == domain)
            .cloned())
    }

    async fn use_account_recovery_token(
        &self,
        token: &str,
        domain: &Domain,
        account_id: Option<AccountId>,
        issued_after: Option<DateTime<Utc>>,
    ) -> StoreResult<Option<AccountRecoveryToken>> {
        let mut t = self.lock();
        let known = account_id.filter(|id| t.accounts.contains_key(&id.0));
        Ok(t.account_recovery_tokens
            .values_mut()
            .find(|r| {
                r.token == token
                    && &r.domain == domain
                    && !r.used
                    && issued_after.is_none_or(|after| r.created_at > after)
            })
            .map(|r| {
                r.used = true;
                r.account_id = known;
                r.clone()
            }))
    }

    async fn latest_pushed_account_recovery_token(
        &self,
        domain: &Domain,
        target: &PushTarget,
        since: DateTime<Utc>,
    ) -> StoreResult<Option<DateTime<Utc>>> {
        Ok(self
            .lock()
            .account_recovery_tokens
            .values()
            .filter(|r| {
                &r.domain == domain
                    && r.created_at >= since
                    && r.pn_provider.as_deref() == Some(target.provider.as_str())
                    && r.pn_param.as_deref() == Some(target.param.as_str())
                    && r.pn_prid.as_deref() == Some(target.prid.as_str())
            })
            .map(|r| r.created_at)
            .max())
    }

    async fn delete_unused_account_recovery_token(
        &self,
        token: &str,
        domain: &Domain,
    ) -> StoreResult<bool> {
        let mut t = self.lock();
        let before = t.account_recovery_tokens.len();
        t.account_recovery_tokens
            .retain(|_, r| !(r.token == token && &r.domain == domain && !r.used));
        Ok(t.account_recovery_tokens.len() != before)
    }
}
