//! Contacts: an account's direct contacts, the contacts lists of a space, and what an account
//! sees as its contacts (both together). Admin use cases act within one space: an account or a
//! list of another space is not found, whoever calls.

use super::{Entity, ServiceError, ServiceResult, Services};
use crate::model::{
    Account, AccountId, ContactsList, ContactsListId, ContactsListTitle, SipIdentity, Space,
};
use crate::validation::{Rule, ValidationErrors};

/// Longest contacts list description. The column is a `TEXT`, which MySQL caps at 65 535 bytes:
/// this many characters fit whatever their encoding, so a long text is a 422, never a storage
/// failure.
pub const MAX_CONTACTS_LIST_DESCRIPTION_LENGTH: usize = 10_000;

/// `POST`/`PUT /api/contacts_lists` input, unvalidated. Texts are trimmed and empty ones count as
/// absent (the original's TrimStrings and ConvertEmptyStringsToNull).
#[derive(Debug, Clone, Default)]
pub struct ContactsListInput {
    pub title: Option<String>,
    pub description: Option<String>,
}

/// A valid title and description.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidContactsList {
    pub title: ContactsListTitle,
    pub description: String,
}

impl ContactsListInput {
    /// Both fields are required; the title has at most 255 characters.
    ///
    /// # Errors
    /// Every broken rule, on `title` and `description`.
    pub fn validate(self) -> Result<ValidContactsList, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let present = |v: Option<String>| v.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
        let title = ContactsListTitle::parse(self.title.as_deref().unwrap_or_default())
            .map_err(|rule| errors.add("title", rule))
            .ok();
        let description = present(self.description);
        match &description {
            None => errors.add("description", Rule::Required),
            Some(d) if d.chars().count() > MAX_CONTACTS_LIST_DESCRIPTION_LENGTH => {
                errors.add(
                    "description",
                    Rule::MaxLength(MAX_CONTACTS_LIST_DESCRIPTION_LENGTH as u32),
                );
            }
            Some(_) => {}
        }
        match (title, description) {
            (Some(title), Some(description)) if errors.is_empty() => {
                Ok(ValidContactsList { title, description })
            }
            _ => Err(errors),
        }
    }
}

/// A title taken by another list is a 422 on `title`, as the pre-checked rules are.
fn title_conflict(e: crate::error::StoreError) -> ServiceError {
    match ServiceError::from(e) {
        ServiceError::Conflict(_) => {
            ServiceError::Validation(ValidationErrors::single("title", Rule::Unique))
        }
        other => other,
    }
}

impl Services {
    /// The contacts lists of `space`, each with its `contacts_count`.
    ///
    /// # Errors
    /// Storage failures.
    pub async fn contacts_lists_of(&self, space: &Space) -> ServiceResult<Vec<ContactsList>> {
        Ok(self.storage.contacts_lists_of(space.id).await?)
    }

    /// The list with that id if it belongs to `space`.
    ///
    /// # Errors
    /// `NotFound(ContactsList)` otherwise.
    pub async fn contacts_list_in_space(
        &self,
        id: ContactsListId,
        space: &Space,
    ) -> ServiceResult<ContactsList> {
        self.storage
            .contacts_list(id)
            .await?
            .filter(|l| l.space_id == space.id)
            .ok_or(ServiceError::NotFound(Entity::ContactsList))
    }

    /// # Errors
    /// `Validation` (`title`, `description`; `title` unique across spaces).
    pub async fn create_contacts_list(
        &self,
        space: &Space,
        input: ContactsListInput,
    ) -> ServiceResult<ContactsList> {
        let valid = input.validate()?;
        self.storage
            .create_contacts_list(space.id, &valid.title, Some(&valid.description), self.now())
            .await
            .map_err(title_conflict)
    }

