//! Reset-password links.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::StoreResult;
use crate::model::{Domain, NewResetPasswordToken, ResetPasswordToken};

#[async_trait]
pub trait ResetPasswordTokenRepository: Send + Sync + 'static {
    /// Inserts an unused token.
    ///
    /// # Errors
    /// `NotFound` when the account does not exist.
    async fn create_reset_password_token(
        &self,
        new: NewResetPasswordToken,
        now: DateTime<Utc>,
    ) -> StoreResult<ResetPasswordToken>;

    /// The token, used or not, if its account belongs to `domain`; one of another space is
    /// `None`, as an unknown one.
    async fn reset_password_token(
        &self,
        token: &str,
        domain: &Domain,
    ) -> StoreResult<Option<ResetPasswordToken>>;

    /// Marks the token used and returns it only if it was unused, its account belongs to
    /// `domain` and, when `issued_after` is given, it was created strictly after it. MUST be
    /// atomic: of several concurrent calls, exactly one gets the token.
    async fn use_reset_password_token(
        &self,
        token: &str,
        domain: &Domain,
        issued_after: Option<DateTime<Utc>>,
    ) -> StoreResult<Option<ResetPasswordToken>>;
}
