//! Spaces: the space rows, their unique domain, host and name, and the last super space rule.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use flexiapi_domain::error::{Conflict, StoreError};
use flexiapi_domain::model::{Domain, NewSpace, Space, SpaceId};
use flexiapi_domain::ports::{SpaceRepository, StoreResult};

use crate::{MemoryStorage, Tables};

impl Tables {
    /// Whether the space of `domain` is super and no other space is.
    fn is_last_super_space(&self, domain: &Domain) -> bool {
        let mut supers = self.spaces.values().filter(|s| s.super_space);
        supers.next().is_some_and(|s| &s.domain == domain) && supers.next().is_none()
    }

    fn space_conflict(
        &self,
        space_id: Option<SpaceId>,
        domain: &Domain,
        host: &str,
        name: &str,
    ) -> Option<Conflict> {
        self.spaces
            .values()
            .filter(|s| Some(s.id) != space_id)
            .find_map(|s| {
                if &s.domain == domain {
                    Some(Conflict::SpaceDomain)
                } else if s.host == host {
                    Some(Conflict::SpaceHost)
                } else if s.name == name {
                    Some(Conflict::SpaceName)
                } else {
                    None
                }
            })
    }
}

#[async_trait]
impl SpaceRepository for MemoryStorage {
    async fn create_space(&self, new: NewSpace, now: DateTime<Utc>) -> StoreResult<Space> {
        let mut t = self.lock();
        if let Some(c) = t.space_conflict(None, &new.domain, &new.host, &new.name) {
            return Err(StoreError::Conflict(c));
        }
        let id = t.next_id();
        let space = Space {
            id: SpaceId(id),
            domain: new.domain,
            host: new.host,
            name: new.name,
            super_space: new.super_space,
            max_accounts: new.max_accounts,
            expire_at: new.expire_at,
            digest: new.digest,
            jwt: new.jwt,
            settings: new.settings,
            created_at: now,
            updated_at: now,
        };
        t.spaces.insert(id, space.clone());
        Ok(space)
    }

    async fn space_by_domain(&self, domain: &Domain) -> StoreResult<Option<Space>> {
        Ok(self
            .lock()
            .spaces
            .values()
            .find(|s| &s.domain == domain)
            .cloned())
    }

    async fn space_by_host(&self, host: &str) -> StoreResult<Option<Space>> {
        Ok(self
            .lock()
            .spaces
            .values()
            .find(|s| s.host == host)
            .cloned())
    }

    async fn list_spaces(&self) -> StoreResult<Vec<Space>> {
        let mut spaces: Vec<_> = self.lock().spaces.values().cloned().collect();
        spaces.sort_by(|a, b| a.domain.cmp(&b.domain));
        Ok(spaces)
    }

    async fn update_space(&self, space: Space, now: DateTime<Utc>) -> StoreResult<Space> {
        let mut t = self.lock();
        let Some(existing) = t.spaces.get(&space.id.0).cloned() else {
            return Err(StoreError::NotFound);
        };
        if let Some(c) =
            t.space_conflict(Some(space.id), &existing.domain, &space.host, &space.name)
        {
            return Err(StoreError::Conflict(c));
        }
        if existing.super_space && !space.super_space && t.is_last_super_space(&existing.domain) {
            return Err(StoreError::LastSuperSpace);
        }
        let updated = Space {
            domain: existing.domain,
            created_at: existing.created_at,
            updated_at: now,
            ..space
        };
        t.spaces.insert(updated.id.0, updated.clone());
        Ok(updated)
    }

    async fn delete_space(&self, domain: &Domain) -> StoreResult<bool> {
        let mut t = self.lock();
        let Some(id) = t
            .spaces
            .values()
            .find(|s| &s.domain == domain)
            .map(|s| s.id.0)
        else {
            return Ok(false);
        };
        if t.is_last_super_space(domain) {
            return Err(StoreError::LastSuperSpace);
        }
        let account_ids: Vec<i64> = t
            .by_domain
            .remove(domain.as_str())
            .into_iter()
            .flatten()
            .collect();
        for account_id in account_ids {
            t.delete_account_rows(account_id);
        }
        t.delete_statistics_of_space(domain);
        let list_ids: Vec<i64> = t
            .contacts_lists
            .values()
            .filter(|l| l.space_id.0 == id)
            .map(|l| l.id.0)
            .collect();
        for list_id in list_ids {
            t.delete_contacts_list_rows(list_id);
        }
        let type_ids: Vec<i64> = t
            .account_types
            .iter()
            .filter(|(_, (d, _))| d == domain)
            .map(|(id, _)| *id)
            .collect();
        for type_id in type_ids {
            t.account_types.remove(&type_id);
            t.account_type_links.retain(|(_, k)| *k != type_id);
        }
        t.space_email_servers.remove(&id);
        t.delete_carddav_servers_of_space(id);
        // Tokens belong to their space, as the SQL foreign keys say.
        t.auth_tokens.retain(|_, tok| &tok.domain != domain);
        t.creation_tokens.retain(|_, tok| &tok.domain != domain);
        t.creation_request_tokens
            .retain(|_, tok| &tok.domain != domain);
        t.drop_orphan_request_tokens();
        t.registration_codes.retain(|_, c| &c.domain != domain);
        t.account_recovery_tokens
            .retain(|_, tok| &tok.domain != domain);
        t.wizards.retain(|_, w| &w.domain != domain);
        t.spaces.remove(&id);
        Ok(true)
    }
}
