//! API keys: the stable admin keys and the user keys bound to an address.

use super::{Entity, ServiceError, ServiceResult, Services};
use crate::model::{
    Account, AccountId, ApiKey, ApiKeyId, ApiKeyKind, NewApiKey, Username, hash_api_key,
};

/// Length of generated API keys (the original's 40 alphanumerics).
pub const API_KEY_LENGTH: usize = 40;

impl Services {
    /// The account's keys.
    ///
    /// # Errors
    /// Storage failures.
    pub async fn api_keys_of(&self, account: &Account) -> ServiceResult<Vec<ApiKey>> {
        Ok(self.storage.api_keys_of(account.id).await?)
    }

    /// Creates a stable admin API key for an existing account and returns the key (shown once).
    ///
    /// # Errors
    /// `NotFound(Account)` when username@domain does not exist.
    pub async fn create_admin_api_key(
        &self,
        username: &str,
        domain: &str,
    ) -> ServiceResult<String> {
        let space = self.space(domain).await?;
        let username =
            Username::parse(username).map_err(|_| ServiceError::NotFound(Entity::Account))?;
        let account = self
            .storage
            .account_by_identity(&username, &space.domain)
            .await?
            .ok_or(ServiceError::NotFound(Entity::Account))?;
        self.new_api_key(account.id, ApiKeyKind::Admin, Some("admin".into()))
            .await
    }

    async fn new_api_key(
        &self,
        account_id: AccountId,
        kind: ApiKeyKind,
        name: Option<String>,
    ) -> ServiceResult<String> {
        let key = self.tokens.alphanumeric(API_KEY_LENGTH);
        let new = NewApiKey {
            account_id,
            key_hash: hash_api_key(&key),
            name,
            kind: kind.clone(),
            created_at: self.now(),
        };
        match kind {
            ApiKeyKind::User { .. } => self.storage.replace_user_api_key(new).await?,
            ApiKeyKind::Admin => self.storage.create_api_key(new).await?,
        };
        Ok(key)
    }

    /// A new stable admin key for an account; returns the stored key and the key itself (shown
    /// once).
    ///
    /// # Errors
    /// Storage failures.
    pub async fn create_named_admin_api_key(
        &self,
        account: &Account,
        name: Option<String>,
    ) -> ServiceResult<(ApiKey, String)> {
        let key = self.tokens.alphanumeric(API_KEY_LENGTH);
        let stored = self
            .storage
            .create_api_key(NewApiKey {
                account_id: account.id,
                key_hash: hash_api_key(&key),
                name: name.filter(|n| !n.trim().is_empty()),
                kind: ApiKeyKind::Admin,
                created_at: self.now(),
            })
            .await?;
        Ok((stored, key))
    }

    /// Deletes one of the account's keys.
    ///
    /// # Errors
    /// `NotFound` when the account has no such key.
    pub async fn delete_api_key(&self, account: &Account, id: ApiKeyId) -> ServiceResult<()> {
        let owned = self
            .storage
            .api_keys_of(account.id)
            .await?
            .iter()
            .any(|k| k.id == id);
        if owned && self.storage.delete_api_key(id).await? {
            Ok(())
        } else {
            Err(ServiceError::NotFound(Entity::ApiKey))
        }
    }

    /// A fresh user key bound to `ip`, replacing the account's previous user key.
    ///
    /// # Errors
    /// Storage failures.
    pub async fn create_user_api_key(&self, account: &Account, ip: &str) -> ServiceResult<String> {
        self.new_api_key(account.id, ApiKeyKind::User { ip: ip.to_owned() }, None)
            .await
    }
}
