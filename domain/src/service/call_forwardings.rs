//! Call forwardings: an account's own (User) or those of an account of the request's space
//! (Admin), and what search and resolve show Flexisip.
//!
//! Rules, as the original's: `type` is `always`, `no_answer` or `busy`, one of each per account;
//! `forward_to` is `sip_uri`, `contact` or `voicemail`; `sip_uri` is required for `sip_uri`,
//! `contact_id` for `contact` and must then be one of the account's contacts; `enabled` is
//! required, and an enabled `always` excludes an enabled `no_answer` or `busy`. Only the target
//! `forward_to` names is kept (a voicemail forwarding has neither `sip_uri` nor `contact_id`).

use super::{Entity, ServiceError, ServiceResult, Services};
use crate::error::{Conflict, StoreError};
use crate::model::{
    Account, AccountId, CallForwarding, CallForwardingId, ForwardTo, ForwardingType,
    NewCallForwarding, SipUri, Space,
};
use crate::validation::{Rule, ValidationErrors};

/// `POST`/`PUT …/call_forwardings` input, unvalidated.
#[derive(Debug, Clone, Default)]
pub struct CallForwardingInput {
    /// `type`.
    pub kind: Option<String>,
    pub forward_to: Option<String>,
    pub sip_uri: Option<String>,
    pub contact_id: Option<i64>,
    pub enabled: Option<bool>,
    /// Fields a loosely typed request (the JSON API) held with the wrong type, each with the rule
    /// it broke; reported with every other broken rule. Empty for typed callers.
    pub unreadable: ValidationErrors,
}

/// What validating an input without storage found: the parsed fields and the broken rules.
struct Parsed {
    kind: Option<ForwardingType>,
    forward_to: Option<ForwardTo>,
    sip_uri: Option<SipUri>,
    contact_id: Option<AccountId>,
    enabled: Option<bool>,
    errors: ValidationErrors,
}

impl CallForwardingInput {
    /// The rules that need no storage, in the original's order of fields.
    fn parse(self) -> Parsed {
        // A field sent with the wrong type has said all there is to say about it.
        let unreadable = |field: &str| self.unreadable.has(field);
        let skip: Vec<bool> = ["type", "forward_to", "sip_uri", "contact_id", "enabled"]
            .iter()
            .map(|f| unreadable(f))
            .collect();
        let mut errors = self.unreadable;
        let text = |v: Option<String>| v.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());

        let kind = match text(self.kind) {
            None if skip[0] => None,
            None => {
                errors.add("type", Rule::Required);
                None
            }
            Some(raw) => ForwardingType::parse(&raw)
                .map_err(|rule| errors.add("type", rule))
                .ok(),
        };
        let forward_to = match text(self.forward_to) {
            None if skip[1] => None,
            None => {
                errors.add("forward_to", Rule::Required);
                None
            }
            Some(raw) => ForwardTo::parse(&raw)
                .map_err(|rule| errors.add("forward_to", rule))
                .ok(),
        };
        let sip_uri = match text(self.sip_uri) {
            None if skip[2] => None,
            None => {
                if forward_to == Some(ForwardTo::SipUri) {
                    errors.add("sip_uri", Rule::Required);
                }
                None
            }
            Some(raw) => SipUri::parse(&raw)
                .map_err(|rule| errors.add("sip_uri", rule))
                .ok(),
        };
        let enabled = match self.enabled {
            None if !skip[4] => {
                errors.add("enabled", Rule::Required);
                None
            }
            enabled => enabled,
        };
        let contact_id = self.contact_id.map(AccountId);
        if contact_id.is_none() && !skip[3] && forward_to == Some(ForwardTo::Contact) {
            errors.add("contact_id", Rule::Required);
        }
        Parsed {
            kind,
            forward_to,
            sip_uri,
            contact_id,
            enabled,
            errors,
        }
    }
}

/// A conflict the storage found after the use case's own checks (a concurrent write): the same
/// field error the checks give.
fn write_conflict(e: StoreError, missing: Entity) -> ServiceError {
    match e {
        StoreError::Conflict(Conflict::CallForwardingType) => {
            ServiceError::Validation(ValidationErrors::single("type", Rule::Unique))
        }
        StoreError::Conflict(Conflict::CallForwardingEnabled) => ServiceError::Validation(
            ValidationErrors::single("enabled", Rule::ForwardingExclusive),
        ),
        StoreError::NotFound => ServiceError::NotFound(missing),
        other => other.into(),
    }
}

