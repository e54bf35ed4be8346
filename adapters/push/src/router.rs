//! One pusher per provider: the direct adapter when one is configured for it, else
//! `flexisip_pusher` when configured, else none ("not configured", a 503 for the caller).

use std::sync::Arc;

use async_trait::async_trait;
use flexiapi_domain::error::TransportError;
use flexiapi_domain::model::{PushNotification, PushProvider};
use flexiapi_domain::ports::Pusher;

/// Routes each push by its provider.
#[derive(Clone, Default)]
pub struct PushRouter {
    fcm: Option<Arc<dyn Pusher>>,
    apns: Option<Arc<dyn Pusher>>,
    fallback: Option<(Arc<dyn Pusher>, String)>,
}

impl PushRouter {
    pub fn new() -> Self {
        Self::default()
    }

    /// FCM pushes go to `pusher`.
    #[must_use]
    pub fn with_fcm(mut self, pusher: Arc<dyn Pusher>) -> Self {
        self.fcm = Some(pusher);
        self
    }

    /// `apns` and `apns.dev` pushes go to `pusher`.
    #[must_use]
    pub fn with_apns(mut self, pusher: Arc<dyn Pusher>) -> Self {
        self.apns = Some(pusher);
        self
    }

    /// Pushes no direct adapter takes go to `pusher` (`flexisip_pusher`), `name`d in
    /// [`PushRouter::describe`].
    #[must_use]
    pub fn with_fallback(mut self, pusher: Arc<dyn Pusher>, name: impl Into<String>) -> Self {
        self.fallback = Some((pusher, name.into()));
        self
    }

    fn route(&self, provider: PushProvider) -> Option<&Arc<dyn Pusher>> {
        let direct = if provider.is_apple() {
            self.apns.as_ref()
        } else {
            self.fcm.as_ref()
        };
        direct.or(self.fallback.as_ref().map(|(pusher, _)| pusher))
    }

    /// Where each provider's pushes go, for the start-up log.
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        for (label, direct, name) in [
            ("fcm", &self.fcm, "FCM directly"),
            ("apns and apns.dev", &self.apns, "APNs directly"),
        ] {
            let target = match (direct, &self.fallback) {
                (Some(_), _) => name,
                (None, Some((_, fallback))) => fallback.as_str(),
                (None, None) => "nowhere (503)",
            };
            parts.push(format!("{label} → {target}"));
        }
        format!("pushes: {}", parts.join(", "))
    }
}

#[async_trait]
impl Pusher for PushRouter {
    fn can_push(&self, provider: PushProvider) -> bool {
        self.route(provider).is_some_and(|p| p.can_push(provider))
    }

    async fn push(&self, push: &PushNotification) -> Result<(), TransportError> {
        match self.route(push.target.provider) {
            Some(pusher) => pusher.push(push).await,
            None => Err(TransportError::NotConfigured),
        }
    }
}
