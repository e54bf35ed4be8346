//! What the use cases send people, and the rules every send follows: the channel is checked
//! before anything changes (no transport: a clean 503), and when the transport fails, what the
//! message was for is undone (nothing half-done).

use super::accounts::PROVISIONING_TOKEN_LENGTH;
use super::registration::Origin;
use super::{Channel, ServiceError, ServiceResult, Services, check_may_get_credentials};
use crate::error::TransportError;
use crate::model::{AccountId, NewProvisioningToken, Space};
use crate::ports::{Letterhead, Notice};

/// The error of a send that failed on `channel`.
pub(crate) fn not_sent(channel: Channel, e: TransportError) -> ServiceError {
    match e {
        TransportError::NotConfigured => ServiceError::NoTransport(channel),
        other => ServiceError::NotSent(other),
    }
}

impl Services {
    /// `Ok` when a message can leave on `channel` with this letterhead.
    ///
    /// # Errors
    /// `NoTransport(channel)`.
    pub(crate) fn ensure_channel(
        &self,
        channel: Channel,
        letterhead: &Letterhead,
    ) -> ServiceResult<()> {
        let can = match channel {
            Channel::Email => self.notifier.can_email(letterhead),
            Channel::Sms => self.notifier.can_sms(),
        };
        if can {
            Ok(())
        } else {
            Err(ServiceError::NoTransport(channel))
        }
    }

    /// E-mails an account of `space` its provisioning link (a fresh provisioning token, which
    /// replaces the unused one), in `language`; `link` makes the URL of a token.
    ///
    /// The token is stored only once the message is sent: a failed send changes nothing, and the
    /// previous link keeps working.
    ///
    /// # Errors
    /// `NotFound(Account)`; `AccountBlocked`, `AccountDeactivated` (the link would give nothing);
    /// `NoEmailAddress`; `NoTransport(Email)`; `NotSent`.
    pub async fn send_provisioning_email(
        &self,
        id: AccountId,
        space: &Space,
        language: &str,
        origin: Origin,
        link: impl Fn(&str) -> String + Send,
    ) -> ServiceResult<()> {
        let account = self.account_in_space(id, space).await?;
        check_may_get_credentials(&account)?;
        let to = account.email.clone().ok_or(ServiceError::NoEmailAddress)?;
        let letterhead = self.letterhead(space).await?;
        self.ensure_channel(Channel::Email, &letterhead)?;
        let token = self.tokens.alphanumeric(PROVISIONING_TOKEN_LENGTH);
        let notice = Notice::Provisioning { link: link(&token) };
        self.notifier
            .email(
                &letterhead,
                &to,
                account.display_name.as_deref(),
                language,
                &notice,
            )
            .await
            .map_err(|e| not_sent(Channel::Email, e))?;
        self.storage
            .create_provisioning_token(
                NewProvisioningToken {
                    account_id: account.id,
                    token,
                    ip: origin.ip,
                    user_agent: origin.user_agent,
                },
                self.now(),
            )
            .await?;
        Ok(())
    }
}
