//! Account creation tokens: admins mint them, logged-in users consume them, and the public
//! registration route spends one to create an account.
//!
//! A token belongs to the space it was minted in: every lookup here takes the request's space,
//! and a token of another space is answered exactly as an unknown one.

use chrono::{DateTime, Utc};

use super::accounts::{OptionalFields, present, required_password};
use super::{Entity, ServiceError, ServiceResult, Services};
use crate::model::{
    Account, AccountCreationToken, Domain, NewAccount, NewAccountCreationToken, PushTarget, Space,
};
use crate::validation::{Rule, ValidationErrors};

/// Length of creation tokens (the original's 13 alphanumerics).
pub const CREATION_TOKEN_LENGTH: usize = 13;

/// `POST /api/accounts/with-account-creation-token` input, unvalidated.
#[derive(Debug, Clone, Default)]
pub struct Registration {
    pub username: Option<String>,
    pub password: Option<String>,
    pub algorithm: Option<String>,
    pub domain: Option<String>,
    /// Checked as on admin creation, not stored: nobody proved they own it.
    pub email: Option<String>,
    /// Checked as on admin creation, not stored: nobody proved they own it.
    pub phone: Option<String>,
    pub dtmf_protocol: Option<String>,
    /// Must be absent: a public caller does not choose these.
    pub admin_sent: bool,
    pub activated_sent: bool,
    pub token: Option<String>,
}

/// Where the request came from, stored with what it creates.
#[derive(Debug, Clone, Default)]
pub struct Origin {
    pub ip: Option<String>,
    pub user_agent: Option<String>,
}

impl Services {
    /// Refuses strangers' sign-ups on a space whose `public_registration` is off. Every route
    /// that hands a creation token or an account to anyone who asks calls it first; an
    /// admin-minted token (an invitation) registers whatever the flag.
    ///
    /// # Errors
    /// `RegistrationClosed`.
    pub fn ensure_public_registration(&self, space: &Space) -> ServiceResult<()> {
        if space.settings.public_registration {
            Ok(())
        } else {
            Err(ServiceError::RegistrationClosed)
        }
    }

    /// A new unused token of `space`, expiring after the configured lifetime (if any).
    ///
    /// # Errors
    /// Storage failures.
    pub async fn create_creation_token(
        &self,
        space: &Space,
        origin: Origin,
    ) -> ServiceResult<AccountCreationToken> {
        let now = self.now();
        Ok(self
            .storage
            .create_creation_token(self.new_creation_token(space, origin, None, now), now)
            .await?)
    }

    /// A fresh creation token of `space` (13 letters and digits, the configured lifetime from
    /// `now`), pushed to `push` when given.
    pub(crate) fn new_creation_token(
        &self,
        space: &Space,
        origin: Origin,
        push: Option<PushTarget>,
        now: DateTime<Utc>,
    ) -> NewAccountCreationToken {
        NewAccountCreationToken {
            token: self.tokens.alphanumeric(CREATION_TOKEN_LENGTH),
            domain: space.domain.clone(),
            ip: origin.ip,
            user_agent: origin.user_agent,
            expire_at: self
                .settings
                .account_creation_token_ttl
                .map(|ttl| now + ttl),
            push,
        }
    }

    /// Links an unused, unlinked token of `space` (the request's) to `account`, an account of
    /// that space, and marks it used.
    ///
    /// # Errors
    /// `NotFound` for an unknown, used or linked token, a token of another space, or an account
    /// of another space: all alike.
    pub async fn consume_creation_token(
        &self,
        token: &str,
        space: &Space,
        account: &Account,
    ) -> ServiceResult<AccountCreationToken> {
        if account.domain != space.domain {
            return Err(ServiceError::NotFound(Entity::AccountCreationToken));
        }
        self.storage
            .consume_creation_token(token, &space.domain, account.id)
            .await?
            .ok_or(ServiceError::NotFound(Entity::AccountCreationToken))
    }

    /// Creates a deactivated account in `space`, spending the token in the same transaction.
    /// `token_field` names the token in validation errors (`account_creation_token`, or `token`
    /// on the Linphone SDK's route).
    ///
    /// # Errors
    /// `SpaceFull` before anything else; then `Validation` on the token alone when it is
    /// missing, unknown, of another space, used or expired; then `Validation` with every broken
    /// rule.
    pub async fn register_with_creation_token(
        &self,
        input: Registration,
        space: &Space,
        origin: Origin,
        token_field: &'static str,
    ) -> ServiceResult<Account> {
        // The original authorizes before it validates: a full space says so first.
        let max_accounts = self.current_max_accounts(space).await?;
        if max_accounts > 0
            && self.storage.count_accounts(&space.domain).await? >= max_accounts as u64
        {
            return Err(ServiceError::SpaceFull);
        }
        // The token first, alone: without a usable token of this space, a caller learns nothing
        // else (not whether a username is taken, nor which domains exist).
        let token = present(input.token);
        let token_error = match &token {
            None => Some(Rule::Required),
            Some(t) => match self.storage.creation_token(t, &space.domain).await? {
                Some(found) if t.len() == CREATION_TOKEN_LENGTH && !found.used => {
                    found.is_expired(self.now()).then_some(Rule::TokenExpired)
                }
                _ => Some(Rule::ValidToken),
            },
        };
        if let Some(rule) = token_error {
            return Err(ValidationErrors::single(token_field, rule).into());
        }
        let mut errors = ValidationErrors::new();
        let username = self
            .check_username(input.username, space, None, &mut errors)
            .await?;
        if let Some(domain) = present(input.domain) {
            let known = match Domain::parse(&domain) {
                Ok(d) => self.storage.space_by_domain(&d).await?.is_some(),
                Err(_) => false,
            };
            if !known {
                errors.add("domain", Rule::Domain);
            }
        }
        let password = required_password(input.password, &mut errors);
        let checked = self
            .check_optional(
                OptionalFields {
                    algorithm: input.algorithm,
                    email: input.email,
                    phone: input.phone,
                    dtmf_protocol: input.dtmf_protocol,
                },
                space,
                None,
                &mut errors,
            )
            .await?;
        if input.admin_sent {
            errors.add("admin", Rule::Missing);
        }
        if input.activated_sent {
            errors.add("activated", Rule::Missing);
        }
        errors.clone().into_result()?;
        let (Some(username), Some(password)) = (username, password) else {
            return Err(errors.into());
        };
        let hashed = Self::hash_password(space, &username, &password, checked.algorithm);
        let new = NewAccount {
            activated: false,
            dtmf_protocol: checked.dtmf_protocol,
            ip_address: origin.ip.clone(),
            user_agent: Some(space.name.clone()),
            passwords: vec![hashed],
            creation_token: token,
            ..NewAccount::new(username, space.domain.clone())
        };
        let account =
            self.storage
                .create_account(new, max_accounts, self.now())
                .await
                .map_err(|e| match ServiceError::from(e) {
                    // Lost a race: another creation took the username, or the token.
                    ServiceError::Conflict(_) => {
                        ServiceError::Validation(ValidationErrors::single("username", Rule::Unique))
                    }
                    ServiceError::Validation(_) => ServiceError::Validation(
                        ValidationErrors::single(token_field, Rule::ValidToken),
                    ),
                    other => other,
                })?;
        self.new_provisioning_token(&account, origin.ip, origin.user_agent)
            .await?;
        Ok(account)
    }
}
