//! An account's dictionary: free key/value strings handed to its clients.

use std::collections::BTreeMap;

use super::accounts::MAX_TEXT_LENGTH;
use super::{ServiceResult, Services};
use crate::model::AccountId;
use crate::validation::{Rule, ValidationErrors};

impl Services {
    /// Every entry of the account's dictionary.
    ///
    /// # Errors
    /// Storage failures.
    pub async fn dictionary_of(
        &self,
        account: AccountId,
    ) -> ServiceResult<BTreeMap<String, String>> {
        Ok(self.storage.dictionary_of(account).await?)
    }

    /// The value of `key`, `None` when absent.
    ///
    /// # Errors
    /// Storage failures.
    pub async fn dictionary_entry(
        &self,
        account: AccountId,
        key: &str,
    ) -> ServiceResult<Option<String>> {
        Ok(self.storage.dictionary_of(account).await?.remove(key))
    }

    /// Creates or replaces the entry; `value` is required; both at most
    /// [`MAX_TEXT_LENGTH`] characters. Returns the value written.
    ///
    /// # Errors
    /// `Validation` on `value`, then on `key` (the first broken rule only).
    pub async fn set_dictionary_entry(
        &self,
        account: AccountId,
        key: &str,
        value: Option<String>,
    ) -> ServiceResult<String> {
        let max = || Rule::MaxLength(MAX_TEXT_LENGTH as u32);
        let value = match value {
            None => return Err(ValidationErrors::single("value", Rule::Required).into()),
            Some(v) if v.chars().count() > MAX_TEXT_LENGTH => {
                return Err(ValidationErrors::single("value", max()).into());
            }
            Some(v) => v,
        };
        if key.chars().count() > MAX_TEXT_LENGTH {
            return Err(ValidationErrors::single("key", max()).into());
        }
        self.storage
            .set_dictionary_entry(account, key, &value, self.now())
            .await?;
        Ok(value)
    }

    /// Whether the key existed.
    ///
    /// # Errors
    /// Storage failures.
    pub async fn delete_dictionary_entry(
        &self,
        account: AccountId,
        key: &str,
    ) -> ServiceResult<bool> {
        Ok(self.storage.delete_dictionary_entry(account, key).await?)
    }

    /// Removes every entry; returns how many.
    ///
    /// # Errors
    /// Storage failures.
    pub async fn clear_dictionary(&self, account: AccountId) -> ServiceResult<u64> {
        Ok(self.storage.clear_dictionary(account).await?)
    }
}
