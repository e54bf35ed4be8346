//! Account creation tokens.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::StoreResult;
use crate::model::{AccountCreationToken, AccountId, Domain, NewAccountCreationToken, PushTarget};

/// Account creation tokens belong to the space (domain) they were minted in: every lookup names
/// it, and a token of another space (or of none: rows older than the column) is answered as an
/// unknown one.
#[async_trait]
pub trait AccountCreationTokenRepository: Send + Sync + 'static {
    /// Inserts an unused, unattached token of `new.domain`.
    ///
    /// # Errors
    /// `Conflict(AccountCreationToken)` when the token exists (in any space); `NotFound` when no
    /// space has the domain.
    async fn create_creation_token(
        &self,
        new: NewAccountCreationToken,
        now: DateTime<Utc>,
    ) -> StoreResult<AccountCreationToken>;

    /// The token if it belongs to `domain`, used or not.
    async fn creation_token(
        &self,
        token: &str,
        domain: &Domain,
    ) -> StoreResult<Option<AccountCreationToken>>;

    /// Marks the token used and returns it (with `used = true`) only if it belongs to `domain`,
    /// was unused and is not expired at `now` (`expire_at` unset or after `now`). MUST be atomic:
    /// of several concurrent calls, exactly one gets the token, across processes.
    async fn spend_creation_token(
        &self,
        token: &str,
        domain: &Domain,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<AccountCreationToken>>;

    /// Attaches an unused, unattached token of `domain` to the account and marks it used;
    /// returns it updated, or `None` when the token is unknown, of another domain, used or
    /// attached. MUST be atomic like `spend_creation_token`.
    ///
    /// # Errors
    /// `NotFound` when the account does not exist.
    async fn consume_creation_token(
        &self,
        token: &str,
        domain: &Domain,
        account_id: AccountId,
    ) -> StoreResult<Option<AccountCreationToken>>;

    /// The creation time of the newest token of `domain` pushed to `target` (its provider,
    /// param and prid) that was created at or after `since`, used or not: `send-by-push`'s
    /// throttle.
    async fn latest_pushed_creation_token(
        &self,
        domain: &Domain,
        target: &PushTarget,
        since: DateTime<Utc>,
    ) -> StoreResult<Option<DateTime<Utc>>>;

    /// Deletes the token of `domain` if it is still unused (its push failed); returns whether
    /// a row was deleted. A token already spent stays: an account may hang on it.
    async fn delete_unused_creation_token(&self, token: &str, domain: &Domain)
    -> StoreResult<bool>;

    /// Whether a used token is linked to the account (the original's "validated" account: it
    /// registered with a token, or consumed one once logged in).
    async fn has_used_creation_token(&self, account_id: AccountId) -> StoreResult<bool>;
}
