//! Reset-password links.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use flexiapi_domain::error::StoreError;
use flexiapi_domain::model::{
    Domain, NewResetPasswordToken, ResetPasswordToken, ResetPasswordTokenId,
};
use flexiapi_domain::ports::{ResetPasswordTokenRepository, StoreResult};

use crate::{MemoryStorage, Tables};

impl Tables {
    /// The token if its account belongs to `domain`.
    fn reset_token_in(&mut self, token: &str, domain: &Domain) -> Option<&mut ResetPasswordToken> {
        let accounts = &self.accounts;
        self.reset_password_tokens.values_mut().find(|t| {
            t.token == token
                && accounts
                    .get(&t.account_id.0)
                    .is_some_and(|a| &a.domain == domain)
        })
    }
}

#[async_trait]
impl ResetPasswordTokenRepository for MemoryStorage {
    async fn create_reset_password_token(
        &self,
        new: NewResetPasswordToken,
        now: DateTime<Utc>,
    ) -> StoreResult<ResetPasswordToken> {
        let mut t = self.lock();
        if !t.accounts.contains_key(&new.account_id.0) {
            return Err(StoreError::NotFound);
        }
        if t.reset_password_tokens
            .values()
            .any(|r| r.token == new.token)
        {
            return Err(StoreError::Backend("duplicate reset-password token".into()));
        }
        let id = t.next_id();
        let token = ResetPasswordToken {
            id: ResetPasswordTokenId(id),
            token: new.token,
            account_id: new.account_id,
            email: new.email,
            used: false,
            ip: new.ip,
            user_agent: new.user_agent,
            created_at: now,
        };
        t.reset_password_tokens.insert(id, token.clone());
        Ok(token)
    }

    async fn reset_password_token(
        &self,
        token: &str,
        domain: &Domain,
    ) -> StoreResult<Option<ResetPasswordToken>> {
        Ok(self.lock().reset_token_in(token, domain).map(|t| t.clone()))
    }

    async fn use_reset_password_token(
        &self,
        token: &str,
        domain: &Domain,
        issued_after: Option<DateTime<Utc>>,
    ) -> StoreResult<Option<ResetPasswordToken>> {
        let mut t = self.lock();
        Ok(t.reset_token_in(token, domain)
            .filter(|r| !r.used && issued_after.is_none_or(|after| r.created_at > after))
            .map(|r| {
                r.used = true;
                r.clone()
            }))
    }
}
