use async_trait::async_trait;

use crate::error::TransportError;

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
    /// Hands `sms` over to the gateway. Failures are logged by the adapter; the caller counts
    /// them.
    ///
    /// # Errors
    /// `Refused` with the gateway's answer, `Unavailable` when it cannot be reached.
    async fn send(&self, sms: &OutgoingSms) -> Result<(), TransportError>;
}
