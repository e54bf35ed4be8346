//! A person changes the e-mail address or phone number of their account by proving they hold the
//! new one: `request_*_change` sends a 4-digit code there, `confirm_*_change` takes it back and
//! gives the account the new value (and activates it).
//!
//! As in the original, a request first applies the blocking rule ([`Services::check_blocking`]),
//! then requires a "validated" account (one that spent a creation token). Beyond the original:
//! - a code is tried at most [`CHANGE_CODE_MAX_ATTEMPTS`] times (the last wrong try spends it,
//!   later tries answer `CodeWornOut`, 410);
//! - no code to confirm answers `NotFound(ChangeCode)` (404) rather than a 500;
//! - the code is stored only once its message left: a send that fails answers
//!   `NoTransport`/`NotSent` (503) and changes nothing (the previous code, if any, still works,
//!   and the failure does not count toward blocking);
//! - every request makes a new code (spending the previous one), so every request counts toward
//!   blocking;
//! - the new value is checked again when the code is confirmed (someone may have taken the
//!   address meanwhile);
//! - uniqueness is checked within the space, as everywhere else here.

use std::collections::BTreeMap;

use chrono::Duration;

use super::accounts::present;
use super::notices::not_sent;
use super::registration::Origin;
use super::{Channel, Entity, ServiceError, ServiceResult, Services};
use crate::model::{
    Account, AccountId, CHANGE_CODE_DIGITS, CHANGE_CODE_MAX_ATTEMPTS, ChangeCode, ChangeTarget,
    Email, EmailChangeCode, NewChangeCode, PhoneChangeCode, PhoneNumber, Space,
    is_change_code_shape,
};
use crate::ports::{ChangeCodeRepository, Notice, Storage};
use crate::validation::{Rule, ValidationErrors};

/// `email_change_code_expiration_minutes` and `phone_change_code_expiration_minutes`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChangeCodeSettings {
    /// `None`: e-mail change codes never expire.
    pub email_ttl: Option<Duration>,
    /// `None`: phone change codes never expire.
    pub phone_ttl: Option<Duration>,
}

impl Default for ChangeCodeSettings {
    /// The original's: 10 minutes each.
    fn default() -> Self {
        Self {
            email_ttl: Some(Duration::minutes(10)),
            phone_ttl: Some(Duration::minutes(10)),
        }
    }
}

/// Who asks for a code: the caller's account in its space, the language to write in, and where
/// the request came from (kept with the code).
#[derive(Debug, Clone, Copy)]
pub struct CodeRequest<'a> {
    pub account: &'a Account,
    pub space: &'a Space,
    pub language: &'a str,
    pub origin: &'a Origin,
}

/// The pending codes shown in account objects, by account.
#[derive(Debug, Clone, Default)]
pub struct PendingChangeCodes {
    pub email: BTreeMap<AccountId, EmailChangeCode>,
    pub phone: BTreeMap<AccountId, PhoneChangeCode>,
}

impl Services {
    /// Sends a code to a new e-mail address of the caller's account.
    ///
    /// # Errors
    /// `AccountBlocked` (the account may get blocked here); `AccountUnvalidated`; `Validation`
    /// of `email` (required, an address, not the current one, unique in the space when it has
    /// `unique_email`); `NoTransport(Email)`; `NotSent`.
    pub async fn request_email_change(
        &self,
        request: CodeRequest<'_>,
        email: Option<String>,
    ) -> ServiceResult<()> {
        let account = request.account;
        self.check_may_ask_for_code(account).await?;
        let email = match present(email).map(|e| Email::parse(&e)) {
            None => return Err(field("email", Rule::Required)),
            Some(Err(rule)) => return Err(field("email", rule)),
            Some(Ok(email)) => email,
        };
        if account.email.as_ref() == Some(&email) {
            return Err(field("email", Rule::NotCurrent));
        }
        self.check_email_free(&email, request.space, account)
            .await?;
        let letterhead = self.letterhead(request.space).await?;
        self.ensure_channel(Channel::Email, &letterhead)?;
        let pin = self.tokens.pin();
        let notice = Notice::EmailChangeCode {
            code: pin.clone(),
            expires_in_minutes: self
                .settings
                .change_codes
                .email_ttl
                .map(|d| d.num_minutes()),
        };
        self.notifier
            .email(
                &letterhead,
                &email,
                account.display_name.as_deref(),
                request.language,
                &notice,
            )
            .await
            .map_err(|e| not_sent(Channel::Email, e))?;
        self.store_change_code(&request, pin, email).await
    }

