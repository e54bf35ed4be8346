//! API key usage, coalesced in memory so that authenticating never waits on a write.
//!
//! Every process keeps its own buffer and adds its counts to the stored ones when it flushes, so
//! several processes sharing a database still add up correctly.

use std::collections::HashMap;
use std::sync::Mutex;

use chrono::{DateTime, Utc};

use crate::model::{ApiKeyId, ApiKeyUsage};

#[derive(Debug, Default)]
pub struct ApiKeyUsageBuffer(Mutex<HashMap<ApiKeyId, ApiKeyUsage>>);

impl ApiKeyUsageBuffer {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<ApiKeyId, ApiKeyUsage>> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn record(&self, id: ApiKeyId, at: DateTime<Utc>) {
        let mut pending = self.lock();
        let entry = pending.entry(id).or_insert(ApiKeyUsage {
            id,
            last_used_at: at,
            requests: 0,
        });
        entry.requests += 1;
        entry.last_used_at = entry.last_used_at.max(at);
    }

    /// The latest use not yet flushed.
    pub fn last_used(&self, id: ApiKeyId) -> Option<DateTime<Utc>> {
        self.lock().get(&id).map(|u| u.last_used_at)
    }

    /// Usage of `id` not yet flushed.
    pub fn pending(&self, id: ApiKeyId) -> Option<ApiKeyUsage> {
        self.lock().get(&id).copied()
    }

    pub fn forget(&self, id: ApiKeyId) {
        self.lock().remove(&id);
    }

    /// Keys with usage not yet flushed.
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    pub fn is_empty(&self) -> bool {
        self.lock().is_empty()
    }

    /// Takes everything pending.
    pub fn drain(&self) -> Vec<ApiKeyUsage> {
        self.lock().drain().map(|(_, u)| u).collect()
    }

    /// Puts back usage whose flush failed, merging with what arrived meanwhile.
    pub fn restore(&self, usage: &[ApiKeyUsage]) {
        let mut pending = self.lock();
        for u in usage {
            let entry = pending.entry(u.id).or_insert(ApiKeyUsage {
                id: u.id,
                last_used_at: u.last_used_at,
                requests: 0,
            });
            entry.requests += u.requests;
            entry.last_used_at = entry.last_used_at.max(u.last_used_at);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn uses_of_one_key_coalesce_into_one_count_and_the_latest_time() {
        let buffer = ApiKeyUsageBuffer::default();
        let t1 = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
        let t2 = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 5).unwrap();
        buffer.record(ApiKeyId(1), t2);
        buffer.record(ApiKeyId(1), t1);
        buffer.record(ApiKeyId(2), t1);
        let mut drained = buffer.drain();
        drained.sort_by_key(|u| u.id);
        assert_eq!(drained[0].requests, 2);
        assert_eq!(drained[0].last_used_at, t2);
        assert_eq!(drained[1].requests, 1);
        assert!(buffer.drain().is_empty());
        buffer.restore(&drained);
        assert_eq!(buffer.drain().len(), 2);
    }
}
