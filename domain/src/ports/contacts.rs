//! Direct contacts between accounts.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::StoreResult;
use crate::model::{Account, AccountId};

#[async_trait]
pub trait ContactRepository: Send + Sync + 'static {
    /// Adds `contact_id` to the contacts of `account_id`; returns false when it already was one.
    /// MUST be atomic: of concurrent additions of one pair, one returns true.
    ///
    /// # Errors
    /// `NotFound` when either account does not exist.
    async fn add_contact(
        &self,
        account_id: AccountId,
        contact_id: AccountId,
        now: DateTime<Utc>,
    ) -> StoreResult<bool>;

    /// Returns whether it was a contact.
    async fn remove_contact(
        &self,
        account_id: AccountId,
        contact_id: AccountId,
    ) -> StoreResult<bool>;

    /// The contacts of the account (with their passwords), ordered by id.
    async fn contacts_of(&self, account_id: AccountId) -> StoreResult<Vec<Account>>;
}
