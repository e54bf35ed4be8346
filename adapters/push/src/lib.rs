//! Push notifications to Linphone apps, behind the domain's [`Pusher`] port.
//!
//! - [`FlexisipPusher`] runs Flexisip's `flexisip_pusher` program, as the original does (but with
//!   an argument vector, never a shell, and a timeout).
//! - [`FcmPusher`] and [`ApnsPusher`] talk to Firebase Cloud Messaging (HTTP v1) and APNs (HTTP/2,
//!   token authentication) directly, with no Flexisip binary.
//! - [`PushRouter`] picks one per provider: the direct adapter when configured, else
//!   `flexisip_pusher`, else "not configured".
//! - `stand_in` (feature `stand-ins`): local FCM and APNs servers for tests.

mod apns;
mod fcm;
mod flexisip;
mod http;
mod router;
#[cfg(feature = "stand-ins")]
pub mod stand_in;

pub use apns::{
    APNS_PRODUCTION_URL, APNS_SANDBOX_URL, ApnsKey, ApnsPusher, ApnsRequest, ApnsSettings,
    bundle_id,
};
pub use fcm::{FCM_BASE_URL, FCM_SCOPE, FcmPusher, FcmSettings, JWT_BEARER_GRANT, ServiceAccount};
pub use flexisip::{FlexisipPusher, FlexisipPusherSettings, parse_firebase_keysmap};
pub use http::SetupError;
pub use router::PushRouter;

pub use flexiapi_domain::ports::{NoPusher, Pusher};
