//! Account recovery on the public pages: a code sent to the account's e-mail address or phone,
//! then a new password. The answer to "send me a code" is the same for an address no account
//! has, so the pages tell nobody which addresses exist.
//!
//! The helpers shared with the sign-up pages (PINs, verdicts, the letterhead) live here too.

use subtle::ConstantTimeEq;

use super::registration::Origin;
use super::{ServiceError, ServiceResult, Services, check_may_get_credentials};
use crate::model::{
    Account, AccountChanges, AccountId, Email, MAX_CODE_ATTEMPTS, NewRecoveryCode, PhoneNumber,
    Recipient, RecoveryCode, Space, code_expired,
};
use crate::ports::{Notice, TokenSource};
use crate::validation::{Rule, ValidationErrors};

/// A new 4-digit PIN, 1000 to 9999, from the token source (32 random bits: the modulo's bias is
/// below one in a million).
pub fn new_pin(tokens: &dyn TokenSource) -> String {
    let n = u32::from_str_radix(&tokens.hex(4), 16).unwrap_or_default();
    (1000 + n % 9000).to_string()
}

/// Whether `given` is `stored`, in time independent of where they differ.
pub(crate) fn same_secret(stored: &str, given: &str) -> bool {
    stored.len() == given.len() && bool::from(stored.as_bytes().ct_eq(given.as_bytes()))
}

/// What became of a code someone typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CodeVerdict<T> {
    /// The right code: what it gave.
    Accepted(T),
    /// A wrong code; the code stays usable for the tries left.
    Wrong,
    /// A wrong code, and the last try: the code is spent.
    Exhausted,
    /// No usable code: never sent, used, replaced by a newer one, spent, or expired.
    Expired,
}

/// Which kind of address a code goes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Channel {
    Email,
    Phone,
}

impl Channel {
    /// The form field the address is typed in.
    pub fn field(self) -> &'static str {
        match self {
            Self::Email => "email",
            Self::Phone => "phone",
        }
    }

    /// The address as typed, parsed.
    ///
    /// # Errors
    /// `Validation` on the channel's field.
    pub fn parse(self, raw: &str) -> ServiceResult<Recipient> {
        let parsed = match self {
            Self::Email => Email::parse(raw).map(Recipient::Email),
            Self::Phone => PhoneNumber::parse(raw).map(Recipient::Phone),
        };
        parsed.map_err(|rule| ValidationErrors::single(self.field(), rule).into())
    }
}

/// A code request from the recovery pages, unvalidated.
#[derive(Debug, Clone)]
pub struct RecoveryRequest<'a> {
    pub channel: Channel,
    pub address: &'a str,
    /// `/recovery/phone/{token}`: the token pushed to the app, spent by this request.
    pub account_recovery_token: Option<&'a str>,
    /// The language of the message (`en`, `fr`).
    pub language: &'a str,
    pub origin: Origin,
}

/// A code tried on the recovery pages.
#[derive(Debug, Clone)]
pub struct RecoveryAttempt<'a> {
    pub channel: Channel,
    pub address: &'a str,
    pub code: &'a str,
    pub ip: &'a str,
}

/// How a tried code stands against the account's live code.
enum Judged {
    Verdict(CodeVerdict<()>),
    Match(Box<(Account, RecoveryCode)>),
}

impl Services {
    /// Fails with `NoTransport` when nothing can carry a message to `recipient`: checked before
    /// anything is stored, so "no server" leaves nothing behind.
    pub(crate) async fn ensure_can_send(
        &self,
        space: &Space,
        recipient: &Recipient,
    ) -> ServiceResult<()> {
        let (can, channel) = match recipient {
            Recipient::Email(_) => (
                self.notifier.can_email(&self.letterhead(space).await?),
                super::Channel::Email,
            ),
            Recipient::Phone(_) => (self.notifier.can_sms(), super::Channel::Sms),
        };
        if can {
            Ok(())
        } else {
            Err(ServiceError::NoTransport(channel))
        }
    }

    /// Sends `notice` to `recipient` in `language`.
    pub(crate) async fn send_notice(
        &self,
        space: &Space,
        recipient: &Recipient,
        language: &str,
        notice: &Notice,
    ) -> ServiceResult<()> {
        let letterhead = self.letterhead(space).await?;
        match recipient {
            Recipient::Email(to) => {
                self.notifier
                    .email(&letterhead, to, None, language, notice)
                    .await
            }
            Recipient::Phone(to) => self.notifier.sms(&letterhead, to, language, notice).await,
        }
        .map_err(ServiceError::NotSent)
    }

