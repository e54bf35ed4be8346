//! Phone countries: which dialling codes accept phone numbers.

use super::{Entity, ServiceError, ServiceResult, Services};
use crate::model::PhoneCountry;

impl Services {
    /// # Errors
    /// Storage failures.
    pub async fn list_phone_countries(&self) -> ServiceResult<Vec<PhoneCountry>> {
        Ok(self.storage.list_phone_countries().await?)
    }

    /// Switches every country sharing the dialling code of `code` (ISO 3166-1 alpha-2, any
    /// case); returns how many rows that concerns.
    ///
    /// # Errors
    /// `NotFound` for an unknown country.
    pub async fn set_phone_country_activated(
        &self,
        code: &str,
        activated: bool,
    ) -> ServiceResult<u64> {
        let country = self
            .storage
            .phone_country(&code.to_ascii_uppercase())
            .await?
            .ok_or(ServiceError::NotFound(Entity::PhoneCountry))?;
        Ok(self
            .storage
            .set_phone_countries_activated(&country.country_code, activated)
            .await?)
    }
}
