//! Recovery codes.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use flexiapi_domain::error::StoreError;
use flexiapi_domain::model::{AccountId, NewRecoveryCode, RecoveryCode, RecoveryCodeId};
use flexiapi_domain::ports::{RecoveryCodeRepository, StoreResult};

use crate::MemoryStorage;

#[async_trait]
impl RecoveryCodeRepository for MemoryStorage {
    async fn create_recovery_code(
        &self,
        new: NewRecoveryCode,
        now: DateTime<Utc>,
    ) -> StoreResult<RecoveryCode> {
        let mut t = self.lock();
        if !t.accounts.contains_key(&new.account_id.0) {
            return Err(StoreError::NotFound);
        }
        for c in t.recovery_codes.values_mut() {
            if c.account_id == new.account_id {
                c.code = None;
            }
        }
        let id = t.next_id();
        let code = RecoveryCode {
            id: RecoveryCodeId(id),
            account_id: new.account_id,
            code: Some(new.code),
            recipient: new.recipient,
            ip: new.ip,
            user_agent: new.user_agent,
            attempts: 0,
            created_at: now,
        };
        t.recovery_codes.insert(id, code.clone());
        Ok(code)
    }

    async fn live_recovery_code(&self, account_id: AccountId) -> StoreResult<Option<RecoveryCode>> {
        Ok(self
            .lock()
            .recovery_codes
            .values()
            .rev()
            .find(|c| c.account_id == account_id && c.code.is_some())
            .cloned())
    }

    async fn fail_recovery_code(
        &self,
        id: RecoveryCodeId,
        max_attempts: u32,
    ) -> StoreResult<Option<RecoveryCode>> {
        let mut t = self.lock();
        Ok(t.recovery_codes
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

    async fn spend_recovery_code(
        &self,
        id: RecoveryCodeId,
        code: &str,
        max_attempts: u32,
    ) -> StoreResult<bool> {
        let mut t = self.lock();
        Ok(t.recovery_codes
            .get_mut(&id.0)
            .filter(|c| c.code.as_deref() == Some(code) && c.attempts < max_attempts)
            .map(|c| c.code = None)
            .is_some())
    }

    async fn recovery_codes_created_since(
        &self,
        account_id: AccountId,
        since: DateTime<Utc>,
    ) -> StoreResult<u64> {
        Ok(self
            .lock()
            .recovery_codes
            .values()
            .filter(|c| c.account_id == account_id && c.created_at >= since)
            .count() as u64)
    }
}
