//! The transports' interface: one rendered message in, the server's answer out.
//!
//! These are the adapter's own seams, not domain ports: use cases speak to the
//! [`Notifier`](flexiapi_domain::ports::Notifier) only, and the [`TemplateNotifier`] renders a
//! notice into an [`OutgoingEmail`] or [`OutgoingSms`] and hands it to one of these.
//!
//! [`TemplateNotifier`]: crate::TemplateNotifier

use async_trait::async_trait;
use flexiapi_domain::error::TransportError;

/// One e-mail, ready to send: every text already rendered.
///
/// An empty `from_address` means "the transport's own sender" (its address and name). An empty
/// `from_name` is the bare address.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OutgoingEmail {
    pub to: String,
    pub to_name: Option<String>,
    pub from_address: String,
    pub from_name: String,
    pub subject: String,
    pub text_body: String,
    /// When present, sent as the alternative to `text_body` (which is always sent).
    pub html_body: Option<String>,
    /// Images the HTML shows by `cid:` (a provisioning QR code); ignored without `html_body`.
    pub inline_images: Vec<InlineImage>,
    /// Files sent beside the text (a voicemail's recording), as `multipart/mixed`.
    pub attachments: Vec<flexiapi_domain::ports::NoticeAttachment>,
}

/// An image sent inside the message and shown by the HTML part as `<img src="cid:ID">`.
#[derive(Clone, PartialEq, Eq)]
pub struct InlineImage {
    /// The `Content-ID`, without angle brackets.
    pub content_id: String,
    /// `image/png`.
    pub content_type: String,
    pub data: Vec<u8>,
}

impl std::fmt::Debug for InlineImage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("InlineImage")
            .field("content_id", &self.content_id)
            .field("content_type", &self.content_type)
            .field("bytes", &self.data.len())
            .finish()
    }
}

/// Sends e-mail (SMTP, or a folder of `.eml` files in development).
#[async_trait]
pub trait Mailer: Send + Sync + 'static {
    /// Hands `email` over to the transport. `Ok` means the server accepted it, not that it was
    /// delivered. Failures are logged by the transport (with the server's answer).
    ///
    /// # Errors
    /// `NotConfigured` without a sender address, `Refused` with the server's answer,
    /// `Unavailable` when the server cannot be reached.
    async fn send(&self, email: &OutgoingEmail) -> Result<(), TransportError>;
}

/// One text message, ready to send.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OutgoingSms {
    /// E.164 (`+33612345678`).
    pub to: String,
    pub text: String,
}

/// Sends text messages (OVH's SMS API, or a folder of `.txt` files in development).
#[async_trait]
pub trait SmsSender: Send + Sync + 'static {
    /// Hands `sms` over to the gateway. Failures are logged by the transport.
    ///
    /// # Errors
    /// `Refused` with the gateway's answer, `Unavailable` when it cannot be reached.
    async fn send(&self, sms: &OutgoingSms) -> Result<(), TransportError>;
}
