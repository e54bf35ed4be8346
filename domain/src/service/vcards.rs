//! vCards: the ones an account stores (its own, User; an account of the request's space,
//! Admin), and the vCard 4.0 export of an account's contacts (`/contacts/vcard`).
//!
//! Rules, as the original's: `vcard` is required and must be one vCard with a `UID`; a second
//! vCard of the same `UID` for the account is a conflict (409); an update's `UID` must be the
//! one in the path.

use super::{Entity, ServiceError, ServiceResult, Services};
use crate::error::{Conflict, StoreError};
use crate::model::{Account, AccountId, ContactCard, ParsedVcard, Space, StoredVcard};
use crate::validation::{Rule, ValidationErrors};

/// `POST`/`PUT …/vcards-storage` input, unvalidated.
#[derive(Debug, Clone, Default)]
pub struct VcardInput {
    pub vcard: Option<String>,
    /// Fields a loosely typed request held with the wrong type (see `CallForwardingInput`).
    pub unreadable: ValidationErrors,
}

impl VcardInput {
    fn parse(self) -> ServiceResult<ParsedVcard> {
        if !self.unreadable.is_empty() {
            return Err(ServiceError::Validation(self.unreadable));
        }
        let raw = self.vcard.unwrap_or_default();
        ParsedVcard::parse(&raw)
            .map_err(|rule| ServiceError::Validation(ValidationErrors::single("vcard", rule)))
    }
}

fn vcard_conflict(e: StoreError) -> ServiceError {
    match e {
        StoreError::Conflict(Conflict::VcardUid) => ServiceError::Conflict(Conflict::VcardUid),
        StoreError::NotFound => ServiceError::NotFound(Entity::Account),
        other => other.into(),
    }
}

impl Services {
    /// The vCards `account` stored, oldest first.
    ///
    /// # Errors
    /// Storage failures.
    pub async fn vcards_of(&self, account: &Account) -> ServiceResult<Vec<StoredVcard>> {
        Ok(self.storage.vcards_of(account.id).await?)
    }

    /// One vCard of `account`, by `UID`.
    ///
    /// # Errors
    /// `NotFound(Vcard)`.
    pub async fn vcard_of(&self, account: &Account, uid: &str) -> ServiceResult<StoredVcard> {
        self.storage
            .vcard(account.id, uid)
            .await?
            .ok_or(ServiceError::NotFound(Entity::Vcard))
    }

    /// Stores a vCard for `account`.
    ///
    /// # Errors
    /// `Validation` (`vcard`), `Conflict(VcardUid)`.
    pub async fn create_vcard(
        &self,
        account: &Account,
        input: VcardInput,
    ) -> ServiceResult<StoredVcard> {
        let card = input.parse()?;
        self.storage
            .create_vcard(account.id, &card, self.now())
            .await
            .map_err(vcard_conflict)
    }

    /// Replaces the vCard `uid` of `account`; the new card must keep that `UID`.
    ///
    /// # Errors
    /// `Validation` (`vcard`: invalid, or another `UID`), `NotFound(Vcard)`.
    pub async fn update_vcard(
        &self,
        account: &Account,
        uid: &str,
        input: VcardInput,
    ) -> ServiceResult<StoredVcard> {
        let card = input.parse()?;
        if card.uid != uid {
            return Err(ServiceError::Validation(ValidationErrors::single(
                "vcard",
                Rule::SameAsPath,
            )));
        }
        self.storage
            .update_vcard(account.id, &card, self.now())
            .await
            .map_err(vcard_conflict)?
            .ok_or(ServiceError::NotFound(Entity::Vcard))
    }

    /// # Errors
    /// `NotFound(Vcard)`.
    pub async fn delete_vcard(&self, account: &Account, uid: &str) -> ServiceResult<()> {
        if self.storage.delete_vcard(account.id, uid).await? {
            Ok(())
        } else {
            Err(ServiceError::NotFound(Entity::Vcard))
        }
    }

    /// The account of `space` whose vCards an admin handles.
    ///
    /// # Errors
    /// `NotFound(Account)`.
    pub async fn vcards_account(&self, space: &Space, id: AccountId) -> ServiceResult<Account> {
        self.account_in_space(id, space).await
    }

    /// The vCard 4.0 of each of `contacts`, in their order, as the original's `toVcard4`
    /// (display name else the SIP identity, IMPP the SIP URI, DTMF protocol, types and actions)
    /// plus the e-mail address.
    ///
    /// # Errors
    /// Storage failures.
    pub async fn contact_vcards(&self, contacts: &[Account]) -> ServiceResult<Vec<String>> {
        let details = self.account_details(contacts).await?;
        Ok(contacts
            .iter()
            .map(|c| {
                let d = details.get(&c.id);
                let identity = format!("{}@{}", c.username, c.domain);
                ContactCard {
                    sip_uri: format!("sip:{identity}"),
                    name: c
                        .display_name
                        .clone()
                        .filter(|n| !n.trim().is_empty())
                        .unwrap_or(identity),
                    email: c.email.as_ref().map(|e| e.as_str().to_owned()),
                    dtmf_protocol: c.dtmf_protocol.as_ref().map(|p| p.as_str().to_owned()),
                    types: d
                        .map(|d| d.types.iter().map(|t| t.key.as_str().to_owned()).collect())
                        .unwrap_or_default(),
                    actions: d
                        .map(|d| {
                            d.actions
                                .iter()
                                .map(|a| (a.key.as_str().to_owned(), a.code.as_str().to_owned()))
                                .collect()
                        })
                        .unwrap_or_default(),
                }
                .to_vcard4()
            })
            .collect())
    }
}
