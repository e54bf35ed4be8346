//! Account actions.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::StoreResult;
use crate::model::{AccountAction, AccountActionId, AccountId, ActionCode, ActionKey};

#[async_trait]
pub trait AccountActionRepository: Send + Sync + 'static {
    /// # Errors
    /// `NotFound` when the account does not exist.
    async fn create_account_action(
        &self,
        account_id: AccountId,
        key: &ActionKey,
        code: &ActionCode,
        now: DateTime<Utc>,
    ) -> StoreResult<AccountAction>;

    /// The account's actions, ordered by id.
    async fn account_actions(&self, account_id: AccountId) -> StoreResult<Vec<AccountAction>>;

    /// The action, only if it belongs to the account.
    async fn account_action(
        &self,
        account_id: AccountId,
        id: AccountActionId,
    ) -> StoreResult<Option<AccountAction>>;

    /// # Errors
    /// `NotFound` when the action does not exist or belongs to another account.
    async fn update_account_action(
        &self,
        account_id: AccountId,
        id: AccountActionId,
        key: &ActionKey,
        code: &ActionCode,
        now: DateTime<Utc>,
    ) -> StoreResult<AccountAction>;

    /// Returns whether the action existed and belonged to the account.
    async fn delete_account_action(
        &self,
        account_id: AccountId,
        id: AccountActionId,
    ) -> StoreResult<bool>;
}
