//! Account actions.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use flexiapi_domain::error::StoreError;
use flexiapi_domain::model::{AccountAction, AccountActionId, AccountId, ActionCode, ActionKey};
use flexiapi_domain::ports::{AccountActionRepository, StoreResult};

use crate::MemoryStorage;

#[async_trait]
impl AccountActionRepository for MemoryStorage {
    async fn create_account_action(
        &self,
        account_id: AccountId,
        key: &ActionKey,
        code: &ActionCode,
        _now: DateTime<Utc>,
    ) -> StoreResult<AccountAction> {
        let mut t = self.lock();
        if !t.accounts.contains_key(&account_id.0) {
            return Err(StoreError::NotFound);
        }
        let id = t.next_id();
        let action = AccountAction {
            id: AccountActionId(id),
            account_id,
            key: key.clone(),
            code: code.clone(),
        };
        t.account_actions.insert(id, action.clone());
        Ok(action)
    }

    async fn account_actions(&self, account_id: AccountId) -> StoreResult<Vec<AccountAction>> {
        Ok(self
            .lock()
            .account_actions
            .values()
            .filter(|a| a.account_id == account_id)
            .cloned()
            .collect())
    }

    async fn account_action(
        &self,
        account_id: AccountId,
        id: AccountActionId,
    ) -> StoreResult<Option<AccountAction>> {
        Ok(self
            .lock()
            .account_actions
            .get(&id.0)
            .filter(|a| a.account_id == account_id)
            .cloned())
    }

    async fn update_account_action(
        &self,
        account_id: AccountId,
        id: AccountActionId,
        key: &ActionKey,
        code: &ActionCode,
        _now: DateTime<Utc>,
    ) -> StoreResult<AccountAction> {
        let mut t = self.lock();
        match t.account_actions.get_mut(&id.0) {
            Some(a) if a.account_id == account_id => {
                a.key = key.clone();
                a.code = code.clone();
                Ok(a.clone())
            }
            _ => Err(StoreError::NotFound),
        }
    }

    async fn delete_account_action(
        &self,
        account_id: AccountId,
        id: AccountActionId,
    ) -> StoreResult<bool> {
        let mut t = self.lock();
        if t.account_actions
            .get(&id.0)
            .is_some_and(|a| a.account_id == account_id)
        {
            t.account_actions.remove(&id.0);
            Ok(true)
        } else {
            Ok(false)
        }
    }
}
