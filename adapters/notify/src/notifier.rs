//! The domain's [`Notifier`] over the transports: renders a notice (see `render`), picks the
//! transport (the space's own SMTP server wins over the global one), sends, and counts.

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use async_trait::async_trait;
use flexiapi_domain::error::TransportError;
use flexiapi_domain::model::{Email, PhoneNumber};
use flexiapi_domain::ports::{Letterhead, Notice, NotificationCounts, Notifier, SpaceEmailServer};

use crate::render::{self, Heading};
use crate::transport::{Mailer, OutgoingEmail, OutgoingSms, SmsSender};
use crate::{Sender, SmtpMailer, SmtpOptions, SmtpSettings};

/// Renders notices from the embedded templates and catalogues and sends them.
pub struct TemplateNotifier {
    /// The global transport (`[mail]`); a space's own server wins over it.
    mailer: Option<Arc<dyn Mailer>>,
    sms: Option<Arc<dyn SmsSender>>,
    /// The global sender (`[mail] from_address`, `from_name`), also used by a space's server
    /// that has no `from_address`.
    sender: Sender,
    /// For the spaces' servers: the operator's extra roots (`ca_file`) and the timeout.
    smtp_options: SmtpOptions,
    counts: Counters,
}

#[derive(Default)]
struct Counters {
    emails_sent: AtomicU64,
    emails_failed: AtomicU64,
    sms_sent: AtomicU64,
    sms_failed: AtomicU64,
}

impl Counters {
    fn record(sent: &AtomicU64, failed: &AtomicU64, ok: bool) {
        if ok { sent } else { failed }.fetch_add(1, Ordering::Relaxed);
    }
}

impl fmt::Debug for TemplateNotifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TemplateNotifier")
            .field("mailer", &self.mailer.is_some())
            .field("sms", &self.sms.is_some())
            .field("sender", &self.sender)
            .field("counts", &self.counts())
            .finish()
    }
}

/// The effective sender of a message: an address (empty: none) and a name (empty: none).
struct From {
    address: String,
    name: String,
}

impl TemplateNotifier {
    /// `mailer`: the global e-mail transport; `sender`: its sender (`[mail] from_address`,
    /// `from_name`); `sms`: the SMS gateway; `smtp_options`: for the spaces' own servers.
    pub fn new(
        mailer: Option<Arc<dyn Mailer>>,
        sender: Sender,
        sms: Option<Arc<dyn SmsSender>>,
        smtp_options: SmtpOptions,
    ) -> Self {
        Self {
            mailer,
            sms,
            sender,
            smtp_options,
            counts: Counters::default(),
        }
    }

