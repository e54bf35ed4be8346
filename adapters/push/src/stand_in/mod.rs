//! Local servers that play Firebase Cloud Messaging and APNs in tests, checking what the real
//! services check (signatures, claims, headers, HTTP/2) and recording what arrived.
//!
//! Their keys are generated when they start and written to a temporary folder (a service-account
//! file, a `.p8`): no private key is ever committed. Each can be told to answer an error status
//! or to hang (never answer), for the failure and timeout paths.

mod apns;
mod fcm;
mod server;

pub use apns::{ApnsArrival, ApnsStandIn};
pub use fcm::{FcmArrival, FcmStandIn};

/// How a stand-in answers a request that passed its checks.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Answer {
    /// As the real service does on success.
    #[default]
    Accept,
    /// This status, with this reason in the service's error shape.
    Status(u16, String),
    /// Never: the request waits until the client gives up (or the stand-in stops).
    Hang,
}
