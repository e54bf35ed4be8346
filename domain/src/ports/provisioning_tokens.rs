//! Single-use provisioning tokens.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::StoreResult;
use crate::model::{AccountId, NewProvisioningToken, ProvisioningToken};

#[async_trait]
pub trait ProvisioningTokenRepository: Send + Sync + 'static {
    /// Inserts an unused token and, in the same transaction, marks every previous unused token
    /// of the account used, so an account MUST have at most one unused token.
    ///
    /// # Errors
    /// `NotFound` when the account does not exist; `Conflict(ProvisioningToken)` when the token
    /// exists.
    async fn create_provisioning_token(
        &self,
        new: NewProvisioningToken,
        now: DateTime<Utc>,
    ) -> StoreResult<ProvisioningToken>;

    /// The account's latest unused token.
    async fn current_provisioning_token(
        &self,
        account_id: AccountId,
    ) -> StoreResult<Option<ProvisioningToken>>;

    /// The token, used or not; `None` when unknown.
    async fn provisioning_token(&self, token: &str) -> StoreResult<Option<ProvisioningToken>>;

    /// Marks the token used and returns it (with `used = true`) only if it was unused and, when
    /// `issued_after` is given, created strictly after it (older tokens have expired). MUST be
    /// atomic: of several concurrent calls, exactly one gets the token, across processes.
    async fn use_provisioning_token(
        &self,
        token: &str,
        issued_after: Option<DateTime<Utc>>,
    ) -> StoreResult<Option<ProvisioningToken>>;
}
