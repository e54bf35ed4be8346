//! Authentication failures, counted by the budgets.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use flexiapi_domain::ports::{AuthFailureStore, StoreResult};

use crate::MemoryStorage;

#[async_trait]
impl AuthFailureStore for MemoryStorage {
    async fn record_auth_failure(&self, key: &str, at: DateTime<Utc>) -> StoreResult<()> {
        self.lock().auth_failures.push((key.to_owned(), at));
        Ok(())
    }

    async fn auth_failures_since(
        &self,
        keys: &[&str],
        since: DateTime<Utc>,
    ) -> StoreResult<Vec<(u64, Option<DateTime<Utc>>)>> {
        let t = self.lock();
        Ok(keys
            .iter()
            .map(|key| {
                let times = t
                    .auth_failures
                    .iter()
                    .filter(|(k, at)| k == key && *at > since)
                    .map(|(_, at)| *at);
                let (count, oldest) = times.fold((0u64, None), |(n, oldest), at| {
                    (n + 1, Some(oldest.map_or(at, |o: DateTime<Utc>| o.min(at))))
                });
                (count, oldest)
            })
            .collect())
    }

    async fn purge_auth_failures(&self, before: DateTime<Utc>) -> StoreResult<u64> {
        let mut t = self.lock();
        let len = t.auth_failures.len();
        t.auth_failures.retain(|(_, at)| *at >= before);
        Ok((len - t.auth_failures.len()) as u64)
    }
}