    /// The space's server's sender, each part falling back to the global one.
    fn from(&self, server: Option<&SpaceEmailServer>) -> From {
        let own = |v: Option<&String>| v.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty());
        From {
            address: own(server.and_then(|s| s.from_address.as_ref()))
                .unwrap_or_else(|| self.sender.address.clone()),
            name: own(server.and_then(|s| s.from_name.as_ref()))
                .unwrap_or_else(|| self.sender.name.clone()),
        }
    }

    /// The transport for `letterhead`: the space's own server, else the global one.
    fn mailer_for(&self, letterhead: &Letterhead) -> Result<Arc<dyn Mailer>, TransportError> {
        match &letterhead.email_server {
            Some(server) => {
                let settings = SmtpSettings::new(server.host.trim(), server.port)
                    .with_credentials(server.username.clone(), server.password.clone());
                SmtpMailer::new(&settings, &self.smtp_options)
                    .map(|m| Arc::new(m) as Arc<dyn Mailer>)
                    .map_err(|e| {
                        TransportError::Refused(format!("the space's SMTP server settings: {e}"))
                    })
            }
            None => self.mailer.clone().ok_or(TransportError::NotConfigured),
        }
    }

    async fn send_email(
        &self,
        letterhead: &Letterhead,
        to: &Email,
        to_name: Option<&str>,
        language: &str,
        notice: &Notice,
    ) -> Result<(), TransportError> {
        let server = letterhead.email_server.as_ref();
        let from = self.from(server);
        if from.address.is_empty() {
            return Err(TransportError::NotConfigured);
        }
        let mailer = self.mailer_for(letterhead)?;
        let heading = Heading {
            space_name: &letterhead.space_name,
            from_name: if from.name.is_empty() {
                &letterhead.space_name
            } else {
                &from.name
            },
            signature: server.and_then(|s| s.signature.as_deref()),
            to_name,
        };
        let rendered = render::email(&heading, language, notice)
            .map_err(|e| TransportError::Refused(e.to_string()))?;
        let email = OutgoingEmail {
            to: to.as_str().to_owned(),
            to_name: to_name.map(str::to_owned),
            from_address: from.address,
            from_name: from.name,
            subject: rendered.subject,
            text_body: rendered.text,
            html_body: Some(rendered.html),
            inline_images: rendered.inline_images,
            attachments: rendered.attachments,
        };
        // The transport logs its own failures (with the server's answer).
        mailer.send(&email).await
    }

    async fn send_sms(
        &self,
        letterhead: &Letterhead,
        to: &PhoneNumber,
        language: &str,
        notice: &Notice,
    ) -> Result<(), TransportError> {
        let gateway = self.sms.as_ref().ok_or(TransportError::NotConfigured)?;
        let text = render::sms(&letterhead.space_name, language, notice)
            .map_err(|e| TransportError::Refused(e.to_string()))?;
        gateway
            .send(&OutgoingSms {
                to: to.as_str().to_owned(),
                text,
            })
            .await
    }
}

#[async_trait]
impl Notifier for TemplateNotifier {
    fn can_email(&self, letterhead: &Letterhead) -> bool {
        let server = letterhead.email_server.as_ref();
        (server.is_some() || self.mailer.is_some()) && !self.from(server).address.is_empty()
    }

    fn can_sms(&self) -> bool {
        self.sms.is_some()
    }

    async fn email(
        &self,
        letterhead: &Letterhead,
        to: &Email,
        to_name: Option<&str>,
        language: &str,
        notice: &Notice,
    ) -> Result<(), TransportError> {
        let result = self
            .send_email(letterhead, to, to_name, language, notice)
            .await;
        Counters::record(
            &self.counts.emails_sent,
            &self.counts.emails_failed,
            result.is_ok(),
        );
        match &result {
            Ok(()) => tracing::info!(
                space = %letterhead.space_domain,
                notice = render::kind(notice),
                to = %to,
                via = if letterhead.email_server.is_some() { "space server" } else { "global" },
                "e-mail sent"
            ),
            // Never the notice itself: it holds a code or a link.
            Err(e) => tracing::warn!(
                space = %letterhead.space_domain,
                notice = render::kind(notice),
                to = %to,
                error = %e,
                "e-mail notification failed"
            ),
        }
        result
    }

    async fn sms(
        &self,
        letterhead: &Letterhead,
        to: &PhoneNumber,
        language: &str,
        notice: &Notice,
    ) -> Result<(), TransportError> {
        let result = self.send_sms(letterhead, to, language, notice).await;
        Counters::record(
            &self.counts.sms_sent,
            &self.counts.sms_failed,
            result.is_ok(),
        );
        match &result {
            Ok(()) => tracing::info!(
                space = %letterhead.space_domain,
                notice = render::kind(notice),
                to = %to,
                "SMS sent"
            ),
            Err(e) => tracing::warn!(
                space = %letterhead.space_domain,
                notice = render::kind(notice),
                to = %to,
                error = %e,
                "SMS notification failed"
            ),
        }
        result
    }

    fn counts(&self) -> NotificationCounts {
        NotificationCounts {
            emails_sent: self.counts.emails_sent.load(Ordering::Relaxed),
            emails_failed: self.counts.emails_failed.load(Ordering::Relaxed),
            sms_sent: self.counts.sms_sent.load(Ordering::Relaxed),
            sms_failed: self.counts.sms_failed.load(Ordering::Relaxed),
        }
    }
}