    /// Minutes a code of the public pages lives, for the message's text.
    pub(crate) fn code_minutes(&self) -> Option<i64> {
        self.settings.recovery_code_ttl.map(|d| d.num_minutes())
    }

    /// Whether `token` opens `/recovery/phone/{token}` on `space`: an unused, unexpired token of
    /// that space.
    ///
    /// # Errors
    /// Storage failures.
    pub async fn account_recovery_token_usable(
        &self,
        space: &Space,
        token: &str,
    ) -> ServiceResult<bool> {
        let now = self.now();
        Ok(self
            .storage
            .account_recovery_token(token, &space.domain)
            .await?
            .is_some_and(|t| {
                !t.used
                    && !code_expired(t.created_at, self.settings.account_recovery_token_ttl, now)
            }))
    }

    /// Sends a recovery code to the account of `space` with that address, if there is one that
    /// may get credentials. Answers the same, `Ok`, when there is none.
    ///
    /// # Errors
    /// `Validation` (a malformed address, an unusable account recovery token);
    /// `Transport` when nothing can carry the message or the transport failed;
    /// `TooManyRequests` when this address or recipient asked for too many codes.
    pub async fn request_recovery_code(
        &self,
        space: &Space,
        request: RecoveryRequest<'_>,
    ) -> ServiceResult<()> {
        let recipient = request.channel.parse(request.address)?;
        self.ensure_can_send(space, &recipient).await?;
        let ip = request.origin.ip.as_deref().unwrap_or("unknown");
        self.budgets
            .spend_code(recipient.as_str(), ip)
            .await
            .map_err(|e| ServiceError::from_budget(e, false))?;
        let account = self.recovery_account(space, &recipient).await?;
        if let Some(token) = request.account_recovery_token {
            let issued_after = self
                .settings
                .account_recovery_token_ttl
                .map(|ttl| self.now() - ttl);
            // Spent whether or not the number is known: one push, one request.
            self.storage
                .use_account_recovery_token(
                    token,
                    &space.domain,
                    account.as_ref().map(|a| a.id),
                    issued_after,
                )
                .await?
                .ok_or_else(|| {
                    ValidationErrors::single("account_recovery_token", Rule::ValidToken)
                })?;
        }
        let Some(account) = account.filter(|a| check_may_get_credentials(a).is_ok()) else {
            return Ok(());
        };
        let code = new_pin(self.tokens.as_ref());
        self.storage
            .create_recovery_code(
                NewRecoveryCode {
                    account_id: account.id,
                    code: code.clone(),
                    recipient: recipient.clone(),
                    ip: request.origin.ip,
                    user_agent: request.origin.user_agent,
                },
                self.now(),
            )
            .await?;
        let notice = Notice::RecoveryCode {
            code,
            expires_in_minutes: self.code_minutes(),
        };
        self.send_notice(space, &recipient, request.language, &notice)
            .await
    }

    /// Checks a recovery code without spending it (the code page, before the password page).
    /// A wrong code counts as a try, and as a failure of the client's address.
    ///
    /// # Errors
    /// `TooManyFailures` when the address has failed too often; storage failures.
    pub async fn check_recovery_code(
        &self,
        space: &Space,
        attempt: RecoveryAttempt<'_>,
    ) -> ServiceResult<CodeVerdict<()>> {
        Ok(match self.judge_recovery(space, &attempt).await? {
            Judged::Verdict(v) => v,
            Judged::Match(..) => CodeVerdict::Accepted(()),
        })
    }

    /// Spends the recovery code and sets `new_password` (the space's default algorithm, every
    /// other password removed); the account is activated unless an admin deactivated it.
    ///
    /// # Errors
    /// `Validation` for a short password (nothing spent); `AccountBlocked`,
    /// `AccountDeactivated`; `TooManyFailures`; storage failures.
    pub async fn recover_password(
        &self,
        space: &Space,
        attempt: RecoveryAttempt<'_>,
        new_password: &str,
    ) -> ServiceResult<CodeVerdict<Account>> {
        check_new_password(new_password)?;
        let (account, code) = match self.judge_recovery(space, &attempt).await? {
            Judged::Verdict(v) => return Ok(v.map_accepted()),
            Judged::Match(found) => *found,
        };
        if !self
            .storage
            .spend_recovery_code(code.id, attempt.code, MAX_CODE_ATTEMPTS)
            .await?
        {
            return Ok(CodeVerdict::Expired);
        }
        let account = self
            .set_password_by_proof(account.id, space, new_password)
            .await?;
        Ok(CodeVerdict::Accepted(account))
    }