    /// Replaces the title and description of a list of `space`. Unlike the original, which
    /// loads the list from any space and moves it into the request's, a list of another space
    /// is not found.
    ///
    /// # Errors
    /// `NotFound(ContactsList)`; `Validation` as `create_contacts_list`.
    pub async fn update_contacts_list(
        &self,
        space: &Space,
        id: ContactsListId,
        input: ContactsListInput,
    ) -> ServiceResult<ContactsList> {
        let valid = input.validate()?;
        let list = self.contacts_list_in_space(id, space).await?;
        self.storage
            .update_contacts_list(list.id, &valid.title, Some(&valid.description), self.now())
            .await
            .map_err(|e| match e {
                crate::error::StoreError::NotFound => ServiceError::NotFound(Entity::ContactsList),
                other => title_conflict(other),
            })
    }

    /// # Errors
    /// `NotFound(ContactsList)`.
    pub async fn delete_contacts_list(
        &self,
        space: &Space,
        id: ContactsListId,
    ) -> ServiceResult<()> {
        let list = self.contacts_list_in_space(id, space).await?;
        if self.storage.delete_contacts_list(list.id).await? {
            Ok(())
        } else {
            Err(ServiceError::NotFound(Entity::ContactsList))
        }
    }

    /// Makes an account of `space` a member of a list of `space`; adding it twice changes
    /// nothing.
    ///
    /// # Errors
    /// `NotFound(ContactsList)`, `NotFound(Account)`.
    pub async fn add_to_contacts_list(
        &self,
        space: &Space,
        id: ContactsListId,
        contact_id: AccountId,
    ) -> ServiceResult<()> {
        let list = self.contacts_list_in_space(id, space).await?;
        let contact = self.account_in_space(contact_id, space).await?;
        self.storage
            .add_to_contacts_list(list.id, contact.id, self.now())
            .await?;
        Ok(())
    }

    /// # Errors
    /// `NotFound(ContactsList)`; `NotFound(ContactsListMember)` when the account is not a member.
    pub async fn remove_from_contacts_list(
        &self,
        space: &Space,
        id: ContactsListId,
        contact_id: AccountId,
    ) -> ServiceResult<()> {
        let list = self.contacts_list_in_space(id, space).await?;
        if self
            .storage
            .remove_from_contacts_list(list.id, contact_id)
            .await?
        {
            Ok(())
        } else {
            Err(ServiceError::NotFound(Entity::ContactsListMember))
        }
    }

    /// Attaches a list of `space` to an account of `space`. The original looks the list up in
    /// every space; here a list of another space is not found.
    ///
    /// # Errors
    /// `NotFound(Account)`, `NotFound(ContactsList)`; `ContactsListAlreadyAttached`.
    pub async fn attach_contacts_list(
        &self,
        space: &Space,
        account_id: AccountId,
        id: ContactsListId,
    ) -> ServiceResult<()> {
        let account = self.account_in_space(account_id, space).await?;
        let list = self.contacts_list_in_space(id, space).await?;
        if self
            .storage
            .attach_contacts_list(account.id, list.id, self.now())
            .await?
        {
            Ok(())
        } else {
            Err(ServiceError::ContactsListAlreadyAttached)
        }
    }

    /// # Errors
    /// `NotFound(Account)`, `NotFound(ContactsList)`; `ContactsListNotAttached`.
    pub async fn detach_contacts_list(
        &self,
        space: &Space,
        account_id: AccountId,
        id: ContactsListId,
    ) -> ServiceResult<()> {
        let account = self.account_in_space(account_id, space).await?;
        let list = self.contacts_list_in_space(id, space).await?;
        if self
            .storage
            .detach_contacts_list(account.id, list.id)
            .await?
        {
            Ok(())
        } else {
            Err(ServiceError::ContactsListNotAttached)
        }
    }

    /// The direct contacts of an account of `space`, ordered by id.
    ///
    /// # Errors
    /// `NotFound(Account)`.
    pub async fn direct_contacts(
        &self,
        space: &Space,
        account_id: AccountId,
    ) -> ServiceResult<Vec<Account>> {
        let account = self.account_in_space(account_id, space).await?;
        Ok(self.storage.contacts_of(account.id).await?)
    }

