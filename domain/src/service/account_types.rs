//! Account type use cases for the admins of a space: each space has its own types, and the key
//! rules are checked here, once, whoever calls.

use super::{Entity, ServiceError, ServiceResult, Services};
use crate::model::{AccountId, AccountType, AccountTypeId, Space};
use crate::validation::{Rule, ValidationErrors, is_alpha_dash};

/// Longest account type key (the column's size).
pub const MAX_ACCOUNT_TYPE_KEY_LENGTH: usize = 64;

/// The trimmed key, or the broken rule on `key`.
fn valid_key(key: Option<String>) -> ServiceResult<String> {
    match key.map(|k| k.trim().to_owned()).filter(|k| !k.is_empty()) {
        None => Err(ValidationErrors::single("key", Rule::Required).into()),
        Some(k) if !is_alpha_dash(&k) || k.len() > MAX_ACCOUNT_TYPE_KEY_LENGTH => {
            Err(ValidationErrors::single("key", Rule::AlphaDash).into())
        }
        Some(k) => Ok(k),
    }
}

impl Services {
    /// The types of `space`, ordered by id.
    ///
    /// # Errors
    /// Storage failures.
    pub async fn list_account_types(&self, space: &Space) -> ServiceResult<Vec<AccountType>> {
        Ok(self.storage.list_account_types(&space.domain).await?)
    }

    /// # Errors
    /// `Validation` for a missing or malformed key; `Conflict(AccountTypeKey)` when the space
    /// already has a type with that key.
    pub async fn create_account_type(
        &self,
        space: &Space,
        key: Option<String>,
    ) -> ServiceResult<AccountType> {
        let key = valid_key(key)?;
        Ok(self
            .storage
            .create_account_type(&space.domain, &key, self.now())
            .await?)
    }

    /// A type of `space`.
    ///
    /// # Errors
    /// `NotFound` for an unknown id, and for a type of another space.
    pub async fn account_type(
        &self,
        space: &Space,
        id: AccountTypeId,
    ) -> ServiceResult<AccountType> {
        self.storage
            .account_type(&space.domain, id)
            .await?
            .ok_or(ServiceError::NotFound(Entity::AccountType))
    }

    /// Renames a type of `space`.
    ///
    /// # Errors
    /// As [`Services::create_account_type`]; `NotFound` as [`Services::account_type`].
    pub async fn update_account_type(
        &self,
        space: &Space,
        id: AccountTypeId,
        key: Option<String>,
    ) -> ServiceResult<AccountType> {
        let key = valid_key(key)?;
        Ok(self
            .storage
            .update_account_type(&space.domain, id, &key, self.now())
            .await?)
    }

    /// Deletes a type of `space` and its attachments; whether it existed there.
    ///
    /// # Errors
    /// Storage failures.
    pub async fn delete_account_type(
        &self,
        space: &Space,
        id: AccountTypeId,
    ) -> ServiceResult<bool> {
        Ok(self.storage.delete_account_type(&space.domain, id).await?)
    }

    /// Attaches a type of `space` to an account of `space`; false when it already was.
    ///
    /// # Errors
    /// `NotFound(Account)` for an account of another space; `NotFound` for a type of another space.
    pub async fn attach_account_type(
        &self,
        space: &Space,
        account_id: AccountId,
        type_id: AccountTypeId,
    ) -> ServiceResult<bool> {
        let account = self.account_in_space(account_id, space).await?;
        Ok(self
            .storage
            .attach_account_type(&space.domain, account.id, type_id, self.now())
            .await?)
    }

    /// Detaches a type of `space` from an account of `space`; false when it was not attached.
    ///
    /// # Errors
    /// As [`Services::attach_account_type`].
    pub async fn detach_account_type(
        &self,
        space: &Space,
        account_id: AccountId,
        type_id: AccountTypeId,
    ) -> ServiceResult<bool> {
        let account = self.account_in_space(account_id, space).await?;
        let kind = self.account_type(space, type_id).await?;
        Ok(self
            .storage
            .detach_account_type(&space.domain, account.id, kind.id)
            .await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_trimmed_and_checked() {
        assert_eq!(valid_key(Some(" door_1 ".into())).unwrap(), "door_1");
        for bad in [
            None,
            Some("  ".into()),
            Some("Door".into()),
            Some("a".repeat(65)),
        ] {
            assert!(matches!(valid_key(bad), Err(ServiceError::Validation(_))));
        }
    }
}
