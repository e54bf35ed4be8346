//! Devices registered with the SIP registrar: what an account (or its admin) sees and removes.

use async_trait::async_trait;

use super::{Entity, ServiceError, ServiceResult, Services};
use crate::error::RegistrarError;
use crate::model::{Account, Device, SipIdentity};
use crate::ports::DeviceRegistry;

/// The registry of a deployment without a registrar store: no device is ever registered.
#[derive(Debug, Default, Clone, Copy)]
pub struct NoDeviceRegistry;

#[async_trait]
impl DeviceRegistry for NoDeviceRegistry {
    async fn devices(&self, _aor: &SipIdentity) -> Result<Vec<Device>, RegistrarError> {
        Ok(Vec::new())
    }

    async fn remove_device(&self, _aor: &SipIdentity, _uuid: &str) -> Result<bool, RegistrarError> {
        Ok(false)
    }
}

impl Services {
    /// The account's registered devices, by uuid.
    ///
    /// # Errors
    /// `Registrar` when the registrar's store is unavailable.
    pub async fn devices_of(&self, account: &Account) -> ServiceResult<Vec<Device>> {
        let mut devices = self.registrar.devices(&account.identity()).await?;
        devices.sort_by(|a, b| a.uuid.cmp(&b.uuid));
        Ok(devices)
    }

    /// Unregisters one of the account's devices.
    ///
    /// # Errors
    /// `NotFound(Device)` when no device has that uuid; `Registrar` when the store is unavailable.
    pub async fn remove_device(&self, account: &Account, uuid: &str) -> ServiceResult<()> {
        if self
            .registrar
            .remove_device(&account.identity(), uuid)
            .await?
        {
            Ok(())
        } else {
            Err(ServiceError::NotFound(Entity::Device))
        }
    }
}