impl Services {
    /// The forwardings of `account`, ordered by id (what search and resolve show Flexisip).
    ///
    /// # Errors
    /// Storage failures.
    pub async fn call_forwardings_of(
        &self,
        account: &Account,
    ) -> ServiceResult<Vec<CallForwarding>> {
        Ok(self.storage.call_forwardings_of(account.id).await?)
    }

    /// The forwardings of an account of `space`.
    ///
    /// # Errors
    /// `NotFound(Account)`.
    pub async fn account_call_forwardings(
        &self,
        space: &Space,
        account_id: AccountId,
    ) -> ServiceResult<Vec<CallForwarding>> {
        let account = self.account_in_space(account_id, space).await?;
        self.call_forwardings_of(&account).await
    }

    /// One forwarding of `account`.
    ///
    /// # Errors
    /// `NotFound(CallForwarding)`.
    pub async fn call_forwarding(
        &self,
        account: &Account,
        id: CallForwardingId,
    ) -> ServiceResult<CallForwarding> {
        self.storage
            .call_forwarding(account.id, id)
            .await?
            .ok_or(ServiceError::NotFound(Entity::CallForwarding))
    }

    /// One forwarding of an account of `space`.
    ///
    /// # Errors
    /// `NotFound(Account)`, `NotFound(CallForwarding)`.
    pub async fn account_call_forwarding(
        &self,
        space: &Space,
        account_id: AccountId,
        id: CallForwardingId,
    ) -> ServiceResult<CallForwarding> {
        let account = self.account_in_space(account_id, space).await?;
        self.call_forwarding(&account, id).await
    }

    /// Adds a forwarding to `account`.
    ///
    /// # Errors
    /// `Validation` with every broken rule (see the module).
    pub async fn create_call_forwarding(
        &self,
        account: &Account,
        input: CallForwardingInput,
    ) -> ServiceResult<CallForwarding> {
        let new = self.checked_forwarding(account, None, input).await?;
        self.storage
            .create_call_forwarding(&new, self.now())
            .await
            .map_err(|e| write_conflict(e, Entity::Account))
    }

    /// [`Self::create_call_forwarding`] on an account of `space`.
    ///
    /// # Errors
    /// `NotFound(Account)`, `Validation`.
    pub async fn create_account_call_forwarding(
        &self,
        space: &Space,
        account_id: AccountId,
        input: CallForwardingInput,
    ) -> ServiceResult<CallForwarding> {
        let account = self.account_in_space(account_id, space).await?;
        self.create_call_forwarding(&account, input).await
    }

    /// Replaces a forwarding of `account`, with the rules of a new one (its own type aside).
    ///
    /// # Errors
    /// `NotFound(CallForwarding)`, `Validation`.
    pub async fn update_call_forwarding(
        &self,
        account: &Account,
        id: CallForwardingId,
        input: CallForwardingInput,
    ) -> ServiceResult<CallForwarding> {
        let existing = self.call_forwarding(account, id).await?;
        let new = self
            .checked_forwarding(account, Some(existing.id), input)
            .await?;
        self.storage
            .update_call_forwarding(existing.id, &new, self.now())
            .await
            .map_err(|e| write_conflict(e, Entity::CallForwarding))
    }

    /// [`Self::update_call_forwarding`] on an account of `space`.
    ///
    /// # Errors
    /// `NotFound(Account)`, `NotFound(CallForwarding)`, `Validation`.
    pub async fn update_account_call_forwarding(
        &self,
        space: &Space,
        account_id: AccountId,
        id: CallForwardingId,
        input: CallForwardingInput,
    ) -> ServiceResult<CallForwarding> {
        let account = self.account_in_space(account_id, space).await?;
        self.update_call_forwarding(&account, id, input).await
    }

    /// # Errors
    /// `NotFound(CallForwarding)`.
    pub async fn delete_call_forwarding(
        &self,
        account: &Account,
        id: CallForwardingId,
    ) -> ServiceResult<()> {
        if self.storage.delete_call_forwarding(account.id, id).await? {
            Ok(())
        } else {
            Err(ServiceError::NotFound(Entity::CallForwarding))
        }
    }

    /// [`Self::delete_call_forwarding`] on an account of `space`.
    ///
    /// # Errors
    /// `NotFound(Account)`, `NotFound(CallForwarding)`.
    pub async fn delete_account_call_forwarding(
        &self,
        space: &Space,
        account_id: AccountId,
        id: CallForwardingId,
    ) -> ServiceResult<()> {
        let account = self.account_in_space(account_id, space).await?;
        self.delete_call_forwarding(&account, id).await
    }