    /// Sets a new password on an account whose owner proved it another way than with the old
    /// one (a recovery code, a reset link).
    pub(crate) async fn set_password_by_proof(
        &self,
        id: AccountId,
        space: &Space,
        new_password: &str,
    ) -> ServiceResult<Account> {
        let account = self.account_in_space(id, space).await?;
        check_may_get_credentials(&account)?;
        let hashed = Self::hash_password(
            space,
            &account.username,
            new_password,
            space.digest.default_password_algorithm,
        );
        let changes = AccountChanges {
            activated: true,
            passwords: Some(vec![hashed]),
            ..AccountChanges::unchanged(&account)
        };
        Ok(self
            .storage
            .update_account(account.id, changes, self.now())
            .await?)
    }

    /// The account of `space` a recovery to `recipient` is about.
    async fn recovery_account(
        &self,
        space: &Space,
        recipient: &Recipient,
    ) -> ServiceResult<Option<Account>> {
        Ok(match recipient {
            Recipient::Email(e) => self.storage.account_by_email(&space.domain, e).await?,
            Recipient::Phone(p) => self.storage.account_by_phone(&space.domain, p).await?,
        })
    }

    async fn judge_recovery(
        &self,
        space: &Space,
        attempt: &RecoveryAttempt<'_>,
    ) -> ServiceResult<Judged> {
        self.budgets
            .check_failures(None, attempt.ip)
            .await
            .map_err(|e| ServiceError::from_budget(e, true))?;
        let account = match attempt.channel.parse(attempt.address) {
            Ok(recipient) => self.recovery_account(space, &recipient).await?,
            Err(_) => None,
        };
        let live = match &account {
            Some(a) => self.storage.live_recovery_code(a.id).await?,
            None => None,
        };
        let Some(account) = account else {
            // An unknown address answers as a wrong code: the page tells nothing more.
            self.budgets.record_failure(None, attempt.ip).await?;
            return Ok(Judged::Verdict(CodeVerdict::Wrong));
        };
        let Some(code) = live else {
            // Used, replaced or worn out.
            return Ok(Judged::Verdict(CodeVerdict::Expired));
        };
        let stored = code.code.clone().unwrap_or_default();
        if code_expired(code.created_at, self.settings.recovery_code_ttl, self.now()) {
            return Ok(Judged::Verdict(CodeVerdict::Expired));
        }
        if same_secret(&stored, attempt.code.trim()) {
            return Ok(Judged::Match(Box::new((account, code))));
        }
        self.budgets.record_failure(None, attempt.ip).await?;
        let after = self
            .storage
            .fail_recovery_code(code.id, MAX_CODE_ATTEMPTS)
            .await?;
        Ok(Judged::Verdict(match after {
            Some(c) if c.code.is_some() => CodeVerdict::Wrong,
            _ => CodeVerdict::Exhausted,
        }))
    }
}

impl CodeVerdict<()> {
    /// A verdict that accepted nothing, for another type of acceptance.
    fn map_accepted<T>(self) -> CodeVerdict<T> {
        match self {
            Self::Accepted(()) | Self::Expired => CodeVerdict::Expired,
            Self::Wrong => CodeVerdict::Wrong,
            Self::Exhausted => CodeVerdict::Exhausted,
        }
    }
}

/// A new password: at least `MIN_PASSWORD_LENGTH` characters.
pub(crate) fn check_new_password(password: &str) -> ServiceResult<()> {
    let min = super::MIN_PASSWORD_LENGTH;
    if password.is_empty() {
        Err(ValidationErrors::single("password", Rule::Required).into())
    } else if password.chars().count() < min {
        Err(ValidationErrors::single("password", Rule::MinLength(min as u32)).into())
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::SequenceTokens;

    #[test]
    fn pins_have_four_digits_from_1000() {
        let tokens = SequenceTokens::default();
        assert_eq!(new_pin(&tokens), "1000");
        assert_eq!(new_pin(&tokens), "1001");
        struct Max;
        impl TokenSource for Max {
            fn alphanumeric(&self, _: usize) -> String {
                String::new()
            }
            fn hex(&self, _: usize) -> String {
                "ffffffff".into()
            }
        }
        let n: u32 = new_pin(&Max).parse().unwrap();
        assert!((1000..=9999).contains(&n));
    }

    #[test]
    fn secrets_are_compared_whole() {
        assert!(same_secret("1234", "1234"));
        assert!(!same_secret("1234", "123"));
        assert!(!same_secret("1234", "12345"));
        assert!(!same_secret("1234", "1235"));
    }
}
