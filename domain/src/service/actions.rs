//! DTMF actions of an account of a space: only for an account with a DTMF protocol; `key` and
//! `code` parsed here, whoever calls.

use super::{Entity, ServiceError, ServiceResult, Services};
use crate::model::{
    Account, AccountAction, AccountActionId, AccountId, ActionCode, ActionKey, Space,
};
use crate::validation::ValidationErrors;

/// `key` and `code`, both required (every broken rule at once).
fn parse_action(
    key: Option<String>,
    code: Option<String>,
) -> Result<(ActionKey, ActionCode), ValidationErrors> {
    let mut errors = ValidationErrors::new();
    let key = ActionKey::parse(key.as_deref().unwrap_or_default())
        .map_err(|rule| errors.add("key", rule))
        .ok();
    let code = ActionCode::parse(code.as_deref().unwrap_or_default())
        .map_err(|rule| errors.add("code", rule))
        .ok();
    match (key, code) {
        (Some(key), Some(code)) => Ok((key, code)),
        _ => Err(errors),
    }
}

impl Services {
    /// The account of `space` whose actions are asked for: actions only mean something with a
    /// DTMF protocol.
    ///
    /// # Errors
    /// `NotFound(Account)`; `DtmfProtocolRequired`.
    async fn dtmf_account(&self, space: &Space, account: AccountId) -> ServiceResult<Account> {
        let account = self.account_in_space(account, space).await?;
        if account.dtmf_protocol.is_none() {
            return Err(ServiceError::DtmfProtocolRequired);
        }
        Ok(account)
    }

    /// The DTMF actions of an account of `space`.
    ///
    /// # Errors
    /// As `dtmf_account`: `NotFound(Account)`, `DtmfProtocolRequired`.
    pub async fn account_actions(
        &self,
        space: &Space,
        account: AccountId,
    ) -> ServiceResult<Vec<AccountAction>> {
        let account = self.dtmf_account(space, account).await?;
        Ok(self.storage.account_actions(account.id).await?)
    }

    /// Creates an action (`id` `None`) or replaces one of the account's.
    ///
    /// # Errors
    /// `NotFound(Account)`, `DtmfProtocolRequired`; `Validation` on `key` and `code`; `NotFound`
    /// for an unknown `id`.
    pub async fn save_account_action(
        &self,
        space: &Space,
        account: AccountId,
        id: Option<AccountActionId>,
        key: Option<String>,
        code: Option<String>,
    ) -> ServiceResult<AccountAction> {
        let account = self.dtmf_account(space, account).await?.id;
        let (key, code) = parse_action(key, code)?;
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
    /// `NotFound(Account)`, `DtmfProtocolRequired`; `NotFound`.
    pub async fn account_action(
        &self,
        space: &Space,
        account: AccountId,
        id: AccountActionId,
    ) -> ServiceResult<AccountAction> {
        let account = self.dtmf_account(space, account).await?;
        self.storage
            .account_action(account.id, id)
            .await?
            .ok_or(ServiceError::NotFound(Entity::AccountAction))
    }

    /// Whether the action existed.
    ///
    /// # Errors
    /// `NotFound(Account)`, `DtmfProtocolRequired`.
    pub async fn delete_account_action(
        &self,
        space: &Space,
        account: AccountId,
        id: AccountActionId,
    ) -> ServiceResult<bool> {
        let account = self.dtmf_account(space, account).await?;
        Ok(self.storage.delete_account_action(account.id, id).await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::validation::Rule;

    #[test]
    fn keys_and_codes_are_required_and_checked_together() {
        let (key, code) = parse_action(Some(" door ".into()), Some("12".into())).unwrap();
        assert_eq!((key.as_str(), code.as_str()), ("door", "12"));
        let errors = parse_action(None, Some("A".into())).unwrap_err();
        assert_eq!(
            errors
                .0
                .iter()
                .map(|e| (e.field.as_str(), &e.rule))
                .collect::<Vec<_>>(),
            [("key", &Rule::Required), ("code", &Rule::AlphaDash)]
        );
    }
}
