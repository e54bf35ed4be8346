//! Use cases shared by the CLI and the HTTP API: creating spaces and admins, keys, passwords,
//! auth tokens. Validation happens here, once, whoever calls.

use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};

use crate::auth::{BudgetError, Budgets, Exhausted, FailureBudget, RequestBudget};
use crate::devices::NoDeviceRegistry;
use crate::error::{Conflict, RegistrarError, StoreError};
use crate::model::{
    Account, AccountChanges, AccountId, AccountQuery, ApiKey, ApiKeyId, ApiKeyKind, AuthToken,
    Domain, NewAccount, NewApiKey, Page, Password, PasswordAlgorithm, SipIdentity, Space, Username,
    hash_api_key,
};
use crate::ports::{Clock, DeviceRegistry, Storage, TokenSource};
use crate::validation::{Rule, ValidationErrors};

/// Length of generated API keys (the original's 40 alphanumerics).
pub const API_KEY_LENGTH: usize = 40;
/// Auth tokens are valid this long after creation (the original's fixed 5 minutes).
pub const AUTH_TOKEN_TTL_MINUTES: i64 = 5;
/// Minimum password length.
pub const MIN_PASSWORD_LENGTH: usize = 6;

/// What can go wrong in a use case.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    #[error("invalid input: {0:?}")]
    Validation(ValidationErrors),
    #[error("no space for domain {0}")]
    UnknownSpace(String),
    #[error("account not found")]
    AccountNotFound,
    #[error("contacts list not found")]
    ContactsListNotFound,
    /// The account is not a contact of the one asked about.
    #[error("not a contact")]
    ContactNotFound,
    /// The account is not a member of the contacts list.
    #[error("not in the contacts list")]
    NotInContactsList,
    #[error("the contacts list is already attached to the account")]
    ContactsListAlreadyAttached,
    #[error("the contacts list is not attached to the account")]
    ContactsListNotAttached,
    #[error("not found")]
    NotFound,
    #[error("already exists: {0:?}")]
    Conflict(Conflict),
    #[error("the space has reached its maximum number of accounts")]
    SpaceFull,
    /// The space's `public_registration` is off: strangers may not sign up (an admin's
    /// invitation, a creation token it minted, still registers).
    #[error("public registration is closed on this space")]
    RegistrationClosed,
    #[error("no such device")]
    DeviceNotFound,
    #[error("unknown or used provisioning token")]
    ProvisioningTokenNotFound,
    #[error("the provisioning token has expired")]
    ProvisioningTokenExpired,
    /// Too many wrong old passwords for this account or from this address within the window.
    #[error("too many failed attempts; retry in {retry_after_seconds} s")]
    TooManyFailures { retry_after_seconds: u64 },
    /// This address made too many unauthenticated writes (auth tokens) within the window.
    #[error("too many requests; retry in {retry_after_seconds} s")]
    TooManyRequests { retry_after_seconds: u64 },
    /// The account is blocked: it gets nothing, credentials least of all.
    #[error("account blocked")]
    AccountBlocked,
    /// An admin deactivated the account: only an admin activates it again.
    #[error("account deactivated")]
    AccountDeactivated,
    #[error(transparent)]
    Storage(StoreError),
    #[error(transparent)]
    Registrar(RegistrarError),
}

impl ServiceError {
    /// A spent budget: `failures` tells which variant it becomes.
    fn from_budget(e: BudgetError, failures: bool) -> Self {
        match e {
            BudgetError::Exhausted(Exhausted {
                retry_after_seconds,
            }) if failures => Self::TooManyFailures {
                retry_after_seconds,
            },
            BudgetError::Exhausted(Exhausted {
                retry_after_seconds,
            }) => Self::TooManyRequests {
                retry_after_seconds,
            },
            BudgetError::Storage(s) => s.into(),
        }
    }
}

impl From<RegistrarError> for ServiceError {
    fn from(e: RegistrarError) -> Self {
        Self::Registrar(e)
    }
}

impl From<StoreError> for ServiceError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Conflict(c) => Self::Conflict(c),
            StoreError::SpaceFull => Self::SpaceFull,
            StoreError::NotFound => Self::NotFound,
            StoreError::TokenSpent => Self::Validation(ValidationErrors::single(
                "account_creation_token",
                Rule::ValidToken,
            )),
            StoreError::LastSuperSpace => {
                Self::Validation(ValidationErrors::single("super", Rule::LastSuperSpace))
            }
            other => Self::Storage(other),
        }
    }
}

