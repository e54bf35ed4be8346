//! Ports: what the domain needs from the outside world.
//!
//! Every trait is `Send + Sync + 'static` and uses `async_trait`, so `app/` can pick a backend
//! from `--database` at run time and share it as `Arc<dyn Storage>`. Each method states the
//! contract every adapter MUST honour; `flexiapi-contract` turns those sentences into tests.
//!
//! Time is always passed in (`now`) rather than read by adapters, so tests control it.

use std::collections::BTreeMap;

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::error::{RegistrarError, StoreError};
use crate::model::{
    Account, AccountAction, AccountActionId, AccountChanges, AccountCreationToken, AccountDetails,
    AccountId, AccountQuery, AccountType, AccountTypeId, ApiKey, ApiKeyId, ApiKeyUsage, AuditEvent,
    AuthToken, ContactsList, ContactsListId, Device, DigestNonce, Domain, NewAccount,
    NewAccountCreationToken, NewApiKey, NewAuditEvent, NewProvisioningToken, NewSpace, Page,
    PhoneCountry, ProvisioningToken, SipIdentity, Space, SpaceId, Username,
};

pub type StoreResult<T> = Result<T, StoreError>;

#[async_trait]
pub trait SpaceRepository: Send + Sync + 'static {
    /// Creates a space.
    ///
    /// # Errors
    /// MUST return `Conflict(SpaceDomain)`, `Conflict(SpaceHost)` or `Conflict(SpaceName)` when
    /// another space has that domain, host or name.
    async fn create_space(&self, new: NewSpace, now: DateTime<Utc>) -> StoreResult<Space>;

    async fn space_by_domain(&self, domain: &Domain) -> StoreResult<Option<Space>>;

    /// `host` is lower-case, without port.
    async fn space_by_host(&self, host: &str) -> StoreResult<Option<Space>>;

    /// All spaces, ordered by domain.
    async fn list_spaces(&self) -> StoreResult<Vec<Space>>;

    /// Replaces every field of the space with id `space.id` except `id`, `domain` and
    /// `created_at`; sets `updated_at = now`.
    ///
    /// # Errors
    /// `NotFound` for an unknown id; the `Conflict`s of `create_space` for host and name;
    /// `LastSuperSpace` when it would demote the only super space. The check and the write MUST
    /// be atomic: of concurrent demotions or deletions of the last two super spaces, one fails.
    async fn update_space(&self, space: Space, now: DateTime<Utc>) -> StoreResult<Space>;

    /// Deletes the space and, in the same transaction, all its accounts (with their passwords
    /// and keys), its contacts lists and its account types. Returns whether the space existed.
    ///
    /// # Errors
    /// `LastSuperSpace` when it is the only super space, checked atomically with the deletion
    /// (as `update_space`).
    async fn delete_space(&self, domain: &Domain) -> StoreResult<bool>;
}

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
    async fn account_by_email(&self, domain: &Domain, email: &str) -> StoreResult<Option<Account>>;

    /// The first account (lowest id) of `domain` whose phone or username is `phone`.
    async fn account_by_phone(&self, domain: &Domain, phone: &str) -> StoreResult<Option<Account>>;

    /// Accounts of a domain ordered by id; `search` matches username, email or phone as a
    /// case-insensitive substring. Without a search, `total` MUST cost what
    /// [`AccountRepository::count_accounts`] costs.
    async fn list_accounts(&self, query: &AccountQuery) -> StoreResult<Page<Account>>;

    /// The number of accounts of `domain`. MUST NOT grow in cost with that number: listings
    /// show it as their total on every page.
    async fn count_accounts(&self, domain: &Domain) -> StoreResult<u64>;

    /// The dictionary, types, actions and current provisioning token of each account, in as
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

    /// Deletes the account with everything that belongs to it (passwords, keys, tokens,
    /// dictionary, types, actions, contacts, contacts list memberships and attachments), and leaves a tombstone for its
    /// username@domain. Returns whether it existed.
    async fn delete_account(&self, id: AccountId, now: DateTime<Utc>) -> StoreResult<bool>;

    /// Whether a deleted account left a tombstone for this username@domain.
    async fn is_tombstoned(&self, username: &Username, domain: &Domain) -> StoreResult<bool>;

    /// Removes tombstones created before `before`; returns how many.
    async fn purge_tombstones(&self, before: DateTime<Utc>) -> StoreResult<u64>;
}

