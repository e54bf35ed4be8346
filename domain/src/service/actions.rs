//! DTMF actions of an account: `key` and `code` checked here, whoever calls.

use super::{Entity, ServiceError, ServiceResult, Services};
use crate::model::{AccountAction, AccountActionId, AccountId};
use crate::validation::{Rule, ValidationErrors, is_alpha_dash};

/// `key` (lower-case letters, digits, `-`, `_`) and `code` (lower-case letters and digits),
/// trimmed, both required and at most 255 bytes.
fn valid_action(key: Option<String>, code: Option<String>) -> ServiceResult<(String, String)> {
    let mut errors = ValidationErrors::new();
    let key = key.map(|k| k.trim().to_owned()).unwrap_or_default();
    let code = code.map(|c| c.trim().to_owned()).unwrap_or_default();
    if key.is_empty() {
        errors.add("key", Rule::Required);
    } else if !is_alpha_dash(&key) || key.len() > 255 {
        errors.add("key", Rule::AlphaDash);
    }
    if code.is_empty() {
        errors.add("code", Rule::Required);
    } else if !code
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        || code.len() > 255
    {
        errors.add("code", Rule::AlphaDash);
    }
    errors.into_result()?;
    Ok((key, code))
}

impl Services {
    /// The account's DTMF actions.
    ///
    /// # Errors
    /// Storage failures.
    pub async fn account_actions(&self, account: AccountId) -> ServiceResult<Vec<AccountAction>> {
        Ok(self.storage.account_actions(account).await?)
    }

    /// Creates an action (`id` `None`) or replaces one of the account's.
    ///
    /// # Errors
    /// `Validation` on `key` and `code`; `NotFound` for an unknown `id`.
    pub async fn save_account_action(
        &self,
        account: AccountId,
        id: Option<AccountActionId>,
        key: Option<String>,
        code: Option<String>,
    ) -> ServiceResult<AccountAction> {
        let (key, code) = valid_action(key, code)?;
        let now = self.now();
        Ok(match id {
            None => {
                self.storage
                    .create_account_action(account, &key, &code, now)
                    .await?
            }
            Some(id) => {
                self.storage
                    .update_account_action(account, id, &key, &code, now)
                    .await?
            }
        })
    }

    /// The action, only if it belongs to the account.
    ///
    /// # Errors
    /// `NotFound`.
    pub async fn account_action(
        &self,
        account: AccountId,
        id: AccountActionId,
    ) -> ServiceResult<AccountAction> {
        self.storage
            .account_action(account, id)
            .await?
            .ok_or(ServiceError::NotFound(Entity::AccountAction))
    }

    /// Whether the action existed.
    ///
    /// # Errors
    /// Storage failures.
    pub async fn delete_account_action(
        &self,
        account: AccountId,
        id: AccountActionId,
    ) -> ServiceResult<bool> {
        Ok(self.storage.delete_account_action(account, id).await?)
    }
}
