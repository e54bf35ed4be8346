//! Each space's own SMTP server, by space id.

use std::collections::BTreeMap;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use flexiapi_domain::error::StoreError;
use flexiapi_domain::model::{Domain, SpaceEmailServer};
use flexiapi_domain::ports::{SpaceEmailServerRepository, StoreResult};

use crate::{MemoryStorage, Tables};

impl Tables {
    fn space_id_of(&self, domain: &Domain) -> Option<i64> {
        self.spaces
            .values()
            .find(|s| &s.domain == domain)
            .map(|s| s.id.0)
    }
}

#[async_trait]
impl SpaceEmailServerRepository for MemoryStorage {
    async fn space_email_server(&self, domain: &Domain) -> StoreResult<Option<SpaceEmailServer>> {
        let t = self.lock();
        Ok(t.space_id_of(domain)
            .and_then(|id| t.space_email_servers.get(&id).cloned()))
    }

    async fn space_email_servers(&self) -> StoreResult<BTreeMap<Domain, SpaceEmailServer>> {
        let t = self.lock();
        Ok(t.spaces
            .values()
            .filter_map(|s| {
                t.space_email_servers
                    .get(&s.id.0)
                    .map(|e| (s.domain.clone(), e.clone()))
            })
            .collect())
    }

    async fn put_space_email_server(
        &self,
        domain: &Domain,
        server: &SpaceEmailServer,
        _now: DateTime<Utc>,
    ) -> StoreResult<bool> {
        let mut t = self.lock();
        let id = t.space_id_of(domain).ok_or(StoreError::NotFound)?;
        Ok(t.space_email_servers.insert(id, server.clone()).is_none())
    }

    async fn delete_space_email_server(&self, domain: &Domain) -> StoreResult<bool> {
        let mut t = self.lock();
        let Some(id) = t.space_id_of(domain) else {
            return Ok(false);
        };
        Ok(t.space_email_servers.remove(&id).is_some())
    }
}
