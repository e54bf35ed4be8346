//! Accounts with their passwords, and the tombstones of deleted ones.

use std::collections::BTreeMap;

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::StoreResult;
use crate::model::{
    Account, AccountChanges, AccountDetails, AccountId, AccountQuery, Domain, Email, NewAccount,
    Page, PhoneNumber, Username,
};

#[async_trait]
pub trait AccountRepository: Send + Sync + 'static {
    /// Inserts the account, its passwords and its dictionary in one transaction. When `max_accounts > 0`, the
    /// insert MUST be refused with `SpaceFull` if the domain already holds that many accounts,
    /// also when several creations race. When `new.creation_token` is set, the same transaction
    /// spends it (a token of the account's domain, unused, unexpired at `now`, then used and
    /// linked to the account): of racing creations with one token, exactly one succeeds.
    ///
    /// # Errors
    /// `Conflict(AccountIdentity)` when username@domain exists; `SpaceFull`; `TokenSpent`.
    async fn create_account(
        &self,
        new: NewAccount,
        max_accounts: i64,
        now: DateTime<Utc>,
    ) -> StoreResult<Account>;

    /// Inserts many accounts with their passwords and dictionaries, all or nothing, in one
    /// transaction (imports, load tests). No `max_accounts` check: the caller decides. Returns
    /// how many were inserted. Adapters whose query planner needs it refresh its statistics, so
    /// that queries right after a large import are planned for the new size.
    ///
    /// # Errors
    /// `Conflict(AccountIdentity)` when any username@domain exists or repeats in `accounts`
    /// (nothing is inserted); `NotFound` when a domain has no space.
    async fn insert_accounts(
        &self,
        accounts: Vec<NewAccount>,
        now: DateTime<Utc>,
    ) -> StoreResult<u64>;

    async fn account_by_id(&self, id: AccountId) -> StoreResult<Option<Account>>;

    async fn account_by_identity(
        &self,
        username: &Username,
        domain: &Domain,
    ) -> StoreResult<Option<Account>>;

    /// The first account (lowest id) of `domain` with that email.
    async fn account_by_email(
        &self,
        domain: &Domain,
        email: &Email,
    ) -> StoreResult<Option<Account>>;

    /// The first account (lowest id) of `domain` whose phone or username is `phone`.
    async fn account_by_phone(
        &self,
        domain: &Domain,
        phone: &PhoneNumber,
    ) -> StoreResult<Option<Account>>;

    /// Accounts of a domain ordered by id; `search` matches username, email or phone as a
    /// case-insensitive substring. Without a search, `total` MUST cost what
    /// [`AccountRepository::count_accounts`] costs.
    async fn list_accounts(&self, query: &AccountQuery) -> StoreResult<Page<Account>>;

    /// The number of accounts of `domain`. MUST NOT grow in cost with that number: listings
    /// show it as their total on every page.
    async fn count_accounts(&self, domain: &Domain) -> StoreResult<u64>;

    /// The dictionary, types, actions and current provisioning token of each account, and
    /// whether it has a pending e-mail or phone change code and CardDAV credentials, in as
    /// many queries as there are relations whatever the number of accounts (a listing page
    /// asks for twenty at once). Every id is in the answer; unknown ones have empty details.
    async fn account_details(
        &self,
        ids: &[AccountId],
    ) -> StoreResult<BTreeMap<AccountId, AccountDetails>>;

    /// Applies `changes` (and replaces the passwords, and the dictionary, when given) in one
    /// transaction; sets `updated_at = now`.
    ///
    /// # Errors
    /// `NotFound`; `Conflict(AccountIdentity)` when the new username is taken in the domain.
    async fn update_account(
        &self,
        id: AccountId,
        changes: AccountChanges,
        now: DateTime<Utc>,
    ) -> StoreResult<Account>;

    /// Moves the account to the space of `to`, named `username` there (a super admin's `PUT`
    /// with another `domain`), in one transaction: it leaves its old space's account count, and
    /// the old space's resources it was linked to (account types, contacts lists it was attached
    /// to or listed in); the rest (passwords, keys, dictionary, contacts) goes with it.
    ///
    /// # Errors
    /// `NotFound`; `Conflict(AccountIdentity)` when `username` is taken in `to`; `SpaceFull`
    /// when `max_accounts > 0` and `to` already holds that many accounts.
    async fn move_account(
        &self,
        id: AccountId,
        username: &Username,
        to: &Domain,
        max_accounts: i64,
        now: DateTime<Utc>,
    ) -> StoreResult<()>;

    /// Deletes the account with everything that belongs to it (passwords, keys, tokens,
    /// dictionary, types, actions, contacts, contacts list memberships and attachments), and leaves a tombstone for its
    /// username@domain. Returns whether it existed.
    async fn delete_account(&self, id: AccountId, now: DateTime<Utc>) -> StoreResult<bool>;

    /// Whether a deleted account left a tombstone for this username@domain.
    async fn is_tombstoned(&self, username: &Username, domain: &Domain) -> StoreResult<bool>;

    /// Leaves a tombstone for `username@domain` dated `created_at` (`flexiapi import`); returns
    /// false, keeping the older one, when there is one already.
    async fn add_tombstone(
        &self,
        username: &Username,
        domain: &Domain,
        created_at: DateTime<Utc>,
    ) -> StoreResult<bool>;

    /// Removes tombstones created before `before`; returns how many.
    async fn purge_tombstones(&self, before: DateTime<Utc>) -> StoreResult<u64>;

    /// Deletes the accounts of `domain` never activated (`activated` false and never deactivated
    /// by an admin) and created before `created_before`, with everything that belongs to them,
    /// leaving a tombstone for each as [`AccountRepository::delete_account`] does. Returns how
    /// many were deleted.
    async fn delete_unconfirmed_accounts(
        &self,
        domain: &Domain,
        created_before: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> StoreResult<u64>;
}