impl From<ValidationErrors> for ServiceError {
    fn from(e: ValidationErrors) -> Self {
        Self::Validation(e)
    }
}

pub type ServiceResult<T> = Result<T, ServiceError>;

mod account_types;
mod space_cache;
mod spaces;

pub use space_cache::SPACE_CACHE_TTL_SECONDS;
pub use spaces::{CreateSpace, MAX_SPACE_NAME_LENGTH, is_valid_ini, parse_expiry};

/// Refuses credentials (provisioning, HA1, API keys handed out by token, password changes) to a
/// blocked account and to one an admin deactivated.
///
/// # Errors
/// `AccountBlocked`, then `AccountDeactivated`.
pub fn check_may_get_credentials(account: &Account) -> ServiceResult<()> {
    if account.blocked {
        return Err(ServiceError::AccountBlocked);
    }
    if account.deactivated_at.is_some() {
        return Err(ServiceError::AccountDeactivated);
    }
    Ok(())
}

/// What `bootstrap` created, to be shown once to the operator.
#[derive(Debug, Clone)]
pub struct BootstrapCredentials {
    pub identity: String,
    pub password: String,
    pub api_key: String,
}

/// Tunables of the use cases, from the configuration.
#[derive(Debug, Clone, Default)]
pub struct ServiceSettings {
    /// Lifetime of account creation tokens; `None` (the original's 0): they never expire.
    pub account_creation_token_ttl: Option<Duration>,
}

/// The use cases, over the ports.
#[derive(Clone)]
pub struct Services {
    pub storage: Arc<dyn Storage>,
    pub clock: Arc<dyn Clock>,
    pub tokens: Arc<dyn TokenSource>,
    pub settings: ServiceSettings,
    /// The SIP registrar's devices; [`NoDeviceRegistry`] when the deployment has none.
    pub registrar: Arc<dyn DeviceRegistry>,
    /// How long a provisioning token stays usable after its creation; `None`: forever.
    pub provisioning_token_ttl: Option<Duration>,
    /// Shared by every clone: see [`Services::space_by_host`].
    spaces: Arc<space_cache::SpaceCache>,
    /// Wrong old passwords and auth token creations spend these (the Authenticator's).
    budgets: Budgets,
}

impl Services {
    /// Services without a registrar and with provisioning tokens that never expire.
    pub fn new(
        storage: Arc<dyn Storage>,
        clock: Arc<dyn Clock>,
        tokens: Arc<dyn TokenSource>,
    ) -> Self {
        let budgets = Budgets::new(
            storage.clone(),
            clock.clone(),
            FailureBudget::default(),
            RequestBudget::default(),
        );
        Self {
            storage,
            clock,
            tokens,
            budgets,
            settings: ServiceSettings::default(),
            registrar: Arc::new(NoDeviceRegistry),
            provisioning_token_ttl: None,
            spaces: Arc::default(),
        }
    }

    #[must_use]
    pub fn with_settings(mut self, settings: ServiceSettings) -> Self {
        self.settings = settings;
        self
    }

    /// The budgets to spend (share the Authenticator's, so Digest and password changes count
    /// into one failure budget).
    #[must_use]
    pub fn with_budgets(mut self, budgets: Budgets) -> Self {
        self.budgets = budgets;
        self
    }

    pub fn with_registrar(mut self, registrar: Arc<dyn DeviceRegistry>) -> Self {
        self.registrar = registrar;
        self
    }

