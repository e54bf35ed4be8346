//! Phone countries open to registration.

use async_trait::async_trait;

use super::StoreResult;
use crate::model::PhoneCountry;

#[async_trait]
pub trait PhoneCountryRepository: Send + Sync + 'static {
    /// Every country, ordered by code; a fresh store MUST hold exactly
    /// [`crate::model::PHONE_COUNTRIES`], all deactivated.
    async fn list_phone_countries(&self) -> StoreResult<Vec<PhoneCountry>>;

    /// `code` is ISO 3166-1 alpha-2, upper-case.
    async fn phone_country(&self, code: &str) -> StoreResult<Option<PhoneCountry>>;

    /// Sets `activated` on every country whose dialling code is `country_code`; returns how many
    /// rows that concerns (also those already in that state).
    async fn set_phone_countries_activated(
        &self,
        country_code: &str,
        activated: bool,
    ) -> StoreResult<u64>;
}
