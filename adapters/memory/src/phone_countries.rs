//! Phone countries.

use async_trait::async_trait;
use flexiapi_domain::model::PhoneCountry;
use flexiapi_domain::ports::{PhoneCountryRepository, StoreResult};

use crate::MemoryStorage;

#[async_trait]
impl PhoneCountryRepository for MemoryStorage {
    async fn list_phone_countries(&self) -> StoreResult<Vec<PhoneCountry>> {
        Ok(self.lock().phone_countries.values().cloned().collect())
    }

    async fn phone_country(&self, code: &str) -> StoreResult<Option<PhoneCountry>> {
        Ok(self.lock().phone_countries.get(code).cloned())
    }

    async fn set_phone_countries_activated(
        &self,
        country_code: &str,
        activated: bool,
    ) -> StoreResult<u64> {
        let mut t = self.lock();
        let mut count = 0;
        for c in t.phone_countries.values_mut() {
            if c.country_code == country_code {
                c.activated = activated;
                count += 1;
            }
        }
        Ok(count)
    }
}
