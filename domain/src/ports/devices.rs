//! The SIP registrar's devices.

use async_trait::async_trait;

use crate::error::RegistrarError;
use crate::model::{Device, SipIdentity};

/// The devices the SIP registrar holds for an address of record (`username@domain`). Not part of
/// [`Storage`](super::Storage): it lives in the registrar's own store, which a deployment may not
/// have.
#[async_trait]
pub trait DeviceRegistry: Send + Sync + 'static {
    /// Every device registered for `aor`, in any order; empty when none.
    ///
    /// # Errors
    /// MUST return `Unavailable`, within about a second, when the registrar's store cannot be
    /// reached or does not answer.
    async fn devices(&self, aor: &SipIdentity) -> Result<Vec<Device>, RegistrarError>;

    /// Forgets the device with that uuid and notifies the registrar, so that it drops the binding
    /// at once. Returns whether the device was registered.
    ///
    /// # Errors
    /// `Unavailable`, as for `devices`.
    async fn remove_device(&self, aor: &SipIdentity, uuid: &str) -> Result<bool, RegistrarError>;
}