    /// `None` (or a duration of zero or less): tokens never expire.
    pub fn with_provisioning_token_ttl(mut self, ttl: Option<Duration>) -> Self {
        self.provisioning_token_ttl = ttl.filter(|d| *d > Duration::zero());
        self
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    /// The space served on `host` (lower-case, without port), from a per-process cache: changes
    /// made through these services are seen at once, changes made by another process within
    /// [`SPACE_CACHE_TTL_SECONDS`].
    ///
    /// # Errors
    /// Storage failures.
    pub async fn space_by_host(&self, host: &str) -> ServiceResult<Option<Arc<Space>>> {
        let now = self.now();
        if let Some(space) = self.spaces.get(host, now) {
            return Ok(Some(space));
        }
        let Some(space) = self.storage.space_by_host(host).await? else {
            return Ok(None);
        };
        let space = Arc::new(space);
        self.spaces.put(host, space.clone(), now);
        Ok(Some(space))
    }

    /// The space's account limit as stored now: the request's space may come from the cache, and
    /// another process may have changed the limit since.
    ///
    /// # Errors
    /// Storage failures.
    pub(crate) async fn current_max_accounts(&self, space: &Space) -> ServiceResult<i64> {
        Ok(self
            .storage
            .space_by_domain(&space.domain)
            .await?
            .map_or(space.max_accounts, |stored| stored.max_accounts))
    }

    /// Drops the cached spaces, for callers that changed one directly in storage.
    pub fn forget_cached_spaces(&self) {
        self.spaces.clear();
    }

    async fn space(&self, domain: &str) -> ServiceResult<Space> {
        let parsed =
            Domain::parse(domain).map_err(|_| ServiceError::UnknownSpace(domain.into()))?;
        self.storage
            .space_by_domain(&parsed)
            .await?
            .ok_or_else(|| ServiceError::UnknownSpace(domain.into()))
    }

    /// The A1 hash of `clear` for an account of `space`.
    pub fn hash_password(
        space: &Space,
        username: &Username,
        clear: &str,
        algorithm: PasswordAlgorithm,
    ) -> Password {
        Password::from_clear(algorithm, username.as_str(), space.realm(), clear)
    }

    /// Creates an activated admin account in `domain`'s space, or promotes the existing one,
    /// storing the password for `algorithm` only.
    ///
    /// # Errors
    /// `UnknownSpace`; `Validation` for a bad username or a short password.
    pub async fn create_admin(
        &self,
        username: &str,
        domain: &str,
        password: &str,
        algorithm: PasswordAlgorithm,
    ) -> ServiceResult<Account> {
        let space = self.space(domain).await?;
        let mut errors = ValidationErrors::new();
        let username = Username::parse(username)
            .map_err(|_| errors.add("username", Rule::SipUsername))
            .ok();
        if password.chars().count() < MIN_PASSWORD_LENGTH {
            errors.add("password", Rule::MinLength(MIN_PASSWORD_LENGTH as u32));
        }
        errors.clone().into_result()?;
        let Some(username) = username else {
            return Err(errors.into());
        };
        let hashed = Self::hash_password(&space, &username, password, algorithm);
        let now = self.now();
        match self
            .storage
            .account_by_identity(&username, &space.domain)
            .await?
        {
            Some(existing) => {
                let changes = AccountChanges {
                    activated: true,
                    deactivated_at: None,
                    admin: true,
                    passwords: Some(vec![hashed]),
                    ..AccountChanges::unchanged(&existing)
                };
                Ok(self
                    .storage
                    .update_account(existing.id, changes, now)
                    .await?)
            }
            None => {
                let new = NewAccount {
                    activated: true,
                    admin: true,
                    passwords: vec![hashed],
                    user_agent: Some("flexiapi".into()),
                    ..NewAccount::new(username, space.domain.clone())
                };
                Ok(self
                    .storage
                    .create_account(new, space.max_accounts, now)
                    .await?)
            }
        }
    }

    /// Creates a stable admin API key for an existing account and returns the key (shown once).
    ///
    /// # Errors
    /// `AccountNotFound` when username@domain does not exist.
    pub async fn create_admin_api_key(
        &self,
        username: &str,
        domain: &str,
    ) -> ServiceResult<String> {
        let space = self.space(domain).await?;
        let username = Username::parse(username).map_err(|_| ServiceError::AccountNotFound)?;
        let account = self
            .storage
            .account_by_identity(&username, &space.domain)
            .await?
            .ok_or(ServiceError::AccountNotFound)?;
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

    /// The account with that id if it belongs to `space`.
    ///
    /// # Errors
    /// `AccountNotFound` otherwise.
    pub async fn account_in_space(&self, id: AccountId, space: &Space) -> ServiceResult<Account> {
        self.storage
            .account_by_id(id)
            .await?
            .filter(|a| a.domain == space.domain)
            .ok_or(ServiceError::AccountNotFound)
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
            Err(ServiceError::NotFound)
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

    /// On an empty database, creates the `localhost` super space, `admin@localhost` with a random
    /// password, and an admin API key. Returns `None` when any space exists.
    ///
    /// # Errors
    /// Storage failures.
    pub async fn bootstrap(&self) -> ServiceResult<Option<BootstrapCredentials>> {
        if !self.storage.list_spaces().await?.is_empty() {
            return Ok(None);
        }
        self.create_space(CreateSpace {
            domain: "localhost".into(),
            host: "localhost".into(),
            name: Some("localhost".into()),
            super_space: true,
            ..CreateSpace::default()
        })
        .await?;
        let password = self.tokens.alphanumeric(16);
        self.create_admin("admin", "localhost", &password, PasswordAlgorithm::Sha256)
            .await?;
        let api_key = self.create_admin_api_key("admin", "localhost").await?;
        Ok(Some(BootstrapCredentials {
            identity: "sip:admin@localhost".into(),
            password,
            api_key,
        }))
    }

    /// Sets a new password for `algorithm` (default: the space's), removing the other
    /// algorithm's hash. When the account has passwords, `old_password` must match one of them;
    /// wrong ones, made from `ip`, spend the failure budget Digest spends (this account from this
    /// address, this account in all, this address), and once it is spent even the right one is
    /// refused until the window frees it: the endpoint is no unlimited password oracle.
    ///
    /// # Errors
    /// `TooManyFailures`; `Validation` (`password` too short, `old_password` missing or
    /// incorrect).
    pub async fn change_password(
        &self,
        account: &Account,
        space: &Space,
        old_password: Option<&str>,
        new_password: Option<&str>,
        algorithm: Option<PasswordAlgorithm>,
        ip: &str,
    ) -> ServiceResult<Account> {
        // As stored now, not as the caller's authentication saw it: the flags written back
        // below must not undo a block or a deactivation made in the meantime.
        let account = &self
            .storage
            .account_by_id(account.id)
            .await?
            .ok_or(ServiceError::AccountNotFound)?;
        check_may_get_credentials(account)?;
        let mut errors = ValidationErrors::new();
        match new_password {
            None | Some("") => errors.add("password", Rule::Required),
            Some(p) if p.chars().count() < MIN_PASSWORD_LENGTH => {
                errors.add("password", Rule::MinLength(MIN_PASSWORD_LENGTH as u32));
            }
            Some(_) => {}
        }
        if !account.passwords.is_empty() {
            match old_password {
                None | Some("") => errors.add("old_password", Rule::Required),
                Some(old) => {
                    let identity =
                        SipIdentity::new(account.username.clone(), account.domain.clone());
                    self.budgets
                        .check_failures(Some(&identity), ip)
                        .await
                        .map_err(|e| ServiceError::from_budget(e, true))?;
                    let matches = account
                        .passwords
                        .iter()
                        .any(|p| p.matches_clear(account.username.as_str(), space.realm(), old));
                    if !matches {
                        self.budgets.record_failure(Some(&identity), ip).await?;
                        errors.add("old_password", Rule::IncorrectOldPassword);
                    }
                }
            }
        }
        errors.into_result()?;
        let algorithm = algorithm.unwrap_or(space.digest.default_password_algorithm);
        let hashed = Self::hash_password(
            space,
            &account.username,
            new_password.unwrap_or_default(),
            algorithm,
        );
        let changes = AccountChanges {
            activated: true,
            passwords: Some(vec![hashed]),
            ..AccountChanges::unchanged(account)
        };
        Ok(self
            .storage
            .update_account(account.id, changes, self.now())
            .await?)
    }

    /// Activates (`true`) or deactivates an account as an admin does: a deactivation is
    /// remembered (`deactivated_at`) so that only an admin activates the account again.
    ///
    /// # Errors
    /// Storage failures.
    pub async fn set_activated_by_admin(
        &self,
        account: &Account,
        activated: bool,
    ) -> ServiceResult<Account> {
        let changes = AccountChanges {
            activated,
            deactivated_at: if activated {
                None
            } else {
                account.deactivated_at.or(Some(self.now()))
            },
            ..AccountChanges::unchanged(account)
        };
        Ok(self
            .storage
            .update_account(account.id, changes, self.now())
            .await?)
    }

    /// A fresh provisioning token for the caller's own account (`/accounts/me/provision`).
    ///
    /// # Errors
    /// `AccountBlocked`, `AccountDeactivated` (see [`check_may_get_credentials`]).
    pub async fn renew_own_provisioning_token(
        &self,
        account: &Account,
        ip: Option<String>,
        user_agent: Option<String>,
    ) -> ServiceResult<crate::model::ProvisioningToken> {
        check_may_get_credentials(account)?;
        self.new_provisioning_token(account, ip, user_agent).await
    }

    /// # Errors
    /// `AccountNotFound`.
    pub async fn delete_account(&self, id: AccountId) -> ServiceResult<()> {
        if self.storage.delete_account(id, self.now()).await? {
            Ok(())
        } else {
            Err(ServiceError::AccountNotFound)
        }
    }

    /// # Errors
    /// Storage failures.
    pub async fn list_accounts(
        &self,
        domain: &Domain,
        page: u64,
        per_page: u64,
        search: Option<String>,
    ) -> ServiceResult<Page<Account>> {
        let query = AccountQuery {
            domain: domain.clone(),
            search: search.filter(|s| !s.is_empty()),
            page: page.max(1),
            per_page: per_page.clamp(1, 100),
        };
        Ok(self.storage.list_accounts(&query).await?)
    }

    /// A new unattached auth token (32 alphanumerics, valid five minutes) of `space`, the space
    /// of the host it is created on, spending one of `ip`'s auth token budget: anyone may call
    /// this, and each call stores a row.
    ///
    /// # Errors
    /// `TooManyRequests`; storage failures.
    pub async fn create_auth_token(
        &self,
        space: &Space,
        ip: &str,
        user_agent: Option<String>,
    ) -> ServiceResult<(AuthToken, DateTime<Utc>)> {
        self.budgets
            .spend_auth_token(ip)
            .await
            .map_err(|e| ServiceError::from_budget(e, false))?;
        let token = AuthToken {
            token: self.tokens.alphanumeric(32),
            domain: space.domain.clone(),
            account_id: None,
            ip: Some(ip.to_owned()),
            user_agent,
            created_at: self.now(),
        };
        self.storage.create_auth_token(token.clone()).await?;
        let expire_at = token.created_at + Duration::minutes(AUTH_TOKEN_TTL_MINUTES);
        Ok((token, expire_at))
    }

    /// Deletes auth tokens past their lifetime (the periodic purge); returns how many.
    ///
    /// # Errors
    /// Storage failures.
    pub async fn purge_expired_auth_tokens(&self) -> ServiceResult<u64> {
        Ok(self
            .storage
            .purge_auth_tokens(self.now() - Duration::minutes(AUTH_TOKEN_TTL_MINUTES))
            .await?)
    }

    fn auth_token_alive(&self, token: &AuthToken) -> bool {
        token.created_at + Duration::minutes(AUTH_TOKEN_TTL_MINUTES) > self.now()
    }

    /// Attaches a live, unattached token of `space` (the request's) to `account`, an account of
    /// that space.
    ///
    /// # Errors
    /// `NotFound` for an unknown, expired or already attached token, for a token of another
    /// space, and for an account of another space (a super admin's included): all alike.
    pub async fn attach_auth_token(
        &self,
        token: &str,
        space: &Space,
        account: &Account,
    ) -> ServiceResult<()> {
        if account.domain != space.domain {
            return Err(ServiceError::NotFound);
        }
        let stored = self
            .storage
            .auth_token(token, &space.domain)
            .await?
            .filter(|t| self.auth_token_alive(t))
            .ok_or(ServiceError::NotFound)?;
        if self
            .storage
            .attach_auth_token(&stored.token, &space.domain, account.id)
            .await?
        {
            Ok(())
        } else {
            Err(ServiceError::NotFound)
        }
    }

    /// Consumes an attached, live token of `space` (the request's) and returns a fresh user API
    /// key for its account, bound to the caller's IP. A token of another space is left intact.
    ///
    /// # Errors
    /// `NotFound` for an unknown, expired, unattached, already used or foreign token.
    pub async fn redeem_auth_token(
        &self,
        token: &str,
        space: &Space,
        ip: &str,
    ) -> ServiceResult<String> {
        let taken = self
            .storage
            .take_attached_auth_token(token, &space.domain)
            .await?
            .filter(|t| self.auth_token_alive(t))
            .ok_or(ServiceError::NotFound)?;
        let account_id = taken.account_id.ok_or(ServiceError::NotFound)?;
        let account = self
            .storage
            .account_by_id(account_id)
            .await?
            // Attached by an account of the space; checked again in case it moved or went.
            .filter(|a| a.domain == space.domain)
            .ok_or(ServiceError::NotFound)?;
        check_may_get_credentials(&account)?;
        self.create_user_api_key(&account, ip).await
    }
}
