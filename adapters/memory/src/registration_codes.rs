//! Pending sign-ups.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use flexiapi_domain::error::StoreError;
use flexiapi_domain::model::{Domain, NewRegistrationCode, RegistrationCode, RegistrationCodeId};
use flexiapi_domain::ports::{RegistrationCodeRepository, StoreResult};

use crate::MemoryStorage;

#[async_trait]
impl RegistrationCodeRepository for MemoryStorage {
    async fn create_registration_code(
        &self,
        new: NewRegistrationCode,
        now: DateTime<Utc>,
    ) -> StoreResult<RegistrationCode> {
        let mut t = self.lock();
        if !t.spaces.values().any(|s| s.domain == new.domain) {
            return Err(StoreError::NotFound);
        }
        let id = t.next_id();
        let code = RegistrationCode {
            id: RegistrationCodeId(id),
            domain: new.domain,
            username: new.username,
            password: new.password,
            recipient: new.recipient,
            code: Some(new.code),
            attempts: 0,
            ip: new.ip,
            user_agent: new.user_agent,
            created_at: now,
        };
        t.registration_codes.insert(id, code.clone());
        Ok(code)
    }

    async fn registration_code(
        &self,
        id: RegistrationCodeId,
        domain: &Domain,
    ) -> StoreResult<Option<RegistrationCode>> {
        Ok(self
            .lock()
            .registration_codes
            .get(&id.0)
            .filter(|c| &c.domain == domain)
            .cloned())
    }

    async fn fail_registration_code(
        &self,
        id: RegistrationCodeId,
        max_attempts: u32,
    ) -> StoreResult<Option<RegistrationCode>> {
        let mut t = self.lock();
        Ok(t.registration_codes
            .get_mut(&id.0)
            .filter(|c| c.code.is_some())
            .map(|c| {
                c.attempts += 1;
                if c.attempts >= max_attempts {
                    c.code = None;
                }
                c.clone()
            }))
    }

    async fn spend_registration_code(
        &self,
        id: RegistrationCodeId,
        code: &str,
        max_attempts: u32,
    ) -> StoreResult<bool> {
        let mut t = self.lock();
        Ok(t.registration_codes
            .get_mut(&id.0)
            .filter(|c| c.code.as_deref() == Some(code) && c.attempts < max_attempts)
            .map(|c| c.code = None)
            .is_some())
    }

    async fn delete_registration_code(&self, id: RegistrationCodeId) -> StoreResult<bool> {
        Ok(self.lock().registration_codes.remove(&id.0).is_some())
    }

    async fn purge_registration_codes(&self, before: DateTime<Utc>) -> StoreResult<u64> {
        let mut t = self.lock();
        let len = t.registration_codes.len();
        t.registration_codes.retain(|_, c| c.created_at >= before);
        Ok((len - t.registration_codes.len()) as u64)
    }
}
