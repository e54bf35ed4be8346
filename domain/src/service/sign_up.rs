//! Sign-ups on the registration pages (`/register/email`, `/register/phone`): the account
//! creation rules, a code sent to the address, then the account, activated, with that address
//! and a provisioning token. Nothing is created before the code comes back.

use super::accounts::{OptionalFields, present, required_password};
use super::recovery::{Channel, CodeVerdict, new_pin, same_secret};
use super::registration::Origin;
use super::{ServiceError, ServiceResult, Services};
use crate::model::{
    Account, MAX_CODE_ATTEMPTS, NewAccount, NewRegistrationCode, ProvisioningToken, Recipient,
    RegistrationCodeId, Space, code_expired,
};
use crate::ports::Notice;
use crate::validation::{Rule, ValidationErrors};

/// A sign-up from the registration pages, unvalidated.
#[derive(Debug, Clone)]
pub struct SignUp<'a> {
    pub channel: Channel,
    pub username: Option<String>,
    pub password: Option<String>,
    /// The e-mail address or the phone number, by `channel`.
    pub address: Option<String>,
    /// The language of the message.
    pub language: &'a str,
    pub origin: Origin,
}

impl Services {
    /// Refuses sign-ups on `channel` where the space does not take them.
    ///
    /// # Errors
    /// `RegistrationClosed`.
    pub fn ensure_sign_up_open(&self, space: &Space, channel: Channel) -> ServiceResult<()> {
        self.ensure_public_registration(space)?;
        if channel == Channel::Phone && !space.settings.phone_registration {
            return Err(ServiceError::RegistrationClosed);
        }
        Ok(())
    }

    /// Validates a sign-up as account creation does (username, password, the address with its
    /// uniqueness and, for a phone, its country), stores it pending and sends its code.
    ///
    /// # Errors
    /// `RegistrationClosed`, `SpaceFull`, `Validation` with every broken rule, `Transport`
    /// (nothing stays behind), `TooManyRequests`.
    pub async fn request_sign_up(
        &self,
        space: &Space,
        input: SignUp<'_>,
    ) -> ServiceResult<RegistrationCodeId> {
        self.ensure_sign_up_open(space, input.channel)?;
        self.ensure_room(space).await?;
        let mut errors = ValidationErrors::new();
        let username = self
            .check_username(input.username, space, None, &mut errors)
            .await?;
        let password = required_password(input.password, &mut errors);
        let address = present(input.address);
        if address.is_none() {
            errors.add(input.channel.field(), Rule::Required);
        }
        let (email, phone) = match input.channel {
            Channel::Email => (address, None),
            Channel::Phone => (None, address),
        };
        let checked = self
            .check_optional(
                OptionalFields {
                    algorithm: None,
                    email,
                    phone,
                    dtmf_protocol: None,
                },
                space,
                None,
                &mut errors,
            )
            .await?;
        errors.clone().into_result()?;
        let recipient = match (checked.email, checked.phone) {
            (Some(e), _) => Recipient::Email(e),
            (None, Some(p)) => Recipient::Phone(p),
            (None, None) => return Err(errors.into()),
        };
        let (Some(username), Some(password)) = (username, password) else {
            return Err(errors.into());
        };
        self.ensure_can_send(space, &recipient).await?;
        self.budgets
            .spend_code(
                recipient.as_str(),
                input.origin.ip.as_deref().unwrap_or("unknown"),
            )
            .await
            .map_err(|e| ServiceError::from_budget(e, false))?;
        let code = new_pin(self.tokens.as_ref());
        let pending = self
            .storage
            .create_registration_code(
                NewRegistrationCode {
                    domain: space.domain.clone(),
                    password: Self::hash_password(
                        space,
                        &username,
                        &password,
                        space.digest.default_password_algorithm,
                    ),
                    username,
                    recipient: recipient.clone(),
                    code: code.clone(),
                    ip: input.origin.ip,
                    user_agent: input.origin.user_agent,
                },
                self.now(),
            )
            .await?;
        let notice = Notice::RegistrationCode {
            code,
            expires_in_minutes: self.code_minutes(),
        };
        if let Err(e) = self
            .send_notice(space, &recipient, input.language, &notice)
            .await
        {
            // Unsent, the sign-up cannot be confirmed: it goes.
            self.storage.delete_registration_code(pending.id).await?;
            return Err(e);
        }
        Ok(pending.id)
    }