    /// One direct contact of an account of `space`.
    ///
    /// # Errors
    /// `NotFound(Account)`; `NotFound(Contact)` when `contact_id` is not one of its contacts.
    pub async fn direct_contact(
        &self,
        space: &Space,
        account_id: AccountId,
        contact_id: AccountId,
    ) -> ServiceResult<Account> {
        self.direct_contacts(space, account_id)
            .await?
            .into_iter()
            .find(|c| c.id == contact_id)
            .ok_or(ServiceError::NotFound(Entity::Contact))
    }

    /// Adds an account of `space` to the contacts of another; adding it twice changes nothing.
    ///
    /// # Errors
    /// `NotFound(Account)` when either is not an account of `space`.
    pub async fn add_direct_contact(
        &self,
        space: &Space,
        account_id: AccountId,
        contact_id: AccountId,
    ) -> ServiceResult<()> {
        let account = self.account_in_space(account_id, space).await?;
        let contact = self.account_in_space(contact_id, space).await?;
        self.storage
            .add_contact(account.id, contact.id, self.now())
            .await?;
        Ok(())
    }

    /// # Errors
    /// `NotFound(Account)`; `NotFound(Contact)` when it was not a contact.
    pub async fn remove_direct_contact(
        &self,
        space: &Space,
        account_id: AccountId,
        contact_id: AccountId,
    ) -> ServiceResult<()> {
        let account = self.account_in_space(account_id, space).await?;
        if self.storage.remove_contact(account.id, contact_id).await? {
            Ok(())
        } else {
            Err(ServiceError::NotFound(Entity::Contact))
        }
    }

    /// What `account` sees as its contacts: its direct contacts and the members of the lists
    /// attached to it, each once, ordered by id.
    ///
    /// # Errors
    /// Storage failures.
    pub async fn my_contacts(&self, account: &Account) -> ServiceResult<Vec<Account>> {
        Ok(self.storage.all_contacts_of(account.id).await?)
    }

    /// One of `my_contacts`, by `username@domain` (a `sip:` prefix is accepted).
    ///
    /// # Errors
    /// `NotFound(Contact)` for an address that is not one of them, or not an address.
    pub async fn my_contact(&self, account: &Account, sip: &str) -> ServiceResult<Account> {
        let raw = sip.strip_prefix("sip:").unwrap_or(sip);
        let identity = SipIdentity::parse_user_at_domain(raw)
            .map_err(|_| ServiceError::NotFound(Entity::Contact))?;
        self.my_contacts(account)
            .await?
            .into_iter()
            .find(|c| c.username == identity.username && c.domain == identity.domain)
            .ok_or(ServiceError::NotFound(Entity::Contact))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::MAX_CONTACTS_LIST_TITLE_LENGTH;

    fn input(title: Option<&str>, description: Option<&str>) -> ContactsListInput {
        ContactsListInput {
            title: title.map(str::to_owned),
            description: description.map(str::to_owned),
        }
    }

    #[test]
    fn titles_and_descriptions_are_required_and_trimmed() {
        assert_eq!(
            input(Some("  Friends "), Some(" close ones ")).validate(),
            Ok(ValidContactsList {
                title: ContactsListTitle::unchecked("Friends"),
                description: "close ones".into(),
            })
        );
        let errors = input(Some("   "), None).validate().unwrap_err();
        assert_eq!(errors.0.len(), 2);
        assert!(errors.has("title") && errors.has("description"));
    }

    #[test]
    fn a_title_has_at_most_255_characters() {
        let long = "é".repeat(MAX_CONTACTS_LIST_TITLE_LENGTH + 1);
        let errors = input(Some(&long), Some("d")).validate().unwrap_err();
        assert_eq!(
            errors.0[0].rule,
            Rule::MaxLength(MAX_CONTACTS_LIST_TITLE_LENGTH as u32)
        );
        let fits = "é".repeat(MAX_CONTACTS_LIST_TITLE_LENGTH);
        assert!(input(Some(&fits), Some("d")).validate().is_ok());
        let description = "x".repeat(MAX_CONTACTS_LIST_DESCRIPTION_LENGTH + 1);
        assert!(
            input(Some("t"), Some(&description))
                .validate()
                .unwrap_err()
                .has("description")
        );
    }
}
