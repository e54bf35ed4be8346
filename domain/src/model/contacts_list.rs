//! Contacts lists: named sets of accounts of one space, attached to accounts whose clients then
//! show every member as a contact.

use chrono::{DateTime, Utc};

use super::SpaceId;
use crate::validation::Rule;

/// Database identifier of a contacts list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ContactsListId(pub i64);

/// Longest contacts list title, in characters (the original's `VARCHAR(255)`).
pub const MAX_CONTACTS_LIST_TITLE_LENGTH: usize = 255;

text_value! {
    /// The title of a contacts list.
    ContactsListTitle
}

impl ContactsListTitle {
    /// Trims, then checks the length ([`MAX_CONTACTS_LIST_TITLE_LENGTH`]).
    ///
    /// # Errors
    /// `Required` when blank, `MaxLength` when too long.
    pub fn parse(raw: &str) -> Result<Self, Rule> {
        let raw = raw.trim();
        if raw.is_empty() {
            Err(Rule::Required)
        } else if raw.chars().count() > MAX_CONTACTS_LIST_TITLE_LENGTH {
            Err(Rule::MaxLength(MAX_CONTACTS_LIST_TITLE_LENGTH as u32))
        } else {
            Ok(Self(raw.to_owned()))
        }
    }
}

/// A contacts list as stored, with how many accounts it holds. `title` is unique across every
/// space (the original's database rule).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContactsList {
    pub id: ContactsListId,
    pub space_id: SpaceId,
    pub title: ContactsListTitle,
    /// Nullable in the database; the API always writes one.
    pub description: Option<String>,
    /// How many accounts are members of the list.
    pub contacts_count: u64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}
