//! Failed authentications, the budgets' memory.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::StoreResult;

/// Failed authentications, counted per key (`ip:<address>`, `account:<user@domain>`) so that
/// every process sharing the database sees the same budget.
#[async_trait]
pub trait AuthFailureStore: Send + Sync + 'static {
    async fn record_auth_failure(&self, key: &str, at: DateTime<Utc>) -> StoreResult<()>;

    /// For each of `keys`, in order: how many failures it has after `since`, and the oldest of
    /// them.
    async fn auth_failures_since(
        &self,
        keys: &[&str],
        since: DateTime<Utc>,
    ) -> StoreResult<Vec<(u64, Option<DateTime<Utc>>)>>;

    /// Deletes failures recorded before `before`; returns how many.
    async fn purge_auth_failures(&self, before: DateTime<Utc>) -> StoreResult<u64>;
}
