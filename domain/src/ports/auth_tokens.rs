//! Auth tokens, attached to an account then traded for a user API key.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::StoreResult;
use crate::model::{AccountId, AuthToken, Domain};

/// Auth tokens belong to the space (domain) they were created in: every lookup names it, and a
/// token of another space is answered as an unknown one.
#[async_trait]
pub trait AuthTokenRepository: Send + Sync + 'static {
    /// # Errors
    /// `Conflict(AuthToken)` when the token exists; `NotFound` when no space has its domain.
    async fn create_auth_token(&self, token: AuthToken) -> StoreResult<()>;

    /// The token if it belongs to `domain`.
    async fn auth_token(&self, token: &str, domain: &Domain) -> StoreResult<Option<AuthToken>>;

    /// Attaches an unattached token of `domain` to the account. Returns false when the token is
    /// unknown, of another domain or already attached. MUST be atomic.
    async fn attach_auth_token(
        &self,
        token: &str,
        domain: &Domain,
        account_id: AccountId,
    ) -> StoreResult<bool>;

    /// Deletes and returns the token if it belongs to `domain` and is attached; a token of
    /// another domain is left as it is. MUST be atomic: of two concurrent calls, one gets the
    /// token.
    async fn take_attached_auth_token(
        &self,
        token: &str,
        domain: &Domain,
    ) -> StoreResult<Option<AuthToken>>;

    /// Deletes tokens created before `before`; returns how many.
    async fn purge_auth_tokens(&self, before: DateTime<Utc>) -> StoreResult<u64>;
}
