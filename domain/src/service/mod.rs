//! Use cases shared by the CLI and the HTTP API, as methods of [`Services`], one submodule per
//! aggregate (spaces, accounts, passwords, API keys, auth tokens, account types, actions,
//! dictionary, phone countries, audit, contacts, devices, provisioning, registration, TURN
//! credentials).
//! Validation happens here, once, whoever calls.

use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};

use crate::auth::{BudgetError, Budgets, Exhausted, FailureBudget, RequestBudget};
use crate::error::{Conflict, RegistrarError, StoreError, TransportError};
use crate::model::{Account, Domain, PasswordAlgorithm, Space, TurnSettings};
use crate::ports::{
    B2buaNotifier, Clock, DeviceRegistry, FileStore, NoB2buaNotifier, NoFileStore, NoNotifier,
    NoPusher, NoSipMessenger, Notifier, PoolUsage, Pusher, SipMessenger, Storage, TokenSource,
};
use crate::validation::{Rule, ValidationErrors};

/// What can go wrong in a use case.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    #[error("invalid input: {0:?}")]
    Validation(ValidationErrors),
    /// No space has the domain the caller named. Apart from `NotFound`: it keeps the domain, which
    /// the command line names in its message.
    #[error("no space for domain {0}")]
    UnknownSpace(String),
    /// Nothing of that kind with that key in the request's space (one of another space is not
    /// found either).
    #[error("not found: {0:?}")]
    NotFound(Entity),
    #[error("the contacts list is already attached to the account")]
    ContactsListAlreadyAttached,
    #[error("the contacts list is not attached to the account")]
    ContactsListNotAttached,
    #[error("the account type is already attached to the account")]
    AccountTypeAlreadyAttached,
    #[error("the account type is not attached to the account")]
    AccountTypeNotAttached,
    /// DTMF actions only exist for an account with a DTMF protocol.
    #[error("the account has no DTMF protocol")]
    DtmfProtocolRequired,
    #[error("already exists: {0:?}")]
    Conflict(Conflict),
    #[error("the space has reached its maximum number of accounts")]
    SpaceFull,
    /// The space's `public_registration` is off: strangers may not sign up (an admin's
    /// invitation, a creation token it minted, still registers).
    #[error("public registration is closed on this space")]
    RegistrationClosed,
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
    /// The database failed (`Unavailable`, `Backend`); every other store error has its own
    /// variant (`From<StoreError>`).
    #[error(transparent)]
    Storage(StoreError),
    #[error(transparent)]
    Registrar(RegistrarError),
    /// The account never spent a creation token: it has not proved who it is (the original's
    /// "unvalidated" account), so it gets no codes sent.
    #[error("account unvalidated")]
    AccountUnvalidated,
    /// The change code is older than its lifetime.
    #[error("the code has expired")]
    CodeExpired,
    /// Wrong codes wore the change code out: a new one must be asked for.
    #[error("too many wrong codes")]
    CodeWornOut,
    /// The account has no e-mail address to send to.
    #[error("the account has no e-mail address")]
    NoEmailAddress,
    /// Nothing can carry a message on this channel (no transport configured); nothing changed.
    #[error("no transport for {0:?}")]
    NoTransport(Channel),
    /// The transport refused the message or could not be reached; nothing changed.
    #[error("not sent: {0}")]
    NotSent(TransportError),
    /// A token was pushed to this device within the retry window (`Retry-After`).
    #[error("last token requested too recently; retry in {retry_after_seconds} s")]
    TokenRequestedTooRecently { retry_after_seconds: u64 },
    /// A token could not be pushed (nothing pushes to the provider, or the push failed); no
    /// token was kept.
    #[error("token not sent: {0}")]
    TokenNotSent(TransportError),
    /// A push notification could not be sent (nothing pushes to the provider, or it failed).
    #[error("push notification not sent: {0}")]
    PushNotSent(TransportError),
    #[error("the account has no e-mail address to send voicemails to")]
    VoicemailNeedsEmail,
    /// linphone-daemon refused the SIP MESSAGE; its reason, for the client.
    #[error("message refused: {0}")]
    SipMessageRefused(String),
    /// linphone-daemon could not be reached or did not answer in time.
    #[error("message not sent: {0}")]
    SipMessageNotSent(TransportError),
    /// A client certificate (from the TLS terminator) that does not log in; nothing else is
    /// tried, as the original.
    #[error("client certificate refused: {0:?}")]
    ClientCertificateRefused(ClientCertificateRefusal),
    /// The space does not let admins set its accounts' CardDAV credentials
    /// (`carddav_user_credentials`).
    #[error("CardDAV credentials are disabled in this space")]
    CardDavCredentialsDisabled,
}

