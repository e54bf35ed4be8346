//! E-mail and phone change codes: one implementation for both tables.

use std::collections::BTreeMap;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use flexiapi_domain::error::StoreError;
use flexiapi_domain::model::{
    Account, AccountId, ChangeCode, ChangeCodeId, ChangeTarget, Email, NewChangeCode, PhoneNumber,
};
use flexiapi_domain::ports::{ChangeCodeRepository, StoreResult};

use crate::{MemoryStorage, Tables};

/// Which table holds the codes of a target type, and which account field the target sets.
trait Stored: ChangeTarget {
    fn table(t: &mut Tables) -> &mut BTreeMap<i64, ChangeCode<Self>>;
    fn set_on(self, account: &mut Account);
}

impl Stored for Email {
    fn table(t: &mut Tables) -> &mut BTreeMap<i64, ChangeCode<Self>> {
        &mut t.email_change_codes
    }
    fn set_on(self, account: &mut Account) {
        account.email = Some(self);
    }
}

impl Stored for PhoneNumber {
    fn table(t: &mut Tables) -> &mut BTreeMap<i64, ChangeCode<Self>> {
        &mut t.phone_change_codes
    }
    fn set_on(self, account: &mut Account) {
        account.phone = Some(self);
    }
}

#[async_trait]
impl<T: Stored> ChangeCodeRepository<T> for MemoryStorage {
    async fn create_change_code(
        &self,
        new: NewChangeCode<T>,
        now: DateTime<Utc>,
    ) -> StoreResult<ChangeCode<T>> {
        let mut t = self.lock();
        if !t.accounts.contains_key(&new.account_id.0) {
            return Err(StoreError::NotFound);
        }
        let id = t.next_id();
        let table = T::table(&mut t);
        for earlier in table
            .values_mut()
            .filter(|c| c.account_id == new.account_id && c.is_pending())
        {
            earlier.code = None;
            earlier.updated_at = now;
        }
        let code = ChangeCode {
            id: ChangeCodeId(id),
            account_id: new.account_id,
            code: Some(new.code),
            target: new.target,
            ip: new.ip,
            user_agent: new.user_agent,
            attempts: 0,
            created_at: now,
            updated_at: now,
        };
        table.insert(id, code.clone());
        Ok(code)
    }

    async fn latest_change_code(
        &self,
        account_id: AccountId,
    ) -> StoreResult<Option<ChangeCode<T>>> {
        Ok(T::table(&mut self.lock())
            .values()
            .rev()
            .find(|c| c.account_id == account_id)
            .cloned())
    }

    async fn pending_change_codes(
        &self,
        ids: &[AccountId],
    ) -> StoreResult<BTreeMap<AccountId, ChangeCode<T>>> {
        let mut t = self.lock();
        let mut pending = BTreeMap::new();
        // In id order: a later pending code (there is none, by the contract) would win.
        for code in T::table(&mut t).values() {
            if code.is_pending() && ids.contains(&code.account_id) {
                pending.insert(code.account_id, code.clone());
            }
        }
        Ok(pending)
    }

    async fn count_change_codes_since(
        &self,
        account_id: AccountId,
        since: DateTime<Utc>,
    ) -> StoreResult<u64> {
        Ok(T::table(&mut self.lock())
            .values()
            .filter(|c| c.account_id == account_id && c.created_at > since)
            .count() as u64)
    }

    async fn fail_change_code(
        &self,
        id: ChangeCodeId,
        max_attempts: u32,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<u32>> {
        let mut t = self.lock();
        let Some(code) = T::table(&mut t).get_mut(&id.0).filter(|c| c.is_pending()) else {
            return Ok(None);
        };
        code.attempts += 1;
        if code.attempts >= max_attempts {
            code.code = None;
        }
        code.updated_at = now;
        Ok(Some(code.attempts))
    }

    async fn apply_change_code(
        &self,
        id: ChangeCodeId,
        activate: bool,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<Account>> {
        let mut t = self.lock();
        let Some(code) = T::table(&mut t)
            .get(&id.0)
            .filter(|c| c.is_pending())
            .cloned()
        else {
            return Ok(None);
        };
        // Codes go with their account: a pending code has one.
        if !t.accounts.contains_key(&code.account_id.0) {
            return Err(StoreError::NotFound);
        }
        if let Some(stored) = T::table(&mut t).get_mut(&id.0) {
            stored.code = None;
            stored.updated_at = now;
        }
        let Some(account) = t.accounts.get_mut(&code.account_id.0) else {
            return Err(StoreError::NotFound);
        };
        code.target.set_on(account);
        account.activated |= activate;
        account.updated_at = now;
        Ok(Some(account.clone()))
    }
}
