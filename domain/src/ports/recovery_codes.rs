//! Recovery codes (the recovery pages).

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::StoreResult;
use crate::model::{AccountId, NewRecoveryCode, RecoveryCode, RecoveryCodeId};

#[async_trait]
pub trait RecoveryCodeRepository: Send + Sync + 'static {
    /// Inserts a live code and, in the same transaction, spends every other live code of the
    /// account, so an account MUST have at most one live code.
    ///
    /// # Errors
    /// `NotFound` when the account does not exist.
    async fn create_recovery_code(
        &self,
        new: NewRecoveryCode,
        now: DateTime<Utc>,
    ) -> StoreResult<RecoveryCode>;

    /// The account's live code (the latest one whose code is not spent), expired or not.
    async fn live_recovery_code(&self, account_id: AccountId) -> StoreResult<Option<RecoveryCode>>;

    /// Counts one wrong try of a live code and spends it once it has `max_attempts` of them; the
    /// code as it is then (`None` when it was not live). MUST be atomic: concurrent wrong tries
    /// are all counted.
    async fn fail_recovery_code(
        &self,
        id: RecoveryCodeId,
        max_attempts: u32,
    ) -> StoreResult<Option<RecoveryCode>>;

    /// Spends the code if it is still live with this value and fewer than `max_attempts` wrong
    /// tries; whether this call spent it. MUST be atomic: of concurrent calls, exactly one wins.
    async fn spend_recovery_code(
        &self,
        id: RecoveryCodeId,
        code: &str,
        max_attempts: u32,
    ) -> StoreResult<bool>;

    /// How many recovery codes the account was sent since `since` (live or spent): the blocking
    /// rule counts them with the e-mail and phone change codes.
    async fn recovery_codes_created_since(
        &self,
        account_id: AccountId,
        since: DateTime<Utc>,
    ) -> StoreResult<u64>;
}
