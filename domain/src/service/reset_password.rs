//! Reset-password links: an admin sends one to an account's e-mail address
//! (`POST /api/accounts/{id}/send_reset_password_email`), its owner opens
//! `/reset_password/{token}` and sets a new password, once.

use super::recovery::check_new_password;
use super::registration::Origin;
use super::{ServiceError, ServiceResult, Services};
use crate::model::{
    Account, AccountId, NewResetPasswordToken, RESET_PASSWORD_TOKEN_LENGTH, Recipient,
    ResetPasswordToken, Space, code_expired,
};
use crate::ports::Notice;

/// Where a reset-password link stands.
#[derive(Debug, Clone, PartialEq)]
pub enum ResetLink<T> {
    /// Usable: what it gave.
    Usable(T),
    /// Already used.
    Used,
    /// Past its lifetime.
    Expired,
    /// No such link on this space.
    Unknown,
}

impl Services {
    /// Mails a single-use link to the reset page to the account of `space`: `link_base` is the
    /// page's absolute URL without the token (`https://host/reset_password/`).
    ///
    /// # Errors
    /// `NotFound(Account)`; `NoEmailAddress`; `NotSent` (the link is then spent).
    pub async fn send_reset_password_email(
        &self,
        space: &Space,
        id: AccountId,
        link_base: &str,
        language: &str,
        origin: Origin,
    ) -> ServiceResult<()> {
        let account = self.account_in_space(id, space).await?;
        let email = account.email.clone().ok_or(ServiceError::NoEmailAddress)?;
        let recipient = Recipient::Email(email.clone());
        self.ensure_can_send(space, &recipient).await?;
        let token = self.tokens.alphanumeric(RESET_PASSWORD_TOKEN_LENGTH);
        self.storage
            .create_reset_password_token(
                NewResetPasswordToken {
                    token: token.clone(),
                    account_id: account.id,
                    email,
                    ip: origin.ip,
                    user_agent: origin.user_agent,
                },
                self.now(),
            )
            .await?;
        let notice = Notice::ResetPassword {
            link: format!("{link_base}{token}"),
            expires_in_minutes: self
                .settings
                .reset_password_token_ttl
                .map(|d| d.num_minutes()),
        };
        if let Err(e) = self.send_notice(space, &recipient, language, &notice).await {
            // Never delivered: it must not stay usable.
            self.storage
                .use_reset_password_token(&token, &space.domain, None)
                .await?;
            return Err(e);
        }
        Ok(())
    }

    /// Where the link `token` of `space` stands.
    ///
    /// # Errors
    /// Storage failures.
    pub async fn reset_password_link(
        &self,
        space: &Space,
        token: &str,
    ) -> ServiceResult<ResetLink<ResetPasswordToken>> {
        let Some(found) = self
            .storage
            .reset_password_token(token, &space.domain)
            .await?
            .filter(|t| t.token.len() == RESET_PASSWORD_TOKEN_LENGTH)
        else {
            return Ok(ResetLink::Unknown);
        };
        Ok(if found.used {
            ResetLink::Used
        } else if code_expired(
            found.created_at,
            self.settings.reset_password_token_ttl,
            self.now(),
        ) {
            ResetLink::Expired
        } else {
            ResetLink::Usable(found)
        })
    }

    /// Spends the link and sets `new_password` on its account.
    ///
    /// # Errors
    /// `Validation` for a short password (the link stays usable); `AccountBlocked`,
    /// `AccountDeactivated`; storage failures.
    pub async fn reset_password(
        &self,
        space: &Space,
        token: &str,
        new_password: &str,
    ) -> ServiceResult<ResetLink<Account>> {
        check_new_password(new_password)?;
        let issued_after = self
            .settings
            .reset_password_token_ttl
            .map(|ttl| self.now() - ttl);
        let used = match self.reset_password_link(space, token).await? {
            ResetLink::Usable(_) => {
                self.storage
                    .use_reset_password_token(token, &space.domain, issued_after)
                    .await?
            }
            ResetLink::Used => return Ok(ResetLink::Used),
            ResetLink::Expired => return Ok(ResetLink::Expired),
            ResetLink::Unknown => return Ok(ResetLink::Unknown),
        };
        // Lost a race with another use of the same link.
        let Some(used) = used else {
            return Ok(ResetLink::Used);
        };
        let account = self
            .set_password_by_proof(used.account_id, space, new_password)
            .await?;
        Ok(ResetLink::Usable(account))
    }
}
