//! Push notifications to Linphone apps (tokens for sign-up and recovery, `POST /push_notification`).

use async_trait::async_trait;

use crate::error::TransportError;
use crate::model::{PushNotification, PushProvider};

/// Delivers pushes: by running Flexisip's `flexisip_pusher`, or directly to FCM and APNs.
#[async_trait]
pub trait Pusher: Send + Sync + 'static {
    /// Whether a push to this provider can be attempted at all: a use case checks it before it
    /// stores anything, so "not configured" is a clean 503.
    fn can_push(&self, provider: PushProvider) -> bool;

    /// Sends one push and waits (boundedly) for the provider's answer.
    ///
    /// # Errors
    /// `NotConfigured` when nothing delivers to this provider; `Refused` when the provider (or
    /// `flexisip_pusher`) said no; `Unavailable` when it could not be reached in time.
    async fn push(&self, notification: &PushNotification) -> Result<(), TransportError>;
}

/// The pusher of a deployment that configured none: every push is "not sent".
#[derive(Debug, Clone, Copy, Default)]
pub struct NoPusher;

#[async_trait]
impl Pusher for NoPusher {
    fn can_push(&self, _: PushProvider) -> bool {
        false
    }

    async fn push(&self, _: &PushNotification) -> Result<(), TransportError> {
        Err(TransportError::NotConfigured)
    }
}
