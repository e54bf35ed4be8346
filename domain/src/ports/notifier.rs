//! What the use cases tell people, by e-mail or SMS, without knowing how it is worded or sent.
//!
//! A use case names the [`Notice`] and who gets it; the adapter renders it from its templates in
//! the recipient's language (the Fluent catalogues), adds the space's letterhead, picks the
//! transport (the space's own SMTP server wins over the global one) and counts failures.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::error::TransportError;
use crate::model::{Email, PhoneNumber};
// The entity, where the notices' callers have always found it.
pub use crate::model::SpaceEmailServer;

/// What a message says. Codes and links are the only secrets in it; adapters never log them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Notice {
    /// Confirms a new e-mail address (`POST /accounts/me/email/request`).
    EmailChangeCode {
        code: String,
        expires_in_minutes: Option<i64>,
    },
    /// Confirms a new phone number (`POST /accounts/me/phone/request`).
    PhoneChangeCode {
        code: String,
        expires_in_minutes: Option<i64>,
    },
    /// Confirms a sign-up made on the registration pages.
    RegistrationCode {
        code: String,
        expires_in_minutes: Option<i64>,
    },
    /// Lets a person back into an account (the recovery pages).
    RecoveryCode {
        code: String,
        expires_in_minutes: Option<i64>,
    },
    /// The account's provisioning link (and, in the e-mail, its QR code).
    Provisioning { link: String },
    /// A single-use link to the reset-password page.
    ResetPassword {
        link: String,
        expires_in_minutes: Option<i64>,
    },
    /// Tells a space's admin the space expires soon.
    SpaceExpiring { expire_at: DateTime<Utc> },
    /// A voicemail left for the account, its recording attached.
    Voicemail {
        /// Who left it (a SIP URI), when known.
        sip_from: Option<String>,
        received_at: DateTime<Utc>,
        attachment: NoticeAttachment,
    },
}

/// A file sent with a notice's e-mail.
#[derive(Clone, PartialEq, Eq)]
pub struct NoticeAttachment {
    pub file_name: String,
    pub content_type: String,
    pub data: Vec<u8>,
}

impl std::fmt::Debug for NoticeAttachment {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NoticeAttachment")
            .field("file_name", &self.file_name)
            .field("content_type", &self.content_type)
            .field("bytes", &self.data.len())
            .finish()
    }
}

/// Who sends: the space the message is about, and its own server when it has one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Letterhead {
    /// The space's display name (`Space::name`).
    pub space_name: String,
    /// The space's SIP domain.
    pub space_domain: String,
    pub email_server: Option<SpaceEmailServer>,
}

/// Messages handed to a transport since the start, for metrics.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct NotificationCounts {
    pub emails_sent: u64,
    pub emails_failed: u64,
    pub sms_sent: u64,
    pub sms_failed: u64,
}

/// Renders and sends [`Notice`]s.
#[async_trait]
pub trait Notifier: Send + Sync + 'static {
    /// Whether an e-mail from this letterhead can be sent at all (a space server or a global
    /// transport exists): a use case checks it before it changes anything, so that "no server"
    /// is a clean 503, never a half-done flow.
    fn can_email(&self, letterhead: &Letterhead) -> bool;

    /// Whether an SMS gateway is configured.
    fn can_sms(&self) -> bool;

    /// Sends `notice` by e-mail to `to`, worded in `language` (`en`, `fr`; others fall back to
    /// English).
    ///
    /// # Errors
    /// `NotConfigured` when no transport applies; `Refused`/`Unavailable` from the transport.
    async fn email(
        &self,
        letterhead: &Letterhead,
        to: &Email,
        to_name: Option<&str>,
        language: &str,
        notice: &Notice,
    ) -> Result<(), TransportError>;

    /// Sends `notice` by SMS to `to`, worded in `language`.
    ///
    /// # Errors
    /// As [`Notifier::email`].
    async fn sms(
        &self,
        letterhead: &Letterhead,
        to: &PhoneNumber,
        language: &str,
        notice: &Notice,
    ) -> Result<(), TransportError>;

    /// What was sent and what failed so far (`/metrics`); zeros when the notifier keeps no count.
    fn counts(&self) -> NotificationCounts {
        NotificationCounts::default()
    }
}

/// The notifier of a deployment without any transport: nothing can be sent.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoNotifier;

#[async_trait]
impl Notifier for NoNotifier {
    fn can_email(&self, _: &Letterhead) -> bool {
        false
    }
    fn can_sms(&self) -> bool {
        false
    }
    async fn email(
        &self,
        _: &Letterhead,
        _: &Email,
        _: Option<&str>,
        _: &str,
        _: &Notice,
    ) -> Result<(), TransportError> {
        Err(TransportError::NotConfigured)
    }
    async fn sms(
        &self,
        _: &Letterhead,
        _: &PhoneNumber,
        _: &str,
        _: &Notice,
    ) -> Result<(), TransportError> {
        Err(TransportError::NotConfigured)
    }
}