#[async_trait]
pub trait ApiKeyRepository: Send + Sync + 'static {
    /// # Errors
    /// `Conflict(ApiKey)` when the hash exists.
    async fn create_api_key(&self, new: NewApiKey) -> StoreResult<ApiKey>;

    /// Deletes the account's user keys and inserts `new`, in one transaction.
    async fn replace_user_api_key(&self, new: NewApiKey) -> StoreResult<ApiKey>;

    async fn api_key_by_hash(&self, key_hash: &str) -> StoreResult<Option<ApiKey>>;

    async fn api_keys_of(&self, account_id: AccountId) -> StoreResult<Vec<ApiKey>>;

    async fn delete_api_key(&self, id: ApiKeyId) -> StoreResult<bool>;

    /// Adds each usage: `requests += usage.requests`, `last_used_at = max(stored, usage)`. Keys
    /// deleted meanwhile are skipped silently.
    async fn record_api_key_usage(&self, usage: &[ApiKeyUsage]) -> StoreResult<()>;

    /// Deletes user keys whose `last_used_at` is before `idle_since`; returns how many.
    async fn purge_idle_user_api_keys(&self, idle_since: DateTime<Utc>) -> StoreResult<u64>;
}

#[async_trait]
pub trait NonceStore: Send + Sync + 'static {
    /// # Errors
    /// `Conflict(Nonce)` when the opaque exists.
    async fn insert_nonce(&self, nonce: DigestNonce) -> StoreResult<()>;

    async fn nonce_by_opaque(&self, opaque: &str) -> StoreResult<Option<DigestNonce>>;

    /// Sets the stored `nc` to `nc` and adds one use, only if the stored `nc` is lower. Returns
    /// whether it did. MUST be atomic: of several concurrent calls with the same `nc`, exactly one
    /// returns true, across processes sharing the database.
    async fn advance_nonce(&self, opaque: &str, nc: i64) -> StoreResult<bool>;

    async fn delete_nonce(&self, opaque: &str) -> StoreResult<()>;

    /// Deletes pairs created before `before`; returns how many.
    async fn purge_nonces(&self, before: DateTime<Utc>) -> StoreResult<u64>;
}

/// Failed authentications, counted per key (`ip:<address>`, `account:<user@domain>`) so that
/// every process sharing the database sees the same budget.
#[async_trait]
pub trait AuthFailureStore: Send + Sync + 'static {
    async fn record_auth_failure(&self, key: &str, at: DateTime<Utc>) -> StoreResult<()>;

    /// For each of `keys`, in order: how many failures it has after `since`, and the oldest of
    /// them.
    async fn auth_failures_since(
        &self,
        keys: &[&str],
        since: DateTime<Utc>,
    ) -> StoreResult<Vec<(u64, Option<DateTime<Utc>>)>>;

    /// Deletes failures recorded before `before`; returns how many.
    async fn purge_auth_failures(&self, before: DateTime<Utc>) -> StoreResult<u64>;
}

/// The audit trail of admin changes.
#[async_trait]
pub trait AuditRepository: Send + Sync + 'static {
    async fn record_audit_event(&self, event: NewAuditEvent) -> StoreResult<()>;

    /// Newest first; `page` starts at 1.
    async fn list_audit_events(&self, page: u64, per_page: u64) -> StoreResult<Page<AuditEvent>>;
}

