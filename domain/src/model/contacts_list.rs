//! Contacts lists: named sets of accounts of one space, attached to accounts whose clients then
//! show every member as a contact.

use chrono::{DateTime, Utc};

use super::SpaceId;

/// Database identifier of a contacts list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ContactsListId(pub i64);

/// A contacts list as stored, with how many accounts it holds. `title` is unique across every
/// space (the original's database rule).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContactsList {
    pub id: ContactsListId,
    pub space_id: SpaceId,
    pub title: String,
    /// Nullable in the database; the API always writes one.
    pub description: Option<String>,
    /// How many accounts are members of the list.
    pub contacts_count: u64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}