    /// Every rule of the module on `input`, for `account` (whose forwarding `itself` is being
    /// replaced, if any); the forwarding to store.
    async fn checked_forwarding(
        &self,
        account: &Account,
        itself: Option<CallForwardingId>,
        input: CallForwardingInput,
    ) -> ServiceResult<NewCallForwarding> {
        let Parsed {
            kind,
            forward_to,
            sip_uri,
            contact_id,
            enabled,
            mut errors,
        } = input.parse();
        let others: Vec<CallForwarding> = self
            .storage
            .call_forwardings_of(account.id)
            .await?
            .into_iter()
            .filter(|f| Some(f.id) != itself)
            .collect();
        if let Some(kind) = kind {
            if others.iter().any(|f| f.kind == kind) {
                errors.add("type", Rule::Unique);
            }
            if enabled == Some(true) && others.iter().any(|f| f.enabled && f.kind.excludes(kind)) {
                errors.add("enabled", Rule::ForwardingExclusive);
            }
        }
        if let Some(contact_id) = contact_id {
            let contacts = self.storage.all_contacts_of(account.id).await?;
            if !contacts.iter().any(|c| c.id == contact_id) {
                errors.add("contact_id", Rule::AccountContact);
            }
        }
        match (kind, forward_to, enabled) {
            (Some(kind), Some(forward_to), Some(enabled)) if errors.is_empty() => {
                Ok(NewCallForwarding {
                    account_id: account.id,
                    kind,
                    forward_to,
                    sip_uri: sip_uri.filter(|_| forward_to == ForwardTo::SipUri),
                    contact_id: contact_id.filter(|_| forward_to == ForwardTo::Contact),
                    enabled,
                })
            }
            _ => Err(ServiceError::Validation(errors)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(kind: &str, forward_to: &str) -> CallForwardingInput {
        CallForwardingInput {
            kind: Some(kind.into()),
            forward_to: Some(forward_to.into()),
            enabled: Some(true),
            ..CallForwardingInput::default()
        }
    }

    fn rules(input: CallForwardingInput) -> Vec<(String, Rule)> {
        input
            .parse()
            .errors
            .0
            .into_iter()
            .map(|e| (e.field, e.rule))
            .collect()
    }

    #[test]
    fn every_field_is_required_and_targets_only_for_their_forward_to() {
        assert_eq!(
            rules(CallForwardingInput::default()),
            [
                ("type".into(), Rule::Required),
                ("forward_to".into(), Rule::Required),
                ("enabled".into(), Rule::Required),
            ]
        );
        assert_eq!(
            rules(input("always", "sip_uri")),
            [("sip_uri".into(), Rule::Required)]
        );
        assert_eq!(
            rules(input("busy", "contact")),
            [("contact_id".into(), Rule::Required)]
        );
        assert!(rules(input("no_answer", "voicemail")).is_empty());
    }

    #[test]
    fn names_and_addresses_are_checked() {
        let parsed = rules(CallForwardingInput {
            sip_uri: Some("bob@example.org".into()),
            ..input("away", "phone")
        });
        assert_eq!(parsed.len(), 3);
        assert!(matches!(&parsed[0], (f, Rule::OneOf(_)) if f == "type"));
        assert!(matches!(&parsed[1], (f, Rule::OneOf(_)) if f == "forward_to"));
        assert_eq!(parsed[2], ("sip_uri".into(), Rule::SipUri));
        let parsed = CallForwardingInput {
            sip_uri: Some(" sip:bob@example.org ".into()),
            ..input("always", "sip_uri")
        }
        .parse();
        assert_eq!(
            parsed.sip_uri.as_ref().map(SipUri::as_str),
            Some("sip:bob@example.org")
        );
    }

    #[test]
    fn a_wrongly_typed_field_is_reported_once() {
        assert_eq!(
            rules(CallForwardingInput {
                enabled: None,
                unreadable: ValidationErrors::single("enabled", Rule::Boolean),
                ..input("always", "voicemail")
            }),
            [("enabled".into(), Rule::Boolean)]
        );
        assert_eq!(
            rules(CallForwardingInput {
                unreadable: ValidationErrors::single("contact_id", Rule::Integer),
                ..input("always", "contact")
            }),
            [("contact_id".into(), Rule::Integer)]
        );
    }
}
