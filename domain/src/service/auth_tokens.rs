//! Auth tokens: created by anyone, attached by an account, traded once for a user API key.

use chrono::{DateTime, Duration, Utc};

use super::{Entity, ServiceError, ServiceResult, Services, check_may_get_credentials};
use crate::model::{Account, AuthToken, Space};

/// Auth tokens are valid this long after creation (the original's fixed 5 minutes).
pub const AUTH_TOKEN_TTL_MINUTES: i64 = 5;

impl Services {
    /// A new unattached auth token (32 alphanumerics, valid five minutes) of `space`, the space
    /// of the host it is created on, spending one of `ip`'s auth token budget: anyone may call
    /// this, and each call stores a row.
    ///
    /// # Errors
    /// `TooManyRequests`; storage failures.
    pub async fn create_auth_token(
        &self,
        space: &Space,
        ip: &str,
        user_agent: Option<String>,
    ) -> ServiceResult<(AuthToken, DateTime<Utc>)> {
        self.budgets
            .spend_auth_token(ip)
            .await
            .map_err(|e| ServiceError::from_budget(e, false))?;
        let token = AuthToken {
            token: self.tokens.alphanumeric(32),
            domain: space.domain.clone(),
            account_id: None,
            ip: Some(ip.to_owned()),
            user_agent,
            created_at: self.now(),
        };
        self.storage.create_auth_token(token.clone()).await?;
        let expire_at = token.created_at + Duration::minutes(AUTH_TOKEN_TTL_MINUTES);
        Ok((token, expire_at))
    }

    /// Deletes auth tokens past their lifetime (the periodic purge); returns how many.
    ///
    /// # Errors
    /// Storage failures.
    pub async fn purge_expired_auth_tokens(&self) -> ServiceResult<u64> {
        Ok(self
            .storage
            .purge_auth_tokens(self.now() - Duration::minutes(AUTH_TOKEN_TTL_MINUTES))
            .await?)
    }

    fn auth_token_alive(&self, token: &AuthToken) -> bool {
        token.created_at + Duration::minutes(AUTH_TOKEN_TTL_MINUTES) > self.now()
    }

    /// Attaches a live, unattached token of `space` (the request's) to `account`, an account of
    /// that space.
    ///
    /// # Errors
    /// `NotFound` for an unknown, expired or already attached token, for a token of another
    /// space, and for an account of another space (a super admin's included): all alike.
    pub async fn attach_auth_token(
        &self,
        token: &str,
        space: &Space,
        account: &Account,
    ) -> ServiceResult<()> {
        if account.domain != space.domain {
            return Err(ServiceError::NotFound(Entity::AuthToken));
        }
        let stored = self
            .storage
            .auth_token(token, &space.domain)
            .await?
            .filter(|t| self.auth_token_alive(t))
            .ok_or(ServiceError::NotFound(Entity::AuthToken))?;
        if self
            .storage
            .attach_auth_token(&stored.token, &space.domain, account.id)
            .await?
        {
            Ok(())
        } else {
            Err(ServiceError::NotFound(Entity::AuthToken))
        }
    }

    /// Consumes an attached, live token of `space` (the request's) and returns a fresh user API
    /// key for its account, bound to the caller's IP. A token of another space is left intact.
    ///
    /// # Errors
    /// `NotFound` for an unknown, expired, unattached, already used or foreign token.
    pub async fn redeem_auth_token(
        &self,
        token: &str,
        space: &Space,
        ip: &str,
    ) -> ServiceResult<String> {
        let taken = self
            .storage
            .take_attached_auth_token(token, &space.domain)
            .await?
            .filter(|t| self.auth_token_alive(t))
            .ok_or(ServiceError::NotFound(Entity::AuthToken))?;
        let account_id = taken
            .account_id
            .ok_or(ServiceError::NotFound(Entity::AuthToken))?;
        let account = self
            .storage
            .account_by_id(account_id)
            .await?
            // Attached by an account of the space; checked again in case it moved or went.
            .filter(|a| a.domain == space.domain)
            .ok_or(ServiceError::NotFound(Entity::AuthToken))?;
        check_may_get_credentials(&account)?;
        self.create_user_api_key(&account, ip).await
    }
}
