//! SIP MESSAGEs sent on the API's behalf (`POST /api/messages`), through a `linphone-daemon`.

use async_trait::async_trait;

use crate::error::TransportError;
use crate::model::OutgoingSipMessage;

/// Sends SIP MESSAGEs from the deployment's own SIP account.
#[async_trait]
pub trait SipMessenger: Send + Sync + 'static {
    /// Whether messages can be sent at all (`[messages] linphone_daemon_socket` is set).
    fn is_configured(&self) -> bool;

    /// Hands the message to the SIP stack and returns the `Message-ID` it gave it.
    ///
    /// # Errors
    /// `NotConfigured` when nothing sends messages; `Refused` with the daemon's reason (a SIP
    /// URI it cannot use); `Unavailable` when the daemon cannot be reached or does not answer
    /// in time.
    async fn send(&self, message: &OutgoingSipMessage) -> Result<String, TransportError>;
}

/// The messenger of a deployment without linphone-daemon.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoSipMessenger;

#[async_trait]
impl SipMessenger for NoSipMessenger {
    fn is_configured(&self) -> bool {
        false
    }

    async fn send(&self, _: &OutgoingSipMessage) -> Result<String, TransportError> {
        Err(TransportError::NotConfigured)
    }
}