/// Auth tokens belong to the space (domain) they were created in: every lookup names it, and a
/// token of another space is answered as an unknown one.
#[async_trait]
pub trait AuthTokenRepository: Send + Sync + 'static {
    /// # Errors
    /// `Conflict(AuthToken)` when the token exists; `NotFound` when no space has its domain.
    async fn create_auth_token(&self, token: AuthToken) -> StoreResult<()>;

    /// The token if it belongs to `domain`.
    async fn auth_token(&self, token: &str, domain: &Domain) -> StoreResult<Option<AuthToken>>;

    /// Attaches an unattached token of `domain` to the account. Returns false when the token is
    /// unknown, of another domain or already attached. MUST be atomic.
    async fn attach_auth_token(
        &self,
        token: &str,
        domain: &Domain,
        account_id: AccountId,
    ) -> StoreResult<bool>;

    /// Deletes and returns the token if it belongs to `domain` and is attached; a token of
    /// another domain is left as it is. MUST be atomic: of two concurrent calls, one gets the
    /// token.
    async fn take_attached_auth_token(
        &self,
        token: &str,
        domain: &Domain,
    ) -> StoreResult<Option<AuthToken>>;

    /// Deletes tokens created before `before`; returns how many.
    async fn purge_auth_tokens(&self, before: DateTime<Utc>) -> StoreResult<u64>;
}

#[async_trait]
pub trait DictionaryRepository: Send + Sync + 'static {
    /// Every entry of the account, by key; empty for an unknown account.
    async fn dictionary_of(&self, account_id: AccountId) -> StoreResult<BTreeMap<String, String>>;

    /// Sets `key` to `value` (insert or replace), atomically: concurrent calls for one key leave
    /// exactly one entry.
    ///
    /// # Errors
    /// MUST return `NotFound` when the account does not exist.
    async fn set_dictionary_entry(
        &self,
        account_id: AccountId,
        key: &str,
        value: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<()>;

    /// Returns whether the entry existed.
    async fn delete_dictionary_entry(&self, account_id: AccountId, key: &str) -> StoreResult<bool>;

    /// Deletes every entry of the account; returns how many.
    async fn clear_dictionary(&self, account_id: AccountId) -> StoreResult<u64>;
}

#[async_trait]
pub trait ProvisioningTokenRepository: Send + Sync + 'static {
    /// Inserts an unused token and, in the same transaction, marks every previous unused token
    /// of the account used, so an account MUST have at most one unused token.
    ///
    /// # Errors
    /// `NotFound` when the account does not exist; `Conflict(ProvisioningToken)` when the token
    /// exists.
    async fn create_provisioning_token(
        &self,
        new: NewProvisioningToken,
        now: DateTime<Utc>,
    ) -> StoreResult<ProvisioningToken>;

    /// The account's latest unused token.
    async fn current_provisioning_token(
        &self,
        account_id: AccountId,
    ) -> StoreResult<Option<ProvisioningToken>>;

    /// The token, used or not; `None` when unknown.
    async fn provisioning_token(&self, token: &str) -> StoreResult<Option<ProvisioningToken>>;

    /// Marks the token used and returns it (with `used = true`) only if it was unused and, when
    /// `issued_after` is given, created strictly after it (older tokens have expired). MUST be
    /// atomic: of several concurrent calls, exactly one gets the token, across processes.
    async fn use_provisioning_token(
        &self,
        token: &str,
        issued_after: Option<DateTime<Utc>>,
    ) -> StoreResult<Option<ProvisioningToken>>;
}

/// Account creation tokens belong to the space (domain) they were minted in: every lookup names
/// it, and a token of another space (or of none: rows older than the column) is answered as an
/// unknown one.
#[async_trait]
pub trait AccountCreationTokenRepository: Send + Sync + 'static {
    /// Inserts an unused, unattached token of `new.domain`.
    ///
    /// # Errors
    /// `Conflict(AccountCreationToken)` when the token exists (in any space); `NotFound` when no
    /// space has the domain.
    async fn create_creation_token(
        &self,
        new: NewAccountCreationToken,
        now: DateTime<Utc>,
    ) -> StoreResult<AccountCreationToken>;

    /// The token if it belongs to `domain`, used or not.
    async fn creation_token(
        &self,
        token: &str,
        domain: &Domain,
    ) -> StoreResult<Option<AccountCreationToken>>;

    /// Marks the token used and returns it (with `used = true`) only if it belongs to `domain`,
    /// was unused and is not expired at `now` (`expire_at` unset or after `now`). MUST be atomic:
    /// of several concurrent calls, exactly one gets the token, across processes.
    async fn spend_creation_token(
        &self,
        token: &str,
        domain: &Domain,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<AccountCreationToken>>;

    /// Attaches an unused, unattached token of `domain` to the account and marks it used;
    /// returns it updated, or `None` when the token is unknown, of another domain, used or
    /// attached. MUST be atomic like `spend_creation_token`.
    ///
    /// # Errors
    /// `NotFound` when the account does not exist.
    async fn consume_creation_token(
        &self,
        token: &str,
        domain: &Domain,
        account_id: AccountId,
    ) -> StoreResult<Option<AccountCreationToken>>;
}

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
        key: &str,
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
        key: &str,
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