    /// Confirms a pending sign-up of `space` with its code: spends it and creates the account,
    /// activated, with the address and a provisioning token.
    ///
    /// # Errors
    /// `RegistrationClosed`, `SpaceFull`, `Validation` (`username` taken meanwhile),
    /// `TooManyFailures`; storage failures.
    pub async fn confirm_sign_up(
        &self,
        space: &Space,
        id: RegistrationCodeId,
        code: &str,
        ip: &str,
    ) -> ServiceResult<CodeVerdict<(Account, ProvisioningToken)>> {
        self.budgets
            .check_failures(None, ip)
            .await
            .map_err(|e| ServiceError::from_budget(e, true))?;
        let Some(pending) = self.storage.registration_code(id, &space.domain).await? else {
            return Ok(CodeVerdict::Expired);
        };
        let Some(stored) = pending.code.as_deref() else {
            return Ok(CodeVerdict::Expired);
        };
        if code_expired(
            pending.created_at,
            self.settings.recovery_code_ttl,
            self.now(),
        ) {
            return Ok(CodeVerdict::Expired);
        }
        if !same_secret(stored, code.trim()) {
            self.budgets.record_failure(None, ip).await?;
            let after = self
                .storage
                .fail_registration_code(id, MAX_CODE_ATTEMPTS)
                .await?;
            return Ok(match after {
                Some(c) if c.code.is_some() => CodeVerdict::Wrong,
                _ => CodeVerdict::Exhausted,
            });
        }
        self.ensure_public_registration(space)?;
        let max_accounts = self.ensure_room(space).await?;
        if !self
            .storage
            .spend_registration_code(id, stored, MAX_CODE_ATTEMPTS)
            .await?
        {
            return Ok(CodeVerdict::Expired);
        }
        let new = NewAccount {
            activated: true,
            email: pending.recipient.email().cloned(),
            phone: pending.recipient.phone().cloned(),
            ip_address: pending.ip.clone(),
            user_agent: Some(space.name.clone()),
            passwords: vec![pending.password],
            ..NewAccount::new(pending.username, space.domain.clone())
        };
        let account = self
            .storage
            .create_account(new, max_accounts, self.now())
            .await
            .map_err(|e| match ServiceError::from(e) {
                // Taken since the sign-up was made.
                ServiceError::Conflict(_) => {
                    ServiceError::Validation(ValidationErrors::single("username", Rule::Unique))
                }
                other => other,
            })?;
        let token = self
            .new_provisioning_token(&account, Some(ip.to_owned()), pending.user_agent)
            .await?;
        Ok(CodeVerdict::Accepted((account, token)))
    }

    /// The space's account limit, refused when reached (as the original, before validation).
    async fn ensure_room(&self, space: &Space) -> ServiceResult<i64> {
        let max_accounts = self.current_max_accounts(space).await?;
        if max_accounts > 0
            && self.storage.count_accounts(&space.domain).await? >= max_accounts as u64
        {
            return Err(ServiceError::SpaceFull);
        }
        Ok(max_accounts)
    }
}

impl Services {
    /// Deletes pending sign-ups whose code has expired (a day old when codes never expire):
    /// they hold password hashes nobody will claim. Returns how many.
    ///
    /// # Errors
    /// Storage failures.
    pub async fn purge_stale_sign_ups(&self) -> ServiceResult<u64> {
        let ttl = self
            .settings
            .recovery_code_ttl
            .unwrap_or(chrono::Duration::days(1));
        Ok(self
            .storage
            .purge_registration_codes(self.now() - ttl)
            .await?)
    }
}
