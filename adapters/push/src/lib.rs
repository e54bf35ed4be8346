//! Push notifications to Linphone apps, behind the domain's [`Pusher`] port.
//!
//! - [`FlexisipPusher`] runs Flexisip's `flexisip_pusher` program, as the original does (but with
//!   an argument vector, never a shell, and a timeout).

mod flexisip;

pub use flexisip::{FlexisipPusher, FlexisipPusherSettings, parse_firebase_keysmap};

pub use flexiapi_domain::ports::{NoPusher, Pusher};
