//! Each account's external account (the B2BUA's account on another SIP provider).

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::StoreResult;
use crate::model::{AccountId, ExternalAccount, NewExternalAccount};

/// An account has at most one external account; deleting the account deletes it.
/// `(username, domain)` is unique across all external accounts.
#[async_trait]
pub trait ExternalAccountRepository: Send + Sync + 'static {
    /// The account's external account; `None` when it has none or the account does not exist.
    async fn external_account_of(&self, account: AccountId)
    -> StoreResult<Option<ExternalAccount>>;

    /// Creates the account's external account or replaces every field of it (`updated_at =
    /// now`, `created_at = now` on creation; a `None` password keeps the stored one). Returns
    /// the row and whether it was created. MUST be atomic: of concurrent calls for one account,
    /// exactly one creates, and one row remains.
    ///
    /// # Errors
    /// MUST return `NotFound` when the account does not exist, or when `password` is `None` and
    /// there is no row to keep it from; `Conflict(ExternalAccountIdentity)` when another
    /// account's external account has the same username and domain.
    async fn put_external_account(
        &self,
        account: AccountId,
        external: &NewExternalAccount,
        now: DateTime<Utc>,
    ) -> StoreResult<(ExternalAccount, bool)>;

    /// Deletes the account's external account and returns it; `None` when it had none.
    async fn delete_external_account(
        &self,
        account: AccountId,
    ) -> StoreResult<Option<ExternalAccount>>;
}