/// Why a client certificate does not log in (`/provisioning/me`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClientCertificateRefusal {
    /// The space does not have `client_certificate_authentication`.
    NotEnabled,
    /// The subject does not start with `CN=`.
    NoCommonName,
    /// The common name is not a SIP address.
    NotSipAddress,
    /// No account of the request's space has that address.
    UnknownAccount,
}

/// How a message reaches a person.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Channel {
    Email,
    Sms,
}

/// What a [`ServiceError::NotFound`] did not find; the HTTP adapter picks the message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Entity {
    Account,
    AccountType,
    AccountAction,
    AccountCreationToken,
    /// Unknown, used, or not validated yet.
    AccountCreationRequestToken,
    ApiKey,
    AuthToken,
    PhoneCountry,
    ContactsList,
    /// The account is not a contact of the one asked about.
    Contact,
    /// The account is not a member of the contacts list.
    ContactsListMember,
    Device,
    /// Unknown or already used.
    ProvisioningToken,
    /// The space has no e-mail server of its own.
    SpaceEmailServer,
    /// No e-mail or phone change code to confirm (none asked for, or already used).
    ChangeCode,
    /// No TURN server is configured (`[turn]`).
    TurnService,
    CallForwarding,
    /// The account has no external account.
    ExternalAccount,
    Voicemail,
    /// No call statistics of that id in the request's space.
    StatisticsCall,
    /// No message statistics of that id in the request's space.
    StatisticsMessage,
    /// No linphone-daemon is configured (`[messages] linphone_daemon_socket`).
    SipMessages,
    /// A row the storage did not find and cannot name ([`StoreError::NotFound`]: a foreign key
    /// to a missing row, a change to a row that is gone): storage answers cannot say which.
    Unnamed,
    /// The account has no stored vCard of that `UID`.
    Vcard,
    /// No CardDAV server of that id in the space.
    CardDavServer,
    /// The account has no credentials on that CardDAV server.
    CardDavCredentials,
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
            StoreError::NotFound => Self::NotFound(Entity::Unnamed),
            StoreError::TokenSpent => Self::Validation(ValidationErrors::single(
                "account_creation_token",
                Rule::ValidToken,
            )),
            StoreError::LastSuperSpace => {
                Self::Validation(ValidationErrors::single("super", Rule::LastSuperSpace))
            }
            // Listed, not `_`: a new store error needs its own decision here.
            e @ (StoreError::Unavailable(_) | StoreError::Backend(_)) => Self::Storage(e),
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
pub mod accounts;
mod actions;
mod api_keys;
mod audit;
mod auth_tokens;
mod blocking;
pub mod call_forwardings;
pub mod carddavs;
pub mod change_codes;
pub mod contacts;
pub mod devices;
mod dictionary;
pub mod expiration_emails;
pub mod external_accounts;
pub mod notices;
mod passwords;
mod phone_countries;
pub mod provisioning;
pub mod push_tokens;
pub mod recovery;
pub mod registration;
pub mod reset_password;
mod secrets;
pub mod sign_up;
mod space_cache;
pub mod space_email_servers;
mod spaces;
pub mod statistics;
mod turn;
mod unconfirmed;
pub mod vcards;
pub mod voicemails;
pub mod wizards;

