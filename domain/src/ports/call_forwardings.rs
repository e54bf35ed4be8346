//! Each account's call forwardings.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::StoreResult;
use crate::model::{AccountId, CallForwarding, CallForwardingId, NewCallForwarding};

#[async_trait]
pub trait CallForwardingRepository: Send + Sync + 'static {
    /// The account's forwardings, ordered by id, each with the identity of its contact; empty
    /// for an unknown account.
    async fn call_forwardings_of(&self, account_id: AccountId) -> StoreResult<Vec<CallForwarding>>;

    /// One forwarding of the account; `None` when unknown or another account's.
    async fn call_forwarding(
        &self,
        account_id: AccountId,
        id: CallForwardingId,
    ) -> StoreResult<Option<CallForwarding>>;

    /// Adds a forwarding to `new.account_id`. MUST be atomic with the checks: of concurrent
    /// writes for one account, each sees the others' rows.
    ///
    /// # Errors
    /// MUST return `Conflict(CallForwardingType)` when the account has a forwarding of that type,
    /// `Conflict(CallForwardingEnabled)` when `new` is enabled and an enabled forwarding of the
    /// account has a type it excludes (`ForwardingType::excludes`), `NotFound` when the account
    /// or the contact account does not exist.
    async fn create_call_forwarding(
        &self,
        new: &NewCallForwarding,
        now: DateTime<Utc>,
    ) -> StoreResult<CallForwarding>;

    /// Replaces every field of forwarding `id` of `new.account_id` (`created_at` stays).
    ///
    /// # Errors
    /// As [`Self::create_call_forwarding`], the forwarding itself aside; `NotFound` also when
    /// `id` is not a forwarding of that account.
    async fn update_call_forwarding(
        &self,
        id: CallForwardingId,
        new: &NewCallForwarding,
        now: DateTime<Utc>,
    ) -> StoreResult<CallForwarding>;

    /// Returns whether the account had that forwarding.
    async fn delete_call_forwarding(
        &self,
        account_id: AccountId,
        id: CallForwardingId,
    ) -> StoreResult<bool>;
}
