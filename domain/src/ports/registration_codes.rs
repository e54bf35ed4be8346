//! Pending sign-ups of the registration pages.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::StoreResult;
use crate::model::{Domain, NewRegistrationCode, RegistrationCode, RegistrationCodeId};

#[async_trait]
pub trait RegistrationCodeRepository: Send + Sync + 'static {
    /// Inserts a pending sign-up with a live code.
    ///
    /// # Errors
    /// `NotFound` when no space has the domain.
    async fn create_registration_code(
        &self,
        new: NewRegistrationCode,
        now: DateTime<Utc>,
    ) -> StoreResult<RegistrationCode>;

    /// The pending sign-up with that id if it was made in `domain`; one of another space is
    /// `None`, as an unknown one.
    async fn registration_code(
        &self,
        id: RegistrationCodeId,
        domain: &Domain,
    ) -> StoreResult<Option<RegistrationCode>>;

    /// As [`super::RecoveryCodeRepository::fail_recovery_code`].
    async fn fail_registration_code(
        &self,
        id: RegistrationCodeId,
        max_attempts: u32,
    ) -> StoreResult<Option<RegistrationCode>>;

    /// As [`super::RecoveryCodeRepository::spend_recovery_code`].
    async fn spend_registration_code(
        &self,
        id: RegistrationCodeId,
        code: &str,
        max_attempts: u32,
    ) -> StoreResult<bool>;

    /// Deletes a pending sign-up (its message could not be sent); whether it existed.
    async fn delete_registration_code(&self, id: RegistrationCodeId) -> StoreResult<bool>;

    /// Deletes pending sign-ups created before `before` (they hold password hashes nobody will
    /// claim); returns how many.
    async fn purge_registration_codes(&self, before: DateTime<Utc>) -> StoreResult<u64>;
}
