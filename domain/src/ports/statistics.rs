//! Call and message statistics recorded by Flexisip's hooks, each row in one space.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::StoreResult;
use crate::model::{
    Domain, Page, StatisticsAddress, StatisticsCall, StatisticsCallDevice, StatisticsMessage,
    StatisticsMessageDevice,
};

#[async_trait]
pub trait StatisticsRepository: Send + Sync + 'static {
    /// Stores `message` (its `devices` are ignored) unless its space already has a message of
    /// that id, which stays as it is (a retried hook). Returns whether it stored it. MUST hold
    /// under concurrent writes of one id: exactly one stores it, none fails.
    async fn record_statistics_message(&self, message: &StatisticsMessage) -> StoreResult<bool>;

    /// The message of that id in the space, with its devices; `None` when unknown there.
    async fn statistics_message(
        &self,
        space: &Domain,
        id: &str,
    ) -> StoreResult<Option<StatisticsMessage>>;

    /// Creates the device row (message id, recipient, device id) of a message of the space, or
    /// replaces its `last_status` and `received_at` (keeping `created_at`). Returns the stored
    /// row and whether it was created.
    ///
    /// # Errors
    /// `NotFound` when the space has no message `device.message_id`.
    async fn put_statistics_message_device(
        &self,
        space: &Domain,
        device: &StatisticsMessageDevice,
    ) -> StoreResult<(StatisticsMessageDevice, bool)>;

    /// As [`Self::record_statistics_message`], for a call.
    async fn record_statistics_call(&self, call: &StatisticsCall) -> StoreResult<bool>;

    /// The call of that id in the space, with its devices; `None` when unknown there.
    async fn statistics_call(
        &self,
        space: &Domain,
        id: &str,
    ) -> StoreResult<Option<StatisticsCall>>;

    /// Sets `ended_at` of a call of the space; `None` when unknown there.
    async fn end_statistics_call(
        &self,
        space: &Domain,
        id: &str,
        ended_at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<StatisticsCall>>;

    /// Creates the device row (call id, device id) of a call of the space, or updates it: a
    /// `None` field of `device` keeps the stored value (hooks report ringing and termination
    /// separately). Returns the stored row and whether it was created.
    ///
    /// # Errors
    /// `NotFound` when the space has no call `device.call_id`.
    async fn put_statistics_call_device(
        &self,
        space: &Domain,
        device: &StatisticsCallDevice,
    ) -> StoreResult<(StatisticsCallDevice, bool)>;

    /// The calls of the space from or to `party`, newest `initiated_at` first (then id,
    /// descending), each with its devices; `page` counts from 1.
    async fn statistics_calls_of(
        &self,
        space: &Domain,
        party: &StatisticsAddress,
        page: u64,
        per_page: u64,
    ) -> StoreResult<Page<StatisticsCall>>;

    /// Deletes the messages sent and the calls initiated before `before`, in every space, with
    /// their devices; returns how many messages and calls went.
    async fn clear_statistics(&self, before: DateTime<Utc>) -> StoreResult<u64>;
}
