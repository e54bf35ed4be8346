//! Change codes: the e-mail change codes and the phone change codes, one table each, one contract
//! for both (`T` is [`Email`](crate::model::Email) or [`PhoneNumber`](crate::model::PhoneNumber)).
//!
//! Codes are found through their account, which the use case has already looked up in the
//! request's space.

use std::collections::BTreeMap;

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::StoreResult;
use crate::model::{Account, AccountId, ChangeCode, ChangeCodeId, ChangeTarget, NewChangeCode};

#[async_trait]
pub trait ChangeCodeRepository<T: ChangeTarget>: Send + Sync + 'static {
    /// Inserts a pending code with no wrong tries and, in the same transaction, spends the
    /// account's earlier pending codes: an account MUST have at most one pending code of a kind.
    ///
    /// # Errors
    /// `NotFound` when the account does not exist.
    async fn create_change_code(
        &self,
        new: NewChangeCode<T>,
        now: DateTime<Utc>,
    ) -> StoreResult<ChangeCode<T>>;

    /// The account's latest code (highest id), pending or spent.
    async fn latest_change_code(&self, account_id: AccountId)
    -> StoreResult<Option<ChangeCode<T>>>;

    /// The pending code of each of `ids` that has one, in one query whatever the number of
    /// accounts (a listing page shows twenty accounts).
    async fn pending_change_codes(
        &self,
        ids: &[AccountId],
    ) -> StoreResult<BTreeMap<AccountId, ChangeCode<T>>>;

    /// How many codes were created for the account strictly after `since`, spent ones included.
    async fn count_change_codes_since(
        &self,
        account_id: AccountId,
        since: DateTime<Utc>,
    ) -> StoreResult<u64>;

    /// Counts one wrong try of a pending code: `attempts + 1`, and the code is spent when that
    /// reaches `max_attempts`. Returns the attempts after this one, or `None` when the code is no
    /// longer pending (nothing changes then). MUST be atomic: of racing wrong tries each counts
    /// once, and none counts on a spent code.
    async fn fail_change_code(
        &self,
        id: ChangeCodeId,
        max_attempts: u32,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<u32>>;

    /// Spends a pending code and, in the same transaction, gives its account the code's target
    /// (`email` or `phone`), `activated = true` when `activate`, and `updated_at = now`. Returns
    /// the account as changed, or `None` when the code was no longer pending: of racing calls,
    /// exactly one applies it.
    async fn apply_change_code(
        &self,
        id: ChangeCodeId,
        activate: bool,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<Account>>;
}