    /// Sends a code by SMS to a new phone number of the caller's account.
    ///
    /// # Errors
    /// As [`Services::request_email_change`], with `phone` checked as on account creation (E.164,
    /// a country the space activated, neither the phone nor the username of another account of
    /// the space) and `NoTransport(Sms)`.
    pub async fn request_phone_change(
        &self,
        request: CodeRequest<'_>,
        phone: Option<String>,
    ) -> ServiceResult<()> {
        let account = request.account;
        self.check_may_ask_for_code(account).await?;
        let phone = match present(phone).map(|p| PhoneNumber::parse(&p)) {
            None => return Err(field("phone", Rule::Required)),
            Some(Err(rule)) => return Err(field("phone", rule)),
            Some(Ok(phone)) => phone,
        };
        self.check_phone_free(&phone, request.space, account)
            .await?;
        let letterhead = self.letterhead(request.space).await?;
        self.ensure_channel(Channel::Sms, &letterhead)?;
        let pin = self.tokens.pin();
        let notice = Notice::PhoneChangeCode {
            code: pin.clone(),
            expires_in_minutes: self
                .settings
                .change_codes
                .phone_ttl
                .map(|d| d.num_minutes()),
        };
        self.notifier
            .sms(&letterhead, &phone, request.language, &notice)
            .await
            .map_err(|e| not_sent(Channel::Sms, e))?;
        self.store_change_code(&request, pin, phone).await
    }

    /// Confirms the caller's pending e-mail change code: the account takes the new address and
    /// is activated (unless an admin deactivated it). Returns the account as it is now.
    ///
    /// # Errors
    /// `Validation` of `code` (required, 4 digits; `ValidCode` when wrong); `NotFound(ChangeCode)`
    /// when no code is pending; `CodeWornOut`; `CodeExpired`; `Validation` of `email` when
    /// another account took the address meanwhile.
    pub async fn confirm_email_change(
        &self,
        account: &Account,
        space: &Space,
        code: Option<String>,
    ) -> ServiceResult<Account> {
        let ttl = self.settings.change_codes.email_ttl;
        let pending = self.matching_code::<Email>(account, code, ttl).await?;
        self.check_email_free(&pending.target, space, account)
            .await?;
        self.apply(pending, account).await
    }

    /// Confirms the caller's pending phone change code, as [`Services::confirm_email_change`].
    ///
    /// # Errors
    /// As [`Services::confirm_email_change`], `phone` instead of `email`.
    pub async fn confirm_phone_change(
        &self,
        account: &Account,
        space: &Space,
        code: Option<String>,
    ) -> ServiceResult<Account> {
        let ttl = self.settings.change_codes.phone_ttl;
        let pending = self
            .matching_code::<PhoneNumber>(account, code, ttl)
            .await?;
        self.check_phone_free(&pending.target, space, account)
            .await?;
        self.apply(pending, account).await
    }

    /// The pending codes of `accounts` (e-mail ones, and phone ones when `phones`), for account
    /// objects.
    ///
    /// # Errors
    /// Storage failures.
    pub async fn pending_change_codes(
        &self,
        accounts: &[AccountId],
        phones: bool,
    ) -> ServiceResult<PendingChangeCodes> {
        let s = &*self.storage;
        Ok(PendingChangeCodes {
            email: ChangeCodeRepository::<Email>::pending_change_codes(s, accounts).await?,
            phone: if phones {
                ChangeCodeRepository::<PhoneNumber>::pending_change_codes(s, accounts).await?
            } else {
                BTreeMap::new()
            },
        })
    }

