//! Contacts lists, their members and the accounts they are attached to.

use std::collections::BTreeSet;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use flexiapi_domain::error::{Conflict, StoreError};
use flexiapi_domain::model::{
    Account, AccountId, ContactsList, ContactsListId, ContactsListTitle, SpaceId,
};
use flexiapi_domain::ports::{ContactsListRepository, StoreResult};

use crate::{MemoryStorage, Tables};

impl Tables {
    pub(crate) fn delete_contacts_list_rows(&mut self, id: i64) -> bool {
        self.contacts_list_members.retain(|(list, _)| *list != id);
        self.contacts_list_attachments
            .retain(|(_, list)| *list != id);
        self.contacts_lists.remove(&id).is_some()
    }

    /// The stored list with its current `contacts_count`.
    fn counted(&self, list: &ContactsList) -> ContactsList {
        let members = self
            .contacts_list_members
            .range((list.id.0, i64::MIN)..=(list.id.0, i64::MAX))
            .count();
        ContactsList {
            contacts_count: members as u64,
            ..list.clone()
        }
    }

    fn title_taken(&self, title: &ContactsListTitle, except: Option<i64>) -> bool {
        self.contacts_lists
            .values()
            .any(|l| &l.title == title && Some(l.id.0) != except)
    }
}

#[async_trait]
impl ContactsListRepository for MemoryStorage {
    async fn create_contacts_list(
        &self,
        space_id: SpaceId,
        title: &ContactsListTitle,
        description: Option<&str>,
        now: DateTime<Utc>,
    ) -> StoreResult<ContactsList> {
        let mut t = self.lock();
        if !t.spaces.contains_key(&space_id.0) {
            return Err(StoreError::NotFound);
        }
        if t.title_taken(title, None) {
            return Err(StoreError::Conflict(Conflict::ContactsListTitle));
        }
        let id = t.next_id();
        let list = ContactsList {
            id: ContactsListId(id),
            space_id,
            title: title.clone(),
            description: description.map(str::to_owned),
            contacts_count: 0,
            created_at: now,
            updated_at: now,
        };
        t.contacts_lists.insert(id, list.clone());
        Ok(list)
    }

    async fn contacts_lists_of(&self, space_id: SpaceId) -> StoreResult<Vec<ContactsList>> {
        let t = self.lock();
        Ok(t.contacts_lists
            .values()
            .filter(|l| l.space_id == space_id)
            .map(|l| t.counted(l))
            .collect())
    }

    async fn contacts_list(&self, id: ContactsListId) -> StoreResult<Option<ContactsList>> {
        let t = self.lock();
        Ok(t.contacts_lists.get(&id.0).map(|l| t.counted(l)))
    }

    async fn update_contacts_list(
        &self,
        id: ContactsListId,
        title: &ContactsListTitle,
        description: Option<&str>,
        now: DateTime<Utc>,
    ) -> StoreResult<ContactsList> {
        let mut t = self.lock();
        let Some(existing) = t.contacts_lists.get(&id.0).cloned() else {
            return Err(StoreError::NotFound);
        };
        if t.title_taken(title, Some(id.0)) {
            return Err(StoreError::Conflict(Conflict::ContactsListTitle));
        }
        let updated = ContactsList {
            title: title.clone(),
            description: description.map(str::to_owned),
            updated_at: now,
            ..existing
        };
        t.contacts_lists.insert(id.0, updated.clone());
        Ok(t.counted(&updated))
    }

    async fn delete_contacts_list(&self, id: ContactsListId) -> StoreResult<bool> {
        Ok(self.lock().delete_contacts_list_rows(id.0))
    }

    async fn add_to_contacts_list(
        &self,
        id: ContactsListId,
        contact_id: AccountId,
        _now: DateTime<Utc>,
    ) -> StoreResult<bool> {
        let mut t = self.lock();
        if !t.contacts_lists.contains_key(&id.0) || !t.accounts.contains_key(&contact_id.0) {
            return Err(StoreError::NotFound);
        }
        Ok(t.contacts_list_members.insert((id.0, contact_id.0)))
    }

    async fn remove_from_contacts_list(
        &self,
        id: ContactsListId,
        contact_id: AccountId,
    ) -> StoreResult<bool> {
        Ok(self
            .lock()
            .contacts_list_members
            .remove(&(id.0, contact_id.0)))
    }

    async fn attach_contacts_list(
        &self,
        account_id: AccountId,
        id: ContactsListId,
        _now: DateTime<Utc>,
    ) -> StoreResult<bool> {
        let mut t = self.lock();
        if !t.accounts.contains_key(&account_id.0) || !t.contacts_lists.contains_key(&id.0) {
            return Err(StoreError::NotFound);
        }
        Ok(t.contacts_list_attachments.insert((account_id.0, id.0)))
    }

    async fn detach_contacts_list(
        &self,
        account_id: AccountId,
        id: ContactsListId,
    ) -> StoreResult<bool> {
        Ok(self
            .lock()
            .contacts_list_attachments
            .remove(&(account_id.0, id.0)))
    }

    async fn all_contacts_of(&self, account_id: AccountId) -> StoreResult<Vec<Account>> {
        let t = self.lock();
        let mine = (account_id.0, i64::MIN)..=(account_id.0, i64::MAX);
        let direct = t.contacts.range(mine.clone()).map(|(_, contact)| *contact);
        let listed = t
            .contacts_list_attachments
            .range(mine)
            .flat_map(|(_, list)| {
                t.contacts_list_members
                    .range((*list, i64::MIN)..=(*list, i64::MAX))
                    .map(|(_, member)| *member)
            });
        // A set: each contact once, in id order.
        let ids: BTreeSet<i64> = direct.chain(listed).collect();
        Ok(ids
            .iter()
            .filter_map(|id| t.accounts.get(id).cloned())
            .collect())
    }
}
