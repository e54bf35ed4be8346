//! The CardDAV servers of each space and each account's credentials on them.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use flexiapi_domain::error::StoreError;
use flexiapi_domain::model::{
    AccountId, CardDavCredentials, CardDavServer, CardDavServerId, NewCardDavServer, SpaceId,
};
use flexiapi_domain::ports::{CardDavRepository, StoreResult};

use crate::{MemoryStorage, Tables};

impl Tables {
    /// The space's servers go, and every credentials on them (the SQL cascade).
    pub(crate) fn delete_carddav_servers_of_space(&mut self, space_id: i64) {
        self.carddav_servers
            .retain(|_, s| s.server.space_id.0 != space_id);
        let servers = &self.carddav_servers;
        self.carddav_credentials
            .retain(|(_, server), _| servers.contains_key(server));
    }
}

#[async_trait]
impl CardDavRepository for MemoryStorage {
    async fn carddav_servers(&self, space_id: SpaceId) -> StoreResult<Vec<CardDavServer>> {
        Ok(self
            .lock()
            .carddav_servers
            .values()
            .filter(|s| s.server.space_id == space_id)
            .cloned()
            .collect())
    }

    async fn carddav_server(
        &self,
        space_id: SpaceId,
        id: CardDavServerId,
    ) -> StoreResult<Option<CardDavServer>> {
        Ok(self
            .lock()
            .carddav_servers
            .get(&id.0)
            .filter(|s| s.server.space_id == space_id)
            .cloned())
    }

    async fn create_carddav_server(
        &self,
        new: &NewCardDavServer,
        now: DateTime<Utc>,
    ) -> StoreResult<CardDavServer> {
        let mut t = self.lock();
        if !t.spaces.contains_key(&new.space_id.0) {
            return Err(StoreError::NotFound);
        }
        let id = CardDavServerId(t.next_id());
        let stored = CardDavServer {
            id,
            server: new.clone(),
            created_at: now,
            updated_at: now,
        };
        t.carddav_servers.insert(id.0, stored.clone());
        Ok(stored)
    }

    async fn update_carddav_server(
        &self,
        id: CardDavServerId,
        new: &NewCardDavServer,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<CardDavServer>> {
        let mut t = self.lock();
        let Some(row) = t
            .carddav_servers
            .get_mut(&id.0)
            .filter(|s| s.server.space_id == new.space_id)
        else {
            return Ok(None);
        };
        row.server = new.clone();
        row.updated_at = now;
        Ok(Some(row.clone()))
    }

    async fn delete_carddav_server(
        &self,
        space_id: SpaceId,
        id: CardDavServerId,
    ) -> StoreResult<bool> {
        let mut t = self.lock();
        if t.carddav_servers
            .get(&id.0)
            .is_none_or(|s| s.server.space_id != space_id)
        {
            return Ok(false);
        }
        t.carddav_servers.remove(&id.0);
        t.carddav_credentials.retain(|(_, s), _| *s != id.0);
        Ok(true)
    }

    async fn carddav_credentials_of(
        &self,
        account_ids: &[AccountId],
    ) -> StoreResult<Vec<(CardDavServer, CardDavCredentials)>> {
        let t = self.lock();
        let mut ids: Vec<i64> = account_ids.iter().map(|a| a.0).collect();
        ids.sort_unstable();
        ids.dedup();
        Ok(ids
            .into_iter()
            .flat_map(|account_id| {
                t.carddav_credentials
                    .range((account_id, i64::MIN)..=(account_id, i64::MAX))
            })
            .filter_map(|((_, server), c)| {
                t.carddav_servers
                    .get(server)
                    .map(|s| (s.clone(), c.clone()))
            })
            .collect())
    }

    async fn put_carddav_credentials(
        &self,
        credentials: &CardDavCredentials,
    ) -> StoreResult<CardDavCredentials> {
        let mut t = self.lock();
        if !t.accounts.contains_key(&credentials.account_id.0)
            || !t.carddav_servers.contains_key(&credentials.server_id.0)
        {
            return Err(StoreError::NotFound);
        }
        let key = (credentials.account_id.0, credentials.server_id.0);
        let mut stored = credentials.clone();
        if let Some(old) = t.carddav_credentials.get(&key) {
            stored.created_at = old.created_at;
        }
        t.carddav_credentials.insert(key, stored.clone());
        Ok(stored)
    }

    async fn delete_carddav_credentials(
        &self,
        account_id: AccountId,
        server_id: CardDavServerId,
    ) -> StoreResult<bool> {
        Ok(self
            .lock()
            .carddav_credentials
            .remove(&(account_id.0, server_id.0))
            .is_some())
    }
}
