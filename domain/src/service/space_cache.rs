//! Spaces by host, kept for a few seconds: every request resolves its space from `Host`, and
//! spaces change rarely.
//!
//! The cache is per process. Changes made through this process's [`super::Services`] clear it at
//! once; a change made by another process (another server on the same database, the CLI) is seen
//! within [`SPACE_CACHE_TTL_SECONDS`]. Unknown hosts are not cached, so a flood of random hosts
//! cannot fill it.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Duration, Utc};

use crate::model::Space;

/// How long a space read from storage is served from memory.
pub const SPACE_CACHE_TTL_SECONDS: i64 = 5;

/// At most this many hosts are kept; a full cache starts afresh.
const CAPACITY: usize = 1024;

/// Host to (space, when it was read).
type Entries = HashMap<String, (Arc<Space>, DateTime<Utc>)>;

#[derive(Debug, Default)]
pub struct SpaceCache {
    entries: Mutex<Entries>,
}

impl SpaceCache {
    fn lock(&self) -> std::sync::MutexGuard<'_, Entries> {
        self.entries.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The space cached for `host`, if it was read less than the TTL before `now`.
    pub fn get(&self, host: &str, now: DateTime<Utc>) -> Option<Arc<Space>> {
        let entries = self.lock();
        let (space, read_at) = entries.get(host)?;
        let fresh = now >= *read_at && now - *read_at < Duration::seconds(SPACE_CACHE_TTL_SECONDS);
        fresh.then(|| space.clone())
    }

    pub fn put(&self, host: &str, space: Arc<Space>, now: DateTime<Utc>) {
        let mut entries = self.lock();
        if entries.len() >= CAPACITY && !entries.contains_key(host) {
            entries.clear();
        }
        entries.insert(host.to_owned(), (space, now));
    }

    /// Forgets everything (a space was created, changed or deleted).
    pub fn clear(&self) {
        self.lock().clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{DigestConfig, Domain, SpaceId, SpaceSettings};
    use chrono::TimeZone;

    fn space() -> Arc<Space> {
        let t = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
        Arc::new(Space {
            id: SpaceId(1),
            domain: Domain::parse("example.org").unwrap(),
            host: "example.org".into(),
            name: "example".into(),
            super_space: false,
            max_accounts: 0,
            expire_at: None,
            digest: DigestConfig::default(),
            jwt: None,
            settings: SpaceSettings::default(),
            created_at: t,
            updated_at: t,
        })
    }

    #[test]
    fn a_space_is_served_until_the_ttl_or_a_clear() {
        let cache = SpaceCache::default();
        let t = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
        cache.put("example.org", space(), t);
        assert!(cache.get("example.org", t + Duration::seconds(4)).is_some());
        assert!(cache.get("other.org", t).is_none());
        assert!(
            cache
                .get(
                    "example.org",
                    t + Duration::seconds(SPACE_CACHE_TTL_SECONDS)
                )
                .is_none()
        );
        assert!(
            cache.get("example.org", t - Duration::seconds(1)).is_none(),
            "a clock moved back does not extend the entry"
        );
        cache.clear();
        assert!(cache.get("example.org", t).is_none());
    }
}