#[async_trait]
pub trait AccountActionRepository: Send + Sync + 'static {
    /// # Errors
    /// `NotFound` when the account does not exist.
    async fn create_account_action(
        &self,
        account_id: AccountId,
        key: &str,
        code: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<AccountAction>;

    /// The account's actions, ordered by id.
    async fn account_actions(&self, account_id: AccountId) -> StoreResult<Vec<AccountAction>>;

    /// The action, only if it belongs to the account.
    async fn account_action(
        &self,
        account_id: AccountId,
        id: AccountActionId,
    ) -> StoreResult<Option<AccountAction>>;

    /// # Errors
    /// `NotFound` when the action does not exist or belongs to another account.
    async fn update_account_action(
        &self,
        account_id: AccountId,
        id: AccountActionId,
        key: &str,
        code: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<AccountAction>;

    /// Returns whether the action existed and belonged to the account.
    async fn delete_account_action(
        &self,
        account_id: AccountId,
        id: AccountActionId,
    ) -> StoreResult<bool>;
}

#[async_trait]
pub trait PhoneCountryRepository: Send + Sync + 'static {
    /// Every country, ordered by code; a fresh store MUST hold exactly
    /// [`crate::model::PHONE_COUNTRIES`], all deactivated.
    async fn list_phone_countries(&self) -> StoreResult<Vec<PhoneCountry>>;

    /// `code` is ISO 3166-1 alpha-2, upper-case.
    async fn phone_country(&self, code: &str) -> StoreResult<Option<PhoneCountry>>;

    /// Sets `activated` on every country whose dialling code is `country_code`; returns how many
    /// rows that concerns (also those already in that state).
    async fn set_phone_countries_activated(
        &self,
        country_code: &str,
        activated: bool,
    ) -> StoreResult<u64>;
}

#[async_trait]
pub trait ContactRepository: Send + Sync + 'static {
    /// Adds `contact_id` to the contacts of `account_id`; returns false when it already was one.
    /// MUST be atomic: of concurrent additions of one pair, one returns true.
    ///
    /// # Errors
    /// `NotFound` when either account does not exist.
    async fn add_contact(
        &self,
        account_id: AccountId,
        contact_id: AccountId,
        now: DateTime<Utc>,
    ) -> StoreResult<bool>;

    /// Returns whether it was a contact.
    async fn remove_contact(
        &self,
        account_id: AccountId,
        contact_id: AccountId,
    ) -> StoreResult<bool>;

    /// The contacts of the account (with their passwords), ordered by id.
    async fn contacts_of(&self, account_id: AccountId) -> StoreResult<Vec<Account>>;
}

