//! Account types, per space.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::StoreResult;
use crate::model::{AccountId, AccountType, AccountTypeId, AccountTypeKey, Domain};

/// Account types belong to one space (`domain`): every method takes the space it acts in, and a
/// type of another space is, to it, an unknown id. So no caller can read, change or attach another
/// space's type by construction.
#[async_trait]
pub trait AccountTypeRepository: Send + Sync + 'static {
    /// # Errors
    /// `Conflict(AccountTypeKey)` when a type of that space has that key (the same key in two
    /// spaces is allowed); `NotFound` when no space has that domain.
    async fn create_account_type(
        &self,
        domain: &Domain,
        key: &AccountTypeKey,
        now: DateTime<Utc>,
    ) -> StoreResult<AccountType>;

    /// The space's types, ordered by id.
    async fn list_account_types(&self, domain: &Domain) -> StoreResult<Vec<AccountType>>;

    /// `None` for an unknown id and for a type of another space.
    async fn account_type(
        &self,
        domain: &Domain,
        id: AccountTypeId,
    ) -> StoreResult<Option<AccountType>>;

    /// # Errors
    /// `NotFound` (also for a type of another space); `Conflict(AccountTypeKey)` when another type
    /// of the space has that key.
    async fn update_account_type(
        &self,
        domain: &Domain,
        id: AccountTypeId,
        key: &AccountTypeKey,
        now: DateTime<Utc>,
    ) -> StoreResult<AccountType>;

    /// Deletes the type and its attachments; returns whether it existed in that space (a type of
    /// another space is left alone).
    async fn delete_account_type(&self, domain: &Domain, id: AccountTypeId) -> StoreResult<bool>;

    /// Returns false when the type is already attached to the account. MUST be atomic: of
    /// concurrent attachments of one pair, one returns true.
    ///
    /// # Errors
    /// `NotFound` when the account or the type does not exist in that space.
    async fn attach_account_type(
        &self,
        domain: &Domain,
        account_id: AccountId,
        type_id: AccountTypeId,
        now: DateTime<Utc>,
    ) -> StoreResult<bool>;

    /// Returns false when the type was not attached, or is not a type of that space.
    async fn detach_account_type(
        &self,
        domain: &Domain,
        account_id: AccountId,
        type_id: AccountTypeId,
    ) -> StoreResult<bool>;

    /// The account's types, ordered by id.
    async fn types_of(&self, account_id: AccountId) -> StoreResult<Vec<AccountType>>;
}