    /// The blocking rule, then the "validated" rule, as the original checks them.
    async fn check_may_ask_for_code(&self, account: &Account) -> ServiceResult<()> {
        self.check_blocking(account).await?;
        if self.storage.has_used_creation_token(account.id).await? {
            Ok(())
        } else {
            Err(ServiceError::AccountUnvalidated)
        }
    }

    /// With `unique_email`, no other account of the space has the address.
    async fn check_email_free(
        &self,
        email: &Email,
        space: &Space,
        account: &Account,
    ) -> ServiceResult<()> {
        if space.settings.unique_email
            && self
                .storage
                .account_by_email(&space.domain, email)
                .await?
                .is_some_and(|other| other.id != account.id)
        {
            return Err(field("email", Rule::Unique));
        }
        Ok(())
    }

    /// The number's country is activated, and no other account of the space has it as phone or
    /// username (the rules of account creation).
    async fn check_phone_free(
        &self,
        phone: &PhoneNumber,
        space: &Space,
        account: &Account,
    ) -> ServiceResult<()> {
        let mut errors = ValidationErrors::new();
        self.check_phone(phone, space, Some(account), &mut errors)
            .await?;
        Ok(errors.into_result()?)
    }

    /// Stores the code just sent, which replaces the account's pending one.
    async fn store_change_code<T: ChangeTarget>(
        &self,
        request: &CodeRequest<'_>,
        pin: String,
        target: T,
    ) -> ServiceResult<()>
    where
        dyn Storage: ChangeCodeRepository<T>,
    {
        let new = NewChangeCode {
            account_id: request.account.id,
            code: pin,
            target,
            ip: request.origin.ip.clone(),
            user_agent: request.origin.user_agent.clone(),
        };
        self.storage.create_change_code(new, self.now()).await?;
        Ok(())
    }

    /// The caller's pending code if `raw` is it; a wrong one counts as a try.
    async fn matching_code<T: ChangeTarget>(
        &self,
        account: &Account,
        raw: Option<String>,
        ttl: Option<Duration>,
    ) -> ServiceResult<ChangeCode<T>>
    where
        dyn Storage: ChangeCodeRepository<T>,
    {
        let raw = present(raw).ok_or_else(|| field("code", Rule::Required))?;
        if !is_change_code_shape(&raw) {
            return Err(field("code", Rule::Digits(CHANGE_CODE_DIGITS as u32)));
        }
        let code: ChangeCode<T> = self
            .storage
            .latest_change_code(account.id)
            .await?
            .ok_or(ServiceError::NotFound(Entity::ChangeCode))?;
        if code.is_worn_out() {
            return Err(ServiceError::CodeWornOut);
        }
        if !code.is_pending() {
            return Err(ServiceError::NotFound(Entity::ChangeCode));
        }
        if code.is_expired(ttl, self.now()) {
            return Err(ServiceError::CodeExpired);
        }
        if !code.matches(&raw) {
            ChangeCodeRepository::<T>::fail_change_code(
                &*self.storage,
                code.id,
                CHANGE_CODE_MAX_ATTEMPTS,
                self.now(),
            )
            .await?;
            return Err(field("code", Rule::ValidCode));
        }
        Ok(code)
    }

    /// Spends the code and gives its target to the account, activating an account an admin did
    /// not deactivate.
    async fn apply<T: ChangeTarget>(
        &self,
        code: ChangeCode<T>,
        account: &Account,
    ) -> ServiceResult<Account>
    where
        dyn Storage: ChangeCodeRepository<T>,
    {
        ChangeCodeRepository::<T>::apply_change_code(
            &*self.storage,
            code.id,
            account.deactivated_at.is_none(),
            self.now(),
        )
        .await?
        // Another request used it first.
        .ok_or(ServiceError::NotFound(Entity::ChangeCode))
    }
}

fn field(name: &str, rule: Rule) -> ServiceError {
    ServiceError::Validation(ValidationErrors::single(name, rule))
}