pub use api_keys::API_KEY_LENGTH;
pub use auth_tokens::AUTH_TOKEN_TTL_MINUTES;
pub use blocking::BlockingSettings;
pub use change_codes::ChangeCodeSettings;
use devices::NoDeviceRegistry;
pub use passwords::MIN_PASSWORD_LENGTH;
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
    /// Lifetimes of e-mail and phone change codes.
    pub change_codes: ChangeCodeSettings,
    /// When asking for codes blocks an account.
    pub blocking: BlockingSettings,
    /// Lifetime of the codes the public pages send (recovery and sign-up); `None`: forever.
    pub recovery_code_ttl: Option<Duration>,
    /// Lifetime of reset-password links; `None`: forever.
    pub reset_password_token_ttl: Option<Duration>,
    /// Lifetime of account recovery tokens; `None`: forever.
    pub account_recovery_token_ttl: Option<Duration>,
    /// The TURN servers credentials are made for; `None`: no TURN service.
    pub turn: Option<TurnSettings>,
    /// `send-by-push` of creation tokens refuses a device that got one within this window
    /// (`account_creation_token_retry_minutes`); `None`: no throttle.
    pub account_creation_token_retry: Option<Duration>,
    /// The same for recovery tokens (`account_recovery_token_retry_minutes`). The original reads
    /// this key but never defines it (its window is about zero); here it is a real setting.
    pub account_recovery_token_retry: Option<Duration>,
}

/// The use cases, over the ports.
#[derive(Clone)]
pub struct Services {
    /// Reached only through the use cases (tests and tools: [`Services::storage_for_tests`]).
    storage: Arc<dyn Storage>,
    pub clock: Arc<dyn Clock>,
    pub tokens: Arc<dyn TokenSource>,
    pub settings: ServiceSettings,
    /// The SIP registrar's devices; [`NoDeviceRegistry`] when the deployment has none.
    pub registrar: Arc<dyn DeviceRegistry>,
    /// How long a provisioning token stays usable after its creation; `None`: forever.
    pub provisioning_token_ttl: Option<Duration>,
    /// Renders and sends what the use cases tell people; [`NoNotifier`] when nothing can be sent.
    pub notifier: Arc<dyn Notifier>,
    /// Delivers pushes to Linphone apps; [`NoPusher`] when nothing can be pushed.
    pub pusher: Arc<dyn Pusher>,
    /// Tells Flexisip's B2BUA about external-account changes; [`NoB2buaNotifier`] without Redis.
    pub b2bua: Arc<dyn B2buaNotifier>,
    /// Where voicemail files are; [`NoFileStore`] when there are none.
    pub files: Arc<dyn FileStore>,
    /// Sends SIP MESSAGEs (`POST /api/messages`); [`NoSipMessenger`] without linphone-daemon.
    pub sip_messenger: Arc<dyn SipMessenger>,
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
            notifier: Arc::new(NoNotifier),
            pusher: Arc::new(NoPusher),
            b2bua: Arc::new(NoB2buaNotifier),
            files: Arc::new(NoFileStore),
            sip_messenger: Arc::new(NoSipMessenger),
            spaces: Arc::default(),
        }
    }

    #[must_use]
    pub fn with_notifier(mut self, notifier: Arc<dyn Notifier>) -> Self {
        self.notifier = notifier;
        self
    }

    #[must_use]
    pub fn with_pusher(mut self, pusher: Arc<dyn Pusher>) -> Self {
        self.pusher = pusher;
        self
    }

    #[must_use]
    pub fn with_b2bua(mut self, b2bua: Arc<dyn B2buaNotifier>) -> Self {
        self.b2bua = b2bua;
        self
    }

    #[must_use]
    pub fn with_sip_messenger(mut self, messenger: Arc<dyn SipMessenger>) -> Self {
        self.sip_messenger = messenger;
        self
    }

    #[must_use]
    pub fn with_files(mut self, files: Arc<dyn FileStore>) -> Self {
        self.files = files;
        self
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

    /// The storage itself, for black-box tests and tools (seeding, checks behind the API's
    /// back); the server reaches it only through the use cases.
    #[doc(hidden)]
    pub fn storage_for_tests(&self) -> &Arc<dyn Storage> {
        &self.storage
    }

    /// Whether the database answers.
    ///
    /// # Errors
    /// Storage failures.
    pub async fn ping(&self) -> ServiceResult<()> {
        Ok(self.storage.ping().await?)
    }

    /// Connections of the database pool, open and idle (`None` when there is no pool).
    pub fn pool_usage(&self) -> Option<PoolUsage> {
        self.storage.pool_usage()
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
}
