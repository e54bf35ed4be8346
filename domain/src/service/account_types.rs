//! Account type use cases for the admins of a space: each space has its own types, and the key
//! rules are checked here, once, whoever calls.

use super::{Entity, ServiceError, ServiceResult, Services};
use crate::model::{AccountId, AccountType, AccountTypeId, AccountTypeKey, Space};
use crate::validation::ValidationErrors;

/// The key, required, or the broken rule on `key`.
fn parse_key(key: Option<String>) -> ServiceResult<AccountTypeKey> {
    AccountTypeKey::parse(key.as_deref().unwrap_or_default())
        .map_err(|rule| ValidationErrors::single("key", rule).into())
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
        let key = parse_key(key)?;
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
        let key = parse_key(key)?;
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

    /// Attaches a type of `space` to an account of `space`.
    ///
    /// # Errors
    /// `NotFound(Account)` for an account of another space; `NotFound(AccountType)` for a type of another
    /// space; `AccountTypeAlreadyAttached`.
    pub async fn attach_account_type(
        &self,
        space: &Space,
        account_id: AccountId,
        type_id: AccountTypeId,
    ) -> ServiceResult<()> {
        let account = self.account_in_space(account_id, space).await?;
        if self
            .storage
            .attach_account_type(&space.domain, account.id, type_id, self.now())
            .await?
        {
            Ok(())
        } else {
            Err(ServiceError::AccountTypeAlreadyAttached)
        }
    }

    /// Detaches a type of `space` from an account of `space`.
    ///
    /// # Errors
    /// `NotFound(Account)`, `NotFound` as [`Services::attach_account_type`];
    /// `AccountTypeNotAttached`.
    pub async fn detach_account_type(
        &self,
        space: &Space,
        account_id: AccountId,
        type_id: AccountTypeId,
    ) -> ServiceResult<()> {
        let account = self.account_in_space(account_id, space).await?;
        let kind = self.account_type(space, type_id).await?;
        if self
            .storage
            .detach_account_type(&space.domain, account.id, kind.id)
            .await?
        {
            Ok(())
        } else {
            Err(ServiceError::AccountTypeNotAttached)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_required_and_checked() {
        assert_eq!(
            parse_key(Some(" door_1 ".into())).unwrap().as_str(),
            "door_1"
        );
        for bad in [
            None,
            Some("  ".into()),
            Some("Door".into()),
            Some("a".repeat(65)),
        ] {
            assert!(matches!(parse_key(bad), Err(ServiceError::Validation(_))));
        }
    }
}