/// Contacts lists belong to a space; accounts are their members, and lists are attached to
/// accounts. Deleting a space deletes its lists; deleting an account or a list removes its
/// memberships and attachments.
#[async_trait]
pub trait ContactsListRepository: Send + Sync + 'static {
    /// Creates an empty list (`contacts_count` 0) in the space.
    ///
    /// # Errors
    /// MUST return `Conflict(ContactsListTitle)` when a list of any space has that title;
    /// `NotFound` when the space does not exist.
    async fn create_contacts_list(
        &self,
        space_id: SpaceId,
        title: &str,
        description: Option<&str>,
        now: DateTime<Utc>,
    ) -> StoreResult<ContactsList>;

    /// The lists of a space with their `contacts_count`, ordered by id.
    async fn contacts_lists_of(&self, space_id: SpaceId) -> StoreResult<Vec<ContactsList>>;

    /// The list with that id, whatever its space, with its `contacts_count`.
    async fn contacts_list(&self, id: ContactsListId) -> StoreResult<Option<ContactsList>>;

    /// Replaces the title and the description and sets `updated_at = now`; the space stays.
    ///
    /// # Errors
    /// `NotFound`; `Conflict(ContactsListTitle)` when another list has that title.
    async fn update_contacts_list(
        &self,
        id: ContactsListId,
        title: &str,
        description: Option<&str>,
        now: DateTime<Utc>,
    ) -> StoreResult<ContactsList>;

    /// Deletes the list with its memberships and attachments; returns whether it existed.
    async fn delete_contacts_list(&self, id: ContactsListId) -> StoreResult<bool>;

    /// Makes the account a member of the list; returns false when it already was one. MUST be
    /// atomic: of concurrent additions of one pair, one returns true.
    ///
    /// # Errors
    /// `NotFound` when the list or the account does not exist.
    async fn add_to_contacts_list(
        &self,
        id: ContactsListId,
        contact_id: AccountId,
        now: DateTime<Utc>,
    ) -> StoreResult<bool>;

    /// Returns whether the account was a member.
    async fn remove_from_contacts_list(
        &self,
        id: ContactsListId,
        contact_id: AccountId,
    ) -> StoreResult<bool>;

    /// Attaches the list to the account; returns false when it already was. MUST be atomic: of
    /// concurrent attachments of one pair, one returns true.
    ///
    /// # Errors
    /// `NotFound` when the account or the list does not exist.
    async fn attach_contacts_list(
        &self,
        account_id: AccountId,
        id: ContactsListId,
        now: DateTime<Utc>,
    ) -> StoreResult<bool>;

    /// Returns whether the list was attached.
    async fn detach_contacts_list(
        &self,
        account_id: AccountId,
        id: ContactsListId,
    ) -> StoreResult<bool>;

    /// Everyone the account sees as a contact: its direct contacts and the members of the lists
    /// attached to it, each once, ordered by id (with their passwords). One round of queries,
    /// whatever the number of lists.
    async fn all_contacts_of(&self, account_id: AccountId) -> StoreResult<Vec<Account>>;
}

/// Everything a storage backend provides; each adapter implements it on one struct.
#[async_trait]
pub trait Storage:
    SpaceRepository
    + AccountRepository
    + ApiKeyRepository
    + NonceStore
    + AuthFailureStore
    + AuditRepository
    + AuthTokenRepository
    + DictionaryRepository
    + ProvisioningTokenRepository
    + AccountCreationTokenRepository
    + AccountTypeRepository
    + AccountActionRepository
    + PhoneCountryRepository
    + ContactRepository
    + ContactsListRepository
{
    /// Cheap round trip to the backend (readiness checks).
    async fn ping(&self) -> StoreResult<()>;

    /// Connections of the backend's pool, open and idle (`None` when there is no pool).
    fn pool_usage(&self) -> Option<PoolUsage> {
        None
    }
}

/// A connection pool's state, for metrics.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolUsage {
    pub open: u32,
    pub idle: u32,
    pub max: u32,
}

/// The devices the SIP registrar holds for an address of record (`username@domain`). Not part of
/// [`Storage`]: it lives in the registrar's own store, which a deployment may not have.
#[async_trait]
pub trait DeviceRegistry: Send + Sync + 'static {
    /// Every device registered for `aor`, in any order; empty when none.
    ///
    /// # Errors
    /// MUST return `Unavailable`, within about a second, when the registrar's store cannot be
    /// reached or does not answer.
    async fn devices(&self, aor: &SipIdentity) -> Result<Vec<Device>, RegistrarError>;

    /// Forgets the device with that uuid and notifies the registrar, so that it drops the binding
    /// at once. Returns whether the device was registered.
    ///
    /// # Errors
    /// `Unavailable`, as for `devices`.
    async fn remove_device(&self, aor: &SipIdentity, uuid: &str) -> Result<bool, RegistrarError>;
}

/// The time, as a port so that expiry is testable.
pub trait Clock: Send + Sync + 'static {
    fn now(&self) -> DateTime<Utc>;
}

/// Secrets and identifiers, as a port so that tests can be deterministic.
pub trait TokenSource: Send + Sync + 'static {
    /// `len` characters from `[A-Za-z0-9]`.
    fn alphanumeric(&self, len: usize) -> String;
    /// `bytes` random bytes, lower-case hex (twice as many characters).
    fn hex(&self, bytes: usize) -> String;
}
