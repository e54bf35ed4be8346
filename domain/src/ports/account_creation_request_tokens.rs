//! Account creation request tokens: asked by an app, validated by a person on the space's page,
//! exchanged once for a creation token.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::StoreResult;
use crate::model::{
    AccountCreationRequestToken, AccountCreationToken, Domain, NewAccountCreationRequestToken,
    NewAccountCreationToken,
};

/// Request tokens belong to the space they were asked in: every lookup names it, and one of
/// another space is answered as an unknown one.
#[async_trait]
pub trait AccountCreationRequestTokenRepository: Send + Sync + 'static {
    /// Inserts an unused, unvalidated token of `new.domain`.
    ///
    /// # Errors
    /// `Conflict(AccountCreationRequestToken)` when the token exists (in any space); `NotFound`
    /// when no space has the domain.
    async fn create_creation_request_token(
        &self,
        new: NewAccountCreationRequestToken,
        now: DateTime<Utc>,
    ) -> StoreResult<AccountCreationRequestToken>;

    /// The token if it belongs to `domain`, used or not.
    async fn creation_request_token(
        &self,
        token: &str,
        domain: &Domain,
    ) -> StoreResult<Option<AccountCreationRequestToken>>;

    /// Sets `validated_at` to `now` on the unused token of `domain` (a validated one keeps its
    /// first time) and returns it; `None` when it is unknown, of another space, or used.
    async fn validate_creation_request_token(
        &self,
        token: &str,
        domain: &Domain,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<AccountCreationRequestToken>>;

    /// Marks the validated, unused request token of `domain` used, inserts `new` (of the same
    /// space) and links it (`acc_creation_token_id`), all in one transaction; returns the new
    /// creation token, or `None` when the request token is unknown, of another space, used or
    /// not validated (then nothing is written). MUST be atomic: of several concurrent calls,
    /// exactly one gets a creation token, across processes.
    ///
    /// # Errors
    /// `Conflict(AccountCreationToken)` when `new.token` exists (nothing is written).
    async fn exchange_creation_request_token(
        &self,
        token: &str,
        domain: &Domain,
        new: NewAccountCreationToken,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<AccountCreationToken>>;
}
