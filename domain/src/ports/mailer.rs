use async_trait::async_trait;

use crate::error::TransportError;

/// One e-mail, ready to send: every text already rendered.
///
/// An empty `from_address` means "the transport's own sender" (its address and name): the server
/// that sends the message (a space's own or the global one) knows its sender, so a use case may
/// leave it empty and the transport that wins supplies it. An empty `from_name` is the bare
/// address.
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
}

/// Sends e-mail (SMTP, or a folder of `.eml` files in development).
#[async_trait]
pub trait Mailer: Send + Sync + 'static {
    /// Hands `email` over to the transport. `Ok` means the server accepted it, not that it was
    /// delivered. Failures are logged by the adapter (with the server's answer); the caller
    /// decides what to tell the user and counts them.
    ///
    /// # Errors
    /// `NotConfigured` without a sender address, `Refused` with the server's answer,
    /// `Unavailable` when the server cannot be reached.
    async fn send(&self, email: &OutgoingEmail) -> Result<(), TransportError>;
}
