//! An account's external account: the B2BUA's account on another SIP provider. Each change is
//! stored, then published to the B2BUA ([`B2buaNotifier`](crate::ports::B2buaNotifier)) so that a
//! running B2BUA reloads it.

use super::accounts::present;
use super::{Entity, ServiceError, ServiceResult, Services};
use crate::model::{
    Account, ExternalAccount, MAX_EXTERNAL_ACCOUNT_FIELD_LENGTH, NewExternalAccount, Password,
    PasswordAlgorithm, SipProtocol, Username, is_mail_host,
};
use crate::ports::B2buaAccountChange;
use crate::validation::{Rule, ValidationErrors, is_config_line};

/// What a request brings to create or replace an external account (every field as sent).
#[derive(Debug, Default, Clone)]
pub struct ExternalAccountInput {
    pub username: Option<String>,
    pub domain: Option<String>,
    /// Clear text; hashed into an MD5 HA1 and never stored as given.
    pub password: Option<String>,
    pub realm: Option<String>,
    pub registrar: Option<String>,
    pub outbound_proxy: Option<String>,
    pub protocol: Option<String>,
    /// Fields the adapter could not read as text (their rule is already recorded).
    pub unreadable: ValidationErrors,
}

/// At most the column's size, and nothing provisioning cannot carry.
fn text_rule(value: &str) -> Option<Rule> {
    if value.chars().count() > MAX_EXTERNAL_ACCOUNT_FIELD_LENGTH {
        Some(Rule::MaxLength(MAX_EXTERNAL_ACCOUNT_FIELD_LENGTH as u32))
    } else if !is_config_line(value) {
        Some(Rule::ForbiddenCharacters)
    } else {
        None
    }
}

impl Services {
    /// The account's external account.
    ///
    /// # Errors
    /// `NotFound(ExternalAccount)` when it has none.
    pub async fn external_account_of(&self, account: &Account) -> ServiceResult<ExternalAccount> {
        self.storage
            .external_account_of(account.id)
            .await?
            .ok_or(ServiceError::NotFound(Entity::ExternalAccount))
    }

    /// The account's external account, `None` when it has none (provisioning).
    ///
    /// # Errors
    /// Storage failures.
    pub async fn find_external_account(
        &self,
        account: &Account,
    ) -> ServiceResult<Option<ExternalAccount>> {
        Ok(self.storage.external_account_of(account.id).await?)
    }

    /// Creates or replaces the account's external account, as the original's rules: `username`
    /// required, a SIP user part, unique with `domain` among all external accounts; `domain`
    /// required, a host name or an IP address; `realm`, `registrar` and `outbound_proxy` differ
    /// from `domain`; `protocol` one of UDP, TCP, TLS; `password` required on creation and when
    /// the realm or the domain changes (the stored HA1 covers them), else the stored HA1 is kept.
    /// Publishes the change to the B2BUA once stored. Returns the row and whether it was created.
    ///
    /// # Errors
    /// `Validation` (every broken rule); `NotFound(Account)` when the account went away.
    pub async fn put_external_account(
        &self,
        account: &Account,
        input: ExternalAccountInput,
    ) -> ServiceResult<(ExternalAccount, bool)> {
        let existing = self.storage.external_account_of(account.id).await?;
        let mut errors = input.unreadable;

        let username = match present(input.username) {
            None => {
                if !errors.has("username") {
                    errors.add("username", Rule::Required);
                }
                None
            }
            Some(u) if Username::parse(&u).is_err() => {
                errors.add("username", Rule::SipUsername);
                None
            }
            Some(u) => Some(u),
        };
        let domain = match present(input.domain) {
            None => {
                if !errors.has("domain") {
                    errors.add("domain", Rule::Required);
                }
                None
            }
            Some(d)
                if d.chars().count() > MAX_EXTERNAL_ACCOUNT_FIELD_LENGTH || !is_mail_host(&d) =>
            {
                errors.add("domain", Rule::Domain);
                None
            }
            Some(d) => Some(d),
        };
        let mut optional = |field: &str, raw: Option<String>| -> Option<String> {
            let value = present(raw)?;
            if domain.as_deref() == Some(value.as_str()) {
                errors.add(field, Rule::Different("domain".into()));
                return None;
            }
            if let Some(rule) = text_rule(&value) {
                errors.add(field, rule);
                return None;
            }
            Some(value)
        };
        let realm = optional("realm", input.realm);
        let registrar = optional("registrar", input.registrar);
        let outbound_proxy = optional("outbound_proxy", input.outbound_proxy);
        let protocol = match present(input.protocol) {
            None => {
                if !errors.has("protocol") {
                    errors.add("protocol", Rule::Required);
                }
                None
            }
            Some(p) => SipProtocol::parse(&p).or_else(|| {
                errors.add(
                    "protocol",
                    Rule::OneOf(SipProtocol::NAMES.map(String::from).to_vec()),
                );
                None
            }),
        };
        // Blank is absent; otherwise the password is taken as sent, spaces included.
        let password = input.password.filter(|p| !p.trim().is_empty());
        let hash_covers_changed = existing
            .as_ref()
            .is_none_or(|e| domain.as_deref() != Some(e.domain.as_str()) || realm != e.realm);
        if password.is_none() && hash_covers_changed && !errors.has("password") {
            errors.add("password", Rule::Required);
        }
        errors.into_result()?;
        let (Some(username), Some(domain), Some(protocol)) = (username, domain, protocol) else {
            unreachable!("a missing required field is a validation error");
        };

        let algorithm = PasswordAlgorithm::Md5;
        let password = password.map(|clear| {
            let realm = realm.as_deref().unwrap_or(&domain);
            Password::from_clear(algorithm, &username, realm, &clear).hash
        });
        let new = NewExternalAccount {
            username,
            domain,
            password,
            algorithm,
            realm,
            registrar,
            outbound_proxy,
            protocol,
        };
        let (stored, created) = self
            .storage
            .put_external_account(account.id, &new, self.now())
            .await
            .map_err(|e| match ServiceError::from(e) {
                ServiceError::Conflict(crate::error::Conflict::ExternalAccountIdentity) => {
                    ValidationErrors::single("username", Rule::Unique).into()
                }
                ServiceError::NotFound(_) => ServiceError::NotFound(Entity::Account),
                other => other,
            })?;
        self.publish_external_account(&stored).await;
        Ok((stored, created))
    }

    /// Deletes the account's external account and tells the B2BUA.
    ///
    /// # Errors
    /// `NotFound(ExternalAccount)` when it has none.
    pub async fn delete_external_account(&self, account: &Account) -> ServiceResult<()> {
        let deleted = self
            .storage
            .delete_external_account(account.id)
            .await?
            .ok_or(ServiceError::NotFound(Entity::ExternalAccount))?;
        self.publish_external_account(&deleted).await;
        Ok(())
    }

    /// Tells the B2BUA to reload `external` (it drops it when the row is gone).
    pub(crate) async fn publish_external_account(&self, external: &ExternalAccount) {
        self.b2bua
            .external_account_changed(B2buaAccountChange {
                username: external.username.clone(),
                domain: external.domain.clone(),
                identifier: external.id.0.to_string(),
            })
            .await;
    }
}
