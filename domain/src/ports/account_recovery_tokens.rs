//! Account recovery tokens (pushed to Linphone apps, spent by `/recovery/phone/{token}`).

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::StoreResult;
use crate::model::{AccountId, AccountRecoveryToken, Domain, NewAccountRecoveryToken, PushTarget};

#[async_trait]
pub trait AccountRecoveryTokenRepository: Send + Sync + 'static {
    /// Inserts an unused token.
    ///
    /// # Errors
    /// `NotFound` when no space has the domain.
    async fn create_account_recovery_token(
        &self,
        new: NewAccountRecoveryToken,
        now: DateTime<Utc>,
    ) -> StoreResult<AccountRecoveryToken>;

    /// The token of `domain`, used or not; one of another space is `None`.
    async fn account_recovery_token(
        &self,
        token: &str,
        domain: &Domain,
    ) -> StoreResult<Option<AccountRecoveryToken>>;

    /// Marks the token of `domain` used (linked to `account_id` when given) and returns it only
    /// if it was unused and, when `issued_after` is given, created strictly after it. MUST be
    /// atomic: of several concurrent calls, exactly one gets the token.
    async fn use_account_recovery_token(
        &self,
        token: &str,
        domain: &Domain,
        account_id: Option<AccountId>,
        issued_after: Option<DateTime<Utc>>,
    ) -> StoreResult<Option<AccountRecoveryToken>>;

    /// The creation time of the newest token of `domain` pushed to `target` created at or after
    /// `since`, used or not: `send-by-push`'s throttle.
    async fn latest_pushed_account_recovery_token(
        &self,
        domain: &Domain,
        target: &PushTarget,
        since: DateTime<Utc>,
    ) -> StoreResult<Option<DateTime<Utc>>>;

    /// Deletes the token of `domain` if it is still unused (its push failed); returns whether
    /// a row was deleted.
    async fn delete_unused_account_recovery_token(
        &self,
        token: &str,
        domain: &Domain,
    ) -> StoreResult<bool>;
}
