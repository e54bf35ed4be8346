//! Contacts lists of a space.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::StoreResult;
use crate::model::{Account, AccountId, ContactsList, ContactsListId, ContactsListTitle, SpaceId};

/// Contacts lists belong to a space; accounts are their members, and lists are attached to
/// accounts. Deleting a space deletes its lists; deleting an account or a list removes its
/// memberships and attachments.
#[async_trait]
pub trait ContactsListRepository: Send + Sync + 'static {
    /// Creates an empty list (`contacts_count` 0) in the space.
    ///
    /// # Errors
    /// MUST return `Conflict(ContactsListTitle)` when a list of any space has that title;
    /// `NotFound` when the space does not exist.
    async fn create_contacts_list(
        &self,
        space_id: SpaceId,
        title: &ContactsListTitle,
        description: Option<&str>,
        now: DateTime<Utc>,
    ) -> StoreResult<ContactsList>;

    /// The lists of a space with their `contacts_count`, ordered by id.
    async fn contacts_lists_of(&self, space_id: SpaceId) -> StoreResult<Vec<ContactsList>>;

    /// The list with that id, whatever its space, with its `contacts_count`.
    async fn contacts_list(&self, id: ContactsListId) -> StoreResult<Option<ContactsList>>;

    /// Replaces the title and the description and sets `updated_at = now`; the space stays.
    ///
    /// # Errors
    /// `NotFound`; `Conflict(ContactsListTitle)` when another list has that title.
    async fn update_contacts_list(
        &self,
        id: ContactsListId,
        title: &ContactsListTitle,
        description: Option<&str>,
        now: DateTime<Utc>,
    ) -> StoreResult<ContactsList>;

    /// Deletes the list with its memberships and attachments; returns whether it existed.
    async fn delete_contacts_list(&self, id: ContactsListId) -> StoreResult<bool>;

    /// Makes the account a member of the list; returns false when it already was one. MUST be
    /// atomic: of concurrent additions of one pair, one returns true.
    ///
    /// # Errors
    /// `NotFound` when the list or the account does not exist.
    async fn add_to_contacts_list(
        &self,
        id: ContactsListId,
        contact_id: AccountId,
        now: DateTime<Utc>,
    ) -> StoreResult<bool>;

    /// Returns whether the account was a member.
    async fn remove_from_contacts_list(
        &self,
        id: ContactsListId,
        contact_id: AccountId,
    ) -> StoreResult<bool>;

    /// Attaches the list to the account; returns false when it already was. MUST be atomic: of
    /// concurrent attachments of one pair, one returns true.
    ///
    /// # Errors
    /// `NotFound` when the account or the list does not exist.
    async fn attach_contacts_list(
        &self,
        account_id: AccountId,
        id: ContactsListId,
        now: DateTime<Utc>,
    ) -> StoreResult<bool>;

    /// Returns whether the list was attached.
    async fn detach_contacts_list(
        &self,
        account_id: AccountId,
        id: ContactsListId,
    ) -> StoreResult<bool>;

    /// Everyone the account sees as a contact: its direct contacts and the members of the lists
    /// attached to it, each once, ordered by id (with their passwords). One round of queries,
    /// whatever the number of lists.
    async fn all_contacts_of(&self, account_id: AccountId) -> StoreResult<Vec<Account>>;
}
