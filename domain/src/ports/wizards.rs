//! Wizards: one-time `/wizard/{token}` links of a space.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::StoreResult;
use crate::model::{Domain, NewWizard, Wizard};

/// A wizard belongs to the space it was made in: every lookup names it. A wizard goes with its
/// space, with the admin who made it and with the account it provisions.
#[async_trait]
pub trait WizardRepository: Send + Sync + 'static {
    /// Inserts an unused wizard.
    ///
    /// # Errors
    /// `Conflict(Wizard)` when the token exists (in any space); `NotFound` when the space or one
    /// of the accounts is gone.
    async fn create_wizard(&self, new: NewWizard, now: DateTime<Utc>) -> StoreResult<Wizard>;

    /// Marks the unused wizard `token` of `domain` used at `now` and returns it; `None` when it
    /// is unknown, of another space or already used. MUST be atomic: of several concurrent
    /// calls, across processes, exactly one gets the wizard.
    async fn use_wizard(
        &self,
        token: &str,
        domain: &Domain,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<Wizard>>;
}
